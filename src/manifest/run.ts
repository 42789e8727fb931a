// One judgment task, start to end, after the agent's survey picked it and took its lease
// (DESIGN §10 steps 3–6): ask the model for a manifest with the task's schema, check it against
// the policy, apply it, write the journal entry (one ops-repo commit) and say how it went. An
// invalid answer, a manifest outside the policy or an action that fails is an error the run
// reports — in the outcome and the journal — and a rejected manifest changes nothing.
import type { Outcome } from "../host/outcome.ts";
import { manifestSchemaFor, type Manifest } from "./actions.ts";
import { ApplyError, applyManifest, type ActionResult, type ApplyRuntime } from "./apply.ts";
import { askModel, type AskRuntime, type TaskPrompt } from "./ask.ts";
import { journalRun, type RunRecord } from "./journal.ts";
import { describeViolations, type Policy } from "./policy.ts";

export type JudgmentRuntime = ApplyRuntime & AskRuntime;

export interface JudgmentTask {
  prompt: TaskPrompt;
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

export async function runJudgment(rt: JudgmentRuntime, t: JudgmentTask): Promise<JudgmentResult> {
  const agent = t.policy.agent;
  const task = t.prompt.task;
  const label = `${task}${t.subject ? ` ${t.subject}` : ""}`;
  const answer = await askModel(rt, t.prompt, { schema: manifestSchemaFor(t.policy.kinds), budgetKey: t.budgetKey, ...(t.cwd !== undefined ? { cwd: t.cwd } : {}) });
  const base = { agent, task, ...(t.subject !== undefined ? { subject: t.subject } : {}), shown: answer.shown, attempts: answer.attempts, tokens: answer.tokens, costUsd: answer.costUsd };
  const finish = async (record: RunRecord, outcome: Outcome, extra: Partial<JudgmentResult> = {}): Promise<JudgmentResult> => {
    await journalRun(rt.state, record, new Date(rt.now()), rt.ctx.pipeline.url);
    return { outcome, record, ...extra };
  };

  if (!answer.ok) {
    rt.log.error(`${agent}: ${label}: ${answer.reason}`);
    const record: RunRecord = { ...base, result: "no valid answer, nothing applied", error: answer.reason };
    return finish(record, { outcome: "failed", summary: `${label}: no valid answer from the model (${answer.attempts} run${answer.attempts === 1 ? "" : "s"})`, details: { task, error: answer.reason } });
  }
  const manifest = answer.value;
  let applied;
  try {
    applied = await applyManifest(rt, manifest, t.policy);
  } catch (err) {
    const results = err instanceof ApplyError ? err.results : [];
    const message = err instanceof Error ? err.message : String(err);
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
  const record: RunRecord = { ...base, manifest, result: `applied ${applied.results.length} action${applied.results.length === 1 ? "" : "s"} (${done} changed)`, results: applied.results };
  return finish(record, { outcome: "done", summary: `${label}: ${record.result}`, details: { task, actions: applied.results.length, changed: done } }, { manifest, results: applied.results });
}
