// The claude-cli backend end to end against test/fakes/claude.mjs, which speaks the CLI's
// stream-json contract. Each case is a scenario the real CLI has been seen to produce.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { z } from "zod";
import { ClaudeCliBackend } from "../../src/llm/claude-cli/backend.ts";
import { isAllowedName } from "../../src/llm/env.ts";
import type { RunTask } from "../../src/llm/types.ts";
import { fakeClaude } from "../fakes/fake-claude.ts";
import { collectingLog } from "../fakes/log.ts";
import type { Step } from "../fakes/fake-claude.ts";
import { waitUntilGone } from "../fakes/process.ts";

// Set in the PARENT's environment, as a CI step would have it: the LLM must never see it.
const CANARY = "canary-forge-token-9f8e7d6c";
process.env["FORGE_TOKEN"] = CANARY;
process.env["DISINTO_FORGE_TOKEN"] = CANARY;
process.env["CI_NETRC_PASSWORD"] = CANARY;
const API_KEY = "sk-ant-api03-testkey-abcdefghijklmnop";

function setup(steps: Step[], cfg: { idleGraceMs?: number; killGraceMs?: number; model?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "llm-claude-"));
  const cwd = join(dir, "work");
  const fake = fakeClaude(dir, steps);
  const log = collectingLog();
  const backend = new ClaudeCliBackend({ binary: fake.binary, model: cfg.model ?? "sonnet", idleGraceMs: cfg.idleGraceMs ?? 30_000, killGraceMs: cfg.killGraceMs ?? 2_000 });
  const task = (over: Partial<RunTask> = {}): RunTask => ({
    cwd,
    prompt: "Implement issue #12",
    tools: "edit",
    limits: { maxTurns: 10, deadline: Date.now() + 30_000 },
    env: { ANTHROPIC_API_KEY: API_KEY },
    log,
    transcriptPath: join(dir, "transcript.jsonl"),
    ...over,
  });
  return { dir, cwd, fake, log, backend, task };
}

// the work tree must exist before the CLI starts in it
function withCwd<T extends { cwd: string }>(s: T): T {
  mkdirSync(s.cwd, { recursive: true });
  return s;
}

const happy: Step[] = [
  { type: "noise", stream: "stderr", text: "⚠ Claude Sonnet 4.5 will be retired soon" },
  { type: "init" },
  { type: "noise", stream: "stdout", text: "some non-JSON noise on stdout" },
  { type: "assistant", text: "Running the tests first.", tool: { name: "Bash", input: { command: "npm test -- --grep thing" } } },
  { type: "tool_result", content: "ok 1" },
  { type: "assistant", tool: { name: "Edit", input: { file_path: "src/x.ts", old_string: "SECRET BODY", new_string: "y" } } },
  { type: "write", path: "src/x.ts", content: "export const x = 2;\n" },
  { type: "tool_result", content: "edited" },
  { type: "assistant", text: "Done: changed src/x.ts" },
  { type: "result", total_cost_usd: 0.042 },
];

