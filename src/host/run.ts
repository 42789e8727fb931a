// The harness every agent entrypoint calls: build the context, run the agent's body, end
// with one outcome line and the exit code. Whatever happens, the run says how it ended.
import { appendFileSync } from "node:fs";
import type { z } from "zod";
import { ConfigError, UsageError, errorMessage } from "../lib/errors.ts";
import { Redactor } from "../lib/redact.ts";
import { outputBlock } from "./actions.ts";
import { createRunContext, type RunContext } from "./context.ts";
import { detectHost } from "./detect.ts";
import { envValue, type Env, type Flags } from "./env.ts";
import { Logger, type LogFormat, type LogLevel, type LogSink } from "./logger.ts";
import { exitCodeFor, formatOutcome, type Outcome, type OutcomeRecord } from "./outcome.ts";
import { peekSetting } from "./settings.ts";

export interface RunStepOptions<S extends z.ZodObject> {
  schema: S;
  /** The agent's name in the outcome line when the `agent` setting does not give one. */
  agent?: string | undefined;
  env: Env;
  flags?: Flags | undefined;
  streams: { stdout: LogSink };
  /** The clock; read at the start and at the end. */
  now?: (() => number) | undefined;
  /** Reads GITHUB_EVENT_PATH. */
  readFile?: ((path: string) => string) | undefined;
  /** Appends to GITHUB_OUTPUT. */
  appendFile?: ((path: string, data: string) => void) | undefined;
}

export type StepBody<T> = (ctx: RunContext<T>, log: Logger) => Promise<Outcome>;

/** Runs one agent step; resolves to the process exit code (0 done/idle/paused, 1 failed, 2 invalid). */
export async function runStep<S extends z.ZodObject>(opts: RunStepOptions<S>, body: StepBody<z.output<S>>): Promise<number> {
  const { env, flags } = opts;
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const redactor = new Redactor();
  const { host } = detectHost(env);
  // The settings may be the thing that is broken: the log format and agent name that report
  // it are read leniently, before validation.
  const log = new Logger({
    out: opts.streams.stdout,
    redactor,
    host,
    format: oneOf(peekSetting("log_format", env, flags), ["text", "json"] as const),
    level: oneOf(peekSetting("log_level", env, flags), ["debug", "info", "warn", "error"] as const),
    now,
  });
  let agent = peekSetting("agent", env, flags) ?? opts.agent ?? "disinto";

  let ctx: RunContext<z.output<S>>;
  try {
    ctx = createRunContext({ env, flags, now: startedAt, schema: opts.schema, readFile: opts.readFile, redactor });
  } catch (err) {
    log.announceMasks();
    return finish({ log, redactor, agent, startedAt, now, env, appendFile: opts.appendFile }, failure(err, log));
  }
  log.announceMasks();
  const settings = ctx.settings as Partial<{ agent: string; log_format: LogFormat; log_level: LogLevel }>;
  log.configure({ format: settings.log_format, level: settings.log_level });
  agent = settings.agent ?? agent;
  for (const w of ctx.warnings) log.warn(w);
  log.debug("run context", { host: ctx.platform, event: ctx.rawEvent, repo: ctx.repo, pipeline: ctx.pipeline.url, deadline: new Date(ctx.deadline).toISOString() });

  let outcome: Outcome & { error?: string };
  try {
    outcome = await body(ctx, log);
  } catch (err) {
    outcome = failure(err, log);
  }
  log.endSection();
  return finish({ log, redactor, agent, startedAt, now, env, appendFile: opts.appendFile, ctx }, outcome);
}

interface FinishInput {
  log: Logger;
  redactor: Redactor;
  agent: string;
  startedAt: number;
  now: () => number;
  env: Env;
  appendFile: ((path: string, data: string) => void) | undefined;
  ctx?: RunContext<unknown>;
}

function finish(f: FinishInput, outcome: Outcome & { error?: string }): number {
  const { ctx } = f;
  const usage = ctx?.meter.snapshot() ?? { requests: { forge: 0, ci: 0 }, llm: { tokens: 0, cost_usd: 0, turns: 0 } };
  const exitCode = exitCodeFor(outcome.outcome);
  const dryRun = (ctx?.settings as { dry_run?: unknown } | undefined)?.dry_run === true;
  const record: OutcomeRecord = {
    type: "outcome",
    agent: f.agent,
    outcome: outcome.outcome,
    summary: outcome.summary,
    duration_ms: Math.max(0, Math.round(f.now() - f.startedAt)),
    exit_code: exitCode,
    ...usage,
    ...(ctx ? { host: ctx.platform, event: ctx.rawEvent } : {}),
    ...(ctx?.repo ? { repo: ctx.repo } : {}),
    ...(ctx?.pipeline.url ? { pipeline_url: ctx.pipeline.url } : {}),
    ...(dryRun ? { dry_run: true } : {}),
    ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    ...(outcome.details ? { details: outcome.details } : {}),
  };
  f.log.record(exitCode === 0 ? "info" : "error", formatOutcome(record), record);
  writeActionsOutputs(f, record);
  return exitCode;
}

// Bad input is `invalid` (exit 2), anything else `failed` (exit 1). The first line of the
// message is the outcome's summary; a longer message is logged in full before it.
function failure(err: unknown, log: Logger): Outcome & { error: string } {
  const invalid = err instanceof UsageError;
  const message = errorMessage(err);
  if (message.includes("\n")) log.error(message);
  if (!invalid && err instanceof Error && err.stack) log.debug(err.stack);
  const firstLine = (err instanceof ConfigError && err.issues.length > 1 ? `${err.issues.length} invalid settings` : message.split("\n")[0]) ?? "";
  return { outcome: invalid ? "invalid" : "failed", summary: firstLine.length > 200 ? `${firstLine.slice(0, 197)}...` : firstLine, error: message };
}

// Actions outputs let a workflow branch on the outcome and collect cost numbers.
function writeActionsOutputs(f: FinishInput, r: OutcomeRecord): void {
  const path = envValue(f.env, "GITHUB_OUTPUT");
  if (detectHost(f.env).host !== "actions" || !path) return;
  const values: Record<string, string> = {
    outcome: r.outcome,
    summary: f.redactor.redact(r.summary),
    exit_code: String(r.exit_code),
    duration_ms: String(r.duration_ms),
    tokens: String(r.llm.tokens),
    cost_usd: String(r.llm.cost_usd),
    turns: String(r.llm.turns),
  };
  try {
    (f.appendFile ?? appendFileSync)(path, outputBlock(values));
  } catch (err) {
    f.log.warn(`cannot write the step outputs to ${path}: ${errorMessage(err)}`);
  }
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  const v = value?.trim().toLowerCase();
  return allowed.find((a) => a === v);
}
