// Parsing what comes from outside: OpenAI stream chunks, Retry-After, claude stream-json lines,
// JSON in a model's prose.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseLine } from "../../src/llm/claude-cli/frames.ts";
import { ApiError, CompletionAssembler, completionsUrl, retryAfterMs } from "../../src/llm/openai/client.ts";
import { jsonFromText } from "../../src/llm/result.ts";

describe("CompletionAssembler", () => {
  it("concatenates tool-call argument fragments per index, interleaved", () => {
    const a = new CompletionAssembler();
    const tc = (index: number, f: Record<string, unknown>, id?: string) => ({ choices: [{ delta: { tool_calls: [{ index, ...(id ? { id, type: "function" } : {}), function: f }] } }] });
    a.push({ choices: [{ delta: { role: "assistant", content: null } }] });
    a.push(tc(0, { name: "read_file", arguments: "" }, "c0"));
    a.push(tc(1, { name: "search", arguments: '{"pat' }, "c1"));
    a.push(tc(0, { arguments: '{"path":' }));
    a.push(tc(1, { arguments: 'tern":"x"}' }));
    a.push(tc(0, { arguments: '"a.ts"}' }));
    a.push({ choices: [{ delta: {}, finish_reason: "tool_calls" }] });
    a.push({ choices: [], usage: { prompt_tokens: 50, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 20 } } });
    const c = a.result();
    assert.deepEqual(c.toolCalls, [
      { id: "c0", name: "read_file", arguments: '{"path":"a.ts"}' },
      { id: "c1", name: "search", arguments: '{"pattern":"x"}' },
    ]);
    assert.equal(c.finishReason, "tool_calls");
    assert.deepEqual(c.usage, { inputTokens: 30, outputTokens: 9, cacheReadTokens: 20, cacheWriteTokens: 0 });
  });

  it("accepts a non-streamed completion and servers that omit the index", () => {
    const a = new CompletionAssembler();
    a.push({ choices: [{ message: { content: "", tool_calls: [{ id: "x", function: { name: "list_files", arguments: "{}" } }, { id: "y", function: { name: "read_file", arguments: '{"path":"b"}' } }] }, finish_reason: "tool_calls" }] });
    assert.deepEqual(a.result().toolCalls.map((t) => t.name), ["list_files", "read_file"]);
    const b = new CompletionAssembler();
    b.push({ choices: [{ delta: { tool_calls: [{ id: "z", function: { name: "search", arguments: '{"pattern"' } }] } }] });
    b.push({ choices: [{ delta: { tool_calls: [{ function: { arguments: ':"q"}' } }] } }] });
    assert.deepEqual(b.result().toolCalls, [{ id: "z", name: "search", arguments: '{"pattern":"q"}' }]);
  });

  it("turns an error chunk into an ApiError and rejects nonsense", () => {
    assert.throws(() => new CompletionAssembler().push({ error: { message: "context overflow" } }), (e: unknown) => e instanceof ApiError && /context overflow/.test(e.message));
    assert.throws(() => new CompletionAssembler().push({ choices: "nope" }), ApiError);
  });
});

describe("client helpers", () => {
  it("reads Retry-After as seconds or as an HTTP date", () => {
    assert.equal(retryAfterMs("2"), 2000);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6_000);
    assert.equal(retryAfterMs("soon"), undefined);
    assert.equal(retryAfterMs(undefined), undefined);
  });

  it("builds the completions URL with or without /v1", () => {
    assert.equal(completionsUrl("http://127.0.0.1:8080"), "http://127.0.0.1:8080/v1/chat/completions");
    assert.equal(completionsUrl("https://api.example.com/v1/"), "https://api.example.com/v1/chat/completions");
    assert.equal(completionsUrl("https://openrouter.ai/api/v1"), "https://openrouter.ai/api/v1/chat/completions");
  });
});

describe("claude stream-json lines", () => {
  it("classifies frames, noise and frames of unexpected shape", () => {
    assert.equal(parseLine("⚠ Claude Sonnet 4.5 will be retired").kind, "noise");
    assert.equal(parseLine("{not json").kind, "noise");
    const r = parseLine(JSON.stringify({ type: "result", subtype: "success", is_error: true, result: "Not logged in · Please run /login", session_id: "s" }));
    assert.equal(r.kind, "frame");
    assert.equal(r.kind === "frame" && r.value.kind === "result" && r.value.frame.is_error, true);
    assert.equal(parseLine(JSON.stringify({ type: "result", subtype: "success" })).kind, "invalid");
    const other = parseLine(JSON.stringify({ type: "stream_event", event: {} }));
    assert.equal(other.kind === "frame" && other.value.kind, "other");
  });
});

describe("jsonFromText", () => {
  it("finds the JSON in a model's answer", () => {
    assert.deepEqual(jsonFromText('{"a":1}'), { a: 1 });
    assert.deepEqual(jsonFromText('Here you go:\n```json\n{"a":2}\n```\nbye'), { a: 2 });
    assert.deepEqual(jsonFromText('The verdict is {"a":3} as requested'), { a: 3 });
    assert.equal(jsonFromText("no json here"), undefined);
  });
});
