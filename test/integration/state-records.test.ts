// Phase records, journals, the ledger, watermarks and the ops-repo layout on the sandbox forge.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startSandboxForge, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import {
  CorruptDocumentError,
  FencedError,
  LAYOUT_DIRS,
  Leases,
  Ledger,
  PhaseStore,
  StateStore,
  Watermarks,
  appendJournal,
  ensureLayout,
  journalPath,
} from "../../src/state/index.ts";

describe("state records", () => {
  let sandbox: SandboxForge;
  let forge: ForgejoForge;
  let n = 0;
  async function store(pipelineUrl?: string): Promise<StateStore> {
    const name = `ops-${++n}`;
    await forge.createRepo({ name, autoInit: true });
    return new StateStore({ contents: forge.repo({ owner: "admin", name }).contents, author: { agent: "dev", identity: "dev-bot", ...(pipelineUrl ? { pipelineUrl } : {}) } });
  }

  before(async () => {
    sandbox = await startSandboxForge({ seed: "empty" });
    forge = new ForgejoForge({ url: sandbox.url, token: sandbox.users["admin"]!.token });
  });
  after(async () => {
    await forge.close();
    await sandbox.stop();
  });

  it("phase records: transitions append history with the pipeline URL; an older fence is refused", async () => {
    const s = await store("https://ci.example/repos/1/pipeline/7");
    const leases = new Leases(s);
    const phases = new PhaseStore(s);
    const a = await leases.acquire("dev/shop/dev-bot", { ttlMs: 60_000, holder: { id: "a" } });
    assert.ok(a.acquired);
    await phases.write(a.lease, "shop", "dev-bot", () => ({ phase: "implementing", issue: 12, branch: "fix/issue-12", note: "claimed" }), "claim #12");
    await phases.write(a.lease, "shop", "dev-bot", () => ({ phase: "awaiting_ci", pr: 34 }), "PR #34");
    const rec = await phases.write(a.lease, "shop", "dev-bot", (cur) => ({ ci_fix_attempts: cur.ci_fix_attempts + 1 }), "ci fix");
    assert.equal(rec.phase, "awaiting_ci");
    assert.equal(rec.ci_fix_attempts, 1);
    assert.deepEqual(
      rec.history.map((h) => [h.from, h.to, h.note ?? null, h.pipeline_url]),
      [
        ["idle", "implementing", "claimed", "https://ci.example/repos/1/pipeline/7"],
        ["implementing", "awaiting_ci", null, "https://ci.example/repos/1/pipeline/7"],
      ],
    );
    assert.deepEqual(await phases.read("shop", "dev-bot"), rec);
    // A successor (expired lease taken over) writes; the old holder's next write is refused.
    const stale = { ...a.lease, fence: a.lease.fence - 1 };
    await assert.rejects(phases.write(stale, "shop", "dev-bot", () => ({ phase: "done" }), "late"), FencedError);
    const file = await s.readText("state/shop/dev/dev-bot.json");
    assert.match(file!.value, /"fence": \d+/);
    const commit = await forge.repo({ owner: "admin", name: `ops-${n}` }).contents.get("state/shop/dev/dev-bot.json");
    assert.ok(commit?.lastCommitSha);
  });

  it("a live lease is taken over when its holder's pipeline is known to have finished, and only then", async () => {
    const s = await store();
    const finished = new Set<string>();
    const leases = new Leases(s, { holderFinished: (h) => Promise.resolve(h.pipeline_url !== undefined && finished.has(h.pipeline_url)) });
    const a = await leases.acquire("review/shop/pr-3", { ttlMs: 3_600_000, holder: { id: "a", pipeline_url: "https://ci/repos/1/pipeline/5" } });
    assert.ok(a.acquired);
    const early = await leases.acquire("review/shop/pr-3", { ttlMs: 60_000, holder: { id: "b" } });
    assert.equal(early.acquired, false, "a running holder keeps its lease");
    finished.add("https://ci/repos/1/pipeline/5");
    const late = await leases.acquire("review/shop/pr-3", { ttlMs: 60_000, holder: { id: "b" } });
    assert.ok(late.acquired);
    assert.equal(late.tookOverFrom?.holder?.id, "a");
    assert.ok(late.lease.fence > a.lease.fence);
    // The finished holder's late release does not free its successor's lease.
    assert.equal(await leases.release(a.lease), false);
    assert.equal((await leases.inspect("review/shop/pr-3"))?.holder?.id, "b");
  });

  it("a corrupt stored document is a clear error, not a silent reset", async () => {
    const s = await store();
    await s.createText("state/shop/dev/dev-bot.json", "{ not json", "corrupt");
    await assert.rejects(new PhaseStore(s).read("shop", "dev-bot"), (e: unknown) => e instanceof CorruptDocumentError && /state\/shop\/dev\/dev-bot\.json: stored document is not valid: not JSON/.test(e.message));
  });

  it("journals append per agent per day, in order, with a heading once", async () => {
    const s = await store();
    const at = new Date("2026-11-21T10:00:00Z");
    await appendJournal(s, "dev", { at, title: "claimed #12", pipelineUrl: "https://ci/p/1" });
    await appendJournal(s, "dev", { at: new Date("2026-11-21T10:05:00Z"), title: "opened PR #34", body: "fix: x" });
    const text = (await s.readText(journalPath("dev", at)))!.value;
    assert.equal(journalPath("dev", at), "journal/dev/2026-11-21.md");
    assert.equal(text.match(/^# dev journal/gm)?.length, 1);
    assert.ok(text.indexOf("10:00:00 — claimed #12 ([pipeline](https://ci/p/1))") < text.indexOf("10:05:00 — opened PR #34"));
    assert.match(text, /opened PR #34\n\nfix: x\n$/);
  });

  it("the ledger appends runs and sums per day, per backend and per key", async () => {
    const s = await store();
    const ledger = new Ledger(s, () => new Date("2026-11-21T12:00:00Z"));
    await ledger.append({ agent: "dev", backend: "claude", key: "issue/12", input_tokens: 1000, output_tokens: 200, cost_usd: 0.5 });
    await ledger.append({ agent: "review", backend: "claude", key: "pr/34", input_tokens: 500, output_tokens: 100, cost_usd: 0.25 });
    await ledger.append({ agent: "dev", backend: "local", key: "issue/12", input_tokens: 10, output_tokens: 5, cost_usd: 0 });
    assert.deepEqual(await ledger.totals("2026-11-21", { backend: "claude" }), { runs: 2, tokens: 1800, costUsd: 0.75 });
    assert.deepEqual(await ledger.totals("2026-11-21", { key: "issue/12" }), { runs: 2, tokens: 1215, costUsd: 0.5 });
    assert.deepEqual(Object.keys(await ledger.byBackend("2026-11-21")).sort(), ["claude", "local"]);
    assert.deepEqual(await ledger.totals("2026-11-20"), { runs: 0, tokens: 0, costUsd: 0 });
    // A damaged line is skipped, not fatal.
    await s.updateText("ledger/2026-11-21.jsonl", (cur) => `${cur ?? ""}garbage\n`, "damage");
    assert.equal((await ledger.entries("2026-11-21")).length, 3);
  });

  it("watermarks remember a value per key and skip writes that change nothing", async () => {
    const s = await store();
    const w = new Watermarks(s, "shop", "gardener");
    assert.equal(await w.get("agents-md"), undefined);
    await w.set("agents-md", "abc123");
    await w.set("other", "x");
    const before = (await s.readText("state/shop/watermarks/gardener.json"))!.sha;
    await w.set("agents-md", "abc123");
    assert.equal((await s.readText("state/shop/watermarks/gardener.json"))!.sha, before, "no commit for an unchanged value");
    assert.equal(await w.get("agents-md"), "abc123");
    assert.equal(await w.get("other"), "x");
  });

  it("ensureLayout creates the original's folders and missing seed files in one commit, keeps existing files, and is a no-op the second time", async () => {
    const s = await store();
    const first = await ensureLayout(s, "shop");
    assert.equal(first.commits, 1);
    for (const d of LAYOUT_DIRS) assert.ok(first.created.includes(`${d}/.gitkeep`), d);
    for (const f of ["README.md", "prerequisites.md", "RESOURCES.md", "portfolio.md"]) assert.ok(first.created.includes(f) || f === "README.md", f);
    const vault = await s.list("vault");
    assert.deepEqual(vault.map((e) => e.name).sort(), ["actions", "approved", "fired", "pending", "rejected"]);
    const second = await ensureLayout(s, "shop");
    assert.deepEqual(second, { created: [], commits: 0 });
    // The repo's own README (from auto_init) is left alone: existing files are never rewritten.
    assert.equal((await s.readText("README.md"))!.value, `# ops-${n}\n\n\n`);
  });

  it("state commits say who wrote what, carry [skip ci] and the pipeline URL", () => {
    const s = new StateStore({ contents: forge.repo({ owner: "admin", name: "x" }).contents, author: { agent: "dev", identity: "dev-bot", pipelineUrl: "https://ci/p/9" } });
    assert.equal(s.message("claim #12\nmore"), "dev/dev-bot: claim #12 [skip ci]\n\nPipeline: https://ci/p/9\n");
  });
});
