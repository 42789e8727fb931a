// The sandbox forge's database: one JSON document, kept in memory and written atomically
// (temp file + rename) after every change, so a restart with the same data dir resumes
// exactly where it stopped. Git data lives beside it in real bare repositories.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

export type AccessMode = "read" | "write" | "admin";

export interface TokenRec {
  name: string;
  sha1: string;
}

export interface UserRec {
  id: number;
  login: string;
  fullName: string;
  email: string;
  password: string;
  tokens: TokenRec[];
  isAdmin: boolean;
  /** Organisations are owners too; they cannot log in. */
  kind: "user" | "org";
  /** Org owners (logins), only for kind "org". */
  orgOwners: string[];
  description: string;
  created: string;
}

export interface RepoRec {
  id: number;
  owner: string;
  name: string;
  description: string;
  private: boolean;
  defaultBranch: string;
  collaborators: Record<string, AccessMode>;
  nextIndex: number;
  created: string;
  updated: string;
}

export interface LabelRec {
  id: number;
  repoId: number;
  name: string;
  color: string;
  description: string;
  exclusive: boolean;
  isArchived: boolean;
}

export interface IssueRec {
  id: number;
  repoId: number;
  index: number;
  poster: string;
  title: string;
  body: string;
  ref: string;
  state: "open" | "closed";
  labelIds: number[];
  assignees: string[];
  isPull: boolean;
  created: string;
  updated: string;
  closed: string | null;
}

export interface PullRec {
  id: number;
  issueId: number;
  repoId: number;
  headBranch: string;
  baseBranch: string;
  /** Last head commit seen; kept after the branch is deleted. */
  headSha: string;
  mergeBase: string;
  merged: boolean;
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
}

/** Everything in an issue's timeline: plain comments and the events beside them. */
export interface CommentRec {
  id: number;
  issueId: number;
  type: "comment" | "label" | "close" | "reopen" | "assignees" | "merge_pull" | "pull_push" | "review" | "change_title" | "delete_branch" | "dismiss_review";
  user: string;
  body: string;
  created: string;
  updated: string;
  labelId?: number;
  assignee?: string;
  removedAssignee?: boolean;
  reviewId?: number;
  oldTitle?: string;
  newTitle?: string;
  oldRef?: string;
}

export interface ReviewCommentRec {
  id: number;
  path: string;
  body: string;
  newPosition: number;
  oldPosition: number;
  created: string;
}

export interface ReviewRec {
  id: number;
  issueId: number;
  user: string;
  state: "APPROVED" | "REQUEST_CHANGES" | "COMMENT" | "PENDING";
  body: string;
  commitId: string;
  official: boolean;
  dismissed: boolean;
  comments: ReviewCommentRec[];
  submitted: string;
  updated: string;
}

export interface StatusRec {
  id: number;
  repoId: number;
  sha: string;
  state: "pending" | "success" | "error" | "failure" | "warning";
  context: string;
  description: string;
  targetUrl: string;
  creator: string;
  created: string;
}

export interface ProtectionRec {
  id: number;
  repoId: number;
  ruleName: string;
  enablePush: boolean;
  enablePushWhitelist: boolean;
  pushWhitelistUsernames: string[];
  enableMergeWhitelist: boolean;
  mergeWhitelistUsernames: string[];
  enableStatusCheck: boolean;
  statusCheckContexts: string[];
  requiredApprovals: number;
  enableApprovalsWhitelist: boolean;
  approvalsWhitelistUsernames: string[];
  blockOnRejectedReviews: boolean;
  blockOnOutdatedBranch: boolean;
  dismissStaleApprovals: boolean;
  ignoreStaleApprovals: boolean;
  applyToAdmins: boolean;
  protectedFilePatterns: string;
  unprotectedFilePatterns: string;
  created: string;
  updated: string;
}

export interface State {
  version: 1;
  nextId: Record<string, number>;
  users: UserRec[];
  repos: RepoRec[];
  labels: LabelRec[];
  issues: IssueRec[];
  pulls: PullRec[];
  comments: CommentRec[];
  reviews: ReviewRec[];
  statuses: StatusRec[];
  protections: ProtectionRec[];
  /** Releases (routes/releases.ts); absent in state files written before they existed. */
  releases?: ReleaseRec[];
  /** Repository secrets of Actions (routes/actions-secrets.ts); absent in older state files. */
  actionsSecrets?: ActionsSecretRec[];
}

export interface ActionsSecretRec {
  id: number;
  repoId: number;
  /** Upper case, as Forgejo stores it. */
  name: string;
  /** Forgejo keeps it encrypted; the sandbox in its state file, for tests to read. */
  data: string;
  created: string;
}

export interface ReleaseRec {
  id: number;
  repoId: number;
  tagName: string;
  target: string;
  name: string;
  body: string;
  draft: boolean;
  prerelease: boolean;
  author: string;
  created: string;
}

export function emptyState(): State {
  return { version: 1, nextId: {}, users: [], repos: [], labels: [], issues: [], pulls: [], comments: [], reviews: [], statuses: [], protections: [] };
}

export class Store {
  readonly state: State;
  private readonly file: string;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  private constructor(state: State, file: string) {
    this.state = state;
    this.file = file;
  }

  static async open(dir: string): Promise<{ store: Store; fresh: boolean }> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, "state.json");
    try {
      const state = JSON.parse(await readFile(file, "utf8")) as State;
      return { store: new Store(state, file), fresh: false };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      return { store: new Store(emptyState(), file), fresh: true };
    }
  }

  nextId(kind: string): number {
    const n = (this.state.nextId[kind] ?? 0) + 1;
    this.state.nextId[kind] = n;
    return n;
  }

  /**
   * Persist the current state. Writes are chained, and a write requested while one is in
   * flight is folded into a single follow-up, so the file always ends at the latest state.
   */
  save(): Promise<void> {
    this.dirty = true;
    this.writing = this.writing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(this.state));
      await rename(tmp, this.file);
    });
    return this.writing;
  }
}
