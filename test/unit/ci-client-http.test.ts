// The Woodpecker client against a scripted loopback server (node:http) playing the server
// behaviours the sandbox CI does not reproduce: a 2.x server that ignores list filters, paging
// without headers, the 204 Pipeline-Filtered answer, and pre-3.14 duplicate-cron 500s. The
// sandbox integration tests cover the normal paths against a real implementation.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { CiConflictError, CiValidationError, PipelineFilteredError } from "../../src/ci/errors.ts";
import { WoodpeckerCi, woodpeckerApiBase } from "../../src/ci/woodpecker/ci.ts";
import { HttpError } from "../../src/http/errors.ts";

const TOKEN = "wp-token-0123456789abcdef0123456789";

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  auth: string | undefined;
  body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

let server: Server;
let root: string;
let seen: Seen[] = [];
let handler: Handler = (_req, res) => res.end("{}");

before(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const s: Seen = { method: req.method ?? "", path: url.pathname, query: url.searchParams, auth: req.headers.authorization, body: Buffer.concat(chunks).toString("utf8") };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
});

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain" });
  res.end(body);
}

const ci = (): WoodpeckerCi => new WoodpeckerCi({ url: root, token: TOKEN, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxTotalMs: 1000 } });

// A pipeline as 2.x lists it.
const v2Item = (n: number, branch: string, event: string, status: string): Record<string, unknown> => ({ id: 1000 + n, number: n, branch, event, status, ref: `refs/heads/${branch}`, created_at: 1_700_000_000 + n });

