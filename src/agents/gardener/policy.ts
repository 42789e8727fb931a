// What each gardener task may do (DESIGN §10.4): the kinds, the labels, how many actions and
// new issues. Whether the manifest came from the model or from the runner's own decision, it is
// checked against its task's policy before anything is applied.
import { policy, type Policy } from "../../manifest/policy.ts";
import { MAX_SUB_ISSUES } from "../shared/sprint.ts";
import type { GardenerLabels } from "./labels.ts";

export const AGENT = "gardener";
/** Issues the quality gate handles in one run. */
export const GATE_MAX = 10;
/** Sources one bundle may close. */
export const BUNDLE_MAX = 30;

export type PolicyTask =
  | "quality-gate"
  | "blocker-starving-the-factory"
  | "enrich-underspecified"
  | "enrich-bug-report"
  | "promote-tech-debt"
  | "bundle-dust"
  | "revisit-blocked"
  | "file-subissues";

export function gardenerPolicy(task: PolicyTask, l: GardenerLabels): Policy {
  switch (task) {
    case "quality-gate":
      return policy({ agent: AGENT, kinds: ["comment", "remove_label"], labels: { add: [], remove: [l.backlog] }, maxActions: 2 * GATE_MAX });
    case "blocker-starving-the-factory":
      return policy({ agent: AGENT, kinds: ["comment", "add_label"], labels: { add: [l.backlog, l.blocked, l.underspecified], remove: [] }, maxActions: 20 });
    case "enrich-underspecified":
      return policy({ agent: AGENT, kinds: ["edit_body", "comment", "add_label", "remove_label"], labels: { add: [l.backlog], remove: [l.underspecified] }, maxActions: 4 });
    case "enrich-bug-report":
      return policy({ agent: AGENT, kinds: ["edit_body", "add_label"], labels: { add: [l.bugReport], remove: [] }, maxActions: 2 });
    case "promote-tech-debt":
      return policy({ agent: AGENT, kinds: ["comment", "add_label"], labels: { add: [l.backlog, l.underspecified], remove: [] }, maxActions: 2 });
    case "bundle-dust":
      return policy({ agent: AGENT, kinds: ["create_issue", "close_issue"], labels: { add: [l.backlog], remove: [] }, maxActions: 1 + BUNDLE_MAX, maxNewIssues: 1 });
    case "revisit-blocked":
      return policy({ agent: AGENT, kinds: ["comment", "add_label", "remove_label"], labels: { add: [l.backlog], remove: [l.blocked] }, maxActions: 3 });
    case "file-subissues":
      // An approved pitch's sub-issues (backlog) and `in-progress` on its vision issue.
      return policy({ agent: AGENT, kinds: ["create_issue", "add_label"], labels: { add: [l.backlog, l.inProgress], remove: [] }, maxActions: MAX_SUB_ISSUES + 1, maxNewIssues: MAX_SUB_ISSUES });
  }
}
