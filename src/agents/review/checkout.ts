// The PR head as a detached working tree for the model to read, with the primary branch beside
// it for the merge base, the diffs and the stale-base check. Only the runner talks to the
// remote; the model gets the tree and read-only tools.
import { join } from "node:path";
import { Git } from "../../git/git.ts";
import { readTreeText } from "../../git/tree-file.ts";
import type { PullRequest } from "../../forge/types.ts";
import type { AgentRuntime } from "../runtime.ts";

export interface PrTree {
  dir: string;
  git: Git;
  /** Tip of the primary branch as cloned. */
  baseSha: string;
  mergeBase: string;
  /** The file at the PR head (the checked-out tree), or undefined when it is not there. */
  headText(path: string): Promise<string | undefined>;
  hasCommit(sha: string): Promise<boolean>;
  dispose(): Promise<void>;
}

export class HeadMovedError extends Error {
  constructor(pr: number, sha: string) {
    super(`PR #${pr}: commit ${sha.slice(0, 7)} is no longer on its branch (a new push); the next run reviews the new head`);
    this.name = "HeadMovedError";
  }
}

export async function checkoutPr(rt: AgentRuntime, pr: PullRequest): Promise<PrTree> {
  const primary = rt.config.primary_branch;
  const dir = join(await rt.workDir(), `pr-${pr.number}`);
  const git = await Git.clone({
    url: rt.git.url,
    dir,
    auth: rt.git.auth,
    identity: rt.git.identity,
    dryRun: rt.git.dryRun,
    branch: primary,
    redactor: rt.ctx.redactor,
    log: (line) => rt.log.debug(line),
  });
  try {
    const sha = pr.head.sha;
    if ((await git.revParse(sha)) === undefined) {
      // A PR from a fork, or a head pushed after the clone: the forge keeps refs/pull/N/head.
      await git.fetch([`+refs/pull/${pr.number}/head:refs/remotes/origin/pr/${pr.number}`]).catch(() => undefined);
      if ((await git.revParse(sha)) === undefined) throw new HeadMovedError(pr.number, sha);
    }
    await git.checkout(sha);
    const baseSha = await git.revParse(`origin/${primary}`);
    if (baseSha === undefined) throw new Error(`the primary branch ${primary} is not in the clone of ${rt.config.repo}`);
    const mergeBase = (await git.mergeBase(sha, baseSha)) ?? baseSha;
    const root = dir;
    return {
      dir,
      git,
      baseSha,
      mergeBase,
      headText: (path) => readTreeText(root, path),
      async hasCommit(c) {
        return (await git.revParse(c)) !== undefined;
      },
      dispose: () => git.dispose(),
    };
  } catch (err) {
    await git.dispose();
    throw err;
  }
}