describe("claude-cli backend", () => {
  it("runs a task: frames parsed, progress summarised, usage and cost from the result", async () => {
    const s = withCwd(setup(happy));
    const r = await s.backend.run(s.task());
    assert.equal(r.status, "ok", r.reason);
    assert.equal(r.text, "Done: changed src/x.ts");
    assert.equal(r.costUsd, 0.042);
    assert.equal(r.turns, 3);
    assert.deepEqual(r.usage, { inputTokens: 300, outputTokens: 150, cacheReadTokens: 0, cacheWriteTokens: 0 });
    assert.equal(readFileSync(join(s.cwd, "src/x.ts"), "utf8"), "export const x = 2;\n");
    assert.ok(s.log.lines.includes("info bash npm test -- --grep thing"), s.log.lines.join("\n"));
    assert.ok(s.log.lines.includes("info edit src/x.ts"));
    assert.ok(!s.log.lines.some((l) => l.includes("SECRET BODY")), "progress lines never carry contents");
    assert.ok(r.sessionId && r.session?.data, "session captured");
    assert.ok(existsSync(r.transcriptPath));
    assert.match(readFileSync(r.transcriptPath, "utf8"), /Done: changed src\/x\.ts/);
  });

  it("passes the contract's flags, the prompt last, stdin closed, and a clean environment", async () => {
    const s = withCwd(setup(happy));
    await s.backend.run(s.task({ prompt: "--looks-like-a-flag but is the prompt", system: "You are the dev agent." }));
    const d = s.fake.dump();
    assert.equal(d.argv[0], "-p");
    for (const f of ["--output-format=stream-json", "--verbose", "--max-turns=10", "--model=sonnet", "--permission-mode=bypassPermissions", "--append-system-prompt=You are the dev agent."]) assert.ok(d.argv.includes(f), f);
    assert.deepEqual(d.argv.slice(-2), ["--", "--looks-like-a-flag but is the prompt"]);
    // the environment: allowlist + credentials + the CLI's own settings, nothing from the parent's CI
    const env = d.env;
    assert.ok(!JSON.stringify(env).includes(CANARY), "canary from the parent env reached claude");
    assert.equal(env["ANTHROPIC_API_KEY"], API_KEY);
    assert.ok(env["CLAUDE_CONFIG_DIR"]?.startsWith(tmpdir()), "per-run config dir");
    assert.notEqual(env["CLAUDE_CONFIG_DIR"], join(process.env["HOME"] ?? "", ".claude"));
    // A root runner starts the CLI as the model user: it is not root, so no IS_SANDBOX
    if (process.getuid?.() === 0) {
      assert.equal(env["IS_SANDBOX"], undefined);
      assert.notEqual(d.uid, 0, "claude ran as root");
    }
    const own = new Set(["ANTHROPIC_API_KEY", "CLAUDE_CONFIG_DIR", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "DISABLE_AUTOUPDATER", "DISABLE_ERROR_REPORTING", "DISABLE_TELEMETRY", "IS_SANDBOX", "LLM_SANDBOX_RUN"]);
    // the wrapper script adds its two FAKE_CLAUDE_* settings; sh may add PWD/SHLVL/_
    const shell = new Set(["FAKE_CLAUDE_SCENARIO", "FAKE_CLAUDE_DUMP", "PWD", "SHLVL", "_", "OLDPWD"]);
    for (const k of Object.keys(env)) assert.ok(isAllowedName(k) || own.has(k) || shell.has(k), `unexpected variable ${k}`);
    // logs and transcript: no canary, no API key
    const transcript = readFileSync(join(s.dir, "transcript.jsonl"), "utf8");
    for (const text of [transcript, s.log.lines.join("\n")]) {
      assert.ok(!text.includes(CANARY));
      assert.ok(!text.includes(API_KEY));
    }
    // the per-run config dir is gone afterwards
    assert.equal(existsSync(env["CLAUDE_CONFIG_DIR"] ?? "/nonexistent"), false);
  });

  it("maps the read-only policy to dontAsk with an allowlist of tools", async () => {
    const s = withCwd(setup(happy));
    await s.backend.run(s.task({ tools: "read-only" }));
    const argv = s.fake.dump().argv;
    assert.ok(argv.includes("--permission-mode=dontAsk"));
    assert.ok(argv.includes("--tools=Read,Bash"));
    assert.ok(argv.some((a) => a.startsWith("--allowedTools=Read,")));
    assert.ok(!argv.includes("--permission-mode=bypassPermissions"));
    assert.equal(s.fake.dump().env["IS_SANDBOX"], undefined);
  });

  it("treats subtype success with is_error: true as an error (API and auth failures)", async () => {
    const s = withCwd(setup([{ type: "init" }, { type: "assistant", text: "API Error: 400 fake error 400", error: "unknown" }, { type: "result", is_error: true, result: "API Error: 400 fake error 400", api_error_status: 400 }]));
    const r = await s.backend.run(s.task());
    assert.equal(r.status, "error");
    assert.match(r.reason ?? "", /HTTP 400/);
    assert.match(r.reason ?? "", /API Error: 400/);
    assert.equal(r.result, undefined);
  });

  it("maps error_max_turns and error_max_budget_usd", async () => {
    const t = withCwd(setup([{ type: "init" }, { type: "assistant", tool: { name: "Bash", input: { command: "ls" } } }, { type: "result", subtype: "error_max_turns", is_error: true, errors: ["Reached maximum number of turns (1)"] }]));
    const r1 = await t.backend.run(t.task({ limits: { maxTurns: 1, deadline: Date.now() + 30_000 } }));
    assert.equal(r1.status, "max_turns");
    assert.match(r1.reason ?? "", /Reached maximum number of turns/);
    assert.ok(t.fake.dump().argv.includes("--max-turns=1"));
    const b = withCwd(setup([{ type: "init" }, { type: "result", subtype: "error_max_budget_usd", is_error: true, errors: ["budget"] }]));
    const r2 = await b.backend.run(b.task({ limits: { maxTurns: 5, deadline: Date.now() + 30_000, maxCostUsd: 0.5 } }));
    assert.equal(r2.status, "budget");
    assert.ok(b.fake.dump().argv.includes("--max-budget-usd=0.5000"));
  });

  it("kills the process group when the CLI hangs after its final result frame", async () => {
    const s = withCwd(setup([{ type: "init" }, { type: "spawn_child" }, { type: "assistant", text: "all done" }, { type: "result" }, { type: "hang" }], { idleGraceMs: 300, killGraceMs: 300 }));
    const started = Date.now();
    const r = await s.backend.run(s.task());
    assert.equal(r.status, "ok", "the result frame was complete; the hang only delays exit");
    assert.equal(r.text, "all done");
    assert.match(r.reason ?? "", /no exit 300 ms after the result/);
    assert.ok(Date.now() - started < 10_000);
    const child = s.fake.dump().childPids[0];
    assert.ok(child !== undefined);
    assert.equal(await waitUntilGone(child), true, "the CLI's child outlived the run");
  });

  it("reports a crash mid-stream with the stderr tail, keeping usage seen so far", async () => {
    const s = withCwd(setup([{ type: "init" }, { type: "assistant", text: "working", usage: { input_tokens: 500, output_tokens: 70 } }, { type: "crash", code: 134 }]));
    const r = await s.backend.run(s.task());
    assert.equal(r.status, "error");
    assert.match(r.reason ?? "", /exited with code 134 before its result frame/);
    assert.match(r.reason ?? "", /crashing mid-stream/);
    assert.equal(r.usage.inputTokens, 500);
    assert.equal(r.turns, 1);
  });

  it("stops at the deadline even when SIGTERM is ignored, and keeps the work on disk", async () => {
    const s = withCwd(setup([{ type: "ignore_sigterm" }, { type: "init" }, { type: "write", path: "partial.txt", content: "half done" }, { type: "assistant", text: "still going" }, { type: "hang" }], { killGraceMs: 300 }));
    const r = await s.backend.run(s.task({ limits: { maxTurns: 10, deadline: Date.now() + 1500 } }));
    assert.equal(r.status, "deadline");
    assert.equal(readFileSync(join(s.cwd, "partial.txt"), "utf8"), "half done");
    assert.ok(r.sessionId, "the session id is known from the init frame, so the work can be resumed");
    assert.ok(r.session?.data, "the session is kept for the next run");
  });

  it("stops the process when streamed usage passes the token limit", async () => {
    const s = withCwd(setup([{ type: "init" }, { type: "assistant", text: "big", usage: { input_tokens: 5000, output_tokens: 100 } }, { type: "hang" }], { killGraceMs: 300 }));
    const r = await s.backend.run(s.task({ limits: { maxTurns: 10, deadline: Date.now() + 30_000, maxTokens: 1000 } }));
    assert.equal(r.status, "budget");
    assert.match(r.reason ?? "", /token limit/);
  });

  it("validates the structured result: valid → result, invalid → error and no result", async () => {
    const schema = z.object({ verdict: z.enum(["approve", "request_changes"]), notes: z.string() });
    const good = withCwd(setup([{ type: "init" }, { type: "assistant", text: "{}" }, { type: "result", structured_output: { verdict: "approve", notes: "fine" } }]));
    const r1 = await good.backend.run({ ...good.task({ tools: "read-only" }), resultSchema: schema });
    assert.equal(r1.status, "ok");
    assert.deepEqual(r1.result, { verdict: "approve", notes: "fine" });
    const arg = good.fake.dump().argv.find((a) => a.startsWith("--json-schema="));
    assert.ok(arg);
    assert.deepEqual((JSON.parse(arg.slice("--json-schema=".length)) as { required: string[] }).required, ["verdict", "notes"]);
    const bad = withCwd(setup([{ type: "init" }, { type: "assistant", text: "x" }, { type: "result", structured_output: { verdict: "merge-it-all" } }]));
    const r2 = await bad.backend.run({ ...bad.task({ tools: "read-only" }), resultSchema: schema });
    assert.equal(r2.status, "error");
    assert.match(r2.reason ?? "", /does not match the schema/);
    assert.match(r2.reason ?? "", /verdict/);
    assert.equal(r2.result, undefined);
  });

  it("resumes a session saved by another process in a fresh config dir", async () => {
    const first = withCwd(setup([{ type: "init" }, { type: "assistant", text: "noted" }, { type: "result" }]));
    const r1 = await first.backend.run(first.task({ prompt: "remember the word: banana" }));
    assert.equal(r1.status, "ok");
    assert.ok(r1.session);
    const configDir1 = first.fake.dump().env["CLAUDE_CONFIG_DIR"];
    // a second "runner": another fake binary, another work dir path, same conversation
    const second = withCwd(setup([{ type: "init" }, { type: "assistant", text: "you said: {{history}}" }, { type: "result" }]));
    const r2 = await second.backend.run(second.task({ prompt: "what was the word?", session: { key: "issue-12", resume: r1.session } }));
    assert.equal(r2.status, "ok", r2.reason);
    assert.equal(r2.text, "you said: remember the word: banana");
    assert.equal(r2.sessionId, r1.sessionId);
    const d = second.fake.dump();
    assert.ok(d.argv.includes(`--resume=${r1.sessionId}`));
    assert.notEqual(d.env["CLAUDE_CONFIG_DIR"], configDir1);
    assert.ok((r2.session?.bytes ?? 0) > (r1.session?.bytes ?? 0), "the resumed session grew");
  });

  it("refuses credentials it does not know, without starting the CLI", async () => {
    const s = withCwd(setup(happy));
    const r = await s.backend.run(s.task({ env: { ANTHROPIC_API_KEY: API_KEY, FORGE_TOKEN: CANARY } }));
    assert.equal(r.status, "error");
    assert.match(r.reason ?? "", /refusing to pass FORGE_TOKEN/);
    assert.equal(existsSync(s.fake.dumpPath), false);
  });

  it("sends a prompt too long for argv through stdin", async () => {
    const s = withCwd(setup([{ type: "init" }, { type: "assistant", text: "got {{prompt}}" }, { type: "result" }]));
    const long = `${"x".repeat(150 * 1024)}END`;
    const r = await s.backend.run(s.task({ prompt: long }));
    assert.equal(r.status, "ok", r.reason);
    assert.ok(r.text.endsWith("xEND"));
    assert.ok(!s.fake.dump().argv.includes("--"));
  });

  it("reports a missing binary as an error result", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llm-claude-"));
    const backend = new ClaudeCliBackend({ binary: join(dir, "no-such-claude") });
    const r = await backend.run({ cwd: dir, prompt: "hi", tools: "edit", limits: { maxTurns: 1, deadline: Date.now() + 10_000 }, env: {}, log: collectingLog() });
    assert.equal(r.status, "error");
    assert.match(r.reason ?? "", /not found|ENOENT/);
  });
});
