// The openai backend's agent loop against a fake OpenAI-compatible server on loopback.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { z } from "zod";
import { OpenAiBackend } from "../../src/llm/openai/backend.ts";
import type { RunTask } from "../../src/llm/types.ts";
import { collectingLog } from "../fakes/log.ts";
import { startFakeOpenAi } from "../fakes/openai-server.ts";
import type { FakeOpenAi, Reply } from "../fakes/openai-server.ts";

const CANARY = "canary-forge-token-0a1b2c3d";
process.env["FORGE_TOKEN"] = CANARY;
process.env["GITHUB_TOKEN"] = CANARY;
const KEY = "sk-test-openai-key-0123456789abcdef";

const servers: FakeOpenAi[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function setup(replies: Reply[], cfg: Record<string, unknown> = {}, fallback?: Reply) {
  const server = await startFakeOpenAi(replies, fallback);
  servers.push(server);
  const dir = mkdtempSync(join(tmpdir(), "llm-openai-"));
  const cwd = join(dir, "work");
  mkdirSync(join(cwd, "src"), { recursive: true });
  writeFileSync(join(cwd, "src", "app.ts"), "export const greeting = 'hello';\n");
  const log = collectingLog();
  const backend = new OpenAiBackend({
    baseUrl: server.url,
    model: "qwen-coder",
    apiKeyEnv: "LOCAL_LLM_KEY",
    prices: { inputPerMTok: 1, outputPerMTok: 10 },
    retryBaseMs: 10,
    ...cfg,
  });
  const task = (over: Partial<RunTask> = {}): RunTask => ({
    cwd,
    prompt: "Change the greeting",
    tools: "edit",
    limits: { maxTurns: 10, deadline: Date.now() + 30_000 },
    env: { LOCAL_LLM_KEY: KEY },
    log,
    transcriptPath: join(dir, "transcript.jsonl"),
    ...over,
  });
  return { server, dir, cwd, log, backend, task };
}

describe("openai backend", () => {
  it("runs the tool loop with fragmented tool-call arguments, usage and cost", async () => {
    const s = await setup([
      { kind: "tools", text: "Reading first.", calls: [{ name: "read_file", args: { path: "src/app.ts" } }], fragment: 3, usage: { prompt: 1000, completion: 50 } },
      {
        kind: "tools",
        calls: [
          { name: "edit_file", args: { path: "src/app.ts", old_text: "'hello'", new_text: "'hi there'" } },
          { name: "run_command", args: { command: "cat src/app.ts" } },
        ],
        fragment: 5,
        usage: { prompt: 1200, completion: 80, cached: 1000 },
      },
      { kind: "text", text: "Changed the greeting.", usage: { prompt: 1400, completion: 10 } },
    ]);
    const r = await s.backend.run(s.task());
    assert.equal(r.status, "ok", r.reason);
    assert.equal(r.text, "Changed the greeting.");
    assert.equal(r.turns, 3);
    assert.equal(readFileSync(join(s.cwd, "src/app.ts"), "utf8"), "export const greeting = 'hi there';\n");
    assert.deepEqual(r.usage, { inputTokens: 2600, outputTokens: 140, cacheReadTokens: 1000, cacheWriteTokens: 0 });
    assert.ok(Math.abs(r.costUsd - (3600 * 1 + 140 * 10) / 1e6) < 1e-12);
    for (const line of ["info read src/app.ts", "info edit src/app.ts", "info bash cat src/app.ts"]) assert.ok(s.log.lines.includes(line), s.log.lines.join("\n"));
    // requests: streamed, usage asked for, tool_choice a string, key as bearer
    const req = s.server.requests[0]!;
    assert.equal(req.body["stream"], true);
    assert.deepEqual(req.body["stream_options"], { include_usage: true });
    assert.equal(req.body["tool_choice"], "auto");
    assert.equal(req.headers["authorization"], `Bearer ${KEY}`);
    // the tool results went back with the right ids, the command's output included
    const last = s.server.requests[2]!.body.messages;
    const tools = last.filter((m) => m.role === "tool");
    assert.equal(tools.length, 3);
    assert.match(String(tools[2]?.content), /exit code 0\nexport const greeting = 'hi there';/);
    assert.ok(r.session?.data);
  });

  it("retries 429 and 5xx, honouring Retry-After", async () => {
    const s = await setup([{ kind: "status", status: 429, retryAfter: "1" }, { kind: "status", status: 503 }, { kind: "text", text: "ok now" }]);
    const started = Date.now();
    const r = await s.backend.run(s.task());
    assert.equal(r.status, "ok", r.reason);
    assert.equal(r.text, "ok now");
    assert.equal(s.server.requests.length, 3);
    assert.ok(Date.now() - started >= 950, "waited for Retry-After");
    assert.ok(s.log.lines.some((l) => l.startsWith("warn") && l.includes("HTTP 429")));
    assert.equal(r.turns, 1, "retries are not turns");
  });

  it("does not retry a 4xx other than 429", async () => {
    const s = await setup([{ kind: "status", status: 401, body: '{"error":"bad key"}' }]);
    const r = await s.backend.run(s.task());
    assert.equal(r.status, "error");
    assert.match(r.reason ?? "", /HTTP 401/);
    assert.equal(s.server.requests.length, 1);
  });

  it("sends malformed tool-call arguments back to the model as an error", async () => {
    const s = await setup([
      { kind: "tools", calls: [{ name: "write_file", args: '{"path": "x.txt", "content": "unterminated' }] },
      { kind: "tools", calls: [{ name: "write_file", args: { path: "x.txt", content: "fixed" } }] },
      { kind: "text", text: "done" },
    ]);
    const r = await s.backend.run(s.task());
    assert.equal(r.status, "ok", r.reason);
    const toolMsg = s.server.requests[1]!.body.messages.find((m) => m.role === "tool");
    assert.match(String(toolMsg?.content), /not valid JSON/);
    assert.equal(readFileSync(join(s.cwd, "x.txt"), "utf8"), "fixed");
  });

  it("stops a model that never stops calling tools at maxTurns", async () => {
    const s = await setup([]);
    const r = await s.backend.run(s.task({ limits: { maxTurns: 4, deadline: Date.now() + 30_000 } }));
    assert.equal(r.status, "max_turns");
    assert.equal(r.turns, 4);
    assert.equal(s.server.requests.length, 4);
  });

  it("stops at the cost limit during the run and keeps files written so far", async () => {
    const write = (i: number): Reply => ({ kind: "tools", calls: [{ name: "write_file", args: { path: `out/${i}.txt`, content: `step ${i}` } }], usage: { prompt: 100_000, completion: 1000 } });
    const s = await setup([write(1), write(2), write(3), write(4)]);
    // each call costs $0.11 (100k in at $1/M + 1k out at $10/M)
    const r = await s.backend.run(s.task({ limits: { maxTurns: 10, deadline: Date.now() + 30_000, maxCostUsd: 0.2 } }));
    assert.equal(r.status, "budget");
    assert.match(r.reason ?? "", /cost limit/);
    assert.equal(r.turns, 2);
    assert.equal(readFileSync(join(s.cwd, "out/1.txt"), "utf8"), "step 1");
    assert.equal(existsSync(join(s.cwd, "out/2.txt")), false, "the call that crossed the limit is not executed");
  });

  it("stops at the deadline during a slow model call", async () => {
    const s = await setup([{ kind: "tools", calls: [{ name: "write_file", args: { path: "first.txt", content: "kept" } }] }, { kind: "stall", ms: 8000, then: { kind: "text", text: "late" } }]);
    const started = Date.now();
    const r = await s.backend.run(s.task({ limits: { maxTurns: 10, deadline: Date.now() + 800 } }));
    assert.equal(r.status, "deadline");
    // Well before the stalled call would have answered (8 s), with room for a loaded machine.
    assert.ok(Date.now() - started < 5000);
    assert.equal(readFileSync(join(s.cwd, "first.txt"), "utf8"), "kept");
  });

  it("stops at the token limit", async () => {
    const s = await setup([], {}, { kind: "tools", calls: [{ name: "list_files", args: {} }], usage: { prompt: 600, completion: 100 } });
    const r = await s.backend.run(s.task({ limits: { maxTurns: 50, deadline: Date.now() + 30_000, maxTokens: 2000 } }));
    assert.equal(r.status, "budget");
    assert.equal(r.turns, 3);
  });

  it("validates submit_result; an invalid one goes back to the model, then a valid one is the result", async () => {
    const schema = z.object({ verdict: z.enum(["approve", "request_changes"]), summary: z.string() });
    const s = await setup([
      { kind: "tools", calls: [{ name: "submit_result", args: { verdict: "lgtm" } }] },
      { kind: "tools", calls: [{ name: "submit_result", args: { verdict: "approve", summary: "small and correct" } }] },
    ]);
    const r = await s.backend.run({ ...s.task({ tools: "read-only" }), resultSchema: schema });
    assert.equal(r.status, "ok", r.reason);
    assert.deepEqual(r.result, { verdict: "approve", summary: "small and correct" });
    const names = (s.server.requests[0]!.body["tools"] as { function: { name: string } }[]).map((t) => t.function.name).sort();
    assert.deepEqual(names, ["list_files", "read_file", "search", "submit_result"]);
    const feedback = s.server.requests[1]!.body.messages.find((m) => m.role === "tool");
    assert.match(String(feedback?.content), /does not match the schema/);
  });

  it("gives up with status error after repeated invalid results, never returning a partial one", async () => {
    const schema = z.object({ verdict: z.enum(["approve", "request_changes"]) });
    const bad: Reply = { kind: "tools", calls: [{ name: "submit_result", args: { verdict: "maybe" } }] };
    const s = await setup([bad, bad, bad, bad]);
    const r = await s.backend.run({ ...s.task({ tools: "read-only" }), resultSchema: schema });
    assert.equal(r.status, "error");
    assert.match(r.reason ?? "", /no valid structured result/);
    assert.equal(r.result, undefined);
    assert.equal(s.server.requests.length, 3, "two retries");
  });

  it("keeps the parent's tokens out of commands, logs and the transcript", async () => {
    const s = await setup([{ kind: "tools", calls: [{ name: "run_command", args: { command: "env; echo key=$LOCAL_LLM_KEY" } }] }, { kind: "text", text: "done" }]);
    const r = await s.backend.run(s.task());
    assert.equal(r.status, "ok");
    const toolOut = String(s.server.requests[1]!.body.messages.find((m) => m.role === "tool")?.content);
    assert.match(toolOut, /^PATH=/m);
    assert.ok(!toolOut.includes(CANARY), "canary reached run_command");
    assert.ok(!toolOut.includes(KEY), "the backend key reached run_command");
    const transcript = readFileSync(r.transcriptPath, "utf8");
    for (const t of [transcript, s.log.lines.join("\n")]) {
      assert.ok(!t.includes(CANARY));
      assert.ok(!t.includes(KEY));
    }
  });

  it("resumes from the message list", async () => {
    const s = await setup([{ kind: "text", text: "first answer" }, { kind: "text", text: "second answer" }]);
    const r1 = await s.backend.run(s.task({ prompt: "first question", system: "sys" }));
    const r2 = await s.backend.run(s.task({ prompt: "second question", system: "sys v2", session: { key: "k", resume: r1.session } }));
    assert.equal(r2.status, "ok");
    assert.equal(r2.sessionId, r1.sessionId);
    const msgs = s.server.requests[1]!.body.messages;
    assert.deepEqual(
      msgs.map((m) => [m.role, m.content]),
      [
        ["system", "sys v2"],
        ["user", "first question"],
        ["assistant", "first answer"],
        ["user", "second question"],
      ],
    );
  });

  it("refuses to run without its key or with foreign credentials", async () => {
    const s = await setup([{ kind: "text", text: "x" }]);
    const r1 = await s.backend.run(s.task({ env: {} }));
    assert.equal(r1.status, "error");
    assert.match(r1.reason ?? "", /LOCAL_LLM_KEY/);
    const r2 = await s.backend.run(s.task({ env: { LOCAL_LLM_KEY: KEY, FORGE_TOKEN: CANARY } }));
    assert.equal(r2.status, "error");
    assert.equal(s.server.requests.length, 0);
  });
});
