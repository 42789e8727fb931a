// runWithAccounting: caps before spend, caps as run limits, sessions resumed or rebuilt,
// usage in the ledger, slots per backend.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runWithAccounting } from "../../src/llm/accounting.ts";
import type { AccountedTask } from "../../src/llm/accounting.ts";
import { ClaudeCliBackend } from "../../src/llm/claude-cli/backend.ts";
import { InMemoryLedger, InMemorySessionStore, InMemorySlots } from "../../src/llm/memory.ts";
import { ScriptedBackend } from "../../src/llm/scripted/backend.ts";
import type { Backend, RunResult, RunTask } from "../../src/llm/types.ts";
import { fakeClaude } from "../fakes/fake-claude.ts";
import { Counting } from "../fakes/counting-backend.ts";
import { collectingLog } from "../fakes/log.ts";

function deps(caps = {}) {
  return { ledger: new InMemoryLedger(), sessions: new InMemorySessionStore(), slots: new InMemorySlots(1), caps };
}

const cwd = (): string => {
  const d = join(mkdtempSync(join(tmpdir(), "llm-acc-")), "work");
  mkdirSync(d);
  return d;
};

const base = (dir: string, over: Partial<AccountedTask<unknown>> = {}): AccountedTask<unknown> => ({
  cwd: dir,
  prompt: "CI failed: fix it",
  tools: "edit",
  limits: { maxTurns: 10, deadline: Date.now() + 30_000 },
  env: {},
  log: collectingLog(),
  ...over,
});


