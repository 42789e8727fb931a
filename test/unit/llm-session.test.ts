import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { describe, it } from "node:test";
import { decodeSession, encodeSession } from "../../src/llm/session.ts";

describe("session blobs", () => {
  it("round-trips a payload through gzip and base64", () => {
    const payload = JSON.stringify({ messages: Array.from({ length: 200 }, (_, i) => ({ role: "user", content: `message ${i}` })) });
    const blob = encodeSession("openai", payload, "sid-1");
    assert.ok(blob.data !== undefined && blob.data.length < payload.length / 2, "compressed");
    const d = decodeSession(JSON.parse(JSON.stringify(blob)), "openai");
    assert.deepEqual(d, { ok: true, payload, sessionId: "sid-1" });
  });

  it("drops a session over the size bound instead of storing it", () => {
    const blob = encodeSession("openai", randomBytes(5000).toString("base64"), "s", { maxCompressedBytes: 1000 });
    assert.equal(blob.data, undefined);
    assert.match(blob.dropped ?? "", /too large/);
    const d = decodeSession(blob, "openai");
    assert.equal(d.ok, false);
  });

  it("reports corrupt, foreign, malformed and oversized blobs as reasons", () => {
    const wrong = decodeSession(encodeSession("claude-cli", "{}", "s"), "openai");
    assert.equal(wrong.ok, false);
    assert.match(!wrong.ok ? wrong.reason : "", /belongs to backend claude-cli/);
    const corrupt = decodeSession({ v: 1, backend: "openai", data: "bm90IGd6aXA=" }, "openai");
    assert.match(!corrupt.ok ? corrupt.reason : "", /corrupt/);
    const malformed = decodeSession({ v: 2, stuff: true }, "openai");
    assert.match(!malformed.ok ? malformed.reason : "", /malformed/);
    // a small blob that inflates past the payload bound (a decompression bomb)
    const bomb = { v: 1, backend: "openai", data: gzipSync(Buffer.alloc(2_000_000)).toString("base64") };
    const b = decodeSession(bomb, "openai", { maxPayloadBytes: 1_000_000 });
    assert.equal(b.ok, false);
  });
});
