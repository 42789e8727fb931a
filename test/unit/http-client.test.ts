// The shared HTTP layer against a scripted loopback server (node:http): auth, query, JSON,
// schema parsing, typed errors, redaction, timeouts, retry rules and the request counter.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { z } from "zod";
import { HttpClient, buildPath, type HttpClientOptions } from "../../src/http/client.ts";
import { HttpError, NetworkError, SchemaError, TimeoutError, isUnknownOutcome } from "../../src/http/errors.ts";

const TOKEN = "0123456789abcdef0123456789abcdef01234567";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string, n: number) => void;

let server: Server;
let base: string;
let seen: Seen[] = [];
let handler: Handler = (_req, res) => res.end("{}");

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, res, body, seen.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
});

const delays: number[] = [];
function client(opts: Partial<HttpClientOptions> = {}): HttpClient {
  delays.length = 0;
  return new HttpClient({
    baseUrl: base,
    authorization: `token ${TOKEN}`,
    secret: TOKEN,
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, maxTotalMs: 60_000 },
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    ...opts,
  });
}

function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
}

const GET_ISSUE = { method: "GET", path: "/repos/{owner}/{repo}/issues/{index}" } as const;
const POST_ISSUE = { method: "POST", path: "/repos/{owner}/{repo}/issues" } as const;
const PATCH_ISSUE = { method: "PATCH", path: "/repos/{owner}/{repo}/issues/{index}" } as const;
const GET_FILE = { method: "GET", path: "/repos/{owner}/{repo}/contents/{filepath}" } as const;
const params = { owner: "o", repo: "r", index: 7 };
const issue = z.object({ number: z.number(), title: z.string() });

