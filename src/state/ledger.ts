// The usage ledger: an append-only record of tokens and cost per LLM run, one JSON line per
// run in `ledger/YYYY-MM-DD.jsonl`. Daily totals per backend are summed from that day's file,
// which is what per-day budget caps are checked against.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { StateStore } from "./store.ts";

// z.lazy: built on first use, so an agent's start does not pay for schemas its run may not need.
export const ledgerEntrySchema = z.lazy(() => z.object({
  id: z.string(),
  at: z.string(),
  agent: z.string(),
  backend: z.string(),
  /** What the spend is for, e.g. `issue/12` or `pr/34`: per-key caps sum over it. */
  key: z.string().optional(),
  model: z.string().optional(),
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  cache_read_tokens: z.number().int().nonnegative().default(0),
  cache_write_tokens: z.number().int().nonnegative().default(0),
  cost_usd: z.number().nonnegative(),
  turns: z.number().int().nonnegative().default(0),
  status: z.string().optional(),
  pipeline_url: z.string().optional(),
  /** The project the run worked for (per-key totals are per project). */
  project: z.string().optional(),
  duration_ms: z.number().int().nonnegative().optional(),
  session_id: z.string().optional(),
}));
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;
export type LedgerEntryInput = Omit<z.input<typeof ledgerEntrySchema>, "id" | "at"> & { at?: string };

export interface Totals {
  runs: number;
  tokens: number;
  costUsd: number;
}

export function ledgerPath(day: Date | string): string {
  const d = typeof day === "string" ? day : day.toISOString().slice(0, 10);
  return `ledger/${d}.jsonl`;
}

export class Ledger {
  private readonly store: StateStore;
  private readonly now: () => Date;

  constructor(store: StateStore, now: () => Date = () => new Date()) {
    this.store = store;
    this.now = now;
  }

  async append(input: LedgerEntryInput): Promise<LedgerEntry> {
    const at = input.at ?? this.now().toISOString();
    // The id makes every line unique, so a write confirmed by re-reading is really ours.
    const entry = ledgerEntrySchema.parse({ ...input, id: randomUUID(), at });
    const line = `${JSON.stringify(entry)}\n`;
    await this.store.updateText(ledgerPath(at.slice(0, 10)), (cur) => (cur ?? "") + line, `ledger: ${entry.agent} ${entry.backend} $${entry.cost_usd.toFixed(4)}`);
    return entry;
  }

  async entries(day: Date | string): Promise<LedgerEntry[]> {
    const doc = await this.store.readText(ledgerPath(day));
    if (!doc) return [];
    const out: LedgerEntry[] = [];
    for (const line of doc.value.split("\n")) {
      if (!line.trim()) continue;
      // A hand-edited or damaged line is skipped rather than blocking every later run.
      const r = ledgerEntrySchema.safeParse(safeJson(line));
      if (r.success) out.push(r.data);
    }
    return out;
  }

  /** Totals for one day, optionally for one backend and/or key. */
  async totals(day: Date | string, filter: { backend?: string; key?: string } = {}): Promise<Totals> {
    const t: Totals = { runs: 0, tokens: 0, costUsd: 0 };
    for (const e of await this.entries(day)) {
      if (filter.backend !== undefined && e.backend !== filter.backend) continue;
      if (filter.key !== undefined && e.key !== filter.key) continue;
      t.runs++;
      t.tokens += e.input_tokens + e.output_tokens;
      t.costUsd += e.cost_usd;
    }
    return t;
  }

  /** Daily totals per backend. */
  async byBackend(day: Date | string): Promise<Record<string, Totals>> {
    return totalsBy(await this.entries(day), (e) => e.backend);
  }
}

/** Totals per key (backend, agent, …) of entries already read: one read of a day serves several views. */
export function totalsBy(entries: readonly LedgerEntry[], keyOf: (e: LedgerEntry) => string): Record<string, Totals> {
  const out: Record<string, Totals> = {};
  for (const e of entries) {
    const t = (out[keyOf(e)] ??= { runs: 0, tokens: 0, costUsd: 0 });
    t.runs++;
    t.tokens += e.input_tokens + e.output_tokens;
    t.costUsd += e.cost_usd;
  }
  return out;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
