// Link-header pagination and the short-page fallback for endpoints without Link headers.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { z } from "zod";
import { HttpClient } from "../../src/http/client.ts";
import { collect, parseLinkHeader } from "../../src/http/paginate.ts";

const TOTAL = 120;
let server: Server;
let base: string;
let withLink = true;
let pagesServed: number[] = [];

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const page = Number(url.searchParams.get("page") ?? "1");
    const limit = Math.min(50, Number(url.searchParams.get("limit") ?? "30"));
    pagesServed.push(page);
    const items = Array.from({ length: TOTAL }, (_v, i) => ({ n: i + 1 })).slice((page - 1) * limit, page * limit);
    const headers: Record<string, string> = { "content-type": "application/json", "x-total-count": String(TOTAL) };
    const last = Math.ceil(TOTAL / limit);
    if (withLink) {
      // Absolute URLs on a different host, as a server with another ROOT_URL would send.
      const link = (p: number, rel: string): string => `<https://elsewhere.example/api/v1/items?limit=${limit}&page=${p}>; rel="${rel}"`;
      const parts: string[] = [];
      if (page < last) parts.push(link(page + 1, "next"), link(last, "last"));
      if (page > 1) parts.push(link(1, "first"), link(page - 1, "prev"));
      if (parts.length > 0) headers.link = parts.join(",");
    }
    res.writeHead(200, headers);
    res.end(JSON.stringify(items));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const ROUTE = { method: "GET", path: "/items" } as const;
const item = z.object({ n: z.number() });

describe("pagination", () => {
  it("parses RFC 8288 Link headers", () => {
    const links = parseLinkHeader('<https://h/a?page=2&limit=50>; rel="next", <https://h/a?page=3>; rel="last",<https://h/a?page=1>; rel=first');
    assert.equal(links.get("next"), "https://h/a?page=2&limit=50");
    assert.equal(links.get("last"), "https://h/a?page=3");
    assert.equal(links.get("first"), "https://h/a?page=1");
    assert.equal(parseLinkHeader(undefined).size, 0);
  });

  it("follows rel=next through our own base URL: 120 items at 50 per page = 3 requests", async () => {
    withLink = true;
    pagesServed = [];
    const http = new HttpClient({ baseUrl: base });
    const items = await collect(http, ROUTE, item, { limit: 50 });
    assert.equal(items.length, TOTAL);
    assert.deepEqual(items.map((i) => i.n), Array.from({ length: TOTAL }, (_v, i) => i + 1));
    assert.deepEqual(pagesServed, [1, 2, 3]);
    assert.equal(http.stats().byRoute["GET /items"], 3);
    await http.close();
  });

  it("without Link headers, stops at the first short page", async () => {
    withLink = false;
    pagesServed = [];
    const http = new HttpClient({ baseUrl: base });
    const items = await collect(http, ROUTE, item, { limit: 50 });
    assert.equal(items.length, TOTAL);
    assert.deepEqual(pagesServed, [1, 2, 3]);
    await http.close();
  });

  it("fetches a single page when asked for one", async () => {
    withLink = true;
    pagesServed = [];
    const http = new HttpClient({ baseUrl: base });
    const items = await collect(http, ROUTE, item, { limit: 50, page: 2 });
    assert.equal(items.length, 50);
    assert.equal(items[0]?.n, 51);
    assert.deepEqual(pagesServed, [2]);
    await http.close();
  });
});
