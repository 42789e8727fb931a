// Git for the agents: clone, branch, commit and push with the agent's credentials kept out of
// argv, remote URLs, `.git/config`, logs and the LLM's environment (DESIGN §6).
export { Git } from "./git.ts";
export type { GitIdentity, GitAuth, CloneOptions, OpenOptions, GitCommonOptions, GitRetry, RunResult } from "./types.ts";
export { GitError, GitAuthError, BranchNotFoundError, PushRejectedError, GitUrlError, type PushRejection, type GitErrorDetails } from "./errors.ts";
export { matchesProtected, protectedChanges } from "./protected.ts";
export { parseRemoteUrl, type RemoteUrl } from "./url.ts";
export { readTreeText } from "./tree-file.ts";
export type { Redactor } from "../lib/redact.ts";
