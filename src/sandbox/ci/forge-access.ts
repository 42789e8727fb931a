// What the sandbox CI needs from the forge it serves — the same facts a Woodpecker server gets
// from Forgejo through webhooks and its API: repositories and permissions, files and commits
// at a sha, pull request details, and a place to post commit statuses. The sandbox forge
// implements it in-process (`SandboxForge.access`), so CI bookkeeping never goes through the
// forge's fault injection; clones still go over git smart HTTP like a real agent's.
import type { ForgeEvent } from "../forge/events.ts";
import type { CommitStatus } from "./status.ts";

export interface ForgeRepoInfo {
  /** The forge's repository id (Woodpecker's `forge_remote_id`). */
  remoteId: number;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  private: boolean;
  htmlUrl: string;
  cloneUrl: string;
}

export interface ForgePermission {
  pull: boolean;
  push: boolean;
  admin: boolean;
}

export interface ForgeAccount {
  id: number;
  login: string;
  email: string;
  admin: boolean;
  /** The account's forge API token (used as the clone and status credential). */
  token: string;
}

export interface ForgeCommit {
  sha: string;
  message: string;
  authorName: string;
  authorEmail: string;
  /** Unix seconds. */
  timestamp: number;
  parents: string[];
}

export interface ForgePull {
  number: number;
  title: string;
  poster: string;
  labels: string[];
  headBranch: string;
  baseBranch: string;
  headSha: string;
  htmlUrl: string;
  state: "open" | "closed";
  merged: boolean;
}

export interface ForgeTreeEntry {
  path: string;
  type: "blob" | "tree" | "commit";
}

export interface ForgeAccess {
  /** Forge root URL (`CI_FORGE_URL`). */
  readonly url: string;
  readonly type: string;
  accounts(): ForgeAccount[];
  account(login: string): ForgeAccount | undefined;
  repo(fullName: string): ForgeRepoInfo | undefined;
  repoById(remoteId: number): ForgeRepoInfo | undefined;
  /** Repositories the account can see, with its permission on each. */
  reposFor(login: string): (ForgeRepoInfo & { permission: ForgePermission })[];
  permission(login: string, fullName: string): ForgePermission;
  branchHead(fullName: string, branch: string): Promise<string | undefined>;
  commit(fullName: string, sha: string): Promise<ForgeCommit | undefined>;
  /** Entries directly inside `dir` ("" = root) at a commit; empty when `dir` does not exist. */
  listDir(fullName: string, sha: string, dir: string): Promise<ForgeTreeEntry[]>;
  /** A file's content at a commit; undefined when it does not exist or is not a file. */
  readFile(fullName: string, sha: string, path: string): Promise<Buffer | undefined>;
  /** Paths changed between two commits (`from` undefined: the files of `to` against its first parent). */
  changedFiles(fullName: string, from: string | undefined, to: string): Promise<string[]>;
  mergeBase(fullName: string, a: string, b: string): Promise<string | undefined>;
  pull(fullName: string, number: number): ForgePull | undefined;
  /** Post a commit status as `login` (Woodpecker uses the token of the user who activated the repo). */
  postStatus(fullName: string, sha: string, status: CommitStatus, login: string): Promise<void>;
  onEvent(listener: (e: ForgeEvent) => void): () => void;
}
