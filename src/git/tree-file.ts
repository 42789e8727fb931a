// Reading a file of a checked-out tree as the runner. The tree's content is not the runner's
// (a PR's head, a default branch anyone could have merged into): a symlink in it may point at
// /proc/self/environ or any other file the runner can read. Only a file whose real path is
// inside the tree is read.
import { readFile, realpath } from "node:fs/promises";
import { resolve, sep } from "node:path";

/** The text of `path` inside the tree at `root`, or undefined when it is missing or leads outside. */
export async function readTreeText(root: string, path: string): Promise<string | undefined> {
  try {
    const top = await realpath(resolve(root));
    const real = await realpath(resolve(top, path));
    if (!real.startsWith(top + sep)) return undefined;
    return await readFile(real, "utf8");
  } catch {
    return undefined;
  }
}
