// The architect's survey without tokens (disinto-behaviour §9.3): the open pitch PRs of the ops
// repo, each with the state its comments, reviews and body put it in, and — when no pitch has
// anything to do — the vision issue to pitch next. Shared with `disinto status`, which shows the
// same states. Reads only; the tick acts.
import type { Comment, Issue, PullRequest, RepoForge } from "../../forge/types.ts";
import { approvedByPerson, disintoLogins, filed, isPitch, visionOf } from "../shared/sprint.ts";
import { lastSeen, type ChildState, digestOf } from "./markers.ts";

export { disintoLogins };

/** At most this many pitches wait for a person at once (the original's limit). */
export const MAX_OPEN_PITCHES = 3;

export type PitchState =
  | { kind: "reject"; comment: Comment; reason: string }
  /** Approved by a person: the gardener's filer files the sub-issues; the architect still answers new comments. */
  | { kind: "file"; comments: Comment[] }
  /** Filed: `done` when every sub-issue is closed, `visionClosed` once the gardener closed the vision issue. */
  | { kind: "track"; children: Map<number, ChildState>; changed: boolean; done: boolean; visionClosed: boolean }
  | { kind: "answer"; comments: Comment[] }
  | { kind: "waiting"; why: string };

export interface PitchView {
  pr: PullRequest;
  vision: number | undefined;
  state: PitchState;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();


export const REJECT = /^\s*reject\s*:\s*([\s\S]*)$/i;
export const ACCEPT_ONLY = /^\s*accept[.!]?\s*$/i;


/** What the pitch PR waits for or asks of the architect, from one read of its comments and reviews (and its children when filed). */
export async function pitchState(ops: RepoForge, repo: RepoForge, pr: PullRequest, bots: readonly string[]): Promise<PitchState> {
  const [comments, reviews] = await Promise.all([ops.comments.list(pr.number), ops.reviews.list(pr.number)]);
  const seen = lastSeen(pr.body);
  const isNew = (c: Comment): boolean => seen === undefined || c.id > seen.id || c.updatedAt.getTime() > seen.at.getTime();
  const fresh = comments.filter((c) => !bots.some((b) => same(b, c.author)) && isNew(c));
  const numbers = filed(pr.body);
  const reject = fresh.find((c) => REJECT.test(c.body));
  if (reject && numbers === undefined) return { kind: "reject", comment: reject, reason: REJECT.exec(reject.body)![1]!.trim() || "no reason given" };
  if (numbers !== undefined) {
    const children = new Map<number, ChildState>();
    for (const n of numbers) children.set(n, (await repo.issues.get(n))?.state === "open" ? "open" : "closed");
    // Before the first digest the baseline is "all open", as the filer left them.
    const last = digestOf(pr.body) ?? new Map(numbers.map((n) => [n, "open" as const]));
    const changed = [...children].some(([n, s]) => last.get(n) !== s);
    const done = [...children.values()].every((s) => s === "closed");
    const vision = visionOf(pr);
    const visionClosed = done && vision !== undefined && (await repo.issues.get(vision))?.state === "closed";
    return { kind: "track", children, changed, done, visionClosed };
  }
  if (approvedByPerson(reviews, bots)) return { kind: "file", comments: fresh };
  if (fresh.length > 0) return { kind: "answer", comments: fresh };
  return { kind: "waiting", why: "waiting for the person's answer" };
}

export const actionable = (s: PitchState): boolean => s.kind === "reject" || s.kind === "answer" || (s.kind === "file" && s.comments.length > 0) || (s.kind === "track" && (s.changed || s.visionClosed));

export interface Survey {
  /** Open pitch PRs of this architect, oldest update first, with their states. */
  pitches: PitchView[];
  /** Open `architect:` PRs of anyone (the limit counts them all). */
  openCount: number;
}

export async function surveyPitches(ops: RepoForge, repo: RepoForge, login: string, bots: readonly string[]): Promise<Survey> {
  const open = (await ops.pulls.list({ state: "open" })).filter(isPitch);
  const own = open.filter((p) => same(p.author, login)).sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || a.number - b.number);
  const pitches: PitchView[] = [];
  for (const pr of own) pitches.push({ pr, vision: visionOf(pr), state: await pitchState(ops, repo, pr, bots) });
  return { pitches, openCount: open.length };
}

/**
 * The vision issue to pitch: the oldest open `vision` issue not held by the dev agent and not
 * referenced by an open or merged `architect:` PR. A pitch a person rejected keeps its vision
 * issue from being pitched again until the issue itself is edited after the rejection.
 * `earlier` counts its past pitches (they name the new branch), from the same listing.
 */
export async function visionToPitch(ops: RepoForge, repo: RepoForge, l: { vision: string; inProgress: string }): Promise<{ vision: Issue; earlier: number } | undefined> {
  const visions = (await repo.issues.list({ state: "open", type: "issues", labels: [l.vision] })).filter((i) => !i.labels.includes(l.inProgress)).sort((a, b) => a.number - b.number);
  if (visions.length === 0) return undefined;
  const pitches = (await ops.pulls.list({ state: "all" })).filter(isPitch);
  // Only the pitch's own vision counts: a pitch may mention other issues as related.
  const refs = (pr: PullRequest, n: number): boolean => visionOf(pr) === n;
  const vision = visions.find((v) => !pitches.some((pr) => refs(pr, v.number) && (pr.state === "open" || pr.merged || (pr.updatedAt.getTime() >= v.updatedAt.getTime()))));
  return vision === undefined ? undefined : { vision, earlier: pitches.filter((pr) => refs(pr, vision.number)).length };
}
