// zod schemas for the Forgejo/Gitea JSON we read, each transforming straight into our domain
// type. Objects strip unknown fields (servers add fields between versions); fields the
// servers send as null, omit on older versions, or leave empty are normalised here, so the
// rest of the client never sees `null`.
import { z } from "zod";
import type { Branch, BranchProtection, ChangedFile, CombinedStatus, Comment, CommitStatus, DirEntry, FileContent, Issue, Label, Org, PullRequest, Repo, Review, ReviewState, ServerVersion, StatusState, TimelineEvent, User } from "../types.ts";

// Built together on first use, not at import: an agent's start does not pay for ~200 schema
// objects before its first request (the exports below are z.lazy handles to them).
function build() {
  const text = z
    .string()
    .nullish()
    .transform((v) => v ?? "");
  const flag = z
    .boolean()
    .nullish()
    .transform((v) => v ?? false);
  const count = z
    .number()
    .nullish()
    .transform((v) => v ?? 0);
  const date = z.string().transform((v, ctx) => {
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) {
      ctx.addIssue({ code: "custom", message: `invalid timestamp ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return d;
  });
  // Go's zero time ("0001-01-01T00:00:00Z") and null both mean "not set".
  const optionalDate = z
    .string()
    .nullish()
    .transform((v) => {
      if (v === null || v === undefined || v === "" || v.startsWith("0001-")) return undefined;
      const d = new Date(v);
      return Number.isNaN(d.getTime()) ? undefined : d;
    });
  const optionalText = z
    .string()
    .nullish()
    .transform((v) => (v === null || v === undefined || v === "" ? undefined : v));

  const userRef = z.object({ login: z.string() });
  const loginOf = userRef.nullish().transform((u) => u?.login ?? "");
  const logins = z
    .array(userRef)
    .nullish()
    .transform((us) => (us ?? []).map((u) => u.login));

  const rawUser = z.object({
    id: z.number(),
    login: z.string(),
    full_name: text,
    email: text,
    is_admin: flag,
  });
  const userSchema = rawUser.transform(
    (u): User => ({ id: u.id, login: u.login, fullName: u.full_name, email: u.email, isAdmin: u.is_admin }),
  );

  const versionSchema = z.object({ version: z.string() }).transform((v): ServerVersion => {
    const m = /^v?([^+\s]+)\+gitea-(\S+)$/.exec(v.version);
    if (m) return { raw: v.version, flavor: "forgejo", version: m[1] ?? v.version, giteaCompat: m[2] };
    return { raw: v.version, flavor: "gitea", version: v.version.replace(/^v/, ""), giteaCompat: v.version.replace(/^v/, "") };
  });

  const repoSchema = z
    .object({
      id: z.number(),
      owner: userRef,
      name: z.string(),
      full_name: z.string(),
      description: text,
      private: flag,
      empty: flag,
      archived: flag,
      default_branch: text,
      clone_url: text,
      html_url: text,
      permissions: z.object({ admin: flag, push: flag, pull: flag }).nullish(),
    })
    .transform(
      (r): Repo => ({
        id: r.id,
        owner: r.owner.login,
        name: r.name,
        fullName: r.full_name,
        description: r.description,
        private: r.private,
        empty: r.empty,
        archived: r.archived,
        defaultBranch: r.default_branch,
        cloneUrl: r.clone_url,
        htmlUrl: r.html_url,
        permissions: r.permissions ?? undefined,
      }),
    );

  const orgSchema = z
    .object({ id: z.number(), username: z.string().optional(), name: z.string().optional(), full_name: text, visibility: text })
    .transform((o): Org => ({ id: o.id, name: o.username ?? o.name ?? "", fullName: o.full_name, visibility: o.visibility }));

  const labelSchema = z
    .object({
      id: z.number(),
      name: z.string(),
      color: text,
      description: text,
      exclusive: flag,
      is_archived: flag,
    })
    .transform(
      (l): Label => ({
        id: l.id,
        name: l.name,
        color: l.color.replace(/^#/, "").toLowerCase(),
        description: l.description,
        exclusive: l.exclusive,
        isArchived: l.is_archived,
      }),
    );
  const labelNames = z
    .array(z.object({ name: z.string() }))
    .nullish()
    .transform((ls) => (ls ?? []).map((l) => l.name));
  const labelNamesSchema = labelNames;

  const issueSchema = z
    .object({
      id: z.number(),
      number: z.number(),
      title: z.string(),
      body: text,
      state: z.enum(["open", "closed"]),
      user: loginOf,
      labels: labelNames,
      assignees: logins,
      pull_request: z.object({}).nullish(),
      comments: count,
      created_at: date,
      updated_at: date,
      closed_at: optionalDate,
      html_url: text,
    })
    .transform(
      (i): Issue => ({
        id: i.id,
        number: i.number,
        title: i.title,
        body: i.body,
        state: i.state,
        author: i.user,
        labels: i.labels,
        assignees: i.assignees,
        isPull: i.pull_request !== null && i.pull_request !== undefined,
        comments: i.comments,
        createdAt: i.created_at,
        updatedAt: i.updated_at,
        closedAt: i.closed_at,
        htmlUrl: i.html_url,
      }),
    );

  const commentSchema = z
    .object({ id: z.number(), body: text, user: loginOf, created_at: date, updated_at: date, html_url: text })
    .transform(
      (c): Comment => ({ id: c.id, body: c.body, author: c.user, createdAt: c.created_at, updatedAt: c.updated_at, htmlUrl: c.html_url }),
    );

  const timelineSchema = z
    .object({
      id: z.number(),
      type: text,
      body: text,
      user: loginOf,
      created_at: date,
      label: z.object({ name: z.string() }).nullish(),
    })
    .transform(
      (t): TimelineEvent => ({
        id: t.id,
        type: t.type,
        actor: t.user,
        createdAt: t.created_at,
        body: t.body,
        // forgejo.md §4: a label event's body is "1" when added, "" when removed.
        label: t.type === "label" && t.label ? { name: t.label.name, action: t.body === "1" ? "added" : "removed" } : undefined,
      }),
    );

  const prBranch = z
    .object({
      ref: z.string(),
      sha: text,
      repo: z.object({ full_name: z.string() }).nullish(),
    })
    .transform((b) => ({ ref: b.ref, sha: b.sha, repo: b.repo?.full_name }));

  const pullSchema = z
    .object({
      id: z.number(),
      number: z.number(),
      title: z.string(),
      body: text,
      state: z.enum(["open", "closed"]),
      draft: flag,
      user: loginOf,
      labels: labelNames,
      assignees: logins,
      head: prBranch,
      base: prBranch,
      mergeable: flag,
      merged: flag,
      merged_at: optionalDate,
      merge_commit_sha: optionalText,
      html_url: text,
      created_at: date,
      updated_at: date,
    })
    .transform(
      (p): PullRequest => ({
        id: p.id,
        number: p.number,
        title: p.title,
        body: p.body,
        state: p.state,
        draft: p.draft,
        author: p.user,
        labels: p.labels,
        assignees: p.assignees,
        head: p.head,
        base: p.base,
        mergeable: p.mergeable,
        merged: p.merged,
        mergedAt: p.merged_at,
        mergeCommitSha: p.merge_commit_sha,
        htmlUrl: p.html_url,
        createdAt: p.created_at,
        updatedAt: p.updated_at,
      }),
    );

  const changedFileSchema = z
    .object({
      filename: z.string(),
      previous_filename: optionalText,
      status: text,
      additions: count,
      deletions: count,
      changes: count,
    })
    .transform(
      (f): ChangedFile => ({
        filename: f.filename,
        previousFilename: f.previous_filename,
        status: f.status,
        additions: f.additions,
        deletions: f.deletions,
        changes: f.changes,
      }),
    );

  const REVIEW_STATES = new Set<string>(["APPROVED", "REQUEST_CHANGES", "COMMENT", "PENDING", "REQUEST_REVIEW"]);
  const reviewSchema = z
    .object({
      id: z.number(),
      user: loginOf,
      state: text,
      body: text,
      commit_id: text,
      stale: flag,
      official: flag,
      dismissed: flag,
      submitted_at: optionalDate,
    })
    .transform(
      (r): Review => ({
        id: r.id,
        author: r.user,
        state: REVIEW_STATES.has(r.state) ? (r.state as ReviewState) : "UNKNOWN",
        body: r.body,
        commitId: r.commit_id,
        stale: r.stale,
        official: r.official,
        dismissed: r.dismissed,
        submittedAt: r.submitted_at,
      }),
    );

  const statusState = z.enum(["pending", "success", "error", "failure", "warning"]);
  const commitStatusSchema = z
    .object({
      id: z.number(),
      // CommitStatus names the field `status`; some servers/versions also send `state`.
      status: statusState.optional(),
      state: statusState.optional(),
      context: text,
      description: text,
      target_url: text,
      creator: loginOf,
      created_at: date,
    })
    .refine((s) => s.status !== undefined || s.state !== undefined, { message: "commit status has neither `status` nor `state`" })
    .transform(
      (s): CommitStatus => ({
        id: s.id,
        state: (s.status ?? s.state) as StatusState,
        context: s.context,
        description: s.description,
        targetUrl: s.target_url,
        creator: s.creator,
        createdAt: s.created_at,
      }),
    );

  const combinedStatusSchema = z
    .object({
      // "" (or a missing field in the `{}` body) = nothing reported yet (forgejo.md §8).
      state: z.union([statusState, z.literal("")]).optional(),
      sha: text,
      total_count: count,
      statuses: z.array(commitStatusSchema).nullish(),
    })
    .transform(
      (c): CombinedStatus => ({
        state: c.state === undefined || c.state === "" ? "none" : c.state,
        sha: c.sha,
        totalCount: c.total_count,
        statuses: c.statuses ?? [],
      }),
    );

  const contentsSchema = z
    .object({
      path: z.string(),
      sha: z.string(),
      type: z.string(),
      size: count,
      encoding: z.string().nullish(),
      content: z.string().nullish(),
      last_commit_sha: optionalText,
    })
    .transform((c, ctx): FileContent => {
      if (c.type !== "file") {
        ctx.addIssue({ code: "custom", message: `${c.path} is a ${c.type}, not a file`, path: ["type"] });
        return z.NEVER;
      }
      const raw = c.content ?? "";
      const decoded = c.encoding === "base64" ? Buffer.from(raw, "base64").toString("utf8") : raw;
      return { path: c.path, sha: c.sha, text: decoded, size: c.size, lastCommitSha: c.last_commit_sha };
    });

  const dirEntrySchema = z
    .object({ name: z.string(), path: z.string(), type: z.enum(["file", "dir", "symlink", "submodule"]) })
    .transform((e): DirEntry => ({ name: e.name, path: e.path, type: e.type }));
  /** GET contents on a directory answers an array; on a file, one object. */
  const dirListingSchema = z.union([z.array(dirEntrySchema), z.object({ path: z.string(), type: z.string() })]);

  const filesResponseSchema = z.object({
    commit: z.object({ sha: z.string() }).nullish(),
  });

  const fileResponseSchema = z.object({
    content: z.object({ path: z.string(), sha: z.string() }).nullish(),
    commit: z.object({ sha: z.string() }).nullish(),
  });

  const branchSchema = z
    .object({ name: z.string(), commit: z.object({ id: z.string() }), protected: flag })
    .transform((b): Branch => ({ name: b.name, commitSha: b.commit.id, protected: b.protected }));

  const strings = z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? []);
  const protectionSchema = z
    .object({
      rule_name: text,
      branch_name: text,
      enable_push: flag,
      push_whitelist_usernames: strings,
      enable_status_check: flag,
      status_check_contexts: strings,
      required_approvals: count,
      enable_approvals_whitelist: flag,
      approvals_whitelist_username: strings,
      block_on_rejected_reviews: flag,
      block_on_outdated_branch: flag,
      dismiss_stale_approvals: flag,
      protected_file_patterns: text,
      apply_to_admins: flag,
    })
    .transform(
      (p): BranchProtection => ({
        ruleName: p.rule_name || p.branch_name,
        enablePush: p.enable_push,
        pushWhitelistUsernames: p.push_whitelist_usernames,
        enableStatusCheck: p.enable_status_check,
        statusCheckContexts: p.status_check_contexts,
        requiredApprovals: p.required_approvals,
        enableApprovalsWhitelist: p.enable_approvals_whitelist,
        approvalsWhitelistUsernames: p.approvals_whitelist_username,
        blockOnRejectedReviews: p.block_on_rejected_reviews,
        blockOnOutdatedBranch: p.block_on_outdated_branch,
        dismissStaleApprovals: p.dismiss_stale_approvals,
        protectedFilePatterns: p.protected_file_patterns,
        applyToAdmins: p.apply_to_admins,
      }),
    );

  /** For endpoints whose body we do not need (it is still read, and must be JSON or empty). */
  const ignoredBody = z.unknown();

  return { userSchema, versionSchema, repoSchema, orgSchema, labelSchema, labelNamesSchema, issueSchema, commentSchema, timelineSchema, pullSchema, changedFileSchema, reviewSchema, commitStatusSchema, combinedStatusSchema, contentsSchema, dirListingSchema, filesResponseSchema, fileResponseSchema, branchSchema, protectionSchema, ignoredBody };
}

let built: ReturnType<typeof build> | undefined;
const schemas = (): ReturnType<typeof build> => (built ??= build());

export const userSchema = z.lazy(() => schemas().userSchema);
export const versionSchema = z.lazy(() => schemas().versionSchema);
export const repoSchema = z.lazy(() => schemas().repoSchema);
export const orgSchema = z.lazy(() => schemas().orgSchema);
export const labelSchema = z.lazy(() => schemas().labelSchema);
export const labelNamesSchema = z.lazy(() => schemas().labelNamesSchema);
export const issueSchema = z.lazy(() => schemas().issueSchema);
export const commentSchema = z.lazy(() => schemas().commentSchema);
export const timelineSchema = z.lazy(() => schemas().timelineSchema);
export const pullSchema = z.lazy(() => schemas().pullSchema);
export const changedFileSchema = z.lazy(() => schemas().changedFileSchema);
export const reviewSchema = z.lazy(() => schemas().reviewSchema);
export const commitStatusSchema = z.lazy(() => schemas().commitStatusSchema);
export const combinedStatusSchema = z.lazy(() => schemas().combinedStatusSchema);
export const contentsSchema = z.lazy(() => schemas().contentsSchema);
export const dirListingSchema = z.lazy(() => schemas().dirListingSchema);
export const filesResponseSchema = z.lazy(() => schemas().filesResponseSchema);
export const fileResponseSchema = z.lazy(() => schemas().fileResponseSchema);
export const branchSchema = z.lazy(() => schemas().branchSchema);
export const protectionSchema = z.lazy(() => schemas().protectionSchema);
export const ignoredBody = z.lazy(() => schemas().ignoredBody);
