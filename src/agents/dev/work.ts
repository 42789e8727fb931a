// One stretch of model work on an issue's branch: a fresh implementation, a CI fix, an answer
// to a review, or the recovery of a run that died. The model edits the tree; the runner — not
// the model — checks the result (there is a change, no protected path is touched without the
// issue's permission, the test command passes, with bounded feedback rounds), then commits
// and pushes — after a last check of the commit itself (publish.ts: protected paths against
// recorded commits, no secret added). Work cut short by the deadline or a failing model is
// committed as work in progress and pushed, so no tick's work is lost; a push that fails is
// retried, then saved for the next tick, which pushes it without the model. Everything the
// runner writes from the model's text (commit messages, the PR's summary) is redacted.
import type { Formula } from "../../config/formula.ts";
import type { Issue } from "../../forge/types.ts";
import { PushRejectedError } from "../../git/errors.ts";
import { protectedChanges } from "../../git/protected.ts";
import { errorMessage } from "../../lib/errors.ts";
import { runWithAccounting, type AccountedResult, type Accounting } from "../../llm/accounting.ts";
import { totalTokens, type Backend } from "../../llm/types.ts";
import type { AgentRuntime } from "../runtime.ts";
import type { DevLabels } from "./labels.ts";
import { sameLogin } from "./lifecycle.ts";
import {
  conflictPrompt,
  implementPrompt,
  nudgePrompt,
  protectedPrompt,
  recoveryPrompt,
  testFailurePrompt,
  type IssueContext,
  type PromptComment,
  type TaskFacts,
} from "./prompt.ts";
import { checkPush, dropSavedPush, loadSavedPush, pushWithRetry, restorePush, savePush } from "./publish.ts";
import { devResultSchema, type DevResult, type Refusal } from "./result.ts";
import { commitMessage, isWipSubject, pullIsFor } from "./text.ts";
import { runTestCommand, Workspace } from "./workspace.ts";

/** Time kept after the model stops: checks, commit, push, PR, phase write. */
export const AFTER_LLM_MARGIN_MS = 3 * 60_000;
/** Model runs shorter than this are not started: the next tick does better with a full step. */
export const MIN_LLM_MS = 4 * 60_000;

/**
 * The two margins for a step of `stepMs` (its timeout_minutes): the constants above for the
 * usual hour-long step, scaled down for a short one so that it still leaves the model some
 * time — a fifth of the step kept for afterwards, a quarter as the shortest run worth starting.
 */
export function timeMargins(stepMs: number): { afterLlmMs: number; minLlmMs: number } {
  return { afterLlmMs: Math.min(AFTER_LLM_MARGIN_MS, Math.floor(stepMs / 5)), minLlmMs: Math.min(MIN_LLM_MS, Math.floor(stepMs / 4)) };
}
const MAX_TEST_ROUNDS = 2;
const TEST_TIMEOUT_MS = 15 * 60_000;

export type WorkKind =
  | { kind: "implement" }
  | { kind: "ci_fix"; prompt: string }
  | { kind: "review_fix"; prompt: string }
  /** Merge the primary branch in; the model resolves the conflicts (round `round` of `max`). */
  | { kind: "conflict_fix"; round: number; max: number }
  | { kind: "recover"; followUp: string | undefined; as: "implement" | "ci_fix" | "review_fix" };

export interface WorkInput {
  issue: Issue;
  branch: string;
  pr: number | undefined;
  /** The phase the record was in when this work started (for the recovery prompt). */
  lastPhase: string;
  /** The head commit CI or the review judged (follow-ups): the fix must move past it. */
  judgedHead: string | undefined;
  work: WorkKind;
  formula: Formula;
  labels: DevLabels;
  backlog: readonly { number: number; title: string }[];
}

export type WorkResult =
  | { kind: "pushed"; head: string; summary: string; testsFailing: boolean }
  | { kind: "refused"; result: Refusal }
  | { kind: "escalate"; reason: string; details: string }
  | { kind: "paused"; reason: string }
  | { kind: "interrupted"; reason: string; head: string | undefined }
  /** The backend could not run at all (not the issue's fault): said once on the issue, see tick.ts. */
  | { kind: "backend_failed"; reason: string }
  /** The work is done but could not be pushed: the tick fails, the phase stays, the commit waits. */
  | { kind: "failed"; reason: string };

export function sessionKey(branch: string): string {
  return branch;
}

export function budgetKey(issue: number): string {
  return `issue-${issue}`;
}

