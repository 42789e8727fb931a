// The review verdict on a PR's head commit: the latest formal review (APPROVED or
// REQUEST_CHANGES) on that exact commit that is neither stale nor dismissed, by anyone but
// the PR's author; else the review agent's marker comment `<!-- reviewed: <sha> -->` with its
// verdict line (§2.3 `pr_poll_review`). Reviews of an older head never count.
import type { Comment, Review } from "../../forge/types.ts";
import type { AgentRuntime } from "../runtime.ts";
import { sameLogin } from "./lifecycle.ts";

export type Verdict =
  | { kind: "none" }
  | { kind: "approved"; by: string }
  | { kind: "changes"; by: string; verdict: string; body: string };

const REVIEWED = /<!-- reviewed: ([0-9a-f]{7,64}) -->/;
const VERDICT_LINE = /^\*\*(APPROVE|REQUEST_CHANGES|DISCUSS)\*\*/m;

export function verdictOf(input: { reviews: readonly Review[]; comments: readonly Comment[]; head: string; author: string; reviewLogin: string | undefined }): Verdict {
  const { head } = input;
  const formal = input.reviews
    .filter((r) => r.commitId === head && !r.stale && !r.dismissed && (r.state === "APPROVED" || r.state === "REQUEST_CHANGES") && !sameLogin(r.author, input.author))
    .sort((a, b) => (a.submittedAt?.getTime() ?? 0) - (b.submittedAt?.getTime() ?? 0) || a.id - b.id)
    .at(-1);
  const marker = input.comments
    .filter((c) => input.reviewLogin !== undefined && sameLogin(c.author, input.reviewLogin) && REVIEWED.exec(c.body)?.[1] === head && !/review-error/i.test(c.body))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id)
    .at(-1);
  if (formal !== undefined) {
    if (formal.state === "APPROVED") return { kind: "approved", by: formal.author };
    const extra = marker !== undefined && sameLogin(marker.author, formal.author) && marker.body.trim() !== formal.body.trim() ? `\n\n${marker.body}` : "";
    return { kind: "changes", by: formal.author, verdict: "REQUEST_CHANGES", body: `${formal.body}${extra}` };
  }
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
  return verdictOf({ reviews, comments, head, author, reviewLogin });
}
