// The forge as the agents see it: our own camelCase domain types and one interface, grouped
// by noun. The Forgejo/Gitea implementation lives in ./forgejo/; agents never see raw API JSON.
//
// Conventions:
// * Issues and PRs are addressed by their per-repo `number`, never by the global `id`.
// * Labels are addressed by NAME. The client resolves names to ids (older servers accept ids
//   only, and every server silently ignores unknown names), and throws `UnknownLabelError`
//   for a name it cannot resolve instead of letting the server drop it.
// * `get…` returns `undefined` on 404; every other failure throws.
// * Lists return all pages unless `page` is given.
import type { RequestStats } from "../http/counter.ts";

export interface RepoRef {
  owner: string;
  name: string;
}

export interface User {
  id: number;
  login: string;
  fullName: string;
  email: string;
  isAdmin: boolean;
}

export interface ServerVersion {
  /** As the server reports it, e.g. `15.0.3+gitea-1.22.0`. */
  raw: string;
  /** Forgejo reports `<forgejo>+gitea-<compat>`; plain Gitea reports its own version. */
  flavor: "forgejo" | "gitea";
  /** Forgejo or Gitea version, without the compatibility suffix. */
  version: string;
  /** Gitea API level: the suffix on Forgejo, the version itself on Gitea. */
  giteaCompat: string | undefined;
}

export interface Repo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  description: string;
  private: boolean;
  /** True until the repo has a first commit (create with `autoInit` to avoid it). */
  empty: boolean;
  archived: boolean;
  defaultBranch: string;
  cloneUrl: string;
  htmlUrl: string;
  permissions: { admin: boolean; push: boolean; pull: boolean } | undefined;
}

export interface Org {
  id: number;
  name: string;
  fullName: string;
  visibility: string;
}

export interface Label {
  id: number;
  name: string;
  /** Hex without `#`, lower case, as the server stores it. */
  color: string;
  description: string;
  /** Scoped label: adding `scope/x` removes other `scope/*` labels from the issue. */
  exclusive: boolean;
  isArchived: boolean;
}

export interface LabelSpec {
  name: string;
  /** `#rrggbb` or `rrggbb`. */
  color: string;
  description?: string;
  exclusive?: boolean;
}

export type IssueState = "open" | "closed";

export interface Issue {
  id: number;
  number: number;
  title: string;
  body: string;
  state: IssueState;
  author: string;
  /** Label names. */
  labels: string[];
  assignees: string[];
  /** True for pull requests (a PR is an issue on this API). */
  isPull: boolean;
  comments: number;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | undefined;
  htmlUrl: string;
}

export interface Comment {
  id: number;
  body: string;
  author: string;
  createdAt: Date;
  updatedAt: Date;
  htmlUrl: string;
}

export interface TimelineEvent {
  id: number;
  /** Forgejo's comment type string: `comment`, `label`, `close`, `reopen`, `pull_push`, … */
  type: string;
  actor: string;
  createdAt: Date;
  body: string;
  /** Present on `type: "label"` events. */
  label: { name: string; action: "added" | "removed" } | undefined;
}

export interface PullBranch {
  ref: string;
  sha: string;
  /** `owner/name` of the repo the branch lives in; undefined if the fork was deleted. */
  repo: string | undefined;
}