/** Everything the fresh prompt says about the issue: comments (trusted or not), guidance files, prior art. */
export async function issueContext(rt: AgentRuntime, input: WorkInput): Promise<IssueContext> {
  const { issue } = input;
  const owner = rt.config.repo.split("/")[0] ?? "";
  const trust = new Map<string, boolean>();
  const trusted = async (login: string): Promise<boolean> => {
    if (sameLogin(login, owner)) return true;
    let t = trust.get(login.toLowerCase());
    if (t === undefined) {
      // Effective write access (org owners and teams too), not only the explicit collaborators.
      t = await rt.repo.collaborators.canWrite(login).catch(() => false);
      trust.set(login.toLowerCase(), t);
    }
    return t;
  };
  const comments: PromptComment[] = [];
  for (const c of await rt.repo.comments.list(issue.number)) {
    // Our own status comments are not instructions for the next run.
    if (sameLogin(c.author, rt.login) || c.body.includes("<!-- disinto-dev:")) continue;
    comments.push({ author: c.author, at: c.createdAt, body: c.body, trusted: await trusted(c.author) });
  }
  const files: { path: string; text: string }[] = [];
  for (const path of input.formula.context.files) {
    const f = await rt.repo.contents.get(path, { ref: rt.config.primary_branch }).catch(() => undefined);
    if (f !== undefined) files.push({ path, text: f.text });
  }
  let priorArt: IssueContext["priorArt"];
  const closed = await rt.repo.pulls.list({ state: "closed", sort: "recentupdate", page: 1, limit: 50 });
  const prior = closed.find((p) => !p.merged && (pullIsFor(p, issue.number) || new RegExp(`#${issue.number}\\b`).test(p.title)));
  if (prior !== undefined) priorArt = { pr: prior.number, diff: await rt.repo.pulls.diff(prior.number).catch(() => "") };
  if (priorArt?.diff === "") priorArt = undefined;
  return { issue, comments, files, priorArt, backlog: input.backlog.filter((b) => b.number !== issue.number) };
}

function facts(rt: AgentRuntime, input: WorkInput): TaskFacts {
  return {
    repo: rt.config.repo,
    branch: input.branch,
    primary: rt.config.primary_branch,
    testCommand: rt.config.test_command,
    protectedPaths: rt.config.protected_paths,
    protectedAllowed: input.issue.labels.includes(input.labels.allowProtected),
    allowLabel: input.labels.allowProtected,
  };
}

/**
 * The branch already carries finished work the record does not know about: a run pushed it and
 * died before recording it. Its last commit is not work in progress and is past `judgedHead`
 * (the head CI or the review judged). The summary is that commit's message body.
 */
async function pushedEarlier(ws: Workspace, judgedHead: string | undefined): Promise<WorkResult | undefined> {
  if (!ws.resumed) return undefined;
  const ahead = await ws.commitsAhead();
  const last = ahead[0];
  if (last === undefined || isWipSubject(last.subject)) return undefined;
  const head = await ws.git.head();
  if (head === judgedHead) return undefined;
  const body = (await ws.git.run(["log", "-1", "--format=%b", "HEAD"], { allowFail: true })).stdout.trim();
  return { kind: "pushed", head, summary: body, testsFailing: false };
}

/** The model's part, with the runner's checks around it. The caller records phases. */
export async function doWork(rt: AgentRuntime, input: WorkInput): Promise<WorkResult> {
  const waiting = await pushSaved(rt, input);
  if (waiting !== undefined) return waiting;
  const margins = timeMargins(rt.deadline - rt.startedAt);
  const llmDeadline = rt.deadline - margins.afterLlmMs;
  if (llmDeadline - rt.now() < margins.minLlmMs) return { kind: "interrupted", reason: "too little time left in this step for model work", head: undefined };
  const backend = await rt.backend();
  const acc = rt.accounting;
  const ws = await Workspace.open(rt, input.branch);
  try {
    return await workIn(rt, input, ws, backend, acc, llmDeadline, margins.minLlmMs);
  } finally {
    await ws.close();
  }
}

