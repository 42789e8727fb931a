// Records → Forgejo v15 JSON shapes (swagger definitions of the same names). Fields the
// sandbox does not model carry Forgejo's zero values, so strict client schemas still parse.
import type { ForgeCore, Level } from "./core.ts";
import { atLeast } from "./core.ts";
import type { UserRec, RepoRec, LabelRec, IssueRec, PullRec, CommentRec, ReviewRec, StatusRec, ProtectionRec, ReviewCommentRec } from "./store.ts";
import type { CommitInfo } from "./git.ts";

const ZERO_TIME = "0001-01-01T00:00:00Z";

export class Convert {
  private readonly core: ForgeCore;
  constructor(core: ForgeCore) {
    this.core = core;
  }

  private get base(): string {
    return this.core.baseUrl;
  }

  private api(path: string): string {
    return `${this.base}/api/v1${path}`;
  }

  repoApi(r: RepoRec, rest = ""): string {
    return this.api(`/repos/${r.owner}/${r.name}${rest}`);
  }

  repoHtml(r: RepoRec, rest = ""): string {
    return `${this.base}/${r.owner}/${r.name}${rest}`;
  }

  user(u: UserRec | undefined | null): Record<string, unknown> | null {
    if (!u) return null;
    return {
      id: u.id,
      login: u.login,
      login_name: "",
      source_id: 0,
      full_name: u.fullName,
      email: u.email,
      avatar_url: `${this.base}/avatars/${u.login.toLowerCase()}`,
      html_url: `${this.base}/${u.login}`,
      language: "",
      is_admin: u.isAdmin,
      last_login: ZERO_TIME,
      created: u.created,
      restricted: false,
      active: true,
      prohibit_login: false,
      location: "",
      pronouns: "",
      website: "",
      description: u.description,
      visibility: "public",
      followers_count: 0,
      following_count: 0,
      starred_repos_count: 0,
    };
  }

  userByLogin(login: string | null | undefined): Record<string, unknown> | null {
    return login ? this.user(this.core.user(login)) : null;
  }

  org(u: UserRec): Record<string, unknown> {
    return {
      id: u.id,
      name: u.login,
      username: u.login,
      full_name: u.fullName,
      email: u.email,
      avatar_url: `${this.base}/avatars/${u.login.toLowerCase()}`,
      description: u.description,
      website: "",
      location: "",
      visibility: "public",
      repo_admin_change_team_access: false,
    };
  }

  async repo(r: RepoRec, level: Level): Promise<Record<string, unknown>> {
    const empty = !(await this.core.git(r).hasBranches());
    const s = this.core.s;
    return {
      id: r.id,
      owner: this.userByLogin(r.owner),
      name: r.name,
      full_name: `${r.owner}/${r.name}`,
      description: r.description,
      empty,
      private: r.private,
      fork: false,
      template: false,
      parent: null,
      mirror: false,
      size: 0,
      language: "",
      languages_url: this.repoApi(r, "/languages"),
      html_url: this.repoHtml(r),
      url: this.repoApi(r),
      link: "",
      ssh_url: "",
      clone_url: `${this.repoHtml(r)}.git`,
      original_url: "",
      website: "",
      stars_count: 0,
      forks_count: 0,
      watchers_count: 0,
      open_issues_count: s.issues.filter((i) => i.repoId === r.id && !i.isPull && i.state === "open").length,
      open_pr_counter: s.issues.filter((i) => i.repoId === r.id && i.isPull && i.state === "open").length,
      release_counter: 0,
      default_branch: r.defaultBranch,
      archived: false,
      created_at: r.created,
      updated_at: r.updated,
      archived_at: "1970-01-01T00:00:00Z",
      permissions: { admin: atLeast(level, "admin"), push: atLeast(level, "write"), pull: atLeast(level, "read") },
      has_issues: true,
      internal_tracker: { enable_time_tracker: false, allow_only_contributors_to_track_time: true, enable_issue_dependencies: true },
      has_wiki: false,
      wiki_branch: "",
      globally_editable_wiki: false,
      has_pull_requests: true,
      has_projects: false,
      has_releases: false,
      has_packages: false,
      has_actions: false,
      ignore_whitespace_conflicts: false,
      allow_merge_commits: true,
      // The sandbox merges with merge-tree + commit-tree; rebase styles are not offered,
      // and saying so here keeps clients that read the settings honest.
      allow_rebase: false,
      allow_rebase_explicit: false,
      allow_squash_merge: true,
      allow_fast_forward_only_merge: true,
      allow_rebase_update: false,
      default_delete_branch_after_merge: false,
      default_merge_style: "merge",
      default_update_style: "merge",
      default_allow_maintainer_edit: false,
      avatar_url: "",
      internal: false,
      mirror_interval: "",
      object_format_name: "sha1",
      mirror_updated: ZERO_TIME,
      repo_transfer: null,
      topics: null,
    };
  }

