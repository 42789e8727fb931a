// Sandbox forge fault injection: 5xx and dropped connections at the configured rates (and
// reproducible with a seed), latency, forced contents-API CAS conflicts, route globs, and the
// CLI spec parser.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   response bodies are untyped JSON here; test/contract/sandbox-forge.test.ts holds their shapes to the swagger. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startSandboxForge, parseFaults, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { UsageError } from "../../src/lib/errors.ts";
import { api, b64 } from "../helpers/sandbox-forge.ts";

async function statuses(forge: SandboxForge, n: number, path = "/user"): Promise<number[]> {
  const dev = api(forge, "dev-bot");
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await dev("GET", path)).status);
  return out;
}

describe("sandbox forge: fault injection", () => {
  it("answers 500 at the configured rate, reproducibly for a given seed", async () => {
    const rule = { route: "GET /api/v1/user", errorRate: 0.3 };
    const a = await startSandboxForge({ faults: [rule], seedFaultsRandom: 42 });
    const b = await startSandboxForge({ faults: [rule], seedFaultsRandom: 42 });
    try {
      const sa = await statuses(a, 200);
      const sb = await statuses(b, 200);
      assert.deepEqual(sa, sb);
      const errors = sa.filter((s) => s === 500).length;
      assert.equal(sa.filter((s) => s !== 500 && s !== 200).length, 0);
      assert.ok(errors > 30 && errors < 90, `observed ${errors}/200 errors for rate 0.3`);
      const r = await api(a, "dev-bot")("GET", "/version"); // another route: untouched
      assert.equal(r.status, 200);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("drops connections at the configured rate and can be switched off with setFaults", async () => {
    const forge = await startSandboxForge({ faults: [{ route: "* /api/v1/**", dropRate: 0.5 }], seedFaultsRandom: 7 });
    try {
      let dropped = 0;
      for (let i = 0; i < 60; i++) {
        try {
          await fetch(`${forge.url}/api/v1/version`, { headers: { Connection: "close" } });
        } catch {
          dropped++;
        }
      }
      assert.ok(dropped > 10 && dropped < 50, `observed ${dropped}/60 drops for rate 0.5`);
      forge.setFaults([]);
      assert.deepEqual(await statuses(forge, 10, "/version"), Array(10).fill(200));
    } finally {
      await forge.stop();
    }
  });

  it("adds latency to matching requests", async () => {
    const forge = await startSandboxForge({ faults: [{ route: "GET /api/v1/version", latencyMs: 150 }] });
    try {
      const started = performance.now();
      await api(forge, "dev-bot")("GET", "/version");
      assert.ok(performance.now() - started >= 140);
    } finally {
      await forge.stop();
    }
  });

  it("stop() returns only once the requests it cut off have been handled to the end", async () => {
    // The request is in, waiting out its latency, when stop() closes its connection; its handler
    // still runs (here it finds the body gone). stop() must not save state or remove the data
    // dir under a handler that may still write: it waits the latency out.
    const forge = await startSandboxForge({ seed: "demo", faults: [{ route: "POST /api/v1/repos/*/*/contents/**", latencyMs: 400 }] });
    const sent = performance.now();
    const write = api(forge, "dev-bot")("POST", "/repos/demo/calc-ops/contents/late.txt", { content: b64("x") }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    await forge.stop();
    assert.ok(performance.now() - sent >= 390, `stop() returned ${Math.round(performance.now() - sent)} ms after the request, inside its 400 ms latency`);
    await write;
  });

  it("forces contents-API CAS conflicts (409) without touching the branch or other routes", async () => {
    const forge = await startSandboxForge({ seed: "demo", faults: [{ route: "PUT /api/v1/repos/*/*/contents/**", casConflictRate: 1 }] });
    try {
      const dev = api(forge, "dev-bot");
      const cur = await dev("GET", "/repos/demo/calc-ops/contents/README.md");
      const head = (await dev("GET", "/repos/demo/calc-ops/branches/main")).body.commit.id as string;
      const r = await dev("PUT", "/repos/demo/calc-ops/contents/README.md", { content: b64("x"), sha: cur.body.sha });
      assert.equal(r.status, 409);
      assert.match(r.body.message, /sha does not match/);
      assert.equal((await dev("GET", "/repos/demo/calc-ops/branches/main")).body.commit.id, head);
      assert.equal((await dev("POST", "/repos/demo/calc-ops/contents/new.txt", { content: b64("x") })).status, 201);
      forge.setFaults([{ route: "* /api/v1/**", casConflictRate: 1 }]);
      assert.equal((await dev("GET", "/repos/demo/calc-ops/contents/README.md")).status, 200);
      assert.equal((await dev("POST", "/repos/demo/calc-ops/contents/new2.txt", { content: b64("x") })).status, 409);
    } finally {
      await forge.stop();
    }
  });
});

describe("parseFaults", () => {
  it("parses the CLI syntax: defaults the route to the whole API, ';' separates rules", () => {
    assert.deepEqual(parseFaults("5xx=0.2"), [{ route: "* /api/v1/**", errorRate: 0.2 }]);
    assert.deepEqual(parseFaults("route=PUT /api/v1/repos/**,cas=0.5,latency=20; drop=0.1"), [
      { route: "PUT /api/v1/repos/**", casConflictRate: 0.5, latencyMs: 20 },
      { route: "* /api/v1/**", dropRate: 0.1 },
    ]);
    assert.deepEqual(parseFaults(""), []);
  });

  it("rejects bad specs with a UsageError naming the problem", () => {
    assert.throws(() => parseFaults("5xx=2"), (e: unknown) => e instanceof UsageError && /between 0 and 1/.test(e.message));
    assert.throws(() => parseFaults("teapot=1"), (e: unknown) => e instanceof UsageError && /unknown key "teapot"/.test(e.message));
    assert.throws(() => parseFaults("latency=soon"), (e: unknown) => e instanceof UsageError && /needs a number/.test(e.message));
    assert.throws(() => parseFaults("route=/api/v1/**,5xx=0.1"), UsageError);
    assert.throws(() => parseFaults("5xx"), UsageError);
  });
});
