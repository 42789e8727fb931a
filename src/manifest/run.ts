// One judgment task, start to end, after the agent's survey picked it and took its lease
// (DESIGN §10 steps 3–6): ask the model for a manifest with the task's schema, check it against
// the policy, apply it, write the journal entry (one ops-repo commit) and say how it went. An
// invalid answer, a manifest outside the policy or an action that fails is an error the run
// reports — in the outcome and the journal — and a rejected manifest changes nothing.
import type { z } from "zod";
import type { Outcome } from "../host/outcome.ts";
import { errorMessage } from "../lib/errors.ts";
import { manifestSchemaFor, type Manifest } from "./actions.ts";
import { ApplyError, applyManifest, type ActionResult, type ApplyRuntime } from "./apply.ts";
import { askModel, type AskRuntime, type TaskPrompt } from "./ask.ts";
import { journalRun, type RunRecord } from "./journal.ts";
import { describeViolations, type Policy } from "./policy.ts";

export type JudgmentRuntime = ApplyRuntime & AskRuntime;

export interface JudgmentTask<T = Manifest> {
  prompt: TaskPrompt;
  /**
   * The task's own result schema, when the model answers in the task's terms (an enriched
   * issue's sections) and the runner builds the manifest (`toManifest`); default: a manifest
   * of the policy's kinds. Refinements on it are checks of the runner's (a path that must
   * exist): an answer failing them is invalid and asked for once more, like any other.
   */
  schema?: z.ZodType<T>;
  toManifest?: (value: T) => Manifest;
  /**
   * What the runner does with the answer beyond the manifest (a file proposed as a PR), after
   * the manifest was applied: its one-line result goes into the journal; a throw is the run's
   * failure, journaled like a failed action.
   */
  after?: (value: T) => Promise<string>;
  /** What the runner records before applying a valid answer (so a killed run can finish it). */
  before?: (value: T) => Promise<void>;
  policy: Policy;
  /** What the task is about, e.g. `#12`, for the outcome and the journal. */
  subject?: string;
  budgetKey: string;
  /** The model's working tree (a checkout of the default branch), when it must read code. */
  cwd?: string;
}

export interface JudgmentResult {
  outcome: Outcome;
  record: RunRecord;
  manifest?: Manifest;
  results?: readonly ActionResult[];
}

export async function runJudgment<T = Manifest>(rt: JudgmentRuntime, t: JudgmentTask<T>): Promise<JudgmentResult> {
  const agent = t.policy.agent;
  const task = t.prompt.task;
  const label = `${task}${t.subject ? ` ${t.subject}` : ""}`;
  const schema = (t.schema ?? manifestSchemaFor(t.policy.kinds)) as z.ZodType<T>;
  const answer = await askModel(rt, t.prompt, { schema, budgetKey: t.budgetKey, ...(t.cwd !== undefined ? { cwd: t.cwd } : {}) });
  const base = { agent, task, ...(t.subject !== undefined ? { subject: t.subject } : {}), shown: answer.shown, attempts: answer.attempts, tokens: answer.tokens, costUsd: answer.costUsd };

  if (!answer.ok) {
    rt.log.error(`${agent}: ${label}: ${answer.reason}`);
    const record: RunRecord = { ...base, result: "no valid answer, nothing applied", error: answer.reason };
    await journalRun(rt.state, record, new Date(rt.now()), rt.ctx.pipeline.url);
    return { outcome: { outcome: "failed", summary: `${label}: no valid answer from the model (${answer.attempts} run${answer.attempts === 1 ? "" : "s"})`, details: { task, error: answer.reason } }, record };
  }
  const value = answer.value;
  const manifest = t.toManifest ? t.toManifest(value) : (value as Manifest);
  if (t.before && !rt.dryRun) await t.before(value);
  const after = t.after;
  return applyAndJournal(rt, { base, label, manifest, policy: t.policy, ...(after ? { after: () => after(value) } : {}) });
}

/**
 * A manifest the runner decided itself (no model), applied and journaled like a model's: the
 * same policy check, the same idempotent apply, the same journal entry (0 model runs).
 */
export function runDecided(rt: ApplyRuntime & Pick<JudgmentRuntime, "ctx" | "now">, t: { task: string; subject?: string; manifest: Manifest; policy: Policy }): Promise<JudgmentResult> {
  const base = { agent: t.policy.agent, task: t.task, ...(t.subject !== undefined ? { subject: t.subject } : {}), shown: [], attempts: 0, tokens: 0, costUsd: 0 };
  return applyAndJournal(rt, { base, label: `${t.task}${t.subject ? ` ${t.subject}` : ""}`, manifest: t.manifest, policy: t.policy });
}

async function applyAndJournal(
  rt: ApplyRuntime & Pick<JudgmentRuntime, "ctx" | "now">,
  { base, label, manifest, policy, after }: { base: Omit<RunRecord, "result">; label: string; manifest: Manifest; policy: Policy; after?: () => Promise<string> },
): Promise<JudgmentResult> {
  const { agent, task } = base;
  const finish = async (record: RunRecord, outcome: Outcome, extra: Partial<JudgmentResult> = {}): Promise<JudgmentResult> => {
    await journalRun(rt.state, record, new Date(rt.now()), rt.ctx.pipeline.url);
    return { outcome, record, ...extra };
  };
  let applied;
  try {
    applied = await applyManifest(rt, manifest, policy);
  } catch (err) {
    const results = err instanceof ApplyError ? err.results : [];
    const message = errorMessage(err);
    rt.log.error(`${agent}: ${label}: ${message}`);
    const record: RunRecord = { ...base, manifest, result: `failed after ${results.length} of ${manifest.actions.length} actions`, results, error: message };
    return finish(record, { outcome: "failed", summary: `${label}: ${message}`, details: { task, error: message } }, { manifest, results });
  }
  if (applied.status === "rejected") {
    const lines = describeViolations(applied.violations);
    for (const l of lines) rt.log.error(`${agent}: ${label}: rejected: ${l}`);
    const record: RunRecord = { ...base, manifest, result: `rejected by policy (${lines.length} violation${lines.length === 1 ? "" : "s"}), nothing applied`, violations: applied.violations };
    return finish(record, { outcome: "failed", summary: `${label}: manifest rejected by policy, nothing applied: ${lines[0] ?? ""}${lines.length > 1 ? ` (+${lines.length - 1} more)` : ""}`, details: { task, violations: applied.violations } }, { manifest });
  }
  const done = applied.results.filter((r) => r.result === "done").length;
  let result = `applied ${applied.results.length} action${applied.results.length === 1 ? "" : "s"} (${done} changed)`;
  if (after) {
    try {
      result = `${result}; ${await after()}`;
    } catch (err) {
      const message = errorMessage(err);
      rt.log.error(`${agent}: ${label}: ${message}`);
      const record: RunRecord = { ...base, manifest, result: `failed after the manifest: ${message}`, results: applied.results, error: message };
      return finish(record, { outcome: "failed", summary: `${label}: ${message}`, details: { task, error: message } }, { manifest, results: applied.results });
    }
  }
  const record: RunRecord = { ...base, manifest, result, results: applied.results };
  return finish(record, { outcome: "done", summary: `${label}: ${record.result}`, details: { task, actions: applied.results.length, changed: done } }, { manifest, results: applied.results });
}
