// Merging a PR the way Forgejo does: protection checks (merge whitelist, approvals, rejected
// reviews, required status checks, outdated branch), then a real commit on the base branch
// built with merge-tree + commit-tree and moved with a compare-and-swap update-ref.
import type { ForgeCore } from "./core.ts";
import type { IssueRec, PullRec, RepoRec, ReviewRec, UserRec } from "./store.ts";
import { atLeast, now } from "./core.ts";
import { ApiError, notFound } from "./http.ts";
import { globMatch } from "./glob.ts";
import { isDraft } from "./convert.ts";
import { ZERO_SHA } from "./git.ts";

export type MergeStyle = "merge" | "rebase" | "rebase-merge" | "squash" | "fast-forward-only" | "manually-merged";

export interface MergeRequest {
  style: MergeStyle;
  title?: string | undefined;
  message?: string | undefined;
  headCommitId?: string | undefined;
  deleteBranchAfterMerge?: boolean | undefined;
  forceMerge?: boolean | undefined;
}

/** The latest submitted review of each reviewer (Forgejo counts only those). */
export function latestReviews(core: ForgeCore, issue: IssueRec): ReviewRec[] {
  const latest = new Map<string, ReviewRec>();
  for (const v of core.s.reviews.filter((x) => x.issueId === issue.id && x.state !== "PENDING" && x.state !== "COMMENT")) latest.set(v.user.toLowerCase(), v);
  return [...latest.values()];
}

/** Why branch protection refuses the merge, or undefined when it allows it. */
export async function protectionBlocks(core: ForgeCore, repo: RepoRec, issue: IssueRec, pr: PullRec, headSha: string, baseSha: string): Promise<string | undefined> {
  const p = core.protection(repo, pr.baseBranch);
  if (!p) return undefined;
  const reviews = latestReviews(core, issue).filter((v) => v.official && !v.dismissed);
  if (p.requiredApprovals > 0) {
    const approvals = reviews.filter((v) => v.state === "APPROVED")
      .filter((v) => !(p.dismissStaleApprovals || p.ignoreStaleApprovals) || v.commitId === headSha)
      .filter((v) => !p.enableApprovalsWhitelist || p.approvalsWhitelistUsernames.some((u) => u.toLowerCase() === v.user.toLowerCase()));
    if (approvals.length < p.requiredApprovals) return "Does not have enough approvals";
  }
  if (p.blockOnRejectedReviews && reviews.some((v) => v.state === "REQUEST_CHANGES")) return "There are requested changes";
  if (p.blockOnOutdatedBranch && !(await core.git(repo).isAncestor(baseSha, headSha))) return "The head branch is behind the base branch";
  if (p.enableStatusCheck && p.statusCheckContexts.length > 0) {
    const latest = new Map<string, string>();
    for (const st of core.s.statuses.filter((x) => x.repoId === repo.id && x.sha === headSha)) latest.set(st.context, st.state);
    for (const pattern of p.statusCheckContexts) {
      const matching = [...latest.entries()].filter(([ctx]) => globMatch(pattern, ctx));
      if (matching.length === 0 || matching.some(([, st]) => st !== "success" && st !== "warning")) return "Not all required status checks successful";
    }
  }
  return undefined;
}