  repoMeta(r: RepoRec): Record<string, unknown> {
    return { id: r.id, name: r.name, owner: r.owner, full_name: `${r.owner}/${r.name}` };
  }

  label(l: LabelRec): Record<string, unknown> {
    const r = this.core.repoById(l.repoId);
    return { id: l.id, name: l.name, exclusive: l.exclusive, is_archived: l.isArchived, color: l.color, description: l.description, url: r ? this.repoApi(r, `/labels/${l.id}`) : "" };
  }

  labelsOf(issue: IssueRec): Record<string, unknown>[] {
    return issue.labelIds.map((id) => this.core.s.labels.find((l) => l.id === id)).filter((l): l is LabelRec => l !== undefined).map((l) => this.label(l));
  }

  private assignees(issue: IssueRec): { assignee: unknown; assignees: unknown } {
    // Forgejo leaves both null when nobody is assigned.
    if (issue.assignees.length === 0) return { assignee: null, assignees: null };
    const users = issue.assignees.map((a) => this.userByLogin(a));
    return { assignee: users[0] ?? null, assignees: users };
  }

  private commentCount(issue: IssueRec): number {
    return this.core.s.comments.filter((c) => c.issueId === issue.id && c.type === "comment").length;
  }

  issue(issue: IssueRec): Record<string, unknown> {
    const r = this.core.repoById(issue.repoId) as RepoRec;
    const pr = issue.isPull ? this.core.pullOf(issue) : undefined;
    const kind = issue.isPull ? "pulls" : "issues";
    return {
      id: issue.id,
      url: this.repoApi(r, `/issues/${issue.index}`),
      html_url: this.repoHtml(r, `/${kind}/${issue.index}`),
      number: issue.index,
      user: this.userByLogin(issue.poster),
      original_author: "",
      original_author_id: 0,
      title: issue.title,
      body: issue.body,
      ref: issue.ref,
      assets: [],
      labels: this.labelsOf(issue),
      milestone: null,
      ...this.assignees(issue),
      state: issue.state,
      is_locked: false,
      comments: this.commentCount(issue),
      created_at: issue.created,
      updated_at: issue.updated,
      closed_at: issue.closed,
      due_date: null,
      pull_request: pr ? { merged: pr.merged, merged_at: pr.mergedAt, draft: isDraft(issue.title), html_url: this.repoHtml(r, `/pulls/${issue.index}`) } : null,
      repository: this.repoMeta(r),
      pin_order: 0,
    };
  }

  comment(c: CommentRec): Record<string, unknown> {
    const issue = this.core.s.issues.find((i) => i.id === c.issueId) as IssueRec;
    const r = this.core.repoById(issue.repoId) as RepoRec;
    const kind = issue.isPull ? "pulls" : "issues";
    return {
      id: c.id,
      html_url: this.repoHtml(r, `/${kind}/${issue.index}#issuecomment-${c.id}`),
      pull_request_url: issue.isPull ? this.repoHtml(r, `/pulls/${issue.index}`) : "",
      issue_url: issue.isPull ? "" : this.repoHtml(r, `/issues/${issue.index}`),
      user: this.userByLogin(c.user),
      original_author: "",
      original_author_id: 0,
      body: c.body,
      assets: [],
      created_at: c.created,
      updated_at: c.updated,
    };
  }

