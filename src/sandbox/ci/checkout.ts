// The clone step: a fresh git checkout of the pipeline's commit. Credentials reach git only
// through a credential helper script that reads them from the git process's environment —
// never from argv, the remote URL or a file — so neither `ps` nor `.git/config` shows them.
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface GitCredentials {
  username: string;
  password: string;
}

/** Called once per clone; may fetch a short-lived token. */
export type CredentialProvider = () => GitCredentials | undefined | Promise<GitCredentials | undefined>;

export interface CheckoutSource {
  cloneUrl: string;
  credentials?: CredentialProvider;
  /** Commit to check out. */
  sha: string;
  /** Ref to fetch (`refs/heads/main`, `refs/pull/3/head`); the sha is fetched directly when absent or not found. */
  ref?: string;
  /** Local branch name for the checkout (Woodpecker: CI_COMMIT_BRANCH). */
  branch?: string;
}

export const CREDENTIAL_USERNAME_VAR = "DISINTO_CI_GIT_USERNAME";
export const CREDENTIAL_PASSWORD_VAR = "DISINTO_CI_GIT_PASSWORD";

const HELPER = `#!/bin/sh
# git credential helper: answers "get" from the environment of the git process.
[ "$1" = get ] || exit 0
[ -n "\${${CREDENTIAL_PASSWORD_VAR}:-}" ] || exit 0
printf 'username=%s\\npassword=%s\\n' "\${${CREDENTIAL_USERNAME_VAR}:-x-access-token}" "$${CREDENTIAL_PASSWORD_VAR}"
`;

/** Writes the helper script into `dir` and returns its path. */
export async function writeCredentialHelper(dir: string): Promise<string> {
  const path = join(dir, "git-credential-env.sh");
  await writeFile(path, HELPER, { mode: 0o700 });
  await chmod(path, 0o700);
  return path;
}

export interface GitCommand {
  args: string[];
  /** When this command fails, try `fallback` instead of failing the clone. */
  fallback?: GitCommand;
}

/** The git commands of a checkout into the current directory, helper installed per command. */
export function checkoutCommands(src: CheckoutSource, helperPath: string): GitCommand[] {
  const branch = src.branch && src.branch !== "" ? src.branch : "main";
  // `-c credential.helper=` first clears helpers from any other config level.
  const auth = ["-c", "credential.helper=", "-c", `credential.helper=${helperPath}`];
  const fetchSha: GitCommand = { args: [...auth, "fetch", "--no-tags", "origin", src.sha] };
  const fetch: GitCommand = src.ref ? { args: [...auth, "fetch", "--no-tags", "origin", src.ref], fallback: fetchSha } : fetchSha;
  return [
    { args: ["init", "-q", "-b", branch] },
    { args: ["remote", "add", "origin", src.cloneUrl] },
    fetch,
    // the fetched ref may have moved on: make sure the pipeline's commit is there
    { args: ["cat-file", "-e", `${src.sha}^{commit}`], fallback: fetchSha },
    { args: ["checkout", "-q", "-f", "-B", branch, src.sha] },
  ];
}

/** Environment for git processes: the credential for the helper, no prompts, no user config. */
export function gitEnv(base: Readonly<Record<string, string>>, home: string, creds: GitCredentials | undefined): Record<string, string> {
  const env: Record<string, string> = {
    ...base,
    HOME: home,
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "woodpecker",
    GIT_AUTHOR_EMAIL: "woodpecker@localhost",
    GIT_COMMITTER_NAME: "woodpecker",
    GIT_COMMITTER_EMAIL: "woodpecker@localhost",
  };
  if (creds) {
    env[CREDENTIAL_USERNAME_VAR] = creds.username;
    env[CREDENTIAL_PASSWORD_VAR] = creds.password;
  }
  return env;
}
