// The LLM hooks in the ops repo, against the sandbox forge: sessions saved by one OS process
// and resumed by another, unusable stored sessions, ledger lines and per-key totals in the ops
// repo with caps computed from them, runs stopped by deadline or budget, and backend slots as
// leases shared by separate processes.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { ForgejoForge } from "../../src/forge/index.ts";
import { runWithAccounting } from "../../src/llm/accounting.ts";
import type { AccountedTask, Caps } from "../../src/llm/accounting.ts";
import { ClaudeCliBackend } from "../../src/llm/claude-cli/backend.ts";
import { OpenAiBackend } from "../../src/llm/openai/backend.ts";
import { InMemoryLedger, InMemorySessionStore, InMemorySlots } from "../../src/llm/memory.ts";
import { keyPath, OpsRepoLedger, OpsRepoSessionStore, opsRepoHooks, OpsRepoSlots, pathSegment } from "../../src/llm/ops-repo.ts";
import { ScriptedBackend } from "../../src/llm/scripted/backend.ts";
import { encodeSession } from "../../src/llm/session.ts";
import type { Usage } from "../../src/llm/types.ts";
import { startSandboxForge, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { Leases, ledgerEntrySchema, StateStore } from "../../src/state/index.ts";
import { fakeClaude } from "../fakes/fake-claude.ts";
import { Counting } from "../fakes/counting-backend.ts";
import { collectingLog } from "../fakes/log.ts";
import { startFakeOpenAi, type FakeOpenAi } from "../fakes/openai-server.ts";
import { startWorker, type Worker } from "../helpers/workers.ts";

const WORKER = "test/fixtures/llm/worker.ts";
const today = (): string => new Date().toISOString().slice(0, 10);
const zero: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

interface WorkerRun {
  status: string;
  reason: string | null;
  text: string;
  resumed: boolean;
  costUsd: number;
  calls: { prompt: string; resumed: boolean; start: number; end: number }[];
  log: string[];
}


function workDir(prefix = "llm-ops-"): string {
  const d = join(mkdtempSync(join(tmpdir(), prefix)), "work");
  mkdirSync(d);
  return d;
}

describe("LLM ledger, sessions and slots in the ops repo", () => {
  let sandbox: SandboxForge;
  let admin: ForgejoForge;
  let openai: FakeOpenAi;
  const workers: Worker[] = [];
  let n = 0;

  async function opsRepo(): Promise<{ repo: string; store: StateStore }> {
    const name = `llm-ops-${++n}`;
    await admin.createRepo({ name, autoInit: true });
    return { repo: `admin/${name}`, store: new StateStore({ contents: admin.repo({ owner: "admin", name }).contents, author: { agent: "test" } }) };
  }
  function spawn(repo: string, id: string): Worker {
    const w = startWorker(WORKER, id, { FORGE_URL: sandbox.url, FORGE_TOKEN: sandbox.users["admin"]!.token, OPS_REPO: repo, PROJECT: "demo", AGENT: "dev" });
    workers.push(w);
    return w;
  }
  function hooks(store: StateStore, extra: { maxStoredBytes?: number } = {}) {
    return opsRepoHooks(store, {
      project: "demo",
      agent: "dev",
      holder: { id: "test-process", pid: process.pid },
      capacity: 1,
      ...(extra.maxStoredBytes !== undefined ? { sessions: { maxStoredBytes: extra.maxStoredBytes } } : {}),
    });
  }
  const task = (cwd: string, over: Partial<AccountedTask<unknown>> = {}): AccountedTask<unknown> => ({
    cwd,
    prompt: "CI is green now: continue",
    tools: "edit",
    limits: { maxTurns: 10, deadline: Date.now() + 30_000 },
    env: {},
    log: collectingLog(),
    ...over,
  });
  const ledgerLines = async (store: StateStore, day = today()) =>
    ((await store.readText(`ledger/${day}.jsonl`))?.value ?? "")
      .split("\n")
      .filter(Boolean)
      .map((l) => ledgerEntrySchema.parse(JSON.parse(l)));

  before(async () => {
    sandbox = await startSandboxForge({ seed: "empty" });
    admin = new ForgejoForge({ url: sandbox.url, token: sandbox.users["admin"]!.token });
    openai = await startFakeOpenAi([], { kind: "text", text: "noted", usage: { prompt: 50, completion: 5 } });
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.kill("SIGKILL")));
    await openai.close();
    await admin.close();
    await sandbox.stop();
  });

  it("escapes names into safe, distinct path segments", () => {
    assert.equal(pathSegment("claude-cli:sonnet"), "claude-cli_3asonnet");
    assert.equal(pathSegment("a_b"), "a_5fb");
    assert.notEqual(pathSegment("a:b"), pathSegment("a_3ab"));
    assert.equal(pathSegment(".."), "_2e.");
    assert.equal(keyPath("dev/issue-7"), "dev/issue-7");
    assert.throws(() => keyPath("a//b"), /empty segment/);
    assert.equal(OpsRepoSlots.semaphoreName("openai:meta/llama-3"), "llm/openai_3ameta_2fllama-3");
  });

  it("an openai session saved by one process is resumed by another through the ops repo", async () => {
    const { repo, store } = await opsRepo();
    const before = openai.requests.length;
    const backend = { type: "openai", baseUrl: openai.url, model: "qwen", retryBaseMs: 10 };
    const run = { op: "run", backend, prompt: "CI is green now: continue", session: { key: "issue-1", recoveryPrompt: "Start over: issue #1" } };
    const first = await spawn(repo, "a").send<WorkerRun>({ ...run, cwd: workDir() });
    assert.equal(first.status, "ok", first.reason ?? "");
    assert.equal(first.resumed, false);
    assert.equal(first.calls[0]?.prompt, "Start over: issue #1");

    const doc = await store.readText("sessions/demo/dev/issue-1.json");
    assert.ok(doc, "session stored in the ops repo");
    const stored = JSON.parse(doc.value) as Record<string, unknown>;
    assert.equal(stored["backend"], "openai");
    assert.equal(stored["key"], "issue-1");
    assert.match(String(stored["saved_at"]), /^\d{4}-\d\d-\d\dT/);
    assert.ok(typeof stored["data"] === "string" && stored["data"].length > 0, "base64 gzip payload");

    const second = await spawn(repo, "b").send<WorkerRun>({ ...run, cwd: workDir() });
    assert.equal(second.status, "ok", second.reason ?? "");
    assert.equal(second.resumed, true);
    const req = openai.requests[before + 1];
    assert.ok(req, "a second request reached the model");
    const msgs = req.body.messages.map((m) => `${m.role}: ${typeof m.content === "string" ? m.content : ""}`);
    assert.deepEqual(msgs, ["user: Start over: issue #1", "assistant: noted", "user: CI is green now: continue"]);
  });

  it("a claude-cli session saved by one process is resumed by another (fake claude)", async () => {
    const { repo } = await opsRepo();
    const dir = mkdtempSync(join(tmpdir(), "llm-ops-claude-"));
    const fake = fakeClaude(dir, [{ type: "init" }, { type: "assistant", text: "history=[{{history}}] prompt=[{{prompt}}]" }, { type: "result" }]);
    const run = { op: "run", backend: { type: "claude-cli", binary: fake.binary }, prompt: "review feedback: fix the test", session: { key: "issue-2", recoveryPrompt: "Start over: issue #2" } };
    const first = await spawn(repo, "c").send<WorkerRun>({ ...run, cwd: workDir() });
    assert.equal(first.status, "ok", first.reason ?? "");
    assert.equal(first.text, "history=[] prompt=[Start over: issue #2]");
    assert.ok(!fake.dump().argv.some((a) => a.startsWith("--resume")));

    const second = await spawn(repo, "d").send<WorkerRun>({ ...run, cwd: workDir() });
    assert.equal(second.status, "ok", second.reason ?? "");
    assert.equal(second.resumed, true);
    assert.equal(second.text, "history=[Start over: issue #2] prompt=[review feedback: fix the test]");
    assert.ok(fake.dump().argv.some((a) => a.startsWith("--resume")), "claude was asked to resume");
  });

  it("a corrupt, empty or oversized stored session falls back to a fresh run with the recovery prompt", async () => {
    const { store } = await opsRepo();
    const h = hooks(store, { maxStoredBytes: 20_000 });
    const backend = new Counting(new OpenAiBackend({ baseUrl: openai.url, model: "qwen", retryBaseMs: 10 }));
    const path = h.sessions.path("issue-3");
    const valid = (data: string) => `${JSON.stringify({ v: 1, backend: "openai", sessionId: "s1", key: "issue-3", data })}\n`;
    const cases: [string, string, RegExp][] = [
      ["not JSON", "{not json", /cannot load \(.*not JSON\)/],
      ["bad gzip", valid(Buffer.from("definitely not gzip").toString("base64")), /session data corrupt/],
      ["wrong shape", JSON.stringify({ v: 2, backend: "openai" }), /cannot load \(.*corrupt: v:/],
      ["empty", " ", /cannot load \(.*empty/],
      ["oversized", valid(gzipSync(Buffer.from(JSON.stringify({ messages: [] }))).toString("base64") + "A".repeat(30_000)), /cannot load \(.*too large: \d+ bytes > 20000/],
    ];
    for (const [what, text, warning] of cases) {
      await store.updateText(path, () => text, `test: ${what} session`);
      const log = collectingLog();
      const before = openai.requests.length;
      const r = await runWithAccounting(backend, task(workDir(), { log, session: { key: "issue-3", recoveryPrompt: "Start over: issue #3" } }), { ...h, caps: {} });
      assert.equal(r.status, "ok", `${what}: ${r.reason ?? ""}`);
      assert.equal(r.resumed, false, what);
      assert.equal(backend.calls.at(-1)?.session?.resume, undefined, `${what}: nothing to resume`);
      const msgs = openai.requests[before]?.body.messages.map((m) => m.content);
      assert.deepEqual(msgs, ["Start over: issue #3"], `${what}: only the recovery prompt`);
      assert.ok(log.lines.some((l) => l.startsWith("warn session issue-3:") && warning.test(l)), `${what}: ${log.lines.join(" | ")}`);
      // and the fresh run's session replaced the bad one
      assert.equal((JSON.parse((await store.readText(path))!.value) as { backend: string }).backend, "openai", what);
      assert.ok(await h.sessions.load("issue-3"), `${what}: a usable session now`);
    }
  });

  it("a session too large for the store is saved as a dropped marker, and the next run starts fresh", async () => {
    const { store } = await opsRepo();
    const sessions = new OpsRepoSessionStore(store, { project: "demo", agent: "dev", maxStoredBytes: 2_000 });
    await sessions.save("k", encodeSession("scripted", JSON.stringify({ prompts: ["small"] }), "s1"));
    assert.ok((await sessions.load("k"))?.data, "a small session is kept whole");
    // random bytes do not compress
    const big = encodeSession("scripted", Buffer.from(Array.from({ length: 4_000 }, () => Math.floor(Math.random() * 256))).toString("latin1"), "s2");
    await sessions.save("k", big);
    const loaded = await sessions.load("k");
    assert.equal(loaded?.data, undefined);
    assert.match(loaded?.dropped ?? "", /too large to store: \d+ bytes > 2000/);
    assert.equal(loaded?.sessionId, "s2");
    assert.equal(await sessions.load("missing"), undefined);
  });

  it("records each run in the ops repo's daily ledger and key totals; a spent per-key cap stops the next run before any backend call", async () => {
    const { store } = await opsRepo();
    const h = hooks(store);
    const backend = new Counting(new ScriptedBackend({ tasks: [{ match: ".", costUsd: 0.6, usage: { inputTokens: 1000, outputTokens: 200 } }] }));
    const acc = { ...h, caps: { perKeyUsd: 1 } satisfies Caps };
    const r1 = await runWithAccounting(backend, task(workDir(), { budgetKey: "issue/7" }), acc);
    assert.equal(r1.status, "ok");
    const lines = await ledgerLines(store);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.key, "issue/7");
    assert.equal(lines[0]?.project, "demo");
    assert.equal(lines[0]?.agent, "dev");
    assert.equal(lines[0]?.backend, "scripted");
    assert.equal(lines[0]?.cost_usd, 0.6);
    assert.equal(lines[0]?.input_tokens, 1000);
    assert.equal(lines[0]?.status, "ok");
    const keyDoc = JSON.parse((await store.readText("ledger/keys/demo/issue/7.json"))!.value) as { runs: number; cost_usd: number; by_backend: Record<string, { runs: number }> };
    assert.equal(keyDoc.runs, 1);
    assert.equal(keyDoc.cost_usd, 0.6);
    assert.equal(keyDoc.by_backend["scripted"]?.runs, 1);

    // the second run may spend only what is left, and is stopped by it while running
    const r2 = await runWithAccounting(backend, task(workDir(), { budgetKey: "issue/7" }), acc);
    assert.equal(r2.status, "budget");
    assert.ok(Math.abs((backend.calls[1]?.limits.maxCostUsd ?? 0) - 0.4) < 1e-9);
    const r3 = await runWithAccounting(backend, task(workDir(), { budgetKey: "issue/7" }), acc);
    assert.equal(r3.status, "budget");
    assert.match(r3.reason ?? "", /per-key cap for issue\/7 \(\$1\) already spent: no LLM call made/);
    assert.equal(backend.calls.length, 2, "no third backend call");
    assert.deepEqual((await ledgerLines(store)).map((l) => l.status), ["ok", "budget"]);
    const t = await h.ledger.totals({ key: "issue/7" });
    assert.equal(t.runs, 2);
    assert.ok(Math.abs(t.costUsd - 1.2) < 1e-9);
    assert.equal((await h.ledger.totals({ key: "issue/7", backend: "other" })).runs, 0);
  });

  it("per-key totals span days: yesterday's spend on an issue counts against its cap", async () => {
    const { store } = await opsRepo();
    const h = hooks(store);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    await h.ledger.record({ at: yesterday, backend: "claude-cli:sonnet", key: "issue/9", status: "ok", usage: zero, costUsd: 2.5, turns: 4, durationMs: 1000 });
    assert.equal((await ledgerLines(store, yesterday.slice(0, 10))).length, 1, "in yesterday's file");
    const backend = new Counting(new ScriptedBackend({ tasks: [{ match: "." }] }));
    const r = await runWithAccounting(backend, task(workDir(), { budgetKey: "issue/9" }), { ...h, caps: { perKeyUsd: 2 } });
    assert.equal(r.status, "budget");
    assert.match(r.reason ?? "", /per-key cap for issue\/9/);
    assert.equal(backend.calls.length, 0);
    assert.equal((await h.ledger.totals({ key: "issue/9" })).costUsd, 2.5);
    // another project's ledger in the same ops repo keeps its own per-key totals
    const other = new OpsRepoLedger(store, { project: "other", agent: "dev" });
    assert.equal((await other.totals({ key: "issue/9" })).runs, 0);
  });

  it("the daily cap per backend is summed from today's ledger file; yesterday does not count", async () => {
    const { store } = await opsRepo();
    const h = hooks(store);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    await h.ledger.record({ at: yesterday, backend: "scripted", key: "old", status: "ok", usage: zero, costUsd: 100, turns: 1, durationMs: 1 });
    await h.ledger.record({ at: new Date().toISOString(), backend: "claude-cli:opus", key: "x", status: "ok", usage: zero, costUsd: 100, turns: 1, durationMs: 1 });
    await h.ledger.record({ at: new Date().toISOString(), backend: "scripted", key: "issue/1", status: "ok", usage: { ...zero, inputTokens: 7 }, costUsd: 4.5, turns: 1, durationMs: 1 });
    const backend = new Counting(new ScriptedBackend({ tasks: [{ match: ".", costUsd: 0.1 }] }));
    const r1 = await runWithAccounting(backend, task(workDir(), { budgetKey: "issue/2" }), { ...h, caps: { perDayUsd: 5 } });
    assert.equal(r1.status, "ok");
    assert.ok(Math.abs((backend.calls[0]?.limits.maxCostUsd ?? 0) - 0.5) < 1e-9, "only today's scripted spend counts");
    await h.ledger.record({ at: new Date().toISOString(), backend: "scripted", key: "issue/1", status: "ok", usage: zero, costUsd: 0.4, turns: 1, durationMs: 1 });
    const r2 = await runWithAccounting(backend, task(workDir(), { budgetKey: "issue/3" }), { ...h, caps: { perDayUsd: 5 } });
    assert.equal(r2.status, "budget");
    assert.match(r2.reason ?? "", /daily cap for scripted \(\$5\) already spent/);
    assert.equal(backend.calls.length, 1, "no second backend call");
    const day = await h.ledger.totals({ backend: "scripted", since: `${today()}T00:00:00.000Z` });
    assert.equal(day.runs, 3);
    assert.equal(day.usage.inputTokens, 7);
    await assert.rejects(h.ledger.totals({}), /need a key or a `since` bound/);
  });

  it("a claude-cli run stopped at its deadline keeps its files; the ops-repo ledger and session show it", async () => {
    const { store } = await opsRepo();
    const h = hooks(store);
    const dir = mkdtempSync(join(tmpdir(), "llm-ops-deadline-"));
    const work = join(dir, "work");
    mkdirSync(work);
    const fake = fakeClaude(dir, [
      { type: "init" },
      { type: "assistant", text: "writing", usage: { input_tokens: 1200, output_tokens: 300 }, tool: { name: "Write", input: { file_path: "wip.txt" } } },
      { type: "write", path: "wip.txt", content: "work in progress" },
      { type: "hang" },
    ]);
    const backend = new ClaudeCliBackend({ binary: fake.binary, killGraceMs: 300, prices: { inputPerMTok: 3, outputPerMTok: 15 } });
    const t0 = Date.now();
    const r = await runWithAccounting(backend, task(work, { limits: { maxTurns: 10, deadline: Date.now() + 1500 }, session: { key: "issue-4" } }), { ...h, caps: {} });
    const wall = Date.now() - t0;
    assert.equal(r.status, "deadline");
    assert.equal(readFileSync(join(work, "wip.txt"), "utf8"), "work in progress");
    const [line] = await ledgerLines(store);
    assert.equal(line?.status, "deadline");
    assert.equal(line?.key, "issue-4");
    assert.equal(line?.input_tokens, 1200);
    assert.ok(Math.abs((line?.cost_usd ?? 0) - (1200 * 3 + 300 * 15) / 1e6) < 1e-12);
    // The run's own time is recorded: positive, and within the wall time (cap checks and the
    // slot come first, so on a loaded machine it can be well under the 1.5 s deadline).
    assert.ok((line?.duration_ms ?? 0) > 0 && (line?.duration_ms ?? 0) <= wall, `duration ${line?.duration_ms} vs wall ${wall}`);
    assert.ok((await h.sessions.load("issue-4"))?.data, "the session is kept for the next tick");
  });

  it("a run stopped by its budget keeps its files, and the ops-repo ledger shows it", async () => {
    const { store } = await opsRepo();
    const h = hooks(store);
    const work = workDir();
    const backend = new ScriptedBackend({
      tasks: [{ match: ".", actions: [{ write: { path: "a.txt", content: "A" }, costUsd: 0.3 }, { write: { path: "b.txt", content: "B" }, costUsd: 0.3 }, { write: { path: "c.txt", content: "C" }, costUsd: 0.3 }], result: { text: "done" } }],
    });
    const r = await runWithAccounting(backend, task(work, { budgetKey: "issue/5" }), { ...h, caps: { perRunUsd: 0.5 } });
    assert.equal(r.status, "budget");
    assert.equal(readFileSync(join(work, "a.txt"), "utf8"), "A");
    assert.equal(readFileSync(join(work, "b.txt"), "utf8"), "B");
    const [line] = await ledgerLines(store);
    assert.equal(line?.status, "budget");
    assert.ok(Math.abs((line?.cost_usd ?? 0) - 0.6) < 1e-9);
    assert.equal((await h.ledger.totals({ key: "issue/5" })).runs, 1);
  });

  it("one slot serialises two concurrent runs in separate processes; both land in the ledger", async () => {
    const { repo, store } = await opsRepo();
    const backend = { type: "scripted", script: { tasks: [{ match: ".", actions: [{ run: { command: "sleep 0.7" } }], costUsd: 0.01, result: { text: "slept" } }] } };
    const run = { op: "run", backend, tools: "edit", prompt: "sleep", budgetKey: "issue/6", capacity: 1, slots: { ttlMs: 20_000, poll: { minMs: 50, maxMs: 200 } } };
    const [a, b] = [spawn(repo, "s1"), spawn(repo, "s2")];
    // both loaded before either starts, so the runs really contend
    await Promise.all([a.send({ op: "ping" }), b.send({ op: "ping" })]);
    const [ra, rb] = await Promise.all([a.send<WorkerRun>({ ...run, cwd: workDir() }), b.send<WorkerRun>({ ...run, cwd: workDir() })]);
    assert.equal(ra.status, "ok", ra.reason ?? "");
    assert.equal(rb.status, "ok", rb.reason ?? "");
    const [x, y] = [ra.calls[0]!, rb.calls[0]!].sort((p, q) => p.start - q.start);
    assert.ok(x!.end <= y!.start, `runs overlap: ${JSON.stringify([x, y])}`);
    const waited = [...ra.log, ...rb.log].filter((l) => /all 1 slot taken \(held by worker-s[12]\)/.test(l));
    assert.equal(waited.length, 1, "one of them waited, and said for whom");
    assert.equal(await new Leases(store).inspect("llm/scripted/slot-0"), undefined, "released after the runs");
    assert.equal((await ledgerLines(store)).length, 2);
    assert.equal((await hooks(store).ledger.totals({ key: "issue/6" })).runs, 2);
  });

  it("a slot is renewed past its TTL while held; a waiter gets `budget` at its deadline; a crashed holder's slot frees itself when the TTL runs out", async () => {
    const { repo, store } = await opsRepo();
    const slots = { ttlMs: 3000, renewEveryMs: 500, poll: { minMs: 100, maxMs: 300 } };
    const holder = spawn(repo, "holder");
    assert.deepEqual(await holder.send({ op: "hold-slot", backend: "scripted", capacity: 1, slots }), { held: true });
    const leases = new Leases(store);
    const first = await leases.inspect("llm/scripted/slot-0");
    await new Promise((r) => setTimeout(r, 3500));
    const later = await leases.inspect("llm/scripted/slot-0");
    // Past the first TTL, still the same holding, and its expiry moved: it was renewed. (Not
    // compared with the clock: on a loaded machine the last renewal may land a little late.)
    assert.equal(later?.token, first?.token, "still the same holding");
    assert.ok(Date.parse(later!.expires_at!) > Date.parse(first!.expires_at!), "renewed beyond its first TTL");

    const backend = { type: "scripted", script: { tasks: [{ match: ".", result: { text: "ran" } }] } };
    const waiter = spawn(repo, "waiter");
    const blocked = await waiter.send<WorkerRun>({ op: "run", backend, prompt: "go", cwd: workDir(), deadlineInMs: 800, capacity: 1, slots });
    assert.equal(blocked.status, "budget");
    assert.match(blocked.reason ?? "", /no free slot for backend scripted: all 1 taken until the deadline \(held by worker-holder\)/);
    assert.equal(blocked.calls.length, 0, "no backend call");
    assert.equal((await ledgerLines(store)).length, 0, "nothing spent, nothing recorded");

    const lastHeld = await leases.inspect("llm/scripted/slot-0");
    await holder.kill("SIGKILL");
    const killedAt = Date.now();
    const ran = await waiter.send<WorkerRun>({ op: "run", backend, prompt: "go", cwd: workDir(), deadlineInMs: 10_000, capacity: 1, slots });
    assert.equal(ran.status, "ok", ran.reason ?? "");
    assert.equal(ran.text, "ran");
    assert.ok(ran.calls[0]!.start >= Date.parse(lastHeld!.expires_at!), "ran only once the crashed holder's lease expired");
    assert.ok(ran.calls[0]!.start - killedAt < slots.ttlMs + 4000, "within the TTL plus polling");
  });

  it("a slot whose holder's pipeline has finished is taken at once; one whose pipeline runs is waited for", async () => {
    const { store } = await opsRepo();
    const killed = { id: "dev/dev-bot@https://ci.example/repos/1/pipeline/7", pipeline_url: "https://ci.example/repos/1/pipeline/7" };
    const running = { id: "dev/dev-bot@https://ci.example/repos/1/pipeline/8", pipeline_url: "https://ci.example/repos/1/pipeline/8" };
    const asked: string[] = [];
    const leases = new Leases(store, {
      holderFinished: (h) => {
        asked.push(h.id);
        return Promise.resolve(h.pipeline_url === killed.pipeline_url);
      },
    });
    const run = (holder: typeof killed) => leases.acquire("llm/scripted/slot-0", { ttlMs: 10 * 60_000, holder });
    const poll = { minMs: 50, maxMs: 100 };
    const slotsOf = (l: Leases) => opsRepoHooks(store, { project: "demo", agent: "dev", holder: { id: "next-tick" }, capacity: 1, leases: l, slots: { poll } }).slots;

    // A tick killed while it held the slot (its lease has 10 minutes left): the next takes it now.
    assert.equal((await run(killed)).acquired, true);
    const started = Date.now();
    const release = await slotsOf(leases).acquire("scripted", { deadline: Date.now() + 5_000 });
    assert.ok(Date.now() - started < 5_000, "taken before the deadline, long before the TTL");
    assert.equal((await leases.inspect("llm/scripted/slot-0"))?.holder?.id, "next-tick");
    assert.ok(asked.includes(killed.id), "the finished-holder check was consulted");
    await release();

    // A holder whose pipeline still runs keeps its slot until the waiter's deadline.
    assert.equal((await run(running)).acquired, true);
    await assert.rejects(slotsOf(leases).acquire("scripted", { deadline: Date.now() + 400 }), /all 1 taken until the deadline/);
    assert.equal((await leases.inspect("llm/scripted/slot-0"))?.holder?.id, running.id);
  });
});

describe("in-memory slots keep the same contract", () => {
  it("a run that finds no free slot before its deadline gets `budget` and makes no backend call; the queue stays consistent", async () => {
    const slots = new InMemorySlots(1);
    const release = await slots.acquire("scripted");
    const backend = new Counting(new ScriptedBackend({ tasks: [{ match: "." }] }));
    const acc = { ledger: new InMemoryLedger(), sessions: new InMemorySessionStore(), slots, caps: {} };
    const cwd = workDir();
    const r = await runWithAccounting(backend, { cwd, prompt: "go", tools: "read-only", limits: { maxTurns: 3, deadline: Date.now() + 100 }, env: {}, log: collectingLog() }, acc);
    assert.equal(r.status, "budget");
    assert.match(r.reason ?? "", /^no free slot for backend scripted: all 1 held until the deadline$/);
    assert.equal(backend.calls.length, 0);
    assert.equal(acc.ledger.entries.length, 0);
    await release();
    assert.equal(slots.used("scripted"), 0, "the timed-out waiter did not take the slot");
    const ok = await runWithAccounting(backend, { cwd, prompt: "go", tools: "read-only", limits: { maxTurns: 3, deadline: Date.now() + 1000 }, env: {}, log: collectingLog() }, acc);
    assert.equal(ok.status, "ok");
  });
});
