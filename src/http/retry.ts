// When and how long to wait before sending a request again.
//
// Only requests that can be repeated without changing the outcome are retried here:
// GET, HEAD, PUT, DELETE and OPTIONS by their HTTP semantics. PATCH is not idempotent in
// general (a JSON-patch "append" is not), but every PATCH this project sends sets absolute
// values (title, state, the full assignee set), so callers mark those requests
// `idempotent: true` explicitly; a PATCH without that mark is not retried. POST is never
// retried by this layer: creating twice duplicates, so the forge layer checks whether the
// first attempt took effect before it tries again.

export interface RetryPolicy {
  /** Total attempts including the first; 1 disables retries. */
  maxAttempts: number;
  /** First backoff step; doubles per attempt, then jittered. */
  baseDelayMs: number;
  /** Ceiling for one wait (also caps a server's Retry-After). */
  maxDelayMs: number;
  /** No new attempt starts once this much time has passed since the first one. */
  maxTotalMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 5_000, maxTotalMs: 30_000 };

const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

export function isIdempotentMethod(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method.toUpperCase());
}

/**
 * Backoff before attempt `attempt + 1` (attempt is 1-based): exponential with "equal jitter",
 * half fixed and half random, so concurrent clients spread out but never retry immediately.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/**
 * `Retry-After` as milliseconds: either delta-seconds or an HTTP date. Undefined when absent or
 * unparseable. Forgejo never sends it (it has no rate limiter); proxies in front of it may.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === "") return undefined;
  const trimmed = v.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
