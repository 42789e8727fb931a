// What the planner may do (DESIGN §10.4, disinto-behaviour §9.1). Its manifest triages the
// predictor's findings (comment, relabel, close), files new issues within the run's budget,
// syncs `priority` and asks a person, through the vault's `human` formula, for what only a
// person can provide. Its ops-repo files — `prerequisites.md`, `knowledge/planner-memory.md`
// and its watermarks — are its own: the runner commits them directly in one commit after the
// manifest (no ops PR: nobody else writes them, and the original's review of its ops PR only
// ever rubber-stamped them), so the policy grants no ops_write.
import type { ProjectConfig } from "../../config/project.ts";
import { policy, type Policy } from "../../manifest/policy.ts";

export const AGENT = "planner";
/** The vault formula a human-blocked resource is requested with (formulas/vault/human.sh). */
export const HUMAN_FORMULA = "human";
/** New issues per run when no prediction was triaged (the original's budget). */
export const BASE_BUDGET = 4;
/** Issues carrying `priority` after a sync: the top constraints. */
export const TOP = 5;

export interface PlannerLabels {
  backlog: string;
  vision: string;
  priority: string;
  inProgress: string;
  underspecified: string;
  unreviewed: string;
  actioned: string;
  dismissed: string;
}

export function plannerLabels(config: ProjectConfig): PlannerLabels {
  const l = config.labels;
  return {
    backlog: l.backlog,
    vision: l.vision,
    priority: l.priority,
    inProgress: l["in-progress"],
    underspecified: l.underspecified,
    unreviewed: l["prediction/unreviewed"],
    actioned: l["prediction/actioned"],
    dismissed: l["prediction/dismissed"],
  };
}

/**
 * New issues this run may file: one per prediction actioned, plus one, when any prediction was
 * triaged; else BASE_BUDGET.
 */
export function issueBudget(triaged: number, actioned: number): number {
  return triaged > 0 ? actioned + 1 : BASE_BUDGET;
}

export function plannerPolicy(l: PlannerLabels, maxNewIssues: number): Policy {
  return policy({
    agent: AGENT,
    kinds: ["create_issue", "comment", "add_label", "remove_label", "sync_priority", "close_issue", "vault_request"],
    labels: { add: [l.backlog, l.vision, l.actioned, l.dismissed, l.priority], remove: [l.unreviewed, l.priority] },
    maxActions: 50,
    maxNewIssues,
    opsFolders: [],
    vaultFormulas: [HUMAN_FORMULA],
  });
}
