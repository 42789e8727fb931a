// Typed git failures. Messages name the subcommand, never the full argv (which is safe, but
// long), and carry only redacted stderr: a caller may post them on an issue as they are.
import { UsageError } from "../lib/errors.ts";

export interface GitErrorDetails {
  /** `clone`, `push`, … */
  subcommand: string;
  /** undefined when the process was killed (timeout) or never started. */
  exitCode: number | undefined;
  /** The last lines of stderr, redacted. */
  stderrTail: string;
  timedOut?: boolean;
}

export class GitError extends Error {
  readonly subcommand: string;
  readonly exitCode: number | undefined;
  readonly stderrTail: string;
  readonly timedOut: boolean;
  constructor(message: string, details: GitErrorDetails, options?: ErrorOptions) {
    super(message, options);
    this.name = "GitError";
    this.subcommand = details.subcommand;
    this.exitCode = details.exitCode;
    this.stderrTail = details.stderrTail;
    this.timedOut = details.timedOut ?? false;
  }
}

/** The forge refused the credentials (401/403 on the smart HTTP endpoint) or none were given. */
export class GitAuthError extends GitError {
  constructor(message: string, details: GitErrorDetails) {
    super(message, details);
    this.name = "GitAuthError";
  }
}

/** A branch asked for (clone --branch) does not exist on the remote. */
export class BranchNotFoundError extends GitError {
  readonly branch: string;
  constructor(branch: string, details: GitErrorDetails) {
    super(`git ${details.subcommand}: branch "${branch}" does not exist on the remote`, details);
    this.name = "BranchNotFoundError";
    this.branch = branch;
  }
}

/**
 * - `non-fast-forward`: the remote branch moved on (fetch, rebase or force);
 * - `protected`: branch protection refused this pusher (do not retry);
 * - `rejected`: any other refusal by the remote (a hook, a size limit…).
 */
export type PushRejection = "non-fast-forward" | "protected" | "rejected";

export class PushRejectedError extends GitError {
  readonly branch: string;
  readonly reason: PushRejection;
  /** git's short reason, e.g. "non-fast-forward", "pre-receive hook declined". */
  readonly detail: string;
  constructor(branch: string, reason: PushRejection, detail: string, details: GitErrorDetails) {
    super(`git push to "${branch}" rejected (${reason}): ${detail}${details.stderrTail ? `\n${details.stderrTail}` : ""}`, details);
    this.name = "PushRejectedError";
    this.branch = branch;
    this.reason = reason;
    this.detail = detail;
  }
}

/** A remote URL that is not a clean http(s) URL. Bad input: exit 2. */
export class GitUrlError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = "GitUrlError";
  }
}
