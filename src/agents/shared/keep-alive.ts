// A lease held across a long piece of work is renewed on a timer. Renewals are chained, so a
// slow one never overlaps the next, and stop() waits for the one in flight before the caller
// releases the lease. A failed renewal is only a warning: what the holder writes next checks
// the lease (fenced writes, assertHeld) and refuses without it.
import { errorMessage } from "../../lib/errors.ts";
import type { Lease } from "../../state/lease.ts";
import type { AgentRuntime } from "../runtime.ts";

/** stop() resolves to the lease as last renewed: each renewal writes a new sha, and the next
 * renewal and the release start from it (the original sha would conflict and cost a re-read). */
export function keepAlive(rt: Pick<AgentRuntime, "leases" | "log">, lease: Lease, ttlMs: number, everyMs: number): { stop(): Promise<Lease> } {
  let current = lease;
  let chain: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    chain = chain.then(async () => {
      try {
        current = await rt.leases.renew(current, ttlMs);
      } catch (err) {
        rt.log.warn(`lease ${lease.name}: renewal failed: ${errorMessage(err)}`);
      }
    });
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await chain;
      return current;
    },
  };
}
