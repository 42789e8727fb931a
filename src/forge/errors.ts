// Failures a caller of the Forge is expected to branch on. Transport failures stay the HTTP
// layer's typed errors (HttpError, NetworkError, TimeoutError, SchemaError).
import { HttpError } from "../http/errors.ts";

export type ConflictReason =
  /** The thing to create is already there (file, branch, repo, open PR for the head). */
  | "exists"
  /** The sha/commit we based the write on is no longer current. */
  | "stale"
  /** The server failed in a way that means another writer got there first; re-read. */
  | "race"
  /** The file to change or delete is gone. */
  | "missing";

/**
 * A compare-and-swap write lost: re-read and decide again. Forgejo ≥ v12 answers a stale sha
 * with 409, Forgejo ≤ v11 and Gitea with 422, a lost push race with 500 (forgejo.md §9); all
 * of them arrive here.
 */
export class ConflictError extends Error {
  readonly reason: ConflictReason;
  readonly status: number | undefined;
  constructor(what: string, reason: ConflictReason, cause?: unknown) {
    const status = cause instanceof HttpError ? cause.status : undefined;
    super(`${what}: conflict (${reason}${status !== undefined ? `, HTTP ${status}` : ""})`, cause === undefined ? undefined : { cause });
    this.name = "ConflictError";
    this.reason = reason;
    this.status = status;
  }
}

/**
 * A label name that does not exist in the repo (or its org). The server would silently ignore
 * it — or, in an issue-list filter, drop the filter and return every issue — so we refuse.
 */
export class UnknownLabelError extends Error {
  readonly names: readonly string[];
  readonly repo: string;
  constructor(repo: string, names: readonly string[]) {
    super(`${repo}: unknown label${names.length > 1 ? "s" : ""} ${names.map((n) => JSON.stringify(n)).join(", ")} (create ${names.length > 1 ? "them" : "it"} first)`);
    this.name = "UnknownLabelError";
    this.names = names;
    this.repo = repo;
  }
}

export type MergeFailure =
  /** 405: not allowed now — protection unmet, already merged, WIP, still checking, style off. */
  | "not_allowed"
  /** 409: conflicts, head moved (`headCommitId`), push out of date, hook rejected. */
  | "conflict"
  /** 404: the PR is closed or unknown. */
  | "not_found";

export class MergeError extends Error {
  readonly failure: MergeFailure;
  readonly status: number;
  readonly serverMessage: string | undefined;
  constructor(pr: string, failure: MergeFailure, cause: HttpError) {
    super(`${pr}: merge refused (${failure}, HTTP ${cause.status}${cause.serverMessage ? `: ${cause.serverMessage}` : ""})`, { cause });
    this.name = "MergeError";
    this.failure = failure;
    this.status = cause.status;
    this.serverMessage = cause.serverMessage;
  }
}
