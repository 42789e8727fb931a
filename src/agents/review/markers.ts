// The forge-side vocabulary the review agent writes and reads back (disinto-behaviour §4.1):
// `<!-- reviewed: <sha> -->` on its review comment, `<!-- review-error: <sha> -->` on an error
// comment, and the verdict line `**APPROVE**`. Only comments by the review identity count: a
// marker pasted by anyone else neither blocks nor fakes a review.
import type { Comment, Review } from "../../forge/types.ts";
import { VERDICTS, type VerdictKind } from "./verdict.ts";

export const reviewedMarker = (sha: string): string => `<!-- reviewed: ${sha} -->`;
export const errorMarker = (sha: string): string => `<!-- review-error: ${sha} -->`;

const REVIEWED = /<!-- reviewed: ([0-9a-f]{7,64}) -->/;
const ERROR = /<!-- review-error: ([0-9a-f]{7,64}) -->/g;
const VERDICT_LINE = new RegExp(String.raw`^\*\*(${VERDICTS.join("|")})\*\*(?: — (.*))?$`, "m");

/** Attempts after which a head SHA is left alone until the next push. */
export const MAX_ERRORS_PER_SHA = 3;

const sameLogin = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export interface ReviewComment {
  comment: Comment;
  sha: string;
}

/** The review identity's review comments, oldest first. */
export function reviewComments(comments: readonly Comment[], login: string): ReviewComment[] {
  const out: ReviewComment[] = [];
  for (const c of comments) {
    if (!sameLogin(c.author, login)) continue;
    const m = REVIEWED.exec(c.body);
    if (m) out.push({ comment: c, sha: m[1]! });
  }
  return out.sort((a, b) => a.comment.createdAt.getTime() - b.comment.createdAt.getTime() || a.comment.id - b.comment.id);
}

/** How many error comments the review identity left for `sha`. */
export function errorCount(comments: readonly Comment[], login: string, sha: string): number {
  let n = 0;
  for (const c of comments) {
    if (!sameLogin(c.author, login)) continue;
    for (const m of c.body.matchAll(ERROR)) if (m[1] === sha) n++;
  }
  return n;
}

/** The verdict a review comment states, to finish a review whose formal part was never posted. */
export function verdictOfComment(body: string): { verdict: VerdictKind; reason: string } | undefined {
  const m = VERDICT_LINE.exec(body);
  if (!m) return undefined;
  return { verdict: m[1] as VerdictKind, reason: (m[2] ?? "").trim() };
}

/** A formal verdict (not a plain comment, not dismissed) by `login` on `sha`. */
export function hasFormalReview(reviews: readonly Review[], login: string, sha: string): boolean {
  return reviews.some((r) => sameLogin(r.author, login) && r.commitId === sha && (r.state === "APPROVED" || r.state === "REQUEST_CHANGES"));
}

/** `login`'s REQUEST_CHANGES reviews still in force: an approval supersedes them. */
export function openRejections(reviews: readonly Review[], login: string): Review[] {
  return reviews.filter((r) => sameLogin(r.author, login) && r.state === "REQUEST_CHANGES" && !r.dismissed);
}
