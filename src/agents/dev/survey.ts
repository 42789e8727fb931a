// What an idle-looking tick reads before deciding anything: the backlog (every page), the
// states of the dependencies it names, the in-progress issues and this identity's open PRs.
// Cheap by construction — the idle tick is the factory's most frequent run: a few
// dependencies are read one by one; many are answered by one listing of every open issue,
// which also yields the in-progress issues and our PRs. No git, no LLM, no writes.
import { UnknownLabelError } from "../../forge/errors.ts";
import type { Issue, IssueListOptions, PullRequest } from "../../forge/types.ts";
import type { AgentRuntime } from "../runtime.ts";
import { CI_UNTRUSTED, latestIncident, summaryOf } from "../../state/incident.ts";
import type { DevLabels } from "./labels.ts";
import { sameLogin } from "./lifecycle.ts";
import { depsToResolve, type DepState } from "./pick.ts";

/** Up to this many unknown dependencies are read one by one; more, and every open issue is listed. */
export const DEP_GETS_MAX = 6;

export interface Survey {
  backlog: Issue[];
  depState: (n: number) => DepState;
  inProgress: Issue[];
  /** Open PRs authored by this identity. */
  myPulls: PullRequest[];
  /** Every open PR, when something needed them (orphan checks); undefined until then. */
  openPulls: PullRequest[] | undefined;
}

async function listOrEmpty(rt: AgentRuntime, opts: IssueListOptions): Promise<Issue[]> {
  try {
    return await rt.repo.issues.list(opts);
  } catch (err) {
    // A label nobody created yet labels nothing.
    if (err instanceof UnknownLabelError) return [];
    throw err;
  }
}

/** Items per listing page (Forgejo's maximum). */
const PAGE = 50;

export async function survey(rt: AgentRuntime, labels: DevLabels): Promise<Survey> {
  const backlogQuery: IssueListOptions = { state: "open", type: "issues", labels: [labels.backlog], sort: "oldest" };
  // The first backlog page decides the strategy: when its issues alone name more unknown
  // dependencies than are worth reading one by one, one listing of every open issue answers
  // them all and holds the rest of the backlog too — the remaining backlog pages are skipped.
  let backlog = await listOrEmpty(rt, { ...backlogQuery, page: 1, limit: PAGE });
  let open: Issue[] | undefined;
  if (backlog.length >= PAGE) {
    if (depsToResolve(backlog, rt.login, labels).size > DEP_GETS_MAX) open = await rt.repo.issues.list({ state: "open", sort: "oldest" });
    else {
      for (let page = 2; ; page++) {
        const more = await listOrEmpty(rt, { ...backlogQuery, page, limit: PAGE });
        backlog.push(...more);
        if (more.length < PAGE) break;
      }
    }
  }
  let unknown = [...depsToResolve(backlog, rt.login, labels)].sort((a, b) => a - b);
  if (open === undefined && unknown.length > DEP_GETS_MAX) open = await rt.repo.issues.list({ state: "open", sort: "oldest" });
  if (open !== undefined) {
    const inBacklog = new Set(backlog.map((i) => i.number));
    backlog = [...backlog, ...open.filter((i) => !i.isPull && !inBacklog.has(i.number) && i.labels.includes(labels.backlog))];
    unknown = [...depsToResolve(backlog, rt.login, labels)].sort((a, b) => a - b);
  }
  backlog = backlog.filter((i) => !i.isPull);
  const states = new Map<number, DepState>();
  let inProgress: Issue[];
  let myPulls: PullRequest[];
  let openPulls: PullRequest[] | undefined;
  if (open !== undefined) {
    const openNumbers = new Set(open.map((i) => i.number));
    for (const d of unknown) states.set(d, openNumbers.has(d) ? "open" : "closed");
    inProgress = open.filter((i) => !i.isPull && i.labels.includes(labels.inProgress));
    const mine = open.some((i) => i.isPull && sameLogin(i.author, rt.login));
    openPulls = mine ? await rt.repo.pulls.list({ state: "open", sort: "oldest" }) : undefined;
    myPulls = (openPulls ?? []).filter((p) => sameLogin(p.author, rt.login));
  } else {
    const got = await Promise.all(unknown.map(async (d) => [d, await rt.repo.issues.get(d)] as const));
    for (const [d, issue] of got) states.set(d, issue === undefined ? "missing" : issue.state);
    [inProgress, openPulls] = await Promise.all([
      listOrEmpty(rt, { state: "open", type: "issues", labels: [labels.inProgress] }),
      rt.repo.pulls.list({ state: "open", sort: "oldest" }),
    ]);
    myPulls = openPulls.filter((p) => sameLogin(p.author, rt.login));
  }
  const inBacklog = new Set(backlog.map((i) => i.number));
  return {
    backlog,
    depState: (n) => (inBacklog.has(n) ? "open" : (states.get(n) ?? "missing")),
    inProgress: inProgress.filter((i) => !i.isPull),
    myPulls,
    openPulls,
  };
}

/**
 * The CI circuit breaker (written by the supervisor): while the `ci-untrusted` incident is
 * open, main is red and no new issue is claimed — work in flight goes on. Read only when the
 * tick would claim (one listing and one read), so an idle tick pays nothing for it.
 */
export async function ciBreaker(rt: AgentRuntime): Promise<string | undefined> {
  const doc = await latestIncident(rt.state, CI_UNTRUSTED);
  if (doc === undefined || !doc.open) return undefined;
  return `not claiming: the CI circuit breaker is open (${doc.path}: ${summaryOf(doc.text) || `${rt.config.primary_branch} is red`})`;
}
