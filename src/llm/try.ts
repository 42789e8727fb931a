// tryBackend: the body of `disinto llm try` — one small read-only run that proves the backend,
// its credentials and its endpoint work, summarised in one line. With `accounting` the run
// goes through the same caps, slots and ledger as an agent's (it spends the same money).
import type { Redactor } from "../lib/redact.ts";
import { runWithAccounting } from "./accounting.ts";
import type { Accounting } from "./accounting.ts";
import { pickCredentials } from "./env.ts";
import { clip, formatTokens } from "./progress.ts";
import { totalTokens } from "./types.ts";
import type { Backend, BackendEnv, ProgressSink, RunResult, RunTask } from "./types.ts";

export const DEFAULT_TRY_PROMPT = "Reply with the single word: ready";

export interface TrySummary {
  ok: boolean;
  /** `claude-cli:sonnet: ok · 1 turns · 1.2k tok · $0.0021 · 3.4s — "ready"` */
  line: string;
  result: RunResult;
}

export function formatRun(name: string, r: RunResult): string {
  const parts = [`${name}: ${r.status}`, `${r.turns} turns`, `${formatTokens(totalTokens(r.usage))} tok`, `$${r.costUsd.toFixed(4)}`, `${(r.durationMs / 1000).toFixed(1)}s`];
  const tail = r.status === "ok" ? (r.text ? ` — "${clip(r.text, 60)}"` : "") : ` — ${clip(r.reason ?? "", 200)}`;
  return `${parts.join(" · ")}${tail}`;
}

export async function tryBackend(
  backend: Backend,
  opts: {
    cwd: string;
    prompt?: string;
    log: ProgressSink;
    env?: BackendEnv;
    timeoutMs?: number;
    maxTurns?: number;
    redactor?: Redactor;
    /** Caps, slots and ledger around the run; `budgetKey` is what the spend is charged to. */
    accounting?: Accounting & { budgetKey: string };
  },
): Promise<TrySummary> {
  const task: RunTask = {
    cwd: opts.cwd,
    prompt: opts.prompt ?? DEFAULT_TRY_PROMPT,
    tools: "read-only",
    limits: { maxTurns: opts.maxTurns ?? 3, deadline: Date.now() + (opts.timeoutMs ?? 120_000) },
    env: opts.env ?? pickCredentials(backend.credentialNames),
    log: opts.log,
    ...(opts.redactor !== undefined ? { redactor: opts.redactor } : {}),
  };
  const result = opts.accounting ? await runWithAccounting(backend, { ...task, budgetKey: opts.accounting.budgetKey }, opts.accounting) : await backend.run(task);
  return { ok: result.status === "ok", line: formatRun(backend.name, result), result };
}
