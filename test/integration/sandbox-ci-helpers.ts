// Shared fixtures for the sandbox CI tests: a real bare git repo with one commit, and
// pipeline metadata for it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { PipelineMetadata } from "../../src/sandbox/ci/metadata.ts";

export interface FixtureRepo {
  root: string;
  bare: string;
  sha: string;
}

const gitEnv = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t", GIT_CONFIG_NOSYSTEM: "1" };

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: gitEnv, encoding: "utf8" }).trim();
}

/** A bare repo whose `main` has one commit containing `files`. */
export function makeRepo(files: Record<string, string>): FixtureRepo {
  const root = mkdtempSync(join(tmpdir(), "sandbox-ci-"));
  const bare = join(root, "repo.git");
  const work = join(root, "work");
  git(root, "init", "-q", "--bare", "-b", "main", bare);
  git(root, "init", "-q", "-b", "main", work);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), text);
  }
  git(work, "add", "-A");
  git(work, "commit", "-q", "-m", "initial");
  git(work, "push", "-q", bare, "main");
  return { root, bare, sha: git(work, "rev-parse", "HEAD") };
}

export function metadataFor(repo: FixtureRepo, overrides: { event?: PipelineMetadata["pipeline"]["event"]; number?: number } = {}): PipelineMetadata {
  return {
    system: { url: "http://127.0.0.1:9000", machine: "sandbox" },
    forge: { type: "forgejo", url: "http://127.0.0.1:3000" },
    repo: { id: 7, remoteId: "42", owner: "acme", name: "widget", cloneUrl: repo.bare, defaultBranch: "main", url: "http://127.0.0.1:3000/acme/widget" },
    pipeline: {
      number: overrides.number ?? 1,
      event: overrides.event ?? "push",
      created: 1_700_000_000,
      started: 1_700_000_001,
      changedFiles: ["README.md"],
      commit: { sha: repo.sha, ref: "refs/heads/main", branch: "main", message: "initial", author: "t", authorEmail: "t@t" },
    },
  };
}
