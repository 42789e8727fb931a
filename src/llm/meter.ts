// Limits enforced while a run is going, not only checked afterwards: the loop (or the process
// watchdog) asks the meter before and after every model call and stops at the first limit hit.
import { z } from "zod";
import { addUsage, emptyUsage, totalTokens } from "./types.ts";
import type { RunLimits, RunStatus, Usage } from "./types.ts";

/** USD per million tokens. Cache prices default to the input price when absent. */
export const priceTableSchema = z.object({
  inputPerMTok: z.number().nonnegative(),
  outputPerMTok: z.number().nonnegative(),
  cacheReadPerMTok: z.number().nonnegative().optional(),
  cacheWritePerMTok: z.number().nonnegative().optional(),
});
export type PriceTable = z.infer<typeof priceTableSchema>;

export function costOf(u: Usage, p: PriceTable | undefined): number {
  if (p === undefined) return 0;
  const m = 1_000_000;
  return (
    (u.inputTokens * p.inputPerMTok +
      u.outputTokens * p.outputPerMTok +
      u.cacheReadTokens * (p.cacheReadPerMTok ?? p.inputPerMTok) +
      u.cacheWriteTokens * (p.cacheWritePerMTok ?? p.inputPerMTok)) /
    m
  );
}

export interface Stop {
  status: Exclude<RunStatus, "ok" | "error">;
  reason: string;
}

export class RunMeter {
  readonly limits: RunLimits;
  readonly startedAt: number;
  usage: Usage = emptyUsage();
  costUsd = 0;
  turns = 0;
  private readonly prices: PriceTable | undefined;
  private readonly now: () => number;

  constructor(limits: RunLimits, prices?: PriceTable, now: () => number = Date.now) {
    this.limits = limits;
    this.prices = prices;
    this.now = now;
    this.startedAt = now();
  }

  /** Add one model call's usage; cost from the price table unless the caller knows it. */
  add(u: Usage, costUsd?: number): void {
    this.usage = addUsage(this.usage, u);
    this.costUsd += costUsd ?? costOf(u, this.prices);
  }

  remainingMs(): number {
    return this.limits.deadline - this.now();
  }

  /** Deadline, tokens or cost: a limit that already hit. */
  exhausted(): Stop | undefined {
    if (this.remainingMs() <= 0) return { status: "deadline", reason: `deadline passed after ${this.elapsedMs()} ms` };
    const { maxTokens, maxCostUsd } = this.limits;
    const tok = totalTokens(this.usage);
    if (maxTokens !== undefined && tok >= maxTokens) return { status: "budget", reason: `token limit reached: ${tok} ≥ ${maxTokens}` };
    if (maxCostUsd !== undefined && this.costUsd >= maxCostUsd)
      return { status: "budget", reason: `cost limit reached: $${this.costUsd.toFixed(4)} ≥ $${maxCostUsd.toFixed(4)}` };
    return undefined;
  }

  /** Before another model call: any limit, including turns. */
  beforeTurn(): Stop | undefined {
    const hit = this.exhausted();
    if (hit) return hit;
    if (this.turns >= this.limits.maxTurns) return { status: "max_turns", reason: `turn limit reached: ${this.turns} of ${this.limits.maxTurns}` };
    return undefined;
  }

  elapsedMs(): number {
    return this.now() - this.startedAt;
  }
}

/** setTimeout fires at once for delays over 2^31-1 ms (~24.8 days): clamp, and never negative. */
export function timerDelay(ms: number): number {
  return Math.min(Math.max(0, ms), 2_147_483_647);
}
