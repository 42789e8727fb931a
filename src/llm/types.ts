// The one interface every LLM backend implements, and the hooks the runner plugs around it
// (ledger, session store, concurrency slots). Agents depend on these types only.
import type { z } from "zod";
import type { Redactor } from "../lib/redact.ts";
import type { Isolation } from "./isolation.ts";

/** Where progress lines go. The host logger satisfies it; tests pass a collecting sink. */
export interface ProgressSink {
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

/** `edit`: the model may change the working tree and run commands. `read-only`: look, then answer. */
export type ToolPolicy = "edit" | "read-only";

export interface RunLimits {
  /** Model round-trips (one request/response with the model = one turn). */
  maxTurns: number;
  /** Absolute epoch milliseconds; the run is stopped (process killed, loop left) when it passes. */
  deadline: number;
  /** Cumulative input + output tokens (cache reads and writes included) for the whole run. */
  maxTokens?: number;
  maxCostUsd?: number;
}

/**
 * What a backend returns for the next run to resume the conversation. Opaque to the caller:
 * the payload is gzip-compressed and base64-encoded so it can be stored as a JSON document.
 * `dropped` marks a session that was deliberately not kept (too large): loading it means "start
 * fresh", and saving it overwrites an older, now stale, session under the same key.
 */
export interface SessionBlob {
  v: 1;
  backend: BackendKind;
  sessionId?: string;
  /** base64(gzip(payload)); absent when dropped. */
  data?: string;
  /** Uncompressed payload size in bytes. */
  bytes?: number;
  dropped?: string;
}

export type BackendKind = "claude-cli" | "openai" | "scripted";

/** Backend credentials and endpoint settings (e.g. `ANTHROPIC_API_KEY`), passed per run. */
export type BackendEnv = Readonly<Record<string, string>>;

export interface RunTask<T = unknown> {
  cwd: string;
  prompt: string;
  system?: string;
  tools: ToolPolicy;
  resultSchema?: z.ZodType<T>;
  limits: RunLimits;
  session?: { key: string; resume: SessionBlob | undefined };
  env: BackendEnv;
  log: ProgressSink;
  /** Every value it knows is masked in progress lines and the transcript; backend credentials are added to it. */
  redactor?: Redactor;
  /** Where the full transcript (JSON lines) goes; default: a fresh file under the OS temp dir. */
  transcriptPath?: string;
  /** How the model is kept from the runner's secrets; default: what this process can do (isolation.ts). */
  isolation?: Isolation;
}

export type RunStatus = "ok" | "max_turns" | "deadline" | "budget" | "error";

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export interface RunResult<T = unknown> {
  status: RunStatus;
  /** Why the status is not `ok` (or a note on an ok run, e.g. killed after a hang). */
  reason?: string;
  /** The model's final text (empty when it never produced one). */
  text: string;
  /** Only on `ok` with a resultSchema, and only when it validated. Never partial. */
  result?: T;
  usage: Usage;
  costUsd: number;
  turns: number;
  durationMs: number;
  sessionId?: string;
  session?: SessionBlob;
  transcriptPath: string;
  /** The backend could not resume the given session (gone, wrong format): a fresh run may help. */
  resumeFailed?: boolean;
}

export interface Backend {
  readonly kind: BackendKind;
  /** Stable label for logs, slots and the ledger, e.g. `claude-cli:sonnet`. */
  readonly name: string;
  /** Environment variable names this backend reads its credentials from (the caller picks them). */
  readonly credentialNames: readonly string[];
  /** Never throws for failures of the model, the process or the network: they are a status. */
  run<T>(task: RunTask<T>): Promise<RunResult<T>>;
  /**
   * A cheap check, before an agent takes work, that a run could start at all (executable,
   * credentials in `env`, endpoint answering): what is wrong and how to fix it, or undefined.
   * Never throws.
   */
  preflight?(env: BackendEnv): Promise<string | undefined>;
}

// ── Hooks around a run: ledger, sessions, concurrency ─────────────────────────────────────────

export interface LedgerEntry {
  /** ISO-8601 UTC. */
  at: string;
  backend: string;
  /** What the spend is charged to (an issue, a PR, an agent task). */
  key: string;
  status: RunStatus;
  usage: Usage;
  costUsd: number;
  turns: number;
  durationMs: number;
  sessionId?: string;
}

export interface LedgerQuery {
  backend?: string;
  key?: string;
  /** Inclusive lower bound, ISO-8601 UTC. */
  since?: string;
}

export interface LedgerTotals {
  runs: number;
  costUsd: number;
  usage: Usage;
}

export interface UsageLedger {
  record(entry: LedgerEntry): Promise<void>;
  totals(query: LedgerQuery): Promise<LedgerTotals>;
}

export interface SessionStore {
  load(key: string): Promise<SessionBlob | undefined>;
  save(key: string, blob: SessionBlob): Promise<void>;
}

export interface SlotWait {
  /** Epoch ms: give up waiting then (a run waits at most until its own deadline). */
  deadline?: number;
  /** Told once when the run has to wait. */
  log?: ProgressSink;
}

/**
 * Concurrency bound per backend (not per project): acquire waits for a free slot and resolves
 * to its release function, or rejects with NoSlotError when none frees up before the deadline.
 */
export interface Slots {
  acquire(backend: string, wait?: SlotWait): Promise<() => Promise<void>>;
}

/** Every slot of a backend stayed taken until the deadline: the run did not start. */
export class NoSlotError extends Error {
  readonly backend: string;
  constructor(backend: string, detail: string) {
    super(`no free slot for backend ${backend}: ${detail}`);
    this.name = "NoSlotError";
    this.backend = backend;
  }
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
  };
}

export function totalTokens(u: Usage): number {
  return u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens;
}
