// Each scheduled agent's token-free survey (DESIGN §3.3, §10.1), as the light tick asks it:
// "would a run of this agent do anything now?". Every answer is the agent's own decision code
// — the dev agent's backlog survey, the review sweep's candidates, the gardener's and the
// architect's plan, the planner's and the predictor's watermarks, the supervisor's probes — run
// with the agent's login, read-only, and cheaper than a pipeline.
import type { ScheduledAgent } from "../../config/project.ts";
import type { AgentRuntime } from "../runtime.ts";

export interface SurveyResult {
  work: boolean;
  why: string;
}

export type Survey = (rt: AgentRuntime) => Promise<SurveyResult>;

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;

// Each survey loads its agent's code when it is asked: a tick asks only the agents whose
// schedule came due (most ticks: dev and review), so it does not load all seven at start.
export const SURVEYS: Readonly<Record<ScheduledAgent, Survey>> = {
  async dev(rt) {
    const [{ survey }, { devLabels }] = await Promise.all([import("../dev/survey.ts"), import("../dev/labels.ts")]);
    const s = await survey(rt, devLabels(rt.config));
    const parts = [s.backlog.length > 0 ? plural(s.backlog.length, "backlog issue") : "", s.inProgress.length > 0 ? `${s.inProgress.length} in progress` : "", s.myPulls.length > 0 ? plural(s.myPulls.length, "own PR") : ""].filter(Boolean);
    return { work: parts.length > 0, why: parts.join(", ") || "no backlog, nothing in progress" };
  },
  async review(rt) {
    const { reviewCandidates } = await import("../review/tick.ts");
    const prs = await rt.repo.pulls.list({ state: "open", sort: "oldest" });
    const { candidates } = await reviewCandidates(rt, prs);
    return { work: candidates.length > 0, why: candidates.length > 0 ? `${plural(candidates.length, "PR")} to review: ${candidates.map((c) => `#${c.pr.number}`).join(", ")}` : `${plural(prs.length, "open PR")}, none to review` };
  },
  async gardener(rt) {
    const [{ look, plan }, { gardenerLabels }] = await Promise.all([import("../gardener/tick.ts"), import("../gardener/labels.ts")]);
    const p = await plan(rt, await look(rt), gardenerLabels(rt.config));
    return { work: p !== undefined, why: p === undefined ? "nothing to groom" : p.task === "pick" ? `${p.pick.task}${p.pick.issue !== undefined ? ` #${p.pick.issue}` : ""}` : p.task };
  },
  async architect(rt) {
    const [{ plan }, { disintoLogins }] = await Promise.all([import("../architect/tick.ts"), import("../architect/survey.ts")]);
    const p = await plan(rt, disintoLogins(rt.config, rt.login));
    return { work: p.plan !== undefined, why: p.plan === undefined ? "no pitch to write, answer or file" : `work: ${p.plan.kind}` };
  },
  async planner(rt) {
    const [{ changed, marksOf, readInputs, readMarks }, { plannerLabels }] = await Promise.all([import("../planner/survey.ts"), import("../planner/policy.ts")]);
    const [last, now] = await Promise.all([readMarks(rt.state, rt.config.name), readInputs(rt, plannerLabels(rt.config))]);
    const diff = changed(marksOf(now), last);
    return { work: diff.length > 0, why: diff.length > 0 ? `changed: ${diff.join(", ")}` : "nothing changed since the last plan" };
  },
  async predictor(rt) {
    const [{ AGENT, digest, gatherEvidence }, { Watermarks }] = await Promise.all([import("../predictor/evidence.ts"), import("../../state/watermark.ts")]);
    const [d, last] = await Promise.all([gatherEvidence(rt, rt.config.labels.blocked).then(digest), new Watermarks(rt.state, rt.config.name, AGENT).get("evidence")]);
    return { work: d !== last, why: d !== last ? `new evidence (${d.slice(0, 7)})` : "evidence unchanged" };
  },
  // Its probes are reads and its model only judges after them: the probes are the survey.
  async supervisor(rt) {
    return (await import("../supervisor/tick.ts")).surveySupervisor(rt);
  },
};