describe("HttpClient requests", () => {
  it("sends the auth header, JSON body and query, and parses the response with the schema", async () => {
    handler = (_req, res) => json(res, 201, { number: 7, title: "t", extra: "ignored" });
    const http = client();
    const res = await http.json(POST_ISSUE, issue, { params, body: { title: "t" }, query: { state: "open", labels: [1, 2], skip: undefined, since: new Date(0) } });
    assert.deepEqual(res.data, { number: 7, title: "t" });
    assert.equal(res.status, 201);
    const req = seen[0];
    assert.ok(req);
    assert.equal(req.method, "POST");
    assert.equal(req.url, "/api/v1/repos/o/r/issues?state=open&labels=1&labels=2&since=1970-01-01T00%3A00%3A00.000Z");
    assert.equal(req.headers.authorization, `token ${TOKEN}`);
    assert.equal(req.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(req.body), { title: "t" });
    await http.close();
  });

  it("encodes path parameters per segment and keeps slashes of multi-segment values", () => {
    assert.equal(buildPath(GET_FILE.path, { owner: "o w", repo: "r", filepath: ["locks", "a b#.json"] }), "/repos/o%20w/r/contents/locks/a%20b%23.json");
    assert.equal(buildPath("/x/{index}.{diffType}", { index: 3, diffType: "diff" }), "/x/3.diff");
    assert.throws(() => buildPath(GET_ISSUE.path, { owner: "o", repo: "r" }), /missing path parameter index/);
  });

  it("throws SchemaError naming the path and the offending field", async () => {
    handler = (_req, res) => json(res, 200, { number: "seven", title: "t" });
    const http = client();
    const err = await http.json(GET_ISSUE, issue, { params }).catch((e: unknown) => e);
    assert.ok(err instanceof SchemaError);
    assert.equal(err.path, "/repos/o/r/issues/7");
    assert.match(err.message, /GET \/repos\/o\/r\/issues\/7: unexpected response shape: number: /);
    assert.equal(seen.length, 1, "a schema error is not retried");
    await http.close();
  });

  it("throws HttpError with method, path without query, status, and a redacted body snippet", async () => {
    handler = (_req, res) => json(res, 422, { message: `bad token ${TOKEN} given`, url: "https://x/swagger" });
    const http = client();
    const err = await http.json(POST_ISSUE, issue, { params, body: {}, query: { token: "querysecret" } }).catch((e: unknown) => e);
    assert.ok(err instanceof HttpError);
    assert.equal(err.method, "POST");
    assert.equal(err.path, "/repos/o/r/issues");
    assert.equal(err.route, POST_ISSUE.path);
    assert.equal(err.status, 422);
    assert.equal(err.serverMessage, "bad token ******** given");
    for (const text of [err.message, err.bodySnippet, String(err.stack)]) {
      assert.ok(!text.includes(TOKEN), "token leaked");
      assert.ok(!text.includes("querysecret"), "query leaked");
    }
    await http.close();
  });

  it("cuts long error bodies to a snippet", async () => {
    handler = (_req, res) => {
      res.writeHead(400);
      res.end("x".repeat(5000));
    };
    const http = client();
    const err = await http.text(GET_ISSUE, { params }).catch((e: unknown) => e);
    assert.ok(err instanceof HttpError);
    assert.ok(err.bodySnippet.length < 400);
    await http.close();
  });

  it("throws TimeoutError when the response does not complete in time (and retries GETs)", async () => {
    handler = () => {
      /* never answer */
    };
    const http = client({ timeoutMs: 50, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 10_000 } });
    const err = await http.json(GET_ISSUE, issue, { params }).catch((e: unknown) => e);
    assert.ok(err instanceof TimeoutError);
    assert.equal(err.attempts, 2);
    assert.ok(isUnknownOutcome(err));
    await http.close();
  });

  it("reports a refused connection as a NetworkError that certainly did not reach the server", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const http = client({ baseUrl: `http://127.0.0.1:${port}/api/v1`, retry: { maxAttempts: 1 } });
    const err = await http.json(POST_ISSUE, issue, { params, body: {} }).catch((e: unknown) => e);
    assert.ok(err instanceof NetworkError, String(err));
    assert.equal(err.code, "ECONNREFUSED");
    assert.equal(err.mayHaveReachedServer, false);
    assert.ok(!isUnknownOutcome(err));
    await http.close();
  });

  it("reports a connection dropped mid-request as an unknown outcome", async () => {
    handler = (req) => req.socket.destroy();
    const http = client({ retry: { maxAttempts: 1 } });
    const err = await http.json(POST_ISSUE, issue, { params, body: {} }).catch((e: unknown) => e);
    assert.ok(err instanceof NetworkError, String(err));
    assert.equal(err.mayHaveReachedServer, true);
    assert.ok(isUnknownOutcome(err));
    await http.close();
  });
});

