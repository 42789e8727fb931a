// What the review identity writes on a PR, and in which order. The comment carries the
// `reviewed` marker and the verdict line, so it is written first: if the run dies after it,
// the next run finds it and finishes the formal review from it, without asking the model again.
// The formal review on `commit_id = sha` is the "done" mark every later run checks.
import type { Issue, RepoForge, Review, StatusState } from "../../forge/types.ts";
import { hasStatus } from "../../http/errors.ts";
import { errorMarker, MAX_ERRORS_PER_SHA, openRejections, reviewedMarker } from "./markers.ts";
import { reviewEventOf, type VerdictKind } from "./verdict.ts";

export const STATUS_CONTEXT = "disinto/review";

const short = (sha: string): string => sha.slice(0, 7);

export interface ReviewPost {
  pr: number;
  sha: string;
  /** 1 for a first review. */
  round: number;
  previousSha: string | undefined;
  baseRef: string;
  baseSha: string;
  verdict: VerdictKind;
  reason: string;
  markdown: string;
  followUps: readonly Issue[];
}

export function heading(round: number): string {
  return round <= 1 ? "## AI Review" : `## AI Re-review (round ${round})`;
}

/**
 * The model's markdown may not forge our markers: an HTML comment opener or a line that looks
 * like the verdict line would be read back as ours.
 */
export function neutralise(markdown: string): string {
  return markdown.replace(/<!--/g, "&lt;!--").replace(/^(\s*)\*\*(APPROVE|REQUEST_CHANGES|DISCUSS)\*\*/gm, "$1**\u200b$2**");
}

export function renderComment(p: ReviewPost): string {
  const lines = [heading(p.round), reviewedMarker(p.sha), "", neutralise(p.markdown.trim()), ""];
  if (p.followUps.length > 0) {
    lines.push("### Follow-ups filed", "", ...p.followUps.map((i) => `- #${i.number} ${i.title}`), "");
  }
  lines.push("### Verdict", "", `**${p.verdict}** — ${p.reason}`, "", "---");
  const prev = p.previousSha ? `Previous: \`${short(p.previousSha)}\`` : "Previous: none";
  lines.push(`*Reviewed at \`${short(p.sha)}\` | ${prev} | Base: ${p.baseRef} at \`${short(p.baseSha)}\` | [AGENTS.md](AGENTS.md)*`, "");
  return lines.join("\n");
}

export function renderReviewBody(round: number, verdict: VerdictKind, reason: string): string {
  const what = round <= 1 ? "AI review" : `AI re-review (round ${round})`;
  return `${what}: **${verdict}** — ${reason.trim() || "see the review comment"}`;
}

export function renderErrorComment(sha: string, attempt: number, reason: string): string {
  const last = attempt >= MAX_ERRORS_PER_SHA;
  return [
    "## AI Review — Error",
    errorMarker(sha),
    "",
    `The review of \`${short(sha)}\` failed (attempt ${attempt} of ${MAX_ERRORS_PER_SHA}): the reviewer returned no valid verdict.`,
    "",
    "```text",
    reason.replace(/```/g, "'''").trim() || "(no reason given)",
    "```",
    "",
    last ? "No more attempts on this commit: a new push starts over." : "A later run tries again.",
    "",
  ].join("\n");
}

export function statusOf(verdict: VerdictKind): { state: StatusState; description: string } {
  if (verdict === "APPROVE") return { state: "success", description: "approved" };
  if (verdict === "DISCUSS") return { state: "failure", description: "needs a human decision (DISCUSS)" };
  return { state: "failure", description: "changes requested" };
}

export interface Warn {
  warn(msg: string): void;
}

/**
 * A status is a mirror for branch protection and dashboards; the formal review is the verdict.
 * An identity without write access cannot set one: say so, do not fail the review over it.
 */
export async function setStatus(repo: RepoForge, sha: string, state: StatusState, description: string, log: Warn, targetUrl?: string): Promise<void> {
  try {
    await repo.statuses.create(sha, { state, context: STATUS_CONTEXT, description, ...(targetUrl ? { targetUrl } : {}) });
  } catch (err) {
    if (!hasStatus(err, 403, 404)) throw err;
    log.warn(`cannot set the ${STATUS_CONTEXT} status on ${short(sha)} (${err.status}): give the review identity write access to show the verdict as a status`);
  }
}

/** Dismisses `login`'s earlier REQUEST_CHANGES reviews; returns how many it dismissed. */
export async function dismissRejections(repo: RepoForge, pr: number, reviews: readonly Review[], login: string, log: Warn): Promise<number> {
  let n = 0;
  for (const r of openRejections(reviews, login)) {
    try {
      await repo.reviews.dismiss(pr, r.id, "Superseded by approval");
      n++;
    } catch (err) {
      // Forgejo lets only repo admins dismiss. The approval still supersedes the rejection
      // as this reviewer's official verdict; only the old review's badge stays.
      if (!hasStatus(err, 403, 422)) throw err;
      log.warn(`cannot dismiss review ${r.id} on PR #${pr} (${err.status}); the approval supersedes it anyway`);
    }
  }
  return n;
}

/** The formal review, after dismissing earlier rejections when it approves. */
export async function postFormalReview(
  repo: RepoForge,
  opts: { pr: number; sha: string; round: number; verdict: VerdictKind; reason: string; login: string; log: Warn },
): Promise<{ review: Review; dismissed: number }> {
  let dismissed = 0;
  if (opts.verdict === "APPROVE") dismissed = await dismissRejections(repo, opts.pr, await repo.reviews.list(opts.pr), opts.login, opts.log);
  const review = await repo.reviews.create(opts.pr, { event: reviewEventOf(opts.verdict), body: renderReviewBody(opts.round, opts.verdict, opts.reason), commitId: opts.sha });
  return { review, dismissed };
}
