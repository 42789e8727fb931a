// Which backlog issue the dev agent takes next. Pure: the survey fetched the issues and the
// states of their dependencies; this decides. Every backlog issue is considered — the
// original looked at the 20 oldest per tier and starved behind a wall of blocked issues.
import type { Issue } from "../../forge/types.ts";
import { parseDeps } from "../../lib/deps.ts";
import { isSkipLabel, type DevLabels } from "./labels.ts";

/** Why an issue is not for this identity now, or undefined when it may be taken. */
export function ineligible(issue: Issue, login: string, labels: DevLabels): string | undefined {
  if (issue.isPull) return "a pull request";
  if (issue.state !== "open") return "closed";
  if (!issue.labels.includes(labels.backlog)) return `not labelled ${labels.backlog}`;
  const skip = issue.labels.find((l) => isSkipLabel(labels, l));
  if (skip !== undefined) return `labelled ${skip}`;
  const other = issue.assignees.find((a) => a.toLowerCase() !== login.toLowerCase());
  if (other !== undefined) return `assigned to ${other}`;
  return undefined;
}

/** `priority` first, then oldest first (creation time, then number). */
export function orderBacklog(issues: readonly Issue[], labels: DevLabels): Issue[] {
  const tier = (i: Issue): number => (i.labels.includes(labels.priority) ? 0 : 1);
  return [...issues].sort((a, b) => tier(a) - tier(b) || a.createdAt.getTime() - b.createdAt.getTime() || a.number - b.number);
}

/** The dependencies of an issue (references to itself ignored). */
export function depsOf(issue: Issue): number[] {
  return parseDeps(issue.body).filter((n) => n !== issue.number);
}

/** Dependencies of the eligible issues whose state the backlog listing does not already tell. */
export function depsToResolve(backlog: readonly Issue[], login: string, labels: DevLabels): Set<number> {
  const known = new Set(backlog.map((i) => i.number));
  const out = new Set<number>();
  for (const issue of backlog) {
    if (ineligible(issue, login, labels) !== undefined) continue;
    for (const d of depsOf(issue)) if (!known.has(d)) out.add(d);
  }
  return out;
}

export type DepState = "open" | "closed" | "missing";

export interface Pick {
  issue: Issue | undefined;
  /** Issues passed over, with the reason (for the log, not the forge). */
  passed: { number: number; reason: string }[];
}

export interface PickInput {
  backlog: readonly Issue[];
  login: string;
  labels: DevLabels;
  /** State of an issue the backlog listing does not contain; the listing's own are open. */
  depState: (n: number) => DepState;
  /** Issues not to take in this tick (a claim race already lost). */
  exclude?: ReadonlySet<number>;
}

export function pickNext(input: PickInput): Pick {
  const inBacklog = new Set(input.backlog.map((i) => i.number));
  const passed: Pick["passed"] = [];
  for (const issue of orderBacklog(input.backlog, input.labels)) {
    if (input.exclude?.has(issue.number)) {
      passed.push({ number: issue.number, reason: "claimed by someone else in this tick" });
      continue;
    }
    const why = ineligible(issue, input.login, input.labels);
    if (why !== undefined) {
      passed.push({ number: issue.number, reason: why });
      continue;
    }
    // An open backlog issue is not closed; a dependency that no longer exists never closes
    // either, as in the original (it shows up here, not as a silent pick).
    const unmet = depsOf(issue).filter((d) => inBacklog.has(d) || input.depState(d) !== "closed");
    if (unmet.length > 0) {
      passed.push({ number: issue.number, reason: `waits for ${unmet.map((d) => `#${d}`).join(", ")}` });
      continue;
    }
    return { issue, passed };
  }
  return { issue: undefined, passed };
}