describe("runWithAccounting", () => {
  it("records usage in the ledger and refuses a run once a key's cap is spent, without calling the backend", async () => {
    const backend = new Counting(new ScriptedBackend({ tasks: [{ match: ".", costUsd: 0.6, usage: { inputTokens: 10, outputTokens: 5 } }] }));
    const d = deps({ perKeyUsd: 1 });
    const dir = cwd();
    const r1 = await runWithAccounting(backend, base(dir, { budgetKey: "issue-7" }), d);
    assert.equal(r1.status, "ok");
    assert.equal(d.ledger.entries.length, 1);
    assert.equal(d.ledger.entries[0]?.key, "issue-7");
    assert.equal(d.ledger.entries[0]?.costUsd, 0.6);
    // the second run gets only the $0.40 left as its own limit, and is stopped by it
    const r2 = await runWithAccounting(backend, base(dir, { budgetKey: "issue-7" }), d);
    assert.equal(r2.status, "budget");
    assert.equal(backend.calls[1]?.limits.maxCostUsd?.toFixed(2), "0.40");
    const r3 = await runWithAccounting(backend, base(dir, { budgetKey: "issue-7" }), d);
    assert.equal(r3.status, "budget");
    assert.match(r3.reason ?? "", /no LLM call made/);
    assert.equal(backend.calls.length, 2, "no third call");
    assert.equal(d.ledger.entries.length, 2);
    // another key is unaffected
    assert.equal((await runWithAccounting(backend, base(dir, { budgetKey: "issue-8" }), d)).status, "ok");
  });

  it("applies the daily cap per backend and the per-run cap as the run's limit", async () => {
    const backend = new Counting(new ScriptedBackend({ tasks: [{ match: "." }] }));
    const d = deps({ perDayUsd: 5, perRunUsd: 0.5 });
    const today = new Date().toISOString();
    await d.ledger.record({ at: today, backend: "scripted", key: "other", status: "ok", usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 4.8, turns: 1, durationMs: 1 });
    await d.ledger.record({ at: "2000-01-01T00:00:00.000Z", backend: "scripted", key: "old", status: "ok", usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 100, turns: 1, durationMs: 1 });
    const r = await runWithAccounting(backend, base(cwd()), d);
    assert.equal(r.status, "ok");
    assert.ok(Math.abs((backend.calls[0]?.limits.maxCostUsd ?? 0) - 0.2) < 1e-9, "min(per-run 0.5, day left 0.2)");
    await d.ledger.record({ at: today, backend: "scripted", key: "other", status: "ok", usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0.5, turns: 1, durationMs: 1 });
    const capped = await runWithAccounting(backend, base(cwd()), d);
    assert.equal(capped.status, "budget");
    assert.match(capped.reason ?? "", /daily cap for scripted/);
  });

  it("saves the session, resumes it next time, and starts fresh with the recovery prompt when it is corrupt", async () => {
    const backend = new Counting(new ScriptedBackend({ tasks: [{ match: "." }] }));
    const d = deps();
    const dir = cwd();
    const task = base(dir, { prompt: "CI is green now: continue", session: { key: "dev/issue-7", recoveryPrompt: "Start over: issue #7, diff, last phase" } });
    const r1 = await runWithAccounting(backend, task, d);
    assert.equal(r1.resumed, false);
    assert.equal(backend.calls[0]?.prompt, "Start over: issue #7, diff, last phase");
    assert.ok(d.sessions.blobs.get("dev/issue-7")?.data);
    const r2 = await runWithAccounting(backend, task, d);
    assert.equal(r2.resumed, true);
    assert.equal(backend.calls[1]?.prompt, "CI is green now: continue");
    assert.ok(backend.calls[1]?.session?.resume);
    await d.sessions.save("dev/issue-7", { v: 1, backend: "scripted", data: "garbage!!" });
    const log = collectingLog();
    const r3 = await runWithAccounting(backend, { ...task, log }, d);
    assert.equal(r3.resumed, false);
    assert.equal(backend.calls[2]?.prompt, "Start over: issue #7, diff, last phase");
    assert.ok(log.lines.some((l) => l.startsWith("warn session dev/issue-7: session data corrupt")));
  });

  it("treats a session over the size bound as missing", async () => {
    const backend = new Counting(new ScriptedBackend({ tasks: [{ match: "." }] }));
    const d = deps();
    await d.sessions.save("k", { v: 1, backend: "scripted", data: "A".repeat(8 * 1024 * 1024) });
    const r = await runWithAccounting(backend, base(cwd(), { session: { key: "k", recoveryPrompt: "fresh" } }), d);
    assert.equal(r.resumed, false);
    assert.equal(backend.calls[0]?.prompt, "fresh");
  });

  it("accounts a claude-cli run stopped at its deadline: usage in the ledger, work and session kept", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llm-acc-claude-"));
    const work = join(dir, "work");
    mkdirSync(work);
    const fake = fakeClaude(dir, [
      { type: "init" },
      { type: "assistant", text: "writing", usage: { input_tokens: 1200, output_tokens: 300 }, tool: { name: "Write", input: { file_path: "wip.txt" } } },
      { type: "write", path: "wip.txt", content: "work in progress" },
      { type: "hang" },
    ]);
    const backend = new ClaudeCliBackend({ binary: fake.binary, killGraceMs: 300, prices: { inputPerMTok: 3, outputPerMTok: 15 } });
    const d = deps();
    const r = await runWithAccounting(backend, { ...base(work, { limits: { maxTurns: 10, deadline: Date.now() + 1200 } }), session: { key: "dev/9" } }, d);
    assert.equal(r.status, "deadline");
    assert.equal(readFileSync(join(work, "wip.txt"), "utf8"), "work in progress");
    const e = d.ledger.entries[0];
    assert.equal(e?.status, "deadline");
    assert.equal(e?.usage.inputTokens, 1200);
    assert.ok(Math.abs((e?.costUsd ?? 0) - (1200 * 3 + 300 * 15) / 1e6) < 1e-12, "estimated from the price table");
    assert.ok(d.sessions.blobs.get("dev/9")?.data, "session saved for the next tick");
    assert.ok(existsSync(r.transcriptPath));
  });

  it("retries fresh when the backend cannot resume the stored session", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llm-acc-claude-"));
    const work = join(dir, "work");
    mkdirSync(work);
    const fake = fakeClaude(dir, [{ type: "init" }, { type: "assistant", text: "fresh start" }, { type: "result" }]);
    const backend = new ClaudeCliBackend({ binary: fake.binary });
    const d = deps();
    // a well-formed blob whose payload is not a claude session
    const { encodeSession } = await import("../../src/llm/session.ts");
    await d.sessions.save("k", encodeSession("claude-cli", JSON.stringify({ nope: true }), "x"));
    const r = await runWithAccounting(backend, base(work, { session: { key: "k", recoveryPrompt: "recover" } }), d);
    assert.equal(r.status, "ok", r.reason);
    assert.equal(r.resumed, false);
    assert.equal(r.text, "fresh start");
    assert.equal(fake.dump().argv.at(-1), "recover");
  });

  it("holds a slot per backend for the duration of a run", async () => {
    const slots = new InMemorySlots(1);
    const order: string[] = [];
    const slow: Backend = {
      kind: "scripted",
      name: "slow",
      credentialNames: [],
      run: async <T>(t: RunTask<T>): Promise<RunResult<T>> => {
        order.push(`start ${t.prompt}`);
        await new Promise((r) => setTimeout(r, 50));
        order.push(`end ${t.prompt}`);
        return { status: "ok", text: "", usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0, turns: 1, durationMs: 50, transcriptPath: "" };
      },
    };
    const d = { ...deps(), slots };
    await Promise.all([runWithAccounting(slow, base(cwd(), { prompt: "a" }), d), runWithAccounting(slow, base(cwd(), { prompt: "b" }), d)]);
    assert.deepEqual(order, ["start a", "end a", "start b", "end b"]);
    assert.equal(slots.used("slow"), 0);
  });
});
