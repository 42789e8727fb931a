// The one line every run ends with: what it did, what it cost, how long it took. Text for
// people (`dev: #12 → PR #34 awaiting_ci · 14 turns · 31.2k tok · $0.21 · 3m41s`), an object
// for machines, and the exit code that goes with it.
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../lib/errors.ts";

/**
 * done: did work. idle: nothing to do. paused: stopped cleanly at a cap or the deadline,
 * work saved for the next tick. failed: an error (exit 1). invalid: bad input or config (exit 2).
 */
export type OutcomeKind = "done" | "idle" | "paused" | "failed" | "invalid";

export const OUTCOME_KINDS: readonly OutcomeKind[] = ["done", "idle", "paused", "failed", "invalid"];

/** What an agent's body returns. */
export interface Outcome {
  outcome: OutcomeKind;
  /** One line, e.g. `#12 → PR #34 awaiting_ci`. */
  summary: string;
  /** Extra fields for the JSON outcome (issue, pr, phase, …). */
  details?: Record<string, unknown>;
}

export interface Usage {
  requests: { forge: number; ci: number };
  llm: { tokens: number; cost_usd: number; turns: number };
}

/**
 * Counts what a run spends. Clients and backends add to it as they go, so the outcome has
 * the numbers even when the body throws half-way.
 */
export class Meter {
  private readonly usage: Usage = { requests: { forge: 0, ci: 0 }, llm: { tokens: 0, cost_usd: 0, turns: 0 } };

  request(kind: "forge" | "ci", count = 1): void {
    this.usage.requests[kind] += count;
  }

  llm(add: Partial<Usage["llm"]>): void {
    this.usage.llm.tokens += add.tokens ?? 0;
    this.usage.llm.cost_usd += add.cost_usd ?? 0;
    this.usage.llm.turns += add.turns ?? 0;
  }

  snapshot(): Usage {
    // Summed float prices drift (0.05 + 0.01 = 0.060000000000000005); micro-dollars suffice.
    const cost_usd = Math.round(this.usage.llm.cost_usd * 1e6) / 1e6;
    return { requests: { ...this.usage.requests }, llm: { ...this.usage.llm, cost_usd } };
  }
}

export interface OutcomeRecord extends Usage {
  type: "outcome";
  agent: string;
  outcome: OutcomeKind;
  summary: string;
  duration_ms: number;
  exit_code: number;
  host?: string;
  event?: string;
  repo?: string;
  pipeline_url?: string;
  dry_run?: boolean;
  /** The error message of a failed or invalid run (already redacted by the logger). */
  error?: string;
  details?: Record<string, unknown>;
}

export function exitCodeFor(kind: OutcomeKind): number {
  if (kind === "failed") return EXIT_FAILURE;
  if (kind === "invalid") return EXIT_USAGE;
  return EXIT_OK;
}

export function formatOutcome(r: OutcomeRecord): string {
  const head = r.outcome === "done" ? r.summary : r.summary ? `${r.outcome}: ${r.summary}` : r.outcome;
  // A dry run's summary usually says so itself ("dry run: would …"); else the line is marked.
  const marked = r.dry_run === true && !r.summary.startsWith("dry run:");
  const parts = [`${r.agent}: ${head}${marked ? " (dry run)" : ""}`];
  if (r.llm.turns > 0) parts.push(`${r.llm.turns} turn${r.llm.turns === 1 ? "" : "s"}`);
  if (r.llm.tokens > 0) parts.push(`${formatTokens(r.llm.tokens)} tok`);
  if (r.llm.cost_usd > 0) parts.push(formatCost(r.llm.cost_usd));
  parts.push(formatDuration(r.duration_ms));
  return parts.join(" · ");
}

/** 950 → `950`, 31_200 → `31.2k`, 1_250_000 → `1.25M`. */
export function formatTokens(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 999_500) return `${trim(n / 1000, n < 100_000 ? 1 : 0)}k`;
  return `${trim(n / 1_000_000, 2)}M`;
}

/** `$0.21`; below a cent, enough digits to be non-zero. */
export function formatCost(usd: number): string {
  return usd >= 0.01 || usd === 0 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(1)}`;
}

/** 412 → `0.4s`, 12_300 → `12s`, 221_000 → `3m41s`, 3_720_000 → `1h02m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.floor(s)}s`;
  const total = Math.floor(s);
  if (total < 3600) return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, "0")}s`;
  return `${Math.floor(total / 3600)}h${String(Math.floor((total % 3600) / 60)).padStart(2, "0")}m`;
}

function trim(n: number, digits: number): string {
  const s = n.toFixed(digits);
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}
