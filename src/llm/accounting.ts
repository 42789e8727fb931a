// runWithAccounting: what happens around every LLM run. Caps are checked before anything is
// spent (a capped run makes no LLM call), the remaining allowance becomes the run's own cost
// limit (so it is enforced while running, not discovered afterwards), the session is resumed
// when it can be and rebuilt from the caller's recovery prompt when it cannot, and every run's
// usage goes to the ledger — failed runs included, they were billed too.
import { Redactor } from "../lib/redact.ts";
import { formatTokens, redactingSink } from "./progress.ts";
import { decodeSession } from "./session.ts";
import { emptyUsage, NoSlotError, totalTokens } from "./types.ts";
import type { Backend, RunResult, RunTask, SessionBlob, SessionStore, Slots, UsageLedger } from "./types.ts";

export interface Caps {
  perRunUsd?: number;
  /** Charged to `budgetKey` (an issue, a PR), across backends and days. */
  perKeyUsd?: number;
  /** Per backend, per UTC day. */
  perDayUsd?: number;
}

export interface AccountedTask<T> extends Omit<RunTask<T>, "session"> {
  /** `prompt` is what a resumed conversation is told next; `recoveryPrompt` starts over without one. */
  session?: { key: string; recoveryPrompt?: string };
  /** What the spend is charged to; default: the session key, else "default". */
  budgetKey?: string;
}

export interface Accounting {
  ledger: UsageLedger;
  sessions: SessionStore;
  slots: Slots;
  caps: Caps;
  now?: () => Date;
}

export type AccountedResult<T> = RunResult<T> & { resumed: boolean };

function startOfUtcDay(d: Date): string {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())).toISOString();
}

