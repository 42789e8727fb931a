// Reading CI for a commit, as the dev and review agents need it: the verdict from the forge's
// commit statuses (what branch protection sees too), the pipeline behind a status link, and
// the failing steps of that pipeline with their log tails and an infrastructure verdict.
import { ROLES } from "../config/project.ts";
import { HttpLayerError } from "../http/errors.ts";
import type { CombinedStatus, CommitStatus, RepoForge, StatusState } from "../forge/types.ts";
import { classifyInfra } from "./infra.ts";
import type { Ci, CiState } from "./types.ts";

export type CommitCiState = "success" | "failure" | "pending" | "none";

export interface CommitCiContext {
  context: string;
  state: StatusState;
  targetUrl: string;
  description: string;
}

export interface CommitCi {
  /**
   * With required contexts: failure if any of them failed or errored, success when all of them
   * succeeded, else pending (some missing or still running). Without: the same rule over every
   * context reported, and `none` when nothing has reported yet.
   */
  state: CommitCiState;
  sha: string;
  /** Latest status per context (only the required ones when they are given), by context name. */
  contexts: CommitCiContext[];
  /** Required contexts with no status yet. */
  missing: string[];
}

/**
 * One request: the combined status carries the latest status of every context. `warning`
 * (Woodpecker reports a declined pipeline that way) is never green and never a code failure,
 * so it reads as pending.
 */
export async function readCommitCi(repo: RepoForge, sha: string, opts: { requiredContexts?: readonly string[] } = {}): Promise<CommitCi> {
  return commitCiFromStatuses(await repo.statuses.combined(sha), sha, opts.requiredContexts ?? []);
}

/**
 * Statuses that come from disinto, not from the project's CI: the ones it posts itself
 * (`disinto/review` mirrors the review verdict) and those Woodpecker posts for disinto's own
 * workflows (`ci/woodpecker/pr/disinto-review`). Without required contexts they are left out,
 * or a REQUEST_CHANGES — or the review pipeline still running — would read as red or pending CI.
 */
export function isOwnContext(context: string): boolean {
  if (context.startsWith("disinto/")) return true;
  const m = /^ci\/woodpecker\/[^/]+\/disinto-([a-z]+)(?:\/|$)/.exec(context);
  return m !== null && (ROLES as readonly string[]).includes(m[1] ?? "");
}

/** The pure half of readCommitCi: the verdict from a combined status. */
export function commitCiFromStatuses(combined: CombinedStatus, sha: string, requiredContexts: readonly string[]): CommitCi {
  const latest = latestPerContext(combined.statuses);
  const required = [...new Set(requiredContexts)];
  const resultSha = combined.sha || sha;
  if (required.length > 0) {
    const contexts = required.flatMap((c) => {
      const s = latest.get(c);
      return s === undefined ? [] : [toContext(s)];
    });
    const missing = required.filter((c) => !latest.has(c));
    return { state: reduce(contexts, missing.length), sha: resultSha, contexts, missing };
  }
  const all = [...latest.values()];
  const contexts = all.filter((st) => !isOwnContext(st.context)).map(toContext);
  // Only our own statuses: nothing from CI yet (the server's combined state would count ours).
  if (contexts.length === 0 && all.length > 0) return { state: "none", sha: resultSha, contexts, missing: [] };
  if (contexts.length === 0) {
    // A server that reports a state without listing statuses still has an opinion.
    const state: CommitCiState = combined.state === "none" ? "none" : reduce([{ context: "", state: combined.state, targetUrl: "", description: "" }], 0);
    return { state, sha: resultSha, contexts, missing: [] };
  }
  return { state: reduce(contexts, 0), sha: resultSha, contexts, missing: [] };
}

function latestPerContext(statuses: readonly CommitStatus[]): Map<string, CommitStatus> {
  const out = new Map<string, CommitStatus>();
  for (const s of statuses) {
    const prev = out.get(s.context);
    if (prev === undefined || s.id > prev.id) out.set(s.context, s);
  }
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function toContext(s: CommitStatus): CommitCiContext {
  return { context: s.context, state: s.state, targetUrl: s.targetUrl, description: s.description };
}

function reduce(contexts: readonly CommitCiContext[], missing: number): CommitCiState {
  if (contexts.some((c) => c.state === "failure" || c.state === "error")) return "failure";
  if (missing === 0 && contexts.every((c) => c.state === "success")) return "success";
  return "pending";
}

// ---------------------------------------------------------------------------------------------

export interface PipelineRef {
  repoId: number;
  number: number;
}

/**
 * `<ci>/repos/<repoId>/pipeline/<number>[/<step>]` (CI_PIPELINE_URL and Woodpecker's status
 * target URLs) → ids; undefined for anything else.
 */
export function pipelineRefFromUrl(url: string): PipelineRef | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const m = /\/repos\/(\d+)\/pipeline\/(\d+)(?:\/[^/]+)?\/?$/.exec(path);
  if (!m) return undefined;
  const repoId = Number(m[1]);
  const number = Number(m[2]);
  if (!Number.isSafeInteger(repoId) || !Number.isSafeInteger(number) || repoId < 1 || number < 1) return undefined;
  return { repoId, number };
}

