// tryBackend: the body of `disinto llm try` — one small read-only run that proves the backend,
// its credentials and its endpoint work, summarised in one line.
import { pickCredentials } from "./env.ts";
import { clip, formatTokens } from "./progress.ts";
import { totalTokens } from "./types.ts";
import type { Backend, BackendEnv, ProgressSink, RunResult } from "./types.ts";

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
  opts: { cwd: string; prompt?: string; log: ProgressSink; env?: BackendEnv; timeoutMs?: number; maxTurns?: number },
): Promise<TrySummary> {
  const result = await backend.run({
    cwd: opts.cwd,
    prompt: opts.prompt ?? "Reply with the single word: ready",
    tools: "read-only",
    limits: { maxTurns: opts.maxTurns ?? 3, deadline: Date.now() + (opts.timeoutMs ?? 120_000) },
    env: opts.env ?? pickCredentials(backend.credentialNames),
    log: opts.log,
  });
  return { ok: result.status === "ok", line: formatRun(backend.name, result), result };
}
