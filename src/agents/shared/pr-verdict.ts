// The review verdict on a PR's head commit (shared by the agents that walk their PRs to a merge:
// dev, and the gardener's AGENTS.md PRs). Only trusted reviewers count: the configured review
// identity, and users whose review the forge marks `official` (write access, or on the
// approvals whitelist of a protected base branch). Anyone else may leave a review — Forgejo lets
// every reader — but it neither approves nor requests changes: it never merges a PR, never
// becomes the model's instructions and never costs a review round.
//
// Of each trusted reviewer, the latest formal verdict (APPROVED or REQUEST_CHANGES) on the head
// commit counts, if it is neither stale nor dismissed. A REQUEST_CHANGES by any of them blocks
// until that reviewer approves or the review is dismissed; otherwise one approval approves. With
// no formal verdict, the review agent's marker comment `<!-- reviewed: <sha> -->` with its verdict
// line stands in (§2.3 `pr_poll_review`). Reviews of an older head never count.
import type { Comment, Review } from "../../forge/types.ts";
import type { AgentRuntime } from "../runtime.ts";

const sameLogin = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export type Verdict =
  | { kind: "none" }
  | { kind: "approved"; by: string }
  | { kind: "changes"; by: string; verdict: string; body: string };

export interface VerdictInput {
  reviews: readonly Review[];
  comments: readonly Comment[];
  head: string;
  /** The PR's author: their own reviews never count. */
  author: string;
  /** The configured review identity, trusted whatever its forge permission. */
  reviewLogin: string | undefined;
}

const REVIEWED = /<!-- reviewed: ([0-9a-f]{7,64}) -->/;
const VERDICT_LINE = /^\*\*(APPROVE|REQUEST_CHANGES|DISCUSS)\*\*/m;

const isVerdict = (r: Review): boolean => r.state === "APPROVED" || r.state === "REQUEST_CHANGES";
const byTime = (a: Review, b: Review): number => (a.submittedAt?.getTime() ?? 0) - (b.submittedAt?.getTime() ?? 0) || a.id - b.id;

/** Whether a review's verdict may count at all: the review identity's, or an official one. */
export function trustedReview(r: Review, reviewLogin: string | undefined): boolean {
  return (reviewLogin !== undefined && sameLogin(r.author, reviewLogin)) || r.official;
}

/** Formal verdicts on the head that do not count because their author is not trusted. */
export function untrustedVerdicts(input: VerdictInput): Review[] {
  return input.reviews.filter((r) => r.commitId === input.head && isVerdict(r) && !sameLogin(r.author, input.author) && !trustedReview(r, input.reviewLogin));
}

export function verdictOf(input: VerdictInput): Verdict {
  const { head } = input;
  // Each trusted reviewer's latest verdict on the head (the order of `reviews` is the server's).
  const latest = new Map<string, Review>();
  for (const r of input.reviews.filter((x) => x.commitId === head && isVerdict(x) && !sameLogin(x.author, input.author) && trustedReview(x, input.reviewLogin)).sort(byTime)) {
    latest.set(r.author.toLowerCase(), r);
  }
  const standing = [...latest.values()].filter((r) => !r.stale && !r.dismissed).sort(byTime);
  const marker = input.comments
    .filter((c) => input.reviewLogin !== undefined && sameLogin(c.author, input.reviewLogin) && REVIEWED.exec(c.body)?.[1] === head && !/review-error/i.test(c.body))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id)
    .at(-1);
  const rejections = standing.filter((r) => r.state === "REQUEST_CHANGES");
  const last = rejections.at(-1);
  if (last !== undefined) {
    const bodyOf = (r: Review): string => {
      const extra = marker !== undefined && sameLogin(marker.author, r.author) && marker.body.trim() !== r.body.trim() ? `\n\n${marker.body}` : "";
      return `${r.body}${extra}`;
    };
    const body = rejections.length === 1 ? bodyOf(last) : rejections.map((r) => `### @${r.author} requested changes\n\n${bodyOf(r)}`).join("\n\n");
    return { kind: "changes", by: last.author, verdict: "REQUEST_CHANGES", body };
  }
  const approval = standing.at(-1);
  if (approval !== undefined) return { kind: "approved", by: approval.author };
  if (marker !== undefined) {
    const v = VERDICT_LINE.exec(marker.body)?.[1];
    if (v === "APPROVE") return { kind: "approved", by: marker.author };
    if (v === "REQUEST_CHANGES" || v === "DISCUSS") return { kind: "changes", by: marker.author, verdict: v, body: marker.body };
  }
  return { kind: "none" };
}

export async function readVerdict(rt: AgentRuntime, pr: number, head: string, author: string): Promise<Verdict> {
  const reviewLogin = rt.config.identities.review?.login;
  const [reviews, comments] = await Promise.all([rt.repo.reviews.list(pr), reviewLogin === undefined ? Promise.resolve([]) : rt.repo.comments.list(pr)]);
  const input = { reviews, comments, head, author, reviewLogin };
  const ignored = untrustedVerdicts(input);
  if (ignored.length > 0) {
    const who = [...new Set(ignored.map((r) => `@${r.author} (${r.state})`))].join(", ");
    rt.log.info(`PR #${pr}: not counting ${who}: not the review identity and not an official reviewer (no write access)`);
  }
  return verdictOf(input);
}
