// The sandbox forge resolves plain branch names from their loose ref files instead of starting
// git: the answers must stay exactly git's own, including where git's lookup order prefers a
// tag of the same name, after refs are packed, and for names that are not branches at all.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Repo } from "../../src/sandbox/forge/git.ts";

let dir: string;
let repo: Repo;
const who = { name: "t", email: "t@example.invalid" };

async function commit(message: string, parents: string[]): Promise<string> {
  const blob = await repo.writeBlob(Buffer.from(message));
  const tree = await repo.treeWith(undefined, [{ path: "f.txt", blob }]);
  return repo.commitTree(tree, parents, message, who, who);
}

/** What `git rev-parse` itself answers. */
async function gitSays(ref: string): Promise<string | undefined> {
  const r = await repo.git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`], { okCodes: [1, 128] });
  return r.code === 0 ? r.stdout.toString("utf8").trim() : undefined;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sandbox-refs-"));
  repo = await Repo.init(join(dir, "r.git"), "main", "#!/bin/sh\nexit 0\n");
});
after(() => rm(dir, { recursive: true, force: true }));

describe("sandbox forge: resolving refs", () => {
  it("knows whether a repository has branches, and reads a branch's sha as git does, loose or packed", async () => {
    const empty = await Repo.init(join(dir, "empty.git"), "main", "#!/bin/sh\nexit 0\n");
    assert.equal(await empty.hasBranches(), false);
    assert.equal(await empty.branchSha("main"), undefined);

    const r = await Repo.init(join(dir, "b.git"), "main", "#!/bin/sh\nexit 0\n");
    const blob = await r.writeBlob(Buffer.from("x"));
    const c1 = await r.commitTree(await r.treeWith(undefined, [{ path: "f", blob }]), [], "one", who, who);
    assert.ok(await r.updateRef("refs/heads/deep/er/branch", c1, ""));
    assert.equal(await r.hasBranches(), true);
    assert.equal(await r.branchSha("deep/er/branch"), c1);
    assert.equal(await r.branchSha("deep/er"), undefined, "a directory of refs is no branch");
    assert.equal(await r.branchSha("../HEAD"), undefined);
    await r.git(["pack-refs", "--all"]);
    assert.equal(await r.hasBranches(), true, "packed branches still count");
    assert.equal(await r.branchSha("deep/er/branch"), c1);
  });

  it("answers as git does for branches, nested branches, tags shadowing branches, shas and unknown names — loose and packed", async () => {
    const a = await commit("a", []);
    const b = await commit("b", [a]);
    const c = await commit("c", [b]);
    assert.ok(await repo.updateRef("refs/heads/main", a, ""));
    assert.ok(await repo.updateRef("refs/heads/feature/x", b, ""));
    assert.ok(await repo.updateRef("refs/heads/v1", b, ""));
    assert.ok(await repo.updateRef("refs/tags/v1", c, ""));
    const names = ["main", "feature/x", "v1", "refs/heads/v1", "tags/v1", c, c.slice(0, 10), "nope", "feature", "HEAD", "main~0"];
    const check = async (when: string): Promise<void> => {
      for (const n of names) assert.equal(await repo.resolve(n), await gitSays(n), `${when}: ${n}`);
    };
    await check("loose refs");
    assert.equal(await repo.resolve("main"), a);
    assert.equal(await repo.resolve("v1"), c, "the tag comes first in git's lookup order");

    // A branch moved or deleted is seen at once (nothing is cached).
    assert.ok(await repo.updateRef("refs/heads/main", b, a));
    assert.equal(await repo.resolve("main"), b);
    assert.ok(await repo.deleteRef("refs/heads/feature/x", b));
    assert.equal(await repo.resolve("feature/x"), undefined);

    await repo.git(["pack-refs", "--all"]);
    await check("packed refs");
  });
});