  timeline(c: CommentRec): Record<string, unknown> {
    const base = this.comment(c);
    const label = c.labelId !== undefined ? this.core.s.labels.find((l) => l.id === c.labelId) : undefined;
    return {
      id: c.id,
      type: c.type,
      body: c.body,
      user: base.user,
      created_at: c.created,
      updated_at: c.updated,
      html_url: base.html_url,
      issue_url: base.issue_url,
      pull_request_url: base.pull_request_url,
      label: label ? this.label(label) : null,
      milestone: null,
      old_milestone: null,
      assignee: c.assignee ? this.userByLogin(c.assignee) : null,
      assignee_team: null,
      removed_assignee: c.removedAssignee ?? false,
      new_title: c.newTitle ?? "",
      old_title: c.oldTitle ?? "",
      new_ref: "",
      old_ref: c.oldRef ?? "",
      ref_action: "",
      ref_commit_sha: "",
      ref_issue: null,
      ref_comment: null,
      review_id: c.reviewId ?? 0,
      dependent_issue: null,
      tracked_time: null,
      resolve_doer: null,
      project_id: 0,
      old_project_id: 0,
    };
  }

  async pull(issue: IssueRec, pr: PullRec, viewer: Level): Promise<Record<string, unknown>> {
    const r = this.core.repoById(issue.repoId) as RepoRec;
    const git = this.core.git(r);
    const repoJson = await this.repo(r, viewer);
    const baseSha = (await git.branchSha(pr.baseBranch)) ?? "";
    const headSha = pr.merged ? pr.headSha : ((await git.branchSha(pr.headBranch)) ?? pr.headSha);
    let additions = 0;
    let deletions = 0;
    let changed = 0;
    const from = pr.merged ? pr.mergeBase : baseSha && headSha ? ((await git.mergeBase(baseSha, headSha)) ?? pr.mergeBase) : pr.mergeBase;
    if (from && headSha) {
      const files = await git.changedFiles(from, headSha);
      changed = files.length;
      for (const f of files) {
        additions += f.additions;
        deletions += f.deletions;
      }
    }
    const mergeable = !pr.merged && issue.state === "open" && baseSha !== "" && headSha !== "" ? await this.core.isMergeable(r, baseSha, headSha) : false;
    const reviewComments = this.core.s.reviews.filter((v) => v.issueId === issue.id).reduce((n, v) => n + v.comments.length, 0);
    return {
      id: pr.id,
      url: this.repoHtml(r, `/pulls/${issue.index}`),
      number: issue.index,
      user: this.userByLogin(issue.poster),
      title: issue.title,
      body: issue.body,
      labels: this.labelsOf(issue),
      milestone: null,
      ...this.assignees(issue),
      requested_reviewers: [],
      requested_reviewers_teams: [],
      state: issue.state,
      draft: isDraft(issue.title),
      is_locked: false,
      comments: this.commentCount(issue),
      review_comments: reviewComments,
      additions,
      deletions,
      changed_files: changed,
      html_url: this.repoHtml(r, `/pulls/${issue.index}`),
      diff_url: this.repoHtml(r, `/pulls/${issue.index}.diff`),
      patch_url: this.repoHtml(r, `/pulls/${issue.index}.patch`),
      mergeable,
      merged: pr.merged,
      merged_at: pr.mergedAt,
      merge_commit_sha: pr.mergeCommitSha,
      merged_by: this.userByLogin(pr.mergedBy),
      allow_maintainer_edit: false,
      base: { label: pr.baseBranch, ref: pr.baseBranch, sha: baseSha, repo_id: r.id, repo: repoJson },
      head: { label: pr.headBranch, ref: pr.headBranch, sha: headSha, repo_id: r.id, repo: repoJson },
      merge_base: from,
      due_date: null,
      created_at: issue.created,
      updated_at: issue.updated,
      closed_at: issue.closed,
      pin_order: 0,
      flow: 0,
    };
  }

  review(v: ReviewRec, issue: IssueRec, headSha: string): Record<string, unknown> {
    const r = this.core.repoById(issue.repoId) as RepoRec;
    return {
      id: v.id,
      user: this.userByLogin(v.user),
      team: null,
      state: v.state,
      body: v.body,
      commit_id: v.commitId,
      stale: v.commitId !== headSha,
      official: v.official,
      dismissed: v.dismissed,
      comments_count: v.comments.length,
      submitted_at: v.submitted,
      updated_at: v.updated,
      html_url: this.repoHtml(r, `/pulls/${issue.index}#issuecomment-${v.id}`),
      pull_request_url: this.repoHtml(r, `/pulls/${issue.index}`),
    };
  }

