// Exit codes every entrypoint shares: 0 = did work or nothing to do, 1 = failure,
// 2 = bad input or config (nothing was written). Later commands add their own (lock: 3 = held).
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Bad input from a person or a file: the run stops with exit 2 before writing anything. */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}

export interface ConfigIssue {
  /** File the value came from ("settings" when it came from the environment or flags). */
  file: string;
  /** Dotted key path, e.g. `limits.ci_fix_attempts`; empty for a file-level problem. */
  path: string;
  /** 1-based line for syntax errors, when known. */
  line?: number;
  message: string;
}

/** One or more invalid values in a config file or in the settings. Exit 2. */
export class ConfigError extends UsageError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatConfigIssue).join("\n"));
    this.name = "ConfigError";
    this.issues = issues;
  }
}

export function formatConfigIssue(i: ConfigIssue): string {
  const where = i.line !== undefined ? `${i.file}:${i.line}` : i.file;
  return i.path ? `${where}: ${i.path}: ${i.message}` : `${where}: ${i.message}`;
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return err.exitCode;
  return EXIT_FAILURE;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