export async function runWithAccounting<T>(backend: Backend, task: AccountedTask<T>, acc: Accounting): Promise<AccountedResult<T>> {
  const now = acc.now ?? (() => new Date());
  const redactor = task.redactor ?? new Redactor();
  for (const v of Object.values(task.env)) redactor.add(v);
  const log = redactingSink(task.log, redactor);
  const key = task.budgetKey ?? task.session?.key ?? "default";

  // ── caps, before any spend ──
  const [byKey, byDay] = await Promise.all([
    acc.ledger.totals({ key }),
    acc.ledger.totals({ backend: backend.name, since: startOfUtcDay(now()) }),
  ]);
  const allowances: { what: string; left: number }[] = [];
  if (acc.caps.perKeyUsd !== undefined) allowances.push({ what: `per-key cap for ${key} ($${acc.caps.perKeyUsd})`, left: acc.caps.perKeyUsd - byKey.costUsd });
  if (acc.caps.perDayUsd !== undefined) allowances.push({ what: `daily cap for ${backend.name} ($${acc.caps.perDayUsd})`, left: acc.caps.perDayUsd - byDay.costUsd });
  if (acc.caps.perRunUsd !== undefined) allowances.push({ what: `per-run cap ($${acc.caps.perRunUsd})`, left: acc.caps.perRunUsd });
  if (task.limits.maxCostUsd !== undefined) allowances.push({ what: `the task's cost limit ($${task.limits.maxCostUsd})`, left: task.limits.maxCostUsd });
  const spent = allowances.find((a) => a.left <= 0);
  if (spent) {
    const reason = `${spent.what} already spent: no LLM call made`;
    log.warn(`${backend.name}: budget — ${reason}`);
    return { status: "budget", reason, text: "", usage: emptyUsage(), costUsd: 0, turns: 0, durationMs: 0, transcriptPath: "", resumed: false };
  }
  const maxCostUsd = allowances.length > 0 ? Math.min(...allowances.map((a) => a.left)) : undefined;

  // ── session ──
  let resume: SessionBlob | undefined;
  if (task.session) {
    let blob: SessionBlob | undefined;
    try {
      blob = await acc.sessions.load(task.session.key);
    } catch (err) {
      log.warn(`session ${task.session.key}: cannot load (${(err as Error).message}); starting fresh`);
    }
    if (blob !== undefined) {
      const d = decodeSession(blob, backend.kind);
      if (d.ok) resume = blob;
      else log.warn(`session ${task.session.key}: ${d.reason}; starting fresh`);
    }
  }
  const fresh = task.session?.recoveryPrompt ?? task.prompt;
  const { session: _session, budgetKey: _budgetKey, ...plain } = task;
  const runTask = (blob: SessionBlob | undefined): RunTask<T> => ({
    ...plain,
    redactor,
    prompt: blob ? task.prompt : fresh,
    limits: { ...task.limits, ...(maxCostUsd !== undefined ? { maxCostUsd } : {}) },
    ...(task.session ? { session: { key: task.session.key, resume: blob } } : {}),
  });

  // ── the run, inside a slot ──
  let release: () => Promise<void>;
  try {
    release = await acc.slots.acquire(backend.name, { deadline: task.limits.deadline, log });
  } catch (err) {
    // Nothing was spent and nothing started: like a spent cap, the caller stops cleanly and
    // the next tick tries again.
    if (!(err instanceof NoSlotError)) throw err;
    log.warn(`${backend.name}: budget — ${err.message}`);
    return { status: "budget", reason: err.message, text: "", usage: emptyUsage(), costUsd: 0, turns: 0, durationMs: 0, transcriptPath: "", resumed: false };
  }
  let result: RunResult<T>;
  let resumed = resume !== undefined;
  try {
    result = await safeRun(backend, runTask(resume));
    if (result.resumeFailed && resume) {
      await record(acc, backend, key, result, now, log);
      log.warn(`${backend.name}: could not resume the session (${result.reason ?? "?"}); starting fresh with the recovery prompt`);
      resumed = false;
      result = await safeRun(backend, runTask(undefined));
    }
  } finally {
    await release();
  }

  // ── write back ──
  if (task.session && result.session) {
    if (result.session.dropped) log.warn(`session ${task.session.key}: ${result.session.dropped}; the next run starts fresh`);
    try {
      await acc.sessions.save(task.session.key, result.session);
    } catch (err) {
      log.warn(`session ${task.session.key}: cannot save (${(err as Error).message})`);
    }
  }
  await record(acc, backend, key, result, now, log);
  log.info(`${backend.name}: ${result.status} · ${result.turns} turns · ${formatTokens(totalTokens(result.usage))} tok · $${result.costUsd.toFixed(4)} · ${(result.durationMs / 1000).toFixed(1)}s`);
  return { ...result, resumed };
}

/** A backend should never throw; if one does, it is an error result, and still accounted. */
async function safeRun<T>(backend: Backend, task: RunTask<T>): Promise<RunResult<T>> {
  try {
    return await backend.run(task);
  } catch (err) {
    const reason = `${backend.name} threw: ${err instanceof Error ? err.message : String(err)}`;
    return { status: "error", reason: task.redactor ? task.redactor.redact(reason) : reason, text: "", usage: emptyUsage(), costUsd: 0, turns: 0, durationMs: 0, transcriptPath: "" };
  }
}

async function record<T>(acc: Accounting, backend: Backend, key: string, r: RunResult<T>, now: () => Date, log: { warn(m: string): void }): Promise<void> {
  try {
    await acc.ledger.record({
      at: now().toISOString(),
      backend: backend.name,
      key,
      status: r.status,
      usage: r.usage,
      costUsd: r.costUsd,
      turns: r.turns,
      durationMs: r.durationMs,
      ...(r.sessionId !== undefined ? { sessionId: r.sessionId } : {}),
    });
  } catch (err) {
    // The work is done and cannot be undone; losing the entry is reported, not fatal.
    log.warn(`ledger: cannot record usage of ${backend.name} for ${key}: ${(err as Error).message}`);
  }
}