  reviewComment(c: ReviewCommentRec, v: ReviewRec, issue: IssueRec): Record<string, unknown> {
    const r = this.core.repoById(issue.repoId) as RepoRec;
    return {
      id: c.id,
      body: c.body,
      user: this.userByLogin(v.user),
      resolver: null,
      pull_request_review_id: v.id,
      created_at: c.created,
      updated_at: c.created,
      path: c.path,
      commit_id: v.commitId,
      original_commit_id: v.commitId,
      diff_hunk: "",
      position: c.newPosition,
      original_position: c.oldPosition,
      html_url: this.repoHtml(r, `/pulls/${issue.index}#issuecomment-${c.id}`),
      pull_request_url: this.repoHtml(r, `/pulls/${issue.index}`),
    };
  }

  status(st: StatusRec): Record<string, unknown> {
    const r = this.core.repoById(st.repoId) as RepoRec;
    return {
      id: st.id,
      status: st.state,
      target_url: st.targetUrl,
      description: st.description,
      url: this.repoApi(r, `/statuses/${st.sha}`),
      context: st.context,
      creator: this.userByLogin(st.creator),
      created_at: st.created,
      updated_at: st.created,
    };
  }

  protection(p: ProtectionRec): Record<string, unknown> {
    return {
      branch_name: p.ruleName,
      rule_name: p.ruleName,
      enable_push: p.enablePush,
      enable_push_whitelist: p.enablePushWhitelist,
      push_whitelist_usernames: p.pushWhitelistUsernames,
      push_whitelist_teams: [],
      push_whitelist_deploy_keys: false,
      enable_merge_whitelist: p.enableMergeWhitelist,
      merge_whitelist_usernames: p.mergeWhitelistUsernames,
      merge_whitelist_teams: [],
      enable_status_check: p.enableStatusCheck,
      status_check_contexts: p.statusCheckContexts,
      required_approvals: p.requiredApprovals,
      enable_approvals_whitelist: p.enableApprovalsWhitelist,
      approvals_whitelist_username: p.approvalsWhitelistUsernames,
      approvals_whitelist_teams: [],
      block_on_rejected_reviews: p.blockOnRejectedReviews,
      block_on_official_review_requests: false,
      block_on_outdated_branch: p.blockOnOutdatedBranch,
      dismiss_stale_approvals: p.dismissStaleApprovals,
      ignore_stale_approvals: p.ignoreStaleApprovals,
      require_signed_commits: false,
      protected_file_patterns: p.protectedFilePatterns,
      unprotected_file_patterns: p.unprotectedFilePatterns,
      apply_to_admins: p.applyToAdmins,
      created_at: p.created,
      updated_at: p.updated,
    };
  }

  payloadCommit(r: RepoRec, c: CommitInfo): Record<string, unknown> {
    const who = (p: CommitInfo["author"]) => ({ name: p.name, email: p.email, username: this.core.s.users.find((u) => u.email === p.email)?.login ?? "" });
    return {
      id: c.sha,
      message: c.message.endsWith("\n") ? c.message : `${c.message}\n`,
      url: this.repoHtml(r, `/commit/${c.sha}`),
      author: who(c.author),
      committer: who(c.committer),
      verification: unsigned(),
      timestamp: c.committer.date,
      added: null,
      removed: null,
      modified: null,
    };
  }

  fileCommit(r: RepoRec, c: CommitInfo): Record<string, unknown> {
    return {
      url: this.repoApi(r, `/git/commits/${c.sha}`),
      html_url: this.repoHtml(r, `/commit/${c.sha}`),
      sha: c.sha,
      created: c.committer.date,
      author: { name: c.author.name, email: c.author.email, date: c.author.date },
      committer: { name: c.committer.name, email: c.committer.email, date: c.committer.date },
      parents: c.parents.map((p) => ({ url: this.repoApi(r, `/git/commits/${p}`), sha: p, created: c.committer.date })),
      message: c.message.endsWith("\n") ? c.message : `${c.message}\n`,
      tree: { url: this.repoApi(r, `/git/trees/${c.tree}`), sha: c.tree, created: c.committer.date },
    };
  }
}

export function unsigned(): Record<string, unknown> {
  return { verified: false, reason: "gpg.error.not_signed_commit", signature: "", signer: null, payload: "" };
}

/** Forgejo's default WIP prefixes mark a PR as draft (and unmergeable). */
export function isDraft(title: string): boolean {
  return /^\s*(WIP:|\[WIP\])/i.test(title);
}
