// Approval is a forge fact the dispatcher checks, never a file or a label it trusts (DESIGN §11):
// the PR from `vault/<id>` that added the action was merged; it carries an APPROVED review, not
// dismissed, on the PR's final head SHA, by an admin of the ops repo who is none of the
// project's disinto identities; and the file on main is the file that was approved.
import type { RepoForge, PullRequest, Review } from "../forge/types.ts";
import { errorMessage } from "../lib/errors.ts";
import { actionPath, requestBranch } from "./action.ts";

export type Approval = { ok: true; pr: number; approvedBy: string; headSha: string } | { ok: false; final: boolean; reason: string; pr?: number };

/** Thrown when the dispatcher's identity may not read the approvers' permissions. */
export class ApprovalCheckError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ApprovalCheckError";
  }
}

const ADMIN = new Set(["admin", "owner"]);

/** Why each approval does not count, or the approver whose does. */
export async function judgeReviews(ops: RepoForge, pr: PullRequest, reviews: readonly Review[], identities: readonly string[]): Promise<{ approver?: string; refused: string[] }> {
  const bots = new Set(identities.map((l) => l.toLowerCase()));
  const refused: string[] = [];
  for (const r of reviews) {
    if (r.state !== "APPROVED") continue;
    if (r.dismissed) {
      refused.push(`${r.author}'s approval was dismissed`);
      continue;
    }
    if (r.commitId !== pr.head.sha) {
      refused.push(`${r.author} approved ${r.commitId.slice(0, 10)}, an older head than the PR's final ${pr.head.sha.slice(0, 10)}`);
      continue;
    }
    if (bots.has(r.author.toLowerCase())) {
      refused.push(`${r.author} is a disinto identity`);
      continue;
    }
    let level: string;
    try {
      level = await ops.collaborators.permission(r.author);
    } catch (err) {
      throw new ApprovalCheckError(
        `cannot read ${r.author}'s permission on ${ops.ref.owner}/${ops.ref.name} (${errorMessage(err)}): the vault identity must be an admin of the ops repo to check approvals`,
        { cause: err },
      );
    }
    if (!ADMIN.has(level)) {
      refused.push(`${r.author} is not an admin of ${ops.ref.owner}/${ops.ref.name} (${level})`);
      continue;
    }
    return { approver: r.author, refused };
  }
  return { refused };
}

/**
 * Whether the action `id`, whose text on main is `onMain`, was approved. `final: false` means
 * "not yet" (the PR is still open): no result is written and a later run looks again.
 */
export async function verifyApproval(ops: RepoForge, id: string, onMain: string, identities: readonly string[]): Promise<Approval> {
  const pr = await ops.pulls.findByHead(requestBranch(id), { state: "all" });
  if (pr === undefined) return { ok: false, final: true, reason: `no pull request from ${requestBranch(id)} added ${actionPath(id)}: an action reaches main only through an approved request` };
  if (!pr.merged) {
    if (pr.state === "open") return { ok: false, final: false, reason: `PR #${pr.number} is still open`, pr: pr.number };
    return { ok: false, final: true, reason: `PR #${pr.number} was closed without merging`, pr: pr.number };
  }
  const files = await ops.pulls.files(pr.number);
  if (!files.some((f) => f.filename === actionPath(id) && f.status === "added")) return { ok: false, final: true, reason: `PR #${pr.number} did not add ${actionPath(id)}`, pr: pr.number };
  const { approver, refused } = await judgeReviews(ops, pr, await ops.reviews.list(pr.number), identities);
  if (approver === undefined) {
    return { ok: false, final: true, reason: `PR #${pr.number} has no approval by an admin of the ops repo on its final head${refused.length > 0 ? `: ${refused.join("; ")}` : " (no approving review)"}`, pr: pr.number };
  }
  const approved = await ops.contents.get(actionPath(id), { ref: pr.head.sha });
  if (approved === undefined || approved.text !== onMain) return { ok: false, final: true, reason: `${actionPath(id)} on main differs from the file approved in PR #${pr.number}: it was edited after the approval`, pr: pr.number };
  return { ok: true, pr: pr.number, approvedBy: approver, headSha: pr.head.sha };
}
