// The state store's guarantees under real concurrency: separate OS processes racing through
// the sandbox forge's contents API, with and without injected 5xx, CAS conflicts and answers
// lost after the write landed.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { startSandboxForge, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import { StateStore } from "../../src/state/index.ts";
import { startWorker, type Worker } from "./workers.ts";

const WORKER = "test/fixtures/state-worker.ts";


interface Acquired { acquired: boolean; fence?: number; holder?: string | null }

/** The race suite on one sandbox, without or with injected faults (one test file each, run in parallel). */
export function raceSuite(mode: "clean" | "faults"): void {
  describe(`state store races (${mode === "clean" ? "no faults" : "20% 5xx, forced CAS conflicts and lost answers"})`, () => {
    let sandbox: SandboxForge;
    let workers: Worker[] = [];
    let admin: ForgejoForge;
    let n = 0;

    const repoName = (): string => `ops-${mode}-${++n}`;
    async function opsRepo(): Promise<string> {
      const name = repoName();
      sandbox.setFaults([]);
      await admin.createRepo({ name, autoInit: true });
      if (mode === "faults") {
        // Lost answers: the write lands, and its answer is held back long enough for other
        // writers to build on it before the connection drops (or a 500 arrives). A store that
        // re-applied its update after that would apply it twice.
        const lost = (method: string) => ({ route: `${method} /api/v1/repos/*/*/contents/**`, lostAnswerRate: 0.2, lostAnswerDelayMs: 150 });
        sandbox.setFaults([
          { route: "* /api/v1/**", errorRate: 0.2 },
          { route: "* /api/v1/repos/*/*/contents/**", casConflictRate: 0.2 },
          lost("PUT"),
          lost("POST"),
          lost("DELETE"),
        ]);
      }
      return `admin/${name}`;
    }
    function spawnWorkers(count: number, repo: string): Worker[] {
      const ws = Array.from({ length: count }, (_, i) =>
        startWorker(WORKER, `${i}`, { FORGE_URL: sandbox.url, FORGE_TOKEN: sandbox.users["admin"]!.token, OPS_REPO: repo }),
      );
      workers.push(...ws);
      return ws;
    }
    async function stopWorkers(): Promise<void> {
      await Promise.all(workers.map((w) => w.kill()));
      workers = [];
    }
    async function readText(repo: string, path: string): Promise<string | undefined> {
      sandbox.setFaults([]);
      const [owner, name] = repo.split("/") as [string, string];
      const store = new StateStore({ contents: admin.repo({ owner, name }).contents, author: { agent: "test" } });
      return (await store.readText(path))?.value;
    }

    before(async () => {
      sandbox = await startSandboxForge({ seed: "empty", seedFaultsRandom: 7 });
      admin = new ForgejoForge({ url: sandbox.url, token: sandbox.users["admin"]!.token });
    });
    after(async () => {
      await stopWorkers();
      await admin.close();
      await sandbox.stop();
    });

    const rounds = mode === "clean" ? 30 : 10;
    it(`16 processes race for one lease ${rounds} times: exactly one winner each time`, async () => {
      const repo = await opsRepo();
      const ws = spawnWorkers(16, repo);
      let lastFence = 0;
      for (let round = 1; round <= rounds; round++) {
        const results = await Promise.all(ws.map((w) => w.send<Acquired>({ op: "acquire", name: "dev/demo/dev-bot", ttlMs: 60_000 })));
        const winners = results.map((r, i) => ({ r, i })).filter((x) => x.r.acquired);
        assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
        const winner = winners[0]!;
        assert.ok(winner.r.fence! > lastFence, `round ${round}: fence ${winner.r.fence} must exceed ${lastFence}`);
        lastFence = winner.r.fence!;
        for (const r of results) if (!r.acquired) assert.equal(r.holder, `worker-${winner.i}`, `round ${round}: losers see the winner`);
        assert.deepEqual(await ws[winner.i]!.send({ op: "release", name: "dev/demo/dev-bot" }), { released: true });
      }
      await stopWorkers();
    });

    it("a holder killed without releasing keeps the lease until it expires, then someone gets it", async () => {
      const repo = await opsRepo();
      const [a, b] = spawnWorkers(2, repo) as [Worker, Worker];
      // Long enough that the early attempt surely runs before expiry on a loaded machine.
      const ttlMs = 5_000;
      const got = await a.send<Acquired>({ op: "acquire", name: "review/pr-7", ttlMs });
      assert.equal(got.acquired, true);
      const t0 = Date.now();
      await a.kill("SIGKILL");
      const early = await b.send<Acquired>({ op: "acquire", name: "review/pr-7", ttlMs });
      // Only meaningful while the lease is still live; the sandbox answers well within the ttl.
      assert.ok(Date.now() - t0 < ttlMs, "the early attempt ran before expiry");
      assert.deepEqual(early, { acquired: false, holder: "worker-0" });
      await sleep(ttlMs - (Date.now() - t0) + 200);
      const late = await b.send<Acquired>({ op: "acquire", name: "review/pr-7", ttlMs });
      assert.equal(late.acquired, true);
      assert.ok(late.fence! > got.fence!);
      await stopWorkers();
    });

    it("a holder that lost its lease cannot write state under its old fence, nor renew", async () => {
      const repo = await opsRepo();
      const [a, b] = spawnWorkers(2, repo) as [Worker, Worker];
      assert.equal((await a.send<Acquired>({ op: "acquire", name: "dev/p/x", ttlMs: 1_500 })).acquired, true);
      assert.deepEqual(await a.send({ op: "fenced-write", lease: "dev/p/x", path: "state/p/dev/x.json", n: 1 }), { written: true });
      await sleep(1_700);
      assert.equal((await b.send<Acquired>({ op: "acquire", name: "dev/p/x", ttlMs: 60_000 })).acquired, true, "b takes over the expired lease");
      assert.deepEqual(await b.send({ op: "fenced-write", lease: "dev/p/x", path: "state/p/dev/x.json", n: 2 }), { written: true });
      const stale = await a.send<{ written: boolean; fenced?: boolean }>({ op: "fenced-write", lease: "dev/p/x", path: "state/p/dev/x.json", n: 3 });
      assert.equal(stale.written, false);
      assert.equal(stale.fenced, true);
      assert.deepEqual(await a.send({ op: "renew", name: "dev/p/x" }), { renewed: false, lost: true });
      const doc = JSON.parse((await readText(repo, "state/p/dev/x.json"))!) as { owner: string; n: number };
      assert.equal(doc.owner, "1");
      assert.equal(doc.n, 2);
      await stopWorkers();
    });

    it("update converges with 8 concurrent writers appending to one document (no lost append)", async () => {
      const repo = await opsRepo();
      const ws = spawnWorkers(8, repo);
      const per = 4;
      await Promise.all(ws.map((w, i) => w.send({ op: "append", path: "journal/test/log.md", lines: Array.from({ length: per }, (_, k) => `w${i}-${k}`) })));
      const lines = (await readText(repo, "journal/test/log.md"))!.trim().split("\n");
      const expected = ws.flatMap((_, i) => Array.from({ length: per }, (_, k) => `w${i}-${k}`));
      assert.deepEqual([...lines].sort(), [...expected].sort(), "every append present exactly once");
      for (let i = 0; i < ws.length; i++) {
        const mine = lines.filter((l) => l.startsWith(`w${i}-`));
        assert.deepEqual(mine, [...mine].sort(), `writer ${i}'s lines keep their order`);
      }
      await stopWorkers();
    });

    it("a semaphore of 2 slots never has 3 holders", async () => {
      const repo = await opsRepo();
      const ws = spawnWorkers(6, repo);
      for (let round = 1; round <= 4; round++) {
        const results = await Promise.all(ws.map((w) => w.send<{ acquired: boolean; slot: string | null }>({ op: "slot", name: "llm/claude", slots: 2, ttlMs: 60_000 })));
        const holders = results.map((r, i) => ({ r, w: ws[i]! })).filter((x) => x.r.acquired);
        assert.equal(holders.length, 2, `round ${round}: ${holders.length} holders`);
        assert.notEqual(holders[0]!.r.slot, holders[1]!.r.slot);
        for (const h of holders) await h.w.send({ op: "release", name: "llm/claude" });
      }
      await stopWorkers();
    });
  });
}
