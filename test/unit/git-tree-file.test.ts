// The runner reads files of trees it does not trust (a PR's head, the default branch): a
// symlink out of the tree must not turn that into a read of the runner's own files.
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readTreeText } from "../../src/git/tree-file.ts";

describe("readTreeText", () => {
  let dir: string;
  let tree: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tree-file-"));
    tree = join(dir, "tree");
    await mkdir(join(tree, "docs"), { recursive: true });
    await writeFile(join(tree, "AGENTS.md"), "# rules\n");
    await writeFile(join(dir, "outside.txt"), "runner-only\n");
    await symlink("../outside.txt", join(tree, "escape.md"));
    await symlink("/proc/self/environ", join(tree, "env.md"));
    await symlink("../AGENTS.md", join(tree, "docs", "rules.md"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("reads a file of the tree, also through a link that stays inside it", async () => {
    assert.equal(await readTreeText(tree, "AGENTS.md"), "# rules\n");
    assert.equal(await readTreeText(tree, "docs/rules.md"), "# rules\n");
  });

  it("refuses links and paths that lead outside the tree, and missing files", async () => {
    assert.equal(await readTreeText(tree, "escape.md"), undefined);
    assert.equal(await readTreeText(tree, "env.md"), undefined);
    assert.equal(await readTreeText(tree, "../outside.txt"), undefined);
    assert.equal(await readTreeText(tree, "nope.md"), undefined);
  });
});