export interface PullRequest {
  id: number;
  number: number;
  title: string;
  body: string;
  state: IssueState;
  draft: boolean;
  author: string;
  labels: string[];
  assignees: string[];
  head: PullBranch;
  base: PullBranch;
  /** False while the server is still checking, or on conflicts. */
  mergeable: boolean;
  merged: boolean;
  mergedAt: Date | undefined;
  mergeCommitSha: string | undefined;
  htmlUrl: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ChangedFile {
  filename: string;
  previousFilename: string | undefined;
  /** `added`, `modified`, `deleted`, `renamed`, … as the server says. */
  status: string;
  additions: number;
  deletions: number;
  changes: number;
}

export type ReviewEvent = "APPROVED" | "REQUEST_CHANGES" | "COMMENT";
export type ReviewState = ReviewEvent | "PENDING" | "REQUEST_REVIEW" | "UNKNOWN";

export interface Review {
  id: number;
  author: string;
  state: ReviewState;
  body: string;
  commitId: string;
  /** Made on an older head commit. */
  stale: boolean;
  /** Counts toward required approvals (reviewer has write access). */
  official: boolean;
  dismissed: boolean;
  submittedAt: Date | undefined;
}

export type StatusState = "pending" | "success" | "error" | "failure" | "warning";

export interface CommitStatus {
  id: number;
  state: StatusState;
  context: string;
  description: string;
  targetUrl: string;
  creator: string;
  createdAt: Date;
}

export interface CombinedStatus {
  /**
   * Worst state of the latest status per context, or `"none"` when nothing has reported on
   * the commit yet (the server sends `state: ""`): "no CI yet" is neither pending nor green.
   */
  state: StatusState | "none";
  sha: string;
  totalCount: number;
  statuses: CommitStatus[];
}

export interface FileContent {
  path: string;
  /** Blob sha: the value an update or delete must send back (compare-and-swap). */
  sha: string;
  /** Decoded UTF-8 text. */
  text: string;
  size: number;
  lastCommitSha: string | undefined;
}

export interface DirEntry {
  name: string;
  path: string;
  type: "file" | "dir" | "symlink" | "submodule";
}

/** One file of a multi-file commit. `sha` (the current blob) is required to update or delete. */
export interface FileChange {
  operation: "create" | "update" | "delete";
  path: string;
  text?: string;
  sha?: string;
}

export interface FileWriteResult {
  path: string;
  /** New blob sha (undefined after a delete). */
  sha: string | undefined;
  /** Commit that made the change; undefined when the write was confirmed by re-reading. */
  commitSha: string | undefined;
}

export interface Branch {
  name: string;
  commitSha: string;
  protected: boolean;
}

export interface BranchProtection {
  ruleName: string;
  enablePush: boolean;
  pushWhitelistUsernames: string[];
  enableStatusCheck: boolean;
  statusCheckContexts: string[];
  requiredApprovals: number;
  /** Only the approvals of `approvalsWhitelistUsernames` count (and only they are `official`). */
  enableApprovalsWhitelist: boolean;
  approvalsWhitelistUsernames: string[];
  blockOnRejectedReviews: boolean;
  blockOnOutdatedBranch: boolean;
  dismissStaleApprovals: boolean;
  protectedFilePatterns: string;
  applyToAdmins: boolean;
}

export type BranchProtectionOptions = Partial<Omit<BranchProtection, "ruleName">>;

export type MergeStyle = "merge" | "rebase" | "rebase-merge" | "squash" | "fast-forward-only";

export type CollaboratorPermission = "read" | "write" | "admin";

// ---------------------------------------------------------------------------------------------

export interface ListPage {
  /** Fetch only this page (1-based). Without it, all pages are fetched. */
  page?: number;
  /** Items per page; Forgejo caps at 50. */
  limit?: number;
}

export interface IssueListOptions extends ListPage {
  state?: IssueState | "all";
  /** Label names; the issue must carry ALL of them. Unknown names throw. */
  labels?: string[];
  type?: "issues" | "pulls";
  sort?: "latest" | "oldest" | "recentupdate" | "leastupdate" | "mostcomment" | "leastcomment" | "nearduedate" | "farduedate";
  /** Updated at or after. */
  since?: Date;
  createdBy?: string;
  assignedTo?: string;
}

export interface IssueCreate {
  title: string;
  body?: string;
  labels?: string[];
  assignees?: string[];
}

/** Absolute values only: an edit is safe to repeat. */
export interface IssueEdit {
  title?: string;
  body?: string;
  state?: IssueState;
  /** Replaces the whole set; `[]` clears it. */
  assignees?: string[];
}

export interface PullCreate {
  head: string;
  base: string;
  title: string;
  body?: string;
  labels?: string[];
  assignees?: string[];
}

export interface PullListOptions extends ListPage {
  state?: IssueState | "all";
  sort?: "oldest" | "recentupdate" | "recentclose" | "leastupdate" | "mostcomment" | "leastcomment" | "priority";
  labels?: string[];
}

export interface MergeOptions {
  style?: MergeStyle;
  /** Refuse (409) if the head moved since we looked at it. */
  headCommitId?: string;
  deleteBranchAfterMerge?: boolean;
  title?: string;
  message?: string;
  /** Schedule the merge for when required checks pass (result `scheduled`). */
  whenChecksSucceed?: boolean;
}

export interface ReviewCreate {
  event: ReviewEvent;
  /** Must be non-empty (the server demands it for REQUEST_CHANGES; we demand it always). */
  body: string;
  /** The head commit the verdict applies to. */
  commitId: string;
}

export interface StatusCreate {
  state: StatusState;
  context: string;
  description?: string;
  targetUrl?: string;
}

export interface FileWrite {
  text: string;
  message: string;
  branch?: string;
}

export interface RepoCreate {
  name: string;
  /** Create in this organisation instead of the token user's namespace. */
  org?: string;
  /** Site admin only: create in this user's namespace. */
  forUser?: string;
  description?: string;
  private?: boolean;
  /** Make a first commit so the default branch exists. */
  autoInit?: boolean;
  defaultBranch?: string;
}

export interface OrgCreate {
  name: string;
  fullName?: string;
  visibility?: "public" | "limited" | "private";
}

// ---------------------------------------------------------------------------------------------

export interface IssuesApi {
  list(opts?: IssueListOptions): Promise<Issue[]>;
  get(number: number): Promise<Issue | undefined>;
  /** Never duplicated by a retry: after an unknown outcome it looks for the issue first. */
  create(issue: IssueCreate): Promise<Issue>;
  edit(number: number, edit: IssueEdit): Promise<Issue>;
  close(number: number): Promise<Issue>;
  reopen(number: number): Promise<Issue>;
  setAssignees(number: number, logins: string[]): Promise<Issue>;
  timeline(number: number, opts?: { since?: Date }): Promise<TimelineEvent[]>;
}

export interface CommentsApi {
  list(issue: number, opts?: { since?: Date }): Promise<Comment[]>;
  /** Never duplicated by a retry. */
  create(issue: number, body: string): Promise<Comment>;
  edit(commentId: number, body: string): Promise<Comment>;
}

export interface LabelsApi {
  /** All repo labels (plus org labels when the owner is an org and a name needed them). */
  list(): Promise<Label[]>;
  create(spec: LabelSpec): Promise<Label>;
  /** Create the labels that do not exist yet; never duplicates. Returns them all. */
  ensure(specs: LabelSpec[]): Promise<Label[]>;
  /** Names → ids; throws UnknownLabelError listing every name it cannot resolve. */
  resolve(names: string[]): Promise<number[]>;
  onIssue(issue: number): Promise<string[]>;
  /** Returns the issue's label names after the change. */
  add(issue: number, names: string[]): Promise<string[]>;
  remove(issue: number, name: string): Promise<void>;
  replace(issue: number, names: string[]): Promise<string[]>;
}

export interface PullsApi {
  /** Never duplicated by a retry (finds the open PR for `head` first). */
  create(pr: PullCreate): Promise<PullRequest>;
  get(number: number): Promise<PullRequest | undefined>;
  list(opts?: PullListOptions): Promise<PullRequest[]>;
  /** The newest PR whose head branch (in this repo) is `branch`. */
  findByHead(branch: string, opts?: { state?: IssueState | "all"; base?: string }): Promise<PullRequest | undefined>;
  diff(number: number): Promise<string>;
  files(number: number): Promise<ChangedFile[]>;
  /** `merged` (200) or `scheduled` (201, with `whenChecksSucceed`). Throws MergeError. */
  merge(number: number, opts?: MergeOptions): Promise<"merged" | "scheduled">;
  /** Bring the head branch up to date with the base (merge by default). */
  updateBranch(number: number, style?: "merge" | "rebase"): Promise<void>;
}

export interface ReviewsApi {
  list(pr: number): Promise<Review[]>;
  /** Never duplicated by a retry. */
  create(pr: number, review: ReviewCreate): Promise<Review>;
  dismiss(pr: number, reviewId: number, message: string): Promise<Review>;
}

export interface StatusesApi {
  combined(ref: string): Promise<CombinedStatus>;
  list(ref: string): Promise<CommitStatus[]>;
  create(sha: string, status: StatusCreate): Promise<CommitStatus>;
}

export interface ContentsApi {
  get(path: string, opts?: { ref?: string }): Promise<FileContent | undefined>;
  /** ConflictError(`exists`) when the file is already there. */
  create(path: string, write: FileWrite): Promise<FileWriteResult>;
  /** ConflictError when `sha` is no longer current (or the write lost a race). */
  update(path: string, write: FileWrite & { sha: string }): Promise<FileWriteResult>;
  delete(path: string, opts: { sha: string; message: string; branch?: string }): Promise<FileWriteResult>;
  /** Entries of a directory (`""` = the root); [] when it does not exist. */
  list(dir: string, opts?: { ref?: string }): Promise<DirEntry[]>;
  /**
   * Several creates, updates and deletes in one commit (`POST /contents`). ConflictError as
   * for single writes when a file exists, a sha is stale, or a concurrent writer won.
   */
  commitFiles(commit: { branch?: string; message: string; files: FileChange[] }): Promise<{ commitSha: string | undefined }>;
}

export interface BranchesApi {
  get(name: string): Promise<Branch | undefined>;
  /** From a branch, tag or commit. ConflictError(`exists`) if the name is taken. */
  create(name: string, from: string): Promise<Branch>;
  /** True when deleted; false when there was no such branch. */
  delete(name: string): Promise<boolean>;
}

export interface BranchProtectionsApi {
  get(ruleName: string): Promise<BranchProtection | undefined>;
  /** Create the rule, or edit it when it exists. */
  upsert(ruleName: string, opts: BranchProtectionOptions): Promise<BranchProtection>;
}

export interface CollaboratorsApi {
  add(login: string, permission: CollaboratorPermission): Promise<void>;
  isCollaborator(login: string): Promise<boolean>;
  /**
   * The user's effective access to the repo: collaborator, team, owner or admin ("none" when
   * nothing). Forgejo answers it only to site admins, repo admins and the user themself (403
   * to anyone else).
   */
  permission(login: string): Promise<"none" | "read" | "write" | "admin" | "owner">;
  /**
   * Whether the user may write to the repo — owner, org team, collaborator or site admin
   * alike. Works with any token that can read the repo (see the implementation).
   */
  canWrite(login: string): Promise<boolean>;
}

/** A repository secret of Forgejo Actions; the forge never returns its value. */
export interface ActionsSecret {
  /** Upper case: the forge stores names so. */
  name: string;
  createdAt: Date | undefined;
}

/** The repository's Actions secrets (the forge allows only repo admins). */
export interface ActionsSecretsApi {
  list(): Promise<ActionsSecret[]>;
  /**
   * Create or replace; the forge upper-cases the name. A name the forge would refuse (see
   * `actionsSecretNameProblem`) or an empty value throws before anything is sent.
   */
  set(name: string, value: string): Promise<"created" | "updated">;
  /** True when deleted; false when there was no such secret. */
  delete(name: string): Promise<boolean>;
}

/** Everything scoped to one repository. Label names resolve once per handle (per run). */
export interface RepoForge {
  readonly ref: RepoRef;
  readonly issues: IssuesApi;
  readonly comments: CommentsApi;
  readonly labels: LabelsApi;
  readonly pulls: PullsApi;
  readonly reviews: ReviewsApi;
  readonly statuses: StatusesApi;
  readonly contents: ContentsApi;
  readonly branches: BranchesApi;
  readonly protections: BranchProtectionsApi;
  readonly collaborators: CollaboratorsApi;
  readonly actionsSecrets: ActionsSecretsApi;
}

export interface Forge {
  /** The token's user (cached). */
  currentUser(): Promise<User>;
  serverVersion(): Promise<ServerVersion>;
  getRepo(ref: RepoRef): Promise<Repo | undefined>;
  createRepo(repo: RepoCreate): Promise<Repo>;
  createOrg(org: OrgCreate): Promise<Org>;
  /** The same handle (and label cache) for the same repo. */
  repo(ref: RepoRef): RepoForge;
  /** Requests sent so far, for benchmarks and the outcome line. */
  requestStats(): RequestStats;
  close(): Promise<void>;
}
