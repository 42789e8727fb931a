// The label catalogue `disinto init` creates (disinto-behaviour §4), under the names the
// project config gives them. Colours and descriptions are cosmetic; labels that exist are
// left alone, whatever their colour.
import type { LabelKey, ProjectConfig } from "../config/project.ts";
import type { LabelSpec } from "../forge/types.ts";

const STYLE: Record<LabelKey, { color: string; description: string }> = {
  backlog: { color: "0075ca", description: "Ready for the dev agent" },
  priority: { color: "f59e0b", description: "Pick before plain backlog (together with backlog)" },
  "in-progress": { color: "1d76db", description: "A dev agent owns this issue" },
  blocked: { color: "b60205", description: "Stuck; the reason is in a comment" },
  underspecified: { color: "fbca04", description: "Too large or vague for one session" },
  "tech-debt": { color: "c5def5", description: "Pre-existing problem found in review" },
  vision: { color: "5319e7", description: "Goal-sized objective" },
  "bug-report": { color: "d73a4a", description: "User-facing bug with reproduction steps" },
  "in-triage": { color: "fef2c0", description: "Reproduced, cause unclear" },
  reproduced: { color: "0e8a16", description: "Reproduced with an obvious cause" },
  rejected: { color: "000000", description: "Cannot reproduce, or invalid" },
  "needs-triage": { color: "ededed", description: "Waiting for triage" },
  "cannot-reproduce": { color: "ededed", description: "Reproduction failed" },
  "prediction/unreviewed": { color: "c2e0c6", description: "New predictor finding" },
  "prediction/actioned": { color: "0e8a16", description: "Planner agreed and filed work" },
  "prediction/dismissed": { color: "cccccc", description: "Planner disagreed" },
  action: { color: "bfdadc", description: "Operational task, not for the dev agent" },
  formula: { color: "bfd4f2", description: "Task run by a formula, not for the dev agent" },
  "awaiting-live-verification": { color: "d4c5f9", description: "Merged; acceptance not yet verified live" },
  deployed: { color: "0e8a16", description: "Deployed" },
  "allow-protected-paths": { color: "e99695", description: "The dev agent may change protected paths for this issue" },
  vault: { color: "5319e7", description: "Vault action request" },
  "pending-approval": { color: "fbca04", description: "Waiting for a human's approval" },
  incident: { color: "b60205", description: "CI-untrusted incident" },
};

/** Labels that only mean something on the ops repo's pull requests. */
const OPS_ONLY: ReadonlySet<LabelKey> = new Set(["vault", "pending-approval", "incident"]);

function specs(config: ProjectConfig, pick: (k: LabelKey) => boolean): LabelSpec[] {
  return (Object.keys(STYLE) as LabelKey[]).filter(pick).map((k) => ({ name: config.labels[k], ...STYLE[k] }));
}

/** Every workflow label the agents read or write on the project repo. */
export function projectLabels(config: ProjectConfig): LabelSpec[] {
  return specs(config, (k) => !OPS_ONLY.has(k));
}

/** The vault and incident labels of the ops repo's pull requests. */
export function opsLabels(config: ProjectConfig): LabelSpec[] {
  return specs(config, (k) => OPS_ONLY.has(k));
}
