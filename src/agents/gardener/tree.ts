// A read-only checkout of the project's default branch: the model's working tree when a task
// must read code, and the runner's list of the paths that exist (an enriched issue may name
// only those). Only the runner talks to the remote.
import { join } from "node:path";
import { Git } from "../../git/git.ts";
import { readTreeText } from "../../git/tree-file.ts";
import type { AgentRuntime } from "../runtime.ts";

export interface Tree {
  dir: string;
  git: Git;
  head: string;
  /** Every tracked file, and every directory that holds one. */
  paths: ReadonlySet<string>;
  text(path: string): Promise<string | undefined>;
  dispose(): Promise<void>;
}

export async function checkoutDefault(rt: AgentRuntime): Promise<Tree> {
  const dir = join(await rt.workDir(), "tree");
  const git = await Git.clone({
    url: rt.git.url,
    dir,
    auth: rt.git.auth,
    identity: rt.git.identity,
    dryRun: rt.git.dryRun,
    branch: rt.config.primary_branch,
    redactor: rt.ctx.redactor,
    log: (line) => rt.log.debug(line),
  });
  try {
    const head = await git.head();
    const files = (await git.run(["ls-files", "-z"])).stdout.split("\0").filter((f) => f !== "");
    const paths = new Set<string>();
    for (const f of files) {
      paths.add(f);
      for (let i = f.indexOf("/"); i > 0; i = f.indexOf("/", i + 1)) paths.add(f.slice(0, i));
    }
    const root = dir;
    return {
      dir,
      git,
      head,
      paths,
      text: (path) => readTreeText(root, path),
      dispose: () => git.dispose(),
    };
  } catch (err) {
    await git.dispose();
    throw err;
  }
}

/** A path as the model may write it (`./src/a.ts`, `` `src/a.ts` ``, `src/`) in the tree's form. */
export function normalisePath(p: string): string {
  return p.trim().replace(/^`|`$/g, "").replace(/^\.\//, "").replace(/\/+$/, "");
}