/** The last checks, then the push; a WorkResult when the work stops there (see publish.ts). */
async function publish(rt: AgentRuntime, ws: Workspace, input: WorkInput, what: "final" | "wip", summary: string, testsFailing: boolean): Promise<WorkResult | undefined> {
  const f = facts(rt, input);
  const refused = await checkPush(rt, ws, { allowProtected: f.protectedAllowed, allowLabel: f.allowLabel });
  if (refused !== undefined) return { kind: "escalate", reason: refused.reason, details: refused.details };
  try {
    await pushWithRetry(rt, ws, input.branch);
    return undefined;
  } catch (err) {
    if (err instanceof PushRejectedError) return { kind: "escalate", reason: "push_rejected", details: `The forge refused the push to ${input.branch}: ${errorMessage(err)}` };
    const saved = await savePush(rt, ws, { issue: input.issue.number, branch: input.branch, kind: what, summary, tests_failing: testsFailing }).catch((e: unknown) => {
      rt.log.warn(`saving the unpushed commit failed: ${errorMessage(e)}`);
      return false;
    });
    const next = saved ? "the commit is saved in the ops repo; the next tick pushes it without running the model" : "the commit could not be saved; the next tick does the work again";
    return { kind: "failed", reason: `pushing ${input.branch} failed (${errorMessage(err)}); ${next}` };
  }
}

/**
 * A commit an earlier tick could not push (see publish.ts): push it now. The result of the
 * work when it was finished work; undefined when there was none, or it was work in progress
 * (pushed: the model goes on from there), or it cannot be used (the model does it again).
 */
async function pushSaved(rt: AgentRuntime, input: WorkInput): Promise<WorkResult | undefined> {
  const doc = await loadSavedPush(rt);
  if (doc === undefined) return undefined;
  const saved = doc.value;
  if (saved.branch !== input.branch || saved.issue !== input.issue.number) {
    await dropSavedPush(rt, doc, `dev: drop the saved push of #${saved.issue} (${saved.branch}): no longer in flight`);
    return undefined;
  }
  const ws = await Workspace.open(rt, input.branch);
  try {
    if (!(await restorePush(rt, ws, saved))) {
      await dropSavedPush(rt, doc, `dev: #${saved.issue} drop the saved push of ${saved.head.slice(0, 12)}: it cannot be restored`);
      return undefined;
    }
    rt.log.info(`#${saved.issue}: pushing ${saved.head.slice(0, 12)}, saved by an earlier tick whose push failed`);
    const stop = await publish(rt, ws, input, saved.kind, saved.summary, saved.tests_failing);
    if (stop?.kind === "failed") return stop;
    await dropSavedPush(rt, doc, `dev: #${saved.issue} saved commit ${saved.head.slice(0, 12)} ${stop === undefined ? "pushed" : "refused"}`);
    if (stop !== undefined) return stop;
    await rt.checkpoint("after-push");
    if (saved.kind === "wip") return undefined;
    return { kind: "pushed", head: saved.head, summary: saved.summary, testsFailing: saved.tests_failing };
  } finally {
    await ws.close();
  }
}

