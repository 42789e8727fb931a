import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_RETRY, backoffDelay, isIdempotentMethod, parseRetryAfter } from "../../src/http/retry.ts";

describe("retry policy", () => {
  it("treats GET/HEAD/PUT/DELETE as idempotent and POST/PATCH as not", () => {
    for (const m of ["GET", "HEAD", "PUT", "DELETE", "get"]) assert.equal(isIdempotentMethod(m), true, m);
    for (const m of ["POST", "PATCH"]) assert.equal(isIdempotentMethod(m), false, m);
  });

  it("backs off exponentially within [exp/2, exp] and never beyond maxDelayMs", () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(backoffDelay(1, policy, () => 0), 50);
    assert.equal(backoffDelay(1, policy, () => 1), 100);
    assert.equal(backoffDelay(3, policy, () => 1), 400);
    assert.equal(backoffDelay(10, policy, () => 1), 1000);
    assert.equal(backoffDelay(10, policy, () => 0), 500);
  });

  it("parses Retry-After seconds and HTTP dates", () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    assert.equal(parseRetryAfter("5", now), 5000);
    assert.equal(parseRetryAfter("Tue, 01 Jan 2030 00:00:10 GMT", now), 10_000);
    assert.equal(parseRetryAfter("Mon, 31 Dec 2029 00:00:00 GMT", now), 0);
    assert.equal(parseRetryAfter("soon", now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });
});
