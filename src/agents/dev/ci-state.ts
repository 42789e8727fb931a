// What the project's CI says about a PR's head commit, and — when it failed — which steps,
// with exit codes and log tails, and whether the failure was the infrastructure's rather than
// the code's (disinto-behaviour §3.4). Reading costs one forge request; the diagnosis, only
// done on a failure, reads the pipeline and its failing steps' logs from Woodpecker.
import type { Ci } from "../../ci/types.ts";
import { failingSteps, pipelineRefFromUrl, type CommitCi, type PipelineRef } from "../../ci/commit.ts";
import { describeExitCode } from "../../ci/infra.ts";
import type { AgentRuntime } from "../runtime.ts";
import type { FailureText } from "./prompt.ts";

export { readHeadCi } from "../shared/head-ci.ts";

/** The CI client of the run, when the settings name a Woodpecker server. */
export function ciOf(rt: AgentRuntime): Ci | undefined {
  return rt.ci;
}

export interface CiDiagnosis {
  /** Every failing step was classified as infrastructure (and there was at least one). */
  infra: boolean;
  infraReason: string | undefined;
  failures: FailureText[];
  /** Contexts that passed: the model is told not to touch them. */
  passing: string[];
  /** Link of the (first) failing context. */
  targetUrl: string | undefined;
  /** The pipelines behind the failing contexts (for a restart). */
  pipelines: PipelineRef[];
}

export async function diagnose(rt: AgentRuntime, ci: CommitCi): Promise<CiDiagnosis> {
  const failing = ci.contexts.filter((c) => c.state === "failure" || c.state === "error");
  const passing = ci.contexts.filter((c) => c.state === "success").map((c) => c.context);
  const pipelines: PipelineRef[] = [];
  for (const c of failing) {
    const ref = pipelineRefFromUrl(c.targetUrl);
    if (ref && !pipelines.some((p) => p.repoId === ref.repoId && p.number === ref.number)) pipelines.push(ref);
  }
  const client = ciOf(rt);
  const failures: FailureText[] = [];
  let infraCount = 0;
  let stepCount = 0;
  let infraReason: string | undefined;
  if (client !== undefined) {
    for (const p of pipelines) {
      try {
        for (const s of await failingSteps(client, p.repoId, p.number, { tailLines: 50 })) {
          stepCount++;
          if (s.infra) {
            infraCount++;
            infraReason ??= s.reason;
          }
          failures.push({
            workflow: s.workflow,
            step: s.step,
            exitCode: s.exitCode,
            exitMeaning: s.exitCode !== undefined ? describeExitCode(s.exitCode) : "",
            error: rt.ctx.redactor.redact(s.error),
            logTail: s.logTail.map((l) => rt.ctx.redactor.redact(l)),
          });
        }
      } catch (err) {
        rt.log.warn(`CI pipeline ${p.number}: cannot read its failing steps (${err instanceof Error ? err.message : String(err)})`);
      }
    }
  }
  if (failures.length === 0) {
    // No step details (no CI client, or the logs are gone): the statuses are all there is.
    for (const c of failing) failures.push({ workflow: c.context, step: "", exitCode: undefined, exitMeaning: "", error: c.description, logTail: [] });
  }
  return {
    infra: stepCount > 0 && infraCount === stepCount,
    infraReason,
    failures,
    passing,
    targetUrl: failing[0]?.targetUrl || undefined,
    pipelines,
  };
}

/** Start the failed pipelines again; false when there is no CI client or nothing to restart. */
export async function restartPipelines(rt: AgentRuntime, pipelines: readonly PipelineRef[]): Promise<boolean> {
  const client = ciOf(rt);
  if (client === undefined || pipelines.length === 0) return false;
  for (const p of pipelines) await client.repo(p.repoId).pipelines.restart(p.number);
  return true;
}

/** Text of a diagnosis for a comment's details. */
export function describeFailures(d: CiDiagnosis): string {
  return d.failures
    .map((f) => {
      const name = [f.workflow, f.step].filter((s) => s !== "").join(" / ") || "(pipeline)";
      const head = `${name}${f.exitCode !== undefined ? ` — exit ${f.exitCode}` : ""}${f.error ? `: ${f.error}` : ""}`;
      return f.logTail.length > 0 ? `${head}\n${f.logTail.slice(-15).join("\n")}` : head;
    })
    .join("\n\n");
}