async function workIn(rt: AgentRuntime, input: WorkInput, ws: Workspace, backend: Backend, acc: Accounting, llmDeadline: number, minLlmMs: number): Promise<WorkResult> {
  const { issue } = input;
  const f = facts(rt, input);
  const redact = (text: string): string => rt.ctx.redactor.redact(text);
  const full = implementPrompt(input.formula, f, await issueContext(rt, input));
  const key = sessionKey(input.branch);
  let prompt: string;
  let recovery: string;
  /** Files the merge of the primary branch left with conflicts (conflict_fix only). */
  let conflicts: string[] = [];
  const kind = input.work.kind === "recover" ? input.work.as : input.work.kind;
  const followUp = input.work.kind === "ci_fix" || input.work.kind === "review_fix" ? input.work.prompt : input.work.kind === "recover" ? input.work.followUp : undefined;
  if (input.work.kind === "implement" && !ws.resumed) {
    prompt = full;
    recovery = full;
  } else if (input.work.kind === "recover" || input.work.kind === "implement") {
    const finished = await pushedEarlier(ws, input.judgedHead);
    if (finished !== undefined) return finished;
    // A run died: the whole task again, and where it stands (a resumed session gets it too —
    // its tree may be gone).
    recovery = recoveryPrompt(full, { phase: input.lastPhase, pr: input.pr, diffStat: await ws.diffStat(), followUp });
    prompt = recovery;
  } else if (input.work.kind === "conflict_fix") {
    // A run that pushed the merge and died before recording it: that push is the result.
    if (await ws.containsPrimary()) return { kind: "pushed", head: await ws.git.head(), summary: `${rt.config.primary_branch} is already merged into ${input.branch}.`, testsFailing: false };
    conflicts = await ws.startMerge();
    if (conflicts.length === 0) return mergedCleanly(rt, ws, input);
    rt.log.info(`merging ${rt.config.primary_branch} into ${input.branch}: conflicts in ${conflicts.join(", ")}`);
    prompt = conflictPrompt({ primary: rt.config.primary_branch, files: conflicts, round: input.work.round, max: input.work.max });
    recovery = recoveryPrompt(full, { phase: input.lastPhase, pr: input.pr, diffStat: await ws.diffStat(), followUp: prompt });
  } else {
    prompt = followUp ?? nudgePrompt("the run was interrupted");
    recovery = recoveryPrompt(full, { phase: input.lastPhase, pr: input.pr, diffStat: await ws.diffStat(), followUp });
  }

  // One run stops at the backend's timeout_minutes or where the step needs the time back.
  const perRun = rt.llmLimits.timeoutMinutes;
  const runDeadline = (): number => (perRun === undefined ? llmDeadline : Math.min(llmDeadline, rt.now() + perRun * 60_000));
  const run = async (text: string): Promise<AccountedResult<DevResult>> => {
    const r = await runWithAccounting(
      backend,
      {
        cwd: ws.dir,
        prompt: text,
        tools: "edit",
        resultSchema: devResultSchema,
        limits: { maxTurns: rt.llmLimits.maxTurns ?? 60, deadline: runDeadline() },
        env: rt.backendEnv(backend),
        log: rt.log,
        redactor: rt.ctx.redactor,
        session: { key, recoveryPrompt: recovery },
        budgetKey: budgetKey(issue.number),
      },
      acc,
    );
    rt.ctx.meter.llm({ tokens: totalTokens(r.usage), cost_usd: r.costUsd, turns: r.turns });
    // After the first run the session exists: a follow-up resumes it, or rebuilds it from here.
    recovery = recoveryPrompt(full, { phase: input.lastPhase, pr: input.pr, diffStat: await ws.diffStat(), followUp: undefined });
    return r;
  };

  /**
   * On the way out: push what is in the tree (and any commit the model made) as work in
   * progress. `stop` when the checks refused it or the push failed: the work ends with that.
   */
  const wip = async (reason: string): Promise<{ head: string | undefined; stop?: WorkResult }> => {
    // A half-resolved merge is not worth keeping: the next round merges again from the branch.
    if (await ws.merging()) {
      await ws.abortMerge();
      return { head: undefined };
    }
    if (await ws.dirty()) await ws.git.commitAll(redact(commitMessage("wip", issue.title, issue.number, `Work in progress, stopped: ${reason}.`)));
    const head = await ws.git.head();
    if (head === ws.startSha) return { head: undefined };
    const stop = await publish(rt, ws, input, "wip", "", false);
    if (stop !== undefined) return { head: undefined, stop };
    await rt.checkpoint("wip-pushed");
    return { head };
  };

  let r = await run(prompt);
  await rt.checkpoint("after-llm");
  let nudged = false;
  let protectedFed = false;
  let testRounds = 0;
  let testsFailing = false;
  for (;;) {
    if (r.status === "budget") {
      const w = await wip(r.reason ?? "budget");
      return w.stop ?? { kind: "paused", reason: r.reason ?? "the spend cap is reached" };
    }
    if (r.status === "deadline") {
      const w = await wip("the step's deadline");
      return w.stop ?? { kind: "interrupted", reason: "the model ran until the step's deadline", head: w.head };
    }
    if (r.status === "error" && r.turns === 0 && !nudged) {
      const w = await wip(r.reason ?? "backend error");
      return w.stop ?? { kind: "backend_failed", reason: redact(r.reason ?? "error") };
    }
    if (r.status !== "ok" || r.result === undefined) {
      const why = `${r.status}${r.reason ? `: ${r.reason}` : ""}`;
      if (!nudged && rt.now() < llmDeadline - minLlmMs / 2) {
        nudged = true;
        rt.log.warn(`the model stopped without a valid result (${why}); nudging once`);
        // Keep the work (a merge being resolved stays in the tree: the nudge goes on with it).
        if (!(await ws.merging())) {
          const w = await wip(why);
          if (w.stop) return w.stop;
        }
        r = await run(nudgePrompt(why));
        continue;
      }
      const w = await wip(why);
      return w.stop ?? { kind: "escalate", reason: "no_result", details: `The model stopped without a valid result: ${why}` };
    }
    const result = r.result;
    if (result.status !== "implemented") {
      if (kind === "implement" && !ws.resumed) return { kind: "refused", result };
      // A refusal half-way (after a PR exists) is for a person to judge.
      return { kind: "escalate", reason: `refused_${result.status}`, details: "reason" in result ? result.reason : "" };
    }
    const left = await ws.unresolved(conflicts);
    if (left.length > 0) {
      const why = `conflict markers are still in ${left.join(", ")}`;
      if (!nudged) {
        nudged = true;
        r = await run(nudgePrompt(why));
        continue;
      }
      await ws.abortMerge();
      return { kind: "escalate", reason: "merge_conflict", details: `The model could not resolve the merge conflicts with ${rt.config.primary_branch}: ${why}. Nothing was pushed.` };
    }
    const paths = await ws.changedPaths();
    const dirty = await ws.dirty();
    const moved = dirty || (input.judgedHead !== undefined && (await ws.git.head()) !== input.judgedHead);
    if (paths.length === 0 || (kind !== "implement" && !moved)) {
      if (!nudged) {
        nudged = true;
        r = await run(nudgePrompt("you reported the work as implemented, but the working tree has no change"));
        continue;
      }
      return { kind: "escalate", reason: "no_change", details: "The model reported the work as implemented but changed nothing." };
    }
    const touched = f.protectedAllowed ? [] : protectedChanges(paths, rt.config.protected_paths);
    if (touched.length > 0) {
      if (!protectedFed) {
        protectedFed = true;
        r = await run(protectedPrompt({ paths: touched, patterns: rt.config.protected_paths }));
        continue;
      }
      return {
        kind: "escalate",
        reason: "protected_paths",
        details: `The change touches protected paths (${touched.join(", ")}) and the issue does not carry the ${input.labels.allowProtected} label. Nothing was pushed.`,
      };
    }
    const cmd = rt.config.test_command;
    if (cmd !== undefined && dirty) {
      const t = await runTestCommand(rt, ws.dir, cmd, Math.min(TEST_TIMEOUT_MS, Math.max(10_000, llmDeadline - rt.now())));
      if (!t.ok) {
        if (testRounds < MAX_TEST_ROUNDS && rt.now() < llmDeadline - minLlmMs / 2) {
          testRounds++;
          r = await run(testFailurePrompt({ command: cmd, exitCode: t.exitCode, tail: t.tail, round: testRounds, max: MAX_TEST_ROUNDS }));
          continue;
        }
        // The CI is the gate: push, say so, and let the next tick read the verdict.
        testsFailing = true;
        rt.log.warn(`the test command still fails after ${testRounds} rounds of feedback; pushing for CI to judge`);
      }
    }
    const summary = redact(result.summary.trim()) + (testsFailing ? `\n\n> The runner's test command (\`${cmd ?? ""}\`) still failed when this was pushed.` : "");
    const message = redact(commitMessage(kind, issue.title, issue.number, summary));
    if (await ws.merging()) await commitMerge(ws, message);
    else if (dirty) await ws.git.commitAll(message);
    else if (isWipSubject((await ws.commitsAhead())[0]?.subject ?? "")) {
      // The work was finished in the tree of an earlier run and pushed as WIP: mark it done.
      await ws.git.run(["commit", "--quiet", "--allow-empty", "--no-verify", "--no-gpg-sign", "--cleanup=whitespace", "--file=-"], { input: message });
    }
    await rt.checkpoint("after-commit");
    const stop = await publish(rt, ws, input, "final", summary, testsFailing);
    if (stop !== undefined) return stop;
    await rt.checkpoint("after-push");
    return { kind: "pushed", head: await ws.git.head(), summary, testsFailing };
  }
}

/** Commit the merge in progress, resolved or not changing anything (a merge commit is never empty). */
async function commitMerge(ws: Workspace, message: string): Promise<void> {
  await ws.git.run(["add", "--all"]);
  await ws.git.run(["commit", "--quiet", "--no-verify", "--no-gpg-sign", "--cleanup=whitespace", "--file=-"], { input: message });
}

/** The primary branch merged without a conflict here (the forge's own update failed for another reason). */
async function mergedCleanly(rt: AgentRuntime, ws: Workspace, input: WorkInput): Promise<WorkResult> {
  const summary = `Merged ${rt.config.primary_branch}; git found no conflicts.`;
  await commitMerge(ws, commitMessage("conflict_fix", input.issue.title, input.issue.number, summary));
  await rt.checkpoint("after-commit");
  const stop = await publish(rt, ws, input, "final", summary, false);
  if (stop !== undefined) return stop;
  await rt.checkpoint("after-push");
  return { kind: "pushed", head: await ws.git.head(), summary, testsFailing: false };
}
