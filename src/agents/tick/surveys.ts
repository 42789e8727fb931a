// Each scheduled agent's token-free survey (DESIGN §3.3, §10.1), as the light tick asks it:
// "would a run of this agent do anything now?". Every answer is the agent's own decision code
// — the dev agent's backlog survey, the review sweep's candidates, the gardener's and the
// architect's plan, the planner's and the predictor's watermarks, the supervisor's probes — run
// with the agent's login, read-only, and cheaper than a pipeline.
import type { ScheduledAgent } from "../../config/project.ts";
import { Watermarks } from "../../state/watermark.ts";
import { plan as architectPlan } from "../architect/tick.ts";
import { disintoLogins } from "../architect/survey.ts";
import { devLabels } from "../dev/labels.ts";
import { survey as devSurvey } from "../dev/survey.ts";
import { gardenerLabels } from "../gardener/labels.ts";
import { look, plan as gardenerPlan } from "../gardener/tick.ts";
import { plannerLabels } from "../planner/policy.ts";
import { changed, marksOf, readInputs, readMarks } from "../planner/survey.ts";
import { digest, gatherEvidence } from "../predictor/evidence.ts";
import { AGENT as PREDICTOR } from "../predictor/tick.ts";
import { reviewCandidates } from "../review/tick.ts";
import { surveySupervisor } from "../supervisor/tick.ts";
import type { AgentRuntime } from "../runtime.ts";

export interface SurveyResult {
  work: boolean;
  why: string;
}

export type Survey = (rt: AgentRuntime) => Promise<SurveyResult>;

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;

export const SURVEYS: Readonly<Record<ScheduledAgent, Survey>> = {
  async dev(rt) {
    const s = await devSurvey(rt, devLabels(rt.config));
    const parts = [s.backlog.length > 0 ? plural(s.backlog.length, "backlog issue") : "", s.inProgress.length > 0 ? `${s.inProgress.length} in progress` : "", s.myPulls.length > 0 ? plural(s.myPulls.length, "own PR") : ""].filter(Boolean);
    return { work: parts.length > 0, why: parts.join(", ") || "no backlog, nothing in progress" };
  },
  async review(rt) {
    const prs = await rt.repo.pulls.list({ state: "open", sort: "oldest" });
    const { candidates } = await reviewCandidates(rt, prs);
    return { work: candidates.length > 0, why: candidates.length > 0 ? `${plural(candidates.length, "PR")} to review: ${candidates.map((c) => `#${c.pr.number}`).join(", ")}` : `${plural(prs.length, "open PR")}, none to review` };
  },
  async gardener(rt) {
    const p = await gardenerPlan(rt, await look(rt), gardenerLabels(rt.config));
    return { work: p !== undefined, why: p === undefined ? "nothing to groom" : p.task === "pick" ? `${p.pick.task}${p.pick.issue !== undefined ? ` #${p.pick.issue}` : ""}` : p.task };
  },
  async architect(rt) {
    const p = await architectPlan(rt, disintoLogins(rt.config, rt.login));
    return { work: p.plan !== undefined, why: p.plan === undefined ? "no pitch to write, answer or file" : `work: ${p.plan.kind}` };
  },
  async planner(rt) {
    const [last, now] = await Promise.all([readMarks(rt.state, rt.config.name), readInputs(rt, plannerLabels(rt.config))]);
    const diff = changed(marksOf(now), last);
    return { work: diff.length > 0, why: diff.length > 0 ? `changed: ${diff.join(", ")}` : "nothing changed since the last plan" };
  },
  async predictor(rt) {
    const [d, last] = await Promise.all([gatherEvidence(rt, rt.config.labels.blocked).then(digest), new Watermarks(rt.state, rt.config.name, PREDICTOR).get("evidence")]);
    return { work: d !== last, why: d !== last ? `new evidence (${d.slice(0, 7)})` : "evidence unchanged" };
  },
  // Its probes are reads and its model only judges after them: the probes are the survey.
  supervisor: surveySupervisor,
};