describe("HttpClient retries", () => {
  it("retries a GET on 5xx with growing jittered delays, and counts every attempt", async () => {
    handler = (_req, res, _b, n) => (n < 3 ? json(res, 502, { message: "bad gateway" }) : json(res, 200, { number: 7, title: "t" }));
    const http = client();
    const res = await http.json(GET_ISSUE, issue, { params });
    assert.equal(res.data.number, 7);
    assert.equal(seen.length, 3);
    // base 100 ms: attempt 1 → 100*(0.5+0.5*0.5) = 75, attempt 2 → 200*0.75 = 150
    assert.deepEqual(delays, [75, 150]);
    assert.deepEqual(http.stats(), { total: 3, retries: 2, byRoute: { [`GET ${GET_ISSUE.path}`]: 3 } });
    await http.close();
  });

  it("gives up after maxAttempts with the last error", async () => {
    handler = (_req, res) => json(res, 503, { message: "down" });
    const http = client({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 60_000 } });
    const err = await http.json(GET_ISSUE, issue, { params }).catch((e: unknown) => e);
    assert.ok(err instanceof HttpError);
    assert.equal(err.status, 503);
    assert.equal(err.attempts, 3);
    assert.match(err.message, /after 3 attempts/);
    assert.equal(seen.length, 3);
    await http.close();
  });

  it("stops early when the next wait would exceed the total time budget", async () => {
    handler = (_req, res) => json(res, 500, {});
    const http = client({ retry: { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 1000, maxTotalMs: 500 } });
    await assert.rejects(http.json(GET_ISSUE, issue, { params }), HttpError);
    assert.equal(seen.length, 1);
    assert.deepEqual(delays, []);
    await http.close();
  });

  it("honours Retry-After on 429 (capped by maxDelayMs)", async () => {
    handler = (_req, res, _b, n) => (n === 1 ? json(res, 429, {}, { "retry-after": "1" }) : n === 2 ? json(res, 429, {}, { "retry-after": "3600" }) : json(res, 200, { number: 7, title: "t" }));
    const http = client({ retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 2000, maxTotalMs: 60_000 } });
    await http.json(GET_ISSUE, issue, { params });
    assert.deepEqual(delays, [1000, 2000]);
    await http.close();
  });

  it("never retries a POST, even on 5xx", async () => {
    handler = (_req, res) => json(res, 500, {});
    const http = client();
    const err = await http.json(POST_ISSUE, issue, { params, body: {} }).catch((e: unknown) => e);
    assert.ok(err instanceof HttpError && err.status === 500);
    assert.equal(seen.length, 1);
    assert.ok(isUnknownOutcome(err));
    await http.close();
  });

  it("retries a PATCH only when the caller marks it idempotent", async () => {
    handler = (_req, res, _b, n) => (n % 2 === 1 ? json(res, 500, {}) : json(res, 201, { number: 7, title: "t" }));
    const http = client();
    await assert.rejects(http.json(PATCH_ISSUE, issue, { params, body: { state: "closed" } }), HttpError);
    assert.equal(seen.length, 1);
    seen = [];
    const res = await http.json(PATCH_ISSUE, issue, { params, body: { state: "closed" }, idempotent: true });
    assert.equal(res.status, 201);
    assert.equal(seen.length, 2);
    await http.close();
  });

  it("does not retry a 4xx", async () => {
    handler = (_req, res) => json(res, 404, { message: "not found" });
    const http = client();
    await assert.rejects(http.json(GET_ISSUE, issue, { params }), (e: unknown) => e instanceof HttpError && e.status === 404);
    assert.equal(seen.length, 1);
    await http.close();
  });

  it("estimates the server clock from the Date header", async () => {
    const serverTime = Date.parse("2030-01-01T00:00:00Z");
    handler = (_req, res) => json(res, 200, { number: 7, title: "t" }, { date: new Date(serverTime).toUTCString() });
    const http = client();
    await http.json(GET_ISSUE, issue, { params });
    const skew = Math.abs(http.serverNow().getTime() - serverTime);
    assert.ok(skew < 2_000, `estimate off by ${skew} ms`);
    await http.close();
  });
});

