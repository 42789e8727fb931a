// What the architect may do (DESIGN §10.4). Its pitch is an ops-repo PR under `sprints/` from a
// branch `architect/…`; answers and digests are ops-repo comments made by the runner, so their
// manifests are empty and the policy allows nothing on the project repo. Filing is the one step
// that creates issues there: the approved pitch's sub-issues (labelled backlog) and
// `in-progress` on the vision issue — the guard (guard.ts) lets exactly those calls through.
import { policy, type Policy } from "../../manifest/policy.ts";
import type { GardenerLabels } from "../gardener/labels.ts";
import { MAX_SUB_ISSUES } from "./pitch.ts";

export const AGENT = "architect";
export const SPRINTS = "sprints/";

export const pitchPolicy = (): Policy => policy({ agent: AGENT, kinds: ["ops_pr"], opsFolders: [SPRINTS], maxActions: 1 });

/** Answers and digests: the runner writes the ops-repo comment; the manifest is empty. */
export const opsOnlyPolicy = (): Policy => policy({ agent: AGENT, kinds: [], opsFolders: [], maxActions: 0 });

export const filerPolicy = (l: Pick<GardenerLabels, "backlog" | "inProgress">): Policy =>
  policy({ agent: AGENT, kinds: ["create_issue", "add_label"], labels: { add: [l.backlog, l.inProgress], remove: [] }, maxActions: MAX_SUB_ISSUES + 1, maxNewIssues: MAX_SUB_ISSUES, opsFolders: [] });
