// Non-idempotent writes (creates, merges) without duplicates.
//
// A create that fails with an unknown outcome — a 5xx, a timeout, a connection lost after
// sending — may have happened anyway. Sending it again blindly is how an agent ends up with
// two identical issues or comments. So before every new attempt we look for the object the
// earlier attempt may have created (an issue with our exact title and body, by us, created
// since we started; the open PR for our head branch; …) and return it if it is there.
// Errors that prove nothing happened (connection refused, 429) are retried directly; any
// other error (4xx) is the answer and is thrown.
import { TimeoutError, isSafeToResend, isUnknownOutcome } from "../../http/errors.ts";
import { backoffDelay } from "../../http/retry.ts";
import type { ForgejoContext } from "./context.ts";

/** Server timestamps have 1 s resolution and our estimate of the server clock is ±1 s. */
export const CLOCK_MARGIN_MS = 2_000;

export interface WriteOnce<T> {
  attempt(): Promise<T>;
  /**
   * Look for the effect of an earlier attempt. `since` is the server time just before the
   * first attempt (minus a margin): anything matching that is older is not ours.
   */
  find(since: Date): Promise<T | undefined>;
  /**
   * Errors that, after an attempt of unknown outcome, mean "you already did this" (a 409 for
   * the PR we just opened, a 405 "already merged"): look again instead of failing.
   */
  isAlreadyDone?(err: unknown): boolean;
}

export async function writeOnce<T>(ctx: ForgejoContext, op: WriteOnce<T>): Promise<T> {
  const since = new Date(ctx.http.serverNow().getTime() - CLOCK_MARGIN_MS);
  const policy = ctx.writeRetry;
  const started = Date.now();
  let uncertain = false;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op.attempt();
    } catch (err) {
      if (uncertain && op.isAlreadyDone?.(err) === true) {
        const found = await op.find(since);
        if (found !== undefined) return found;
        throw err;
      }
      const unknown = isUnknownOutcome(err);
      if (!unknown && !isSafeToResend(err)) throw err;
      if (unknown) {
        uncertain = true;
        if (err instanceof TimeoutError) await ctx.sleep(ctx.settleMs);
        const found = await op.find(since);
        if (found !== undefined) return found;
      }
      const delay = backoffDelay(attempt, policy, ctx.random);
      if (attempt >= policy.maxAttempts || Date.now() - started + delay > policy.maxTotalMs) throw err;
      await ctx.sleep(delay);
    }
  }
}
