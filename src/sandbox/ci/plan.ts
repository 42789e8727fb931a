// Which workflows of a pipeline run, and in what order: workflow-level `when` drops
// workflows (and, transitively, those that depend on them unless the dependency is optional);
// `depends_on` orders them; `runs_on` / `when.status` decide whether a workflow still runs
// after a dependency failed.
import type { WorkflowConfig } from "./config.ts";
import type { CiState } from "./status.ts";
import { evaluateWhen, type WhenContext } from "./when.ts";

export interface PlannedWorkflow {
  config: WorkflowConfig;
  /** Dependencies that are part of this pipeline (missing optional ones removed). */
  dependsOn: string[];
  runsOnSuccess: boolean;
  runsOnFailure: boolean;
  /** Set when the workflow cannot run at all (dependency cycle); it ends in `error`. */
  error?: string;
}

export interface FilteredWorkflow {
  name: string;
  file: string;
  reason: string;
}

export interface PipelinePlan {
  /** In an order where every workflow comes after its dependencies. */
  workflows: PlannedWorkflow[];
  /** Dropped by `when` or by a missing dependency: not part of the pipeline at all. */
  filtered: FilteredWorkflow[];
}

/** `[CI SKIP]` / `[SKIP CI]` anywhere in the commit message, any case, skips the whole pipeline. */
export function commitSkipsCi(message: string): boolean {
  return /\[(ci skip|skip ci)\]/i.test(message);
}

export function planPipeline(workflows: readonly WorkflowConfig[], ctx: WhenContext): PipelinePlan {
  const filtered: FilteredWorkflow[] = [];
  if (commitSkipsCi(ctx.commitMessage)) {
    return { workflows: [], filtered: workflows.map((wf) => ({ name: wf.name, file: wf.file, reason: "the commit message asks to skip CI" })) };
  }
  const kept = new Map<string, { wf: WorkflowConfig; onSuccess: boolean; onFailure: boolean }>();
  for (const wf of workflows) {
    let result;
    try {
      result = evaluateWhen(wf.when, ctx);
    } catch {
      // an unsupported `evaluate` is already in wf.unsupported: keep it so it ends in error
      result = { match: true, onSuccess: true, onFailure: false };
    }
    if (!result.match) {
      filtered.push({ name: wf.name, file: wf.file, reason: "no `when` condition matched" });
      continue;
    }
    const onFailure = wf.runsOn.includes("failure") || result.onFailure;
    const onSuccess = wf.runsOn.length > 0 ? wf.runsOn.includes("success") : result.onSuccess;
    kept.set(wf.name, { wf, onSuccess, onFailure });
  }

  // drop workflows whose required dependency is gone, until nothing changes
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, { wf }] of kept) {
      const missing = wf.dependsOn.find((d) => !d.optional && !kept.has(d.name));
      if (missing) {
        kept.delete(name);
        filtered.push({ name, file: wf.file, reason: `depends on "${missing.name}", which is not part of this pipeline` });
        changed = true;
      }
    }
  }

  const planned = new Map<string, PlannedWorkflow>();
  for (const [name, k] of kept) {
    planned.set(name, {
      config: k.wf,
      dependsOn: k.wf.dependsOn.filter((d) => kept.has(d.name)).map((d) => d.name),
      runsOnSuccess: k.onSuccess,
      runsOnFailure: k.onFailure,
    });
  }
  return { workflows: topoOrder(planned), filtered };
}

/** Stable topological order; members of a cycle are appended with an error. */
function topoOrder(planned: Map<string, PlannedWorkflow>): PlannedWorkflow[] {
  const out: PlannedWorkflow[] = [];
  const done = new Set<string>();
  for (let progress = true; progress; ) {
    progress = false;
    for (const [name, p] of planned) {
      if (done.has(name)) continue;
      if (p.dependsOn.every((d) => done.has(d))) {
        out.push(p);
        done.add(name);
        progress = true;
      }
    }
  }
  for (const [name, p] of planned) {
    if (!done.has(name)) out.push({ ...p, error: `dependency cycle: workflow "${name}" depends on ${p.dependsOn.filter((d) => !done.has(d)).map((d) => `"${d}"`).join(", ")}` });
  }
  return out;
}

/**
 * Whether a workflow runs once its dependencies finished (Woodpecker's queue rule):
 * success-only workflows need every dependency successful; failure-only ones need one failed;
 * `[success, failure]` always runs.
 */
export function dependenciesAllow(p: PlannedWorkflow, depStates: readonly CiState[]): boolean {
  const norm = depStates.map((s) => (s === "success" ? "success" : s === "skipped" ? "skipped" : "failure"));
  if (p.runsOnSuccess && p.runsOnFailure) return true;
  if (p.runsOnSuccess) return norm.every((s) => s === "success");
  if (p.runsOnFailure) return norm.some((s) => s === "failure");
  return false;
}