describe("Woodpecker client: wire format", () => {
  it("sends a Bearer token to <root>/api and accepts a base URL ending in /api", async () => {
    handler = (_r, res) => json(res, 200, { id: 5, full_name: "acme/widget", forge_remote_id: "42", active: true });
    for (const url of [root, `${root}/`, `${root}/api`]) {
      const c = new WoodpeckerCi({ url, token: TOKEN });
      const repo = await c.lookupRepo("acme/widget");
      assert.equal(repo?.id, 5);
      await c.close();
    }
    assert.deepEqual(
      seen.map((s) => [s.method, s.path, s.auth]),
      Array.from({ length: 3 }, () => ["GET", "/api/repos/lookup/acme/widget", `Bearer ${TOKEN}`]),
    );
    assert.equal(woodpeckerApiBase("https://ci.example/sub/"), "https://ci.example/sub/api");
  });

  it("lookup of a nested full name keeps its slashes; 404 is undefined", async () => {
    handler = (_r, res) => text(res, 404, "Repo not found");
    const c = ci();
    assert.equal(await c.lookupRepo("group/sub/widget"), undefined);
    assert.equal(seen[0]?.path, "/api/repos/lookup/group/sub/widget");
    await assert.rejects(c.lookupRepo("widget"), /owner\/name/);
    await c.close();
  });

  it("list: filters go to the server and are re-applied locally (2.x ignores them); pages of 50 until a short one", async () => {
    // A 2.x server: ignores branch/event/status, pages by page/perPage.
    const all = Array.from({ length: 120 }, (_, i) => v2Item(120 - i, i % 3 === 0 ? "main" : "feature", i % 2 === 0 ? "push" : "cron", i % 5 === 0 ? "failure" : "success"));
    handler = (r, res) => {
      const page = Number(r.query.get("page"));
      const per = Number(r.query.get("perPage"));
      json(res, 200, all.slice((page - 1) * per, page * per));
    };
    const c = ci();
    const got = await c.repo(3).pipelines.list({ branch: "main", event: ["push", "manual"], status: "success", after: new Date("2024-01-02T03:04:05Z") });
    const expected = all.filter((p) => p.branch === "main" && p.event === "push" && p.status === "success").map((p) => p.number);
    assert.deepEqual(
      got.map((p) => p.number),
      expected,
    );
    assert.ok(expected.length > 0);
    assert.deepEqual(
      seen.map((s) => s.query.get("page")),
      ["1", "2", "3"],
    );
    const q = seen[0]?.query;
    assert.equal(q?.get("perPage"), "50");
    assert.equal(q?.get("branch"), "main");
    assert.equal(q?.get("event"), "push,manual");
    assert.equal(q?.get("status"), "success");
    assert.equal(q?.get("after"), "2024-01-02T03:04:05.000Z");
    assert.equal(seen[0]?.path, "/api/repos/3/pipelines");
    await c.close();
  });

  it("list: max stops paging early, perPage is capped at 50, page fetches one page", async () => {
    handler = (r, res) => {
      const page = Number(r.query.get("page"));
      const per = Number(r.query.get("perPage"));
      json(res, 200, Array.from({ length: per }, (_, i) => v2Item(10_000 - (page - 1) * per - i, "main", "push", "success")));
    };
    const c = ci();
    assert.equal((await c.repo(3).pipelines.list({ max: 60 })).length, 60);
    assert.equal(seen.length, 2);
    seen = [];
    assert.equal((await c.repo(3).pipelines.list({ page: 4, perPage: 500 })).length, 50);
    assert.deepEqual([seen.length, seen[0]?.query.get("page"), seen[0]?.query.get("perPage")], [1, "4", "50"]);
    await c.close();
  });

  it("create: 204 + Pipeline-Filtered is a typed error, not a pipeline", async () => {
    handler = (_r, res) => {
      res.writeHead(204, { "Pipeline-Filtered": "true" });
      res.end();
    };
    const c = ci();
    await assert.rejects(c.repo(3).pipelines.create({ branch: "main", variables: { AGENT: "dev" } }), (err: unknown) => {
      assert.ok(err instanceof PipelineFilteredError);
      assert.equal(err.repoId, 3);
      assert.match(err.message, /no workflow/);
      return true;
    });
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ""), { branch: "main", variables: { AGENT: "dev" } });
    assert.equal(seen.length, 1, "a start request is never retried");
    // The same answer to a cron run.
    await assert.rejects(c.repo(3).crons.run(9), PipelineFilteredError);
    // 204 without the header is something else: an error, but not "filtered".
    handler = (_r, res) => {
      res.writeHead(204);
      res.end();
    };
    await assert.rejects(c.repo(3).pipelines.create({ branch: "main" }), (err: unknown) => !(err instanceof PipelineFilteredError) && /HTTP 204 without a pipeline/.test(String(err)));
    await c.close();
  });

  it("restart: variables become query parameters; Woodpecker's own names are refused", async () => {
    handler = (_r, res) => json(res, 200, { id: 2, number: 8, parent: 7, status: "pending", event: "push" });
    const c = ci();
    const p = await c.repo(3).pipelines.restart(7, { variables: { RETRY: "infra" } });
    assert.equal(p.parent, 7);
    assert.equal(seen[0]?.path, "/api/repos/3/pipelines/7");
    assert.equal(seen[0]?.query.get("RETRY"), "infra");
    assert.equal(seen[0]?.query.get("event"), null);
    await assert.rejects(c.repo(3).pipelines.restart(7, { variables: { event: "x" } }), /reserved/);
    await assert.rejects(c.repo(3).pipelines.restart(7, { variables: { access_token: "x" } }), /reserved/);
    assert.equal(seen.length, 1);
    await c.close();
  });

  it("logs are addressed by step id and decoded; 2/3/4 entry types are not output lines", async () => {
    const b64 = (s: string): string => Buffer.from(s).toString("base64");
    handler = (_r, res) =>
      json(res, 200, [
        { id: 1, step_id: 78, time: 0, line: 0, data: b64("+ npm test\n"), type: 0 },
        { id: 2, step_id: 78, time: 1, line: 1, data: b64("boom\nsecond\n"), type: 1 },
        { id: 3, step_id: 78, time: 1, line: 2, data: b64("1"), type: 2 },
      ]);
    const c = ci();
    assert.deepEqual(await c.repo(3).pipelines.logLines(12, 78), ["+ npm test", "boom", "second"]);
    assert.equal(seen[0]?.path, "/api/repos/3/logs/12/78");
    await c.close();
  });
});

describe("Woodpecker client: crons", () => {
  it("create always sends enabled: true", async () => {
    handler = (r, res) => json(res, 200, { id: 4, ...(JSON.parse(r.body) as object), repo_id: 3, created: 1_700_000_000 });
    const c = ci();
    const cron = await c.repo(3).crons.create({ name: "disinto-dev", schedule: "*/5 * * * *", variables: { AGENT: "dev" } });
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ""), { name: "disinto-dev", schedule: "*/5 * * * *", branch: "", enabled: true, variables: { AGENT: "dev" } });
    assert.equal(cron.enabled, true);
    await c.close();
  });

  it("409 → CiConflictError, 422 → CiValidationError with the server's text", async () => {
    const c = ci();
    handler = (_r, res) => text(res, 409, "cron with name disinto-dev already exists");
    await assert.rejects(c.repo(3).crons.create({ name: "disinto-dev", schedule: "@every 5m" }), CiConflictError);
    handler = (_r, res) => text(res, 422, "can't parse schedule: expected exactly 5 fields, found 6");
    await assert.rejects(c.repo(3).crons.create({ name: "x", schedule: "0 */5 * * * *" }), (err: unknown) => err instanceof CiValidationError && /5 fields/.test(err.message));
    await c.close();
  });

  it("a pre-3.14 duplicate (500) is recognised by looking for the name", async () => {
    handler = (r, res) => {
      if (r.method === "POST") return text(res, 500, "UNIQUE constraint failed: crons.name, crons.repo_id");
      json(res, 200, [{ id: 4, name: "disinto-dev", schedule: "*/5 * * * *", created_at: 1 }]);
    };
    const c = ci();
    await assert.rejects(c.repo(3).crons.create({ name: "disinto-dev", schedule: "*/5 * * * *" }), CiConflictError);
    // A 500 for some other reason stays the HTTP error.
    await assert.rejects(c.repo(3).crons.create({ name: "other", schedule: "*/5 * * * *" }), (err: unknown) => err instanceof HttpError && err.status === 500);
    await c.close();
  });
});