const FINISHED: ReadonlySet<CiState> = new Set(["success", "failure", "killed", "canceled", "skipped", "error", "declined"]);

/** Whether a pipeline in this status runs no more (green, red, stopped or never run). */
export const isFinishedStatus = (status: CiState): boolean => FINISHED.has(status);

// ---------------------------------------------------------------------------------------------

export interface FailingStep {
  /** "" when the pipeline failed before any workflow existed (configuration errors). */
  workflow: string;
  /** "" when the workflow failed without a failing step (config or runner error). */
  step: string;
  /** Database id of the step (its log address); undefined for a workflow-level failure. */
  stepId: number | undefined;
  state: CiState;
  /** undefined for a workflow-level failure. */
  exitCode: number | undefined;
  /** The step's (or workflow's) own error message, "" if none. */
  error: string;
  /** Last lines of the step's output. */
  logTail: string[];
  /** Set when the log could not be read (the rest of the entry still stands). */
  logError?: string;
  infra: boolean;
  reason?: string;
}

const FAILING: ReadonlySet<CiState> = new Set(["failure", "error", "killed"]);
const DONE_OK: ReadonlySet<CiState> = new Set(["success", "skipped"]);

/**
 * The failing workflows/steps of a pipeline, with exit codes and log tails. Steps of green
 * workflows are left out (a failed step marked `failure: ignore` did not fail its workflow).
 */
export async function failingSteps(ci: Ci, repoId: number, pipelineNumber: number, opts: { tailLines?: number; logTimeoutMs?: number } = {}): Promise<FailingStep[]> {
  const tailLines = Math.max(0, opts.tailLines ?? 50);
  const api = ci.repo(repoId).pipelines;
  const pipeline = await api.get(pipelineNumber);
  if (pipeline === undefined) throw new Error(`pipeline ${pipelineNumber} of CI repo ${repoId} not found`);
  const jobs: Promise<FailingStep>[] = [];
  for (const wf of pipeline.workflows) {
    if (DONE_OK.has(wf.state)) continue;
    const steps = wf.steps.filter((s) => FAILING.has(s.state));
    if (steps.length === 0) {
      if (!FAILING.has(wf.state)) continue;
      const verdict = classifyInfra({ name: wf.name, exitCode: 0, error: wf.error }, []);
      jobs.push(Promise.resolve({ workflow: wf.name, step: "", stepId: undefined, state: wf.state, exitCode: undefined, error: wf.error, logTail: [], ...verdict }));
      continue;
    }
    for (const step of steps) {
      jobs.push(
        (async (): Promise<FailingStep> => {
          let logTail: string[] = [];
          let logError: string | undefined;
          try {
            // A step's log may be huge or gone; a diagnostic must not hang or fail on it.
            const lines = await api.logLines(pipelineNumber, step.id, { timeoutMs: opts.logTimeoutMs ?? 15_000 });
            logTail = tailLines === 0 ? [] : lines.slice(-tailLines);
          } catch (err) {
            if (!(err instanceof HttpLayerError)) throw err;
            logError = err.message;
          }
          const verdict = classifyInfra({ name: step.name, exitCode: step.exitCode, type: step.type, error: step.error }, logTail);
          return {
            workflow: wf.name,
            step: step.name,
            stepId: step.id,
            state: step.state,
            exitCode: step.exitCode,
            error: step.error,
            logTail,
            ...(logError !== undefined ? { logError } : {}),
            ...verdict,
          };
        })(),
      );
    }
  }
  const found = await Promise.all(jobs);
  if (found.length === 0 && FAILING.has(pipeline.status)) {
    // Nothing ran: the configuration did not compile (Woodpecker's pipeline `errors`).
    const error = pipeline.errors.filter((e) => !e.isWarning).map((e) => e.message).join("; ");
    const verdict = classifyInfra({ name: "", exitCode: 0, error }, []);
    found.push({ workflow: "", step: "", stepId: undefined, state: pipeline.status, exitCode: undefined, error, logTail: [], ...verdict });
  }
  return found;
}