export async function mergePull(core: ForgeCore, repo: RepoRec, issue: IssueRec, pr: PullRec, user: UserRec, req: MergeRequest): Promise<void> {
  if (pr.merged) throw new ApiError(405, "The PR is already merged");
  if (issue.state !== "open") throw notFound();
  if (!core.canMerge(user, repo, pr.baseBranch)) throw new ApiError(405, "User not allowed to merge PR");
  if (isDraft(issue.title)) throw new ApiError(405, "Work in progress PRs cannot be merged");
  if (req.style === "rebase" || req.style === "rebase-merge" || req.style === "manually-merged") {
    throw new ApiError(405, `merge style "${req.style}" is not allowed in this repository`);
  }
  const git = core.git(repo);
  await core.repoLocks.run(String(repo.id), async () => {
    const baseSha = await git.branchSha(pr.baseBranch);
    const headSha = await git.branchSha(pr.headBranch);
    if (!baseSha || !headSha) throw new ApiError(405, "not in mergeable state: head or base branch is missing");
    if (req.headCommitId && req.headCommitId !== headSha) throw new ApiError(409, "head out of date");
    const bypass = req.forceMerge === true && atLeast(core.level(user, repo), "admin") && !(core.protection(repo, pr.baseBranch)?.applyToAdmins ?? false);
    if (!bypass) {
      const why = await protectionBlocks(core, repo, issue, pr, headSha, baseSha);
      if (why) throw new ApiError(405, why);
    }
    const who = { name: user.fullName || user.login, email: user.email };
    let next: string;
    if (req.style === "fast-forward-only") {
      if (!(await git.isAncestor(baseSha, headSha))) throw new ApiError(409, "merge conflict: the base branch is not an ancestor of the head");
      next = headSha;
    } else {
      const tree = await git.mergeTree(baseSha, headSha);
      if (!tree) throw new ApiError(409, "Merge conflict: the pull request cannot be merged automatically");
      if (req.style === "squash") {
        const poster = core.user(issue.poster) ?? user;
        const title = req.title || `${issue.title} (#${issue.index})`;
        next = await git.commitTree(tree, [baseSha], `${title}\n\n${req.message ?? issue.body}`.trimEnd(), { name: poster.fullName || poster.login, email: poster.email }, who);
      } else {
        const title = req.title || `Merge pull request '${issue.title}' (#${issue.index}) from ${pr.headBranch} into ${pr.baseBranch}`;
        next = await git.commitTree(tree, [baseSha, headSha], `${title}\n\n${req.message ?? ""}`.trimEnd(), who, who);
      }
    }
    if (!(await git.updateRef(`refs/heads/${pr.baseBranch}`, next, baseSha))) throw new ApiError(409, "push out of date: the base branch moved during the merge");
    const ts = now();
    pr.merged = true;
    pr.mergedAt = ts;
    pr.mergedBy = user.login;
    pr.mergeCommitSha = next;
    pr.headSha = headSha;
    pr.mergeBase = (await git.mergeBase(baseSha, headSha)) ?? pr.mergeBase;
    issue.state = "closed";
    issue.closed = ts;
    issue.updated = ts;
    core.addComment(issue, { type: "merge_pull", user: user.login, body: next, created: ts });
    if (pr.baseBranch === repo.defaultBranch) closeReferencedIssues(core, repo, issue, user);
    await core.refsChanged(repo, [{ ref: `refs/heads/${pr.baseBranch}`, before: baseSha, after: next }], user);
    core.emitPull(repo, issue, pr, "closed", user, next);
  });
  if (req.deleteBranchAfterMerge) {
    // Forgejo merges first and refuses the deletion afterwards (403) for protected heads.
    if (pr.headBranch === repo.defaultBranch || core.protection(repo, pr.headBranch)) throw new ApiError(403, "the head branch is the default branch or protected and cannot be deleted");
    const sha = await git.branchSha(pr.headBranch);
    if (sha && (await git.deleteRef(`refs/heads/${pr.headBranch}`, sha))) {
      core.addComment(issue, { type: "delete_branch", user: user.login, body: "", oldRef: pr.headBranch });
      await core.refsChanged(repo, [{ ref: `refs/heads/${pr.headBranch}`, before: sha, after: ZERO_SHA }], user);
    }
  }
  await core.store.save();
}

const CLOSING = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b/gi;

/** "Fixes #12", "closes #3", "Resolved #7" in the PR body close those issues on merge. */
export function closeReferencedIssues(core: ForgeCore, repo: RepoRec, pull: IssueRec, user: UserRec): void {
  for (const m of pull.body.matchAll(CLOSING)) {
    const target = core.issue(repo, Number(m[1]));
    if (target && target.id !== pull.id && target.state === "open") core.setState(target, "closed", user);
  }
}

/** POST /pulls/{index}/update: merge the base into the head branch. */
export async function updatePullBranch(core: ForgeCore, repo: RepoRec, issue: IssueRec, pr: PullRec, user: UserRec, style: string): Promise<void> {
  if (pr.merged || issue.state !== "open") throw new ApiError(422, "pull request is merged or closed");
  if (style === "rebase") throw new ApiError(403, "Update branch by rebase is not allowed in this repository");
  if (!core.canPush(user, repo, pr.headBranch)) throw new ApiError(403, "user is not allowed to update the head branch");
  const git = core.git(repo);
  await core.repoLocks.run(String(repo.id), async () => {
    const baseSha = await git.branchSha(pr.baseBranch);
    const headSha = await git.branchSha(pr.headBranch);
    if (!baseSha || !headSha) throw notFound();
    if (await git.isAncestor(baseSha, headSha)) return;
    const tree = await git.mergeTree(headSha, baseSha);
    if (!tree) throw new ApiError(409, "Merge conflict: cannot update the head branch");
    const who = { name: user.fullName || user.login, email: user.email };
    const next = await git.commitTree(tree, [headSha, baseSha], `Merge branch '${pr.baseBranch}' into ${pr.headBranch}`, who, who);
    if (!(await git.updateRef(`refs/heads/${pr.headBranch}`, next, headSha))) throw new ApiError(409, "the head branch moved during the update");
    await core.refsChanged(repo, [{ ref: `refs/heads/${pr.headBranch}`, before: headSha, after: next }], user);
  });
}
