import type { Redactor } from "../lib/redact.ts";

export interface GitIdentity {
  name: string;
  email: string;
}

export interface GitAuth {
  username: string;
  /** A token or a password (Forgejo 11 refuses API tokens over git HTTP, so often the password). */
  secret: string;
}

export interface GitCommonOptions {
  auth?: GitAuth;
  identity: GitIdentity;
  redactor?: Redactor;
  /** Per git command. Default 5 minutes. */
  timeoutMs?: number;
  /** Receives one redacted line per git command (subcommand, exit code, duration). */
  log?: (line: string) => void;
  /** The git executable. Default "git" from PATH. */
  gitBinary?: string;
  /**
   * Never write to the remote: push logs `dry run: would push <branch> <sha> to <url>` through
   * `log` and returns as if it had pushed (origin/<branch> moves locally). Reads still happen.
   */
  dryRun?: boolean;
  /** Network commands (clone, fetch, push, ls-remote) that fail transiently are tried again. Default 4 attempts, 500 ms doubling to 8 s. */
  retry?: Partial<GitRetry>;
}

export interface GitRetry {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface CloneOptions extends GitCommonOptions {
  url: string;
  dir: string;
  branch?: string;
  depth?: number;
}

export interface OpenOptions extends GitCommonOptions {
  /** Pin the remote URL; default `remote.origin.url` read once from the repository. */
  url?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}