describe("HttpClient request bodies", () => {
  const PUT_FILE = { method: "PUT", path: "/repos/{owner}/{repo}/contents/{filepath}" } as const;
  const b64 = (s: string): string => Buffer.from(s).toString("base64");

  it("redacts every string of a JSON body before it leaves: the token, nested values, array items, credential shapes", async () => {
    handler = (_req, res) => json(res, 201, { number: 7, title: "t" });
    const http = client();
    const body = { title: `fix ${TOKEN}`, body: "see\nAPI_KEY=hunter2hunter2", labels: [3, 4], nested: { items: [`x ${TOKEN}`, "plain"] }, n: 5, flag: true };
    await http.json(POST_ISSUE, issue, { params, body });
    assert.deepEqual(JSON.parse(seen[0]!.body), { title: "fix ********", body: "see\nAPI_KEY=********", labels: [3, 4], nested: { items: ["x ********", "plain"] }, n: 5, flag: true });
    // The caller's object is not changed.
    assert.equal(body.title, `fix ${TOKEN}`);
    await http.close();
  });

  it("masks registered secrets inside base64 file text, leaves binary content and credential-shaped text there as it is", async () => {
    handler = (_req, res) => json(res, 200, { number: 7, title: "t" });
    const http = client();
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x41]).toString("base64");
    const session = JSON.stringify({ data: "H4sIAAAAAAAAA+3AAQ0AAAjDoPdPbQ8HFAAAAAAAAAAAAAAAAAAAwA0=", note: "token: abcdef0123456789" });
    await http.json(PUT_FILE, issue, { params: { ...params, filepath: ["a.json"] }, body: { content: b64(`secret ${TOKEN}\n`), message: "m" } });
    await http.json(PUT_FILE, issue, { params: { ...params, filepath: ["b.bin"] }, body: { content: binary, message: "m" } });
    await http.json(PUT_FILE, issue, { params: { ...params, filepath: ["c.json"] }, body: { content: b64(session), message: "m" } });
    const sent = seen.map((r) => (JSON.parse(r.body) as { content: string }).content);
    assert.equal(Buffer.from(sent[0]!, "base64").toString(), "secret ********\n");
    assert.equal(sent[1], binary);
    assert.equal(sent[2], b64(session));
    await http.close();
  });

  it("sends the fields a request names as unredacted exactly as given (a CI secret's value)", async () => {
    handler = (_req, res) => json(res, 200, { number: 7, title: "t" });
    const http = client();
    await http.json(POST_ISSUE, issue, { params, body: { name: "t", value: TOKEN, note: TOKEN }, unredacted: ["value"] });
    assert.deepEqual(JSON.parse(seen[0]!.body), { name: "t", value: TOKEN, note: "********" });
    await http.close();
  });
});

describe("HttpClient refusing writes (dry run)", () => {
  it("sends reads; fails every other request unsent with the guard's error, telling it the request and a one-line body summary", async () => {
    handler = (_req, res) => json(res, 200, { number: 7, title: "t" });
    const http = client();
    const refused: string[] = [];
    http.refuseWrites({
      refuse(request, summary) {
        refused.push(`${request} — ${summary}`);
        return new Error(`refused ${request}`);
      },
    });
    assert.deepEqual((await http.json(GET_ISSUE, issue, { params })).data, { number: 7, title: "t" });
    await assert.rejects(http.json(POST_ISSUE, issue, { params, body: { title: `T ${TOKEN}`, body: "line one\nline two", labels: [1, 2], skip: undefined } }), /^Error: refused POST \/repos\/o\/r\/issues$/);
    await assert.rejects(http.json(PATCH_ISSUE, issue, { params, body: { assignees: ["dev-bot"] }, idempotent: true }), /refused PATCH/);
    await assert.rejects(http.send({ method: "DELETE", path: "/repos/{owner}/{repo}/issues/{index}/labels/{id}" }, { params: { ...params, id: 3 } }), /refused DELETE/);
    await assert.rejects(http.json({ method: "PUT", path: "/repos/{owner}/{repo}/contents/{filepath}" }, issue, { params: { ...params, filepath: ["f"] }, body: { content: Buffer.from("hello").toString("base64") } }), /refused PUT/);
    assert.equal(seen.length, 1, "only the GET reached the server");
    assert.equal(seen[0]!.method, "GET");
    assert.deepEqual(refused, [
      'POST /repos/o/r/issues — title="T ********" body="line one…" labels=[1,2]',
      'PATCH /repos/o/r/issues/7 — assignees=["dev-bot"]',
      "DELETE /repos/o/r/issues/7/labels/3 — ",
      "PUT /repos/o/r/contents/f — content=<5 bytes>",
    ]);
    assert.equal(http.stats().total, 1, "a refused request is not counted as sent");
    await http.close();
  });
});