describe("Woodpecker client: secrets", () => {
  it("set creates when absent, updates when present, never echoes the value in errors", async () => {
    const store = new Map<string, Record<string, unknown>>();
    handler = (r, res) => {
      const name = decodeURIComponent(r.path.split("/")[5] ?? "");
      if (r.method === "GET") return store.has(name) ? json(res, 200, { id: 1, ...store.get(name), value: undefined }) : text(res, 404, "secret not found");
      const body = JSON.parse(r.body) as Record<string, unknown>;
      if (body.events !== undefined && (body.events as string[]).includes("bogus")) return text(res, 400, `Invalid Secret Event: 'bogus' for value ${String(body.value)}`);
      store.set(String(body.name), body);
      json(res, 200, { id: 1, ...body, value: undefined });
    };
    const c = ci();
    const first = await c.repo(3).secrets.set({ name: "forge_token", value: "s3cr3t-value-1", events: ["cron", "manual"], images: ["disinto/dev"] });
    assert.equal(first.created, true);
    assert.deepEqual(first.secret.events, ["cron", "manual"]);
    const second = await c.repo(3).secrets.set({ name: "forge_token", value: "s3cr3t-value-2", events: ["cron"] });
    assert.equal(second.created, false);
    assert.deepEqual(
      seen.map((s) => `${s.method} ${s.path}`),
      ["GET /api/repos/3/secrets/forge_token", "POST /api/repos/3/secrets", "GET /api/repos/3/secrets/forge_token", "PATCH /api/repos/3/secrets/forge_token"],
    );
    assert.deepEqual(JSON.parse(seen[3]?.body ?? ""), { name: "forge_token", value: "s3cr3t-value-2", events: ["cron"], images: [] });
    await assert.rejects(c.repo(3).secrets.set({ name: "other", value: "s3cr3t-value-3", events: ["bogus"] }), (err: unknown) => {
      assert.ok(err instanceof CiValidationError);
      assert.doesNotMatch(err.message, /s3cr3t-value-3/);
      assert.match(err.message, /Invalid Secret Event/);
      return true;
    });
    await assert.rejects(c.repo(3).secrets.set({ name: "x", value: "v-value", events: [] }), /at least one event/);
    await c.close();
  });
});

describe("Woodpecker client: repos", () => {
  it("activation is idempotent: active → no POST; 409 → the looked-up repo", async () => {
    let active = false;
    handler = (r, res) => {
      if (r.method === "GET") return active ? json(res, 200, { id: 5, full_name: "acme/widget", forge_remote_id: "42", active: true }) : text(res, 404, "not found");
      active = true; // someone else activated meanwhile
      text(res, 409, "Repository is already active.");
    };
    const c = ci();
    const repo = await c.activateRepo({ forgeRemoteId: 42, fullName: "acme/widget" });
    assert.equal(repo.id, 5);
    assert.deepEqual(
      seen.map((s) => `${s.method} ${s.path}${s.method === "POST" ? `?${s.query.toString()}` : ""}`),
      ["GET /api/repos/lookup/acme/widget", "POST /api/repos?forge_remote_id=42", "GET /api/repos/lookup/acme/widget"],
    );
    seen = [];
    await c.activateRepo({ forgeRemoteId: "42", fullName: "acme/widget" });
    assert.equal(seen.length, 1);
    await c.close();
  });

  it("request stats count by route template", async () => {
    handler = (_r, res) => json(res, 200, { id: 1, number: 1, status: "success", event: "push" });
    const c = ci();
    await c.repo(3).pipelines.get(1);
    await c.repo(4).pipelines.get(2);
    const stats = c.requestStats();
    assert.equal(stats.total, 2);
    assert.equal(stats.byRoute["GET /repos/{repo_id}/pipelines/{number}"], 2);
    await c.close();
  });
});
