// Protected-path globs: what the dev agent may not change without the permission label.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Git, matchesProtected, protectedChanges } from "../../src/git/index.ts";
import { pathsChangedSince } from "../../src/git/protected.ts";

describe("matchesProtected", () => {
  it("`dir/**` covers everything below the folder, at any depth, and the folder name itself", () => {
    const p = [".woodpecker/**"];
    assert.ok(matchesProtected(".woodpecker/ci.yml", p));
    assert.ok(matchesProtected(".woodpecker/nested/deep/x.yaml", p));
    assert.ok(matchesProtected(".woodpecker", p)); // a file that replaced the folder
    assert.ok(!matchesProtected(".woodpecker.yml", p));
    assert.ok(!matchesProtected("src/.woodpecker/ci.yml", p)); // patterns are rooted
    assert.ok(!matchesProtected("woodpecker/ci.yml", p));
  });

  it("`*` stays in one segment and matches dotfiles; `?` is one character", () => {
    assert.ok(matchesProtected("ci.yml", ["*.yml"]));
    assert.ok(matchesProtected(".hidden.yml", ["*.yml"]));
    assert.ok(!matchesProtected("deploy/ci.yml", ["*.yml"]));
    assert.ok(!matchesProtected("ci.yaml", ["*.yml"]));
    assert.ok(matchesProtected("deploy/prod.yml", ["deploy/*.yml"]));
    assert.ok(!matchesProtected("deploy/eu/prod.yml", ["deploy/*.yml"]));
    assert.ok(matchesProtected("v1.txt", ["v?.txt"]));
    assert.ok(!matchesProtected("v10.txt", ["v?.txt"]));
    assert.ok(!matchesProtected("v/.txt", ["v?.txt"]));
  });

  it("`**/` matches zero or more folders; `**` inside a segment crosses folders", () => {
    const p = ["**/*.yml"];
    assert.ok(matchesProtected("ci.yml", p));
    assert.ok(matchesProtected("a/b/c/ci.yml", p));
    assert.ok(!matchesProtected("a/b/ci.yaml", p));
    assert.ok(matchesProtected("docs/a/b/secret.pem", ["docs/**.pem"]));
    assert.ok(matchesProtected("x/Dockerfile", ["**/Dockerfile"]));
    assert.ok(matchesProtected("a/b/infra/main.tf", ["**/infra/**"]));
    assert.ok(!matchesProtected("a/b/infrastructure/main.tf", ["**/infra/**"]));
  });

  it("a pattern naming a folder protects its contents; leading ./ and / and trailing / are ignored", () => {
    assert.ok(matchesProtected("deploy/k8s/app.yaml", ["deploy"]));
    assert.ok(matchesProtected("deploy/k8s/app.yaml", ["deploy/"]));
    assert.ok(matchesProtected("deploy/k8s/app.yaml", ["/deploy/k8s"]));
    assert.ok(matchesProtected("./deploy/x", ["./deploy/**"]));
    assert.ok(!matchesProtected("deployment/x", ["deploy"]));
  });

  it("{a,b} alternation; regex characters are literal", () => {
    const p = ["{.woodpecker,.github}/**"];
    assert.ok(matchesProtected(".github/workflows/ci.yml", p));
    assert.ok(matchesProtected(".woodpecker/x.yml", p));
    assert.ok(!matchesProtected(".gitlab/x.yml", p));
    assert.ok(matchesProtected("a+b(1).txt", ["a+b(1).txt"]));
    assert.ok(!matchesProtected("aab(1).txt", ["a+b(1).txt"]));
    assert.ok(matchesProtected("weird[1].md", ["weird[1].md"]));
    assert.ok(!matchesProtected("weird1.md", ["weird[1].md"]));
  });

  it("is case-sensitive, and empty patterns or paths match nothing", () => {
    assert.ok(!matchesProtected(".Woodpecker/ci.yml", [".woodpecker/**"]));
    assert.ok(!matchesProtected("anything", []));
    assert.ok(!matchesProtected("anything", ["", "  "]));
    assert.ok(!matchesProtected("", ["**"]));
    assert.ok(matchesProtected("any/thing", ["**"]));
  });
});

describe("protectedChanges", () => {
  it("returns the protected paths in order without duplicates", () => {
    const changed = ["src/a.ts", ".woodpecker/ci.yml", "ci.yml", "src/conf.yml", ".woodpecker/ci.yml", "README.md"];
    assert.deepEqual(protectedChanges(changed, [".woodpecker/**", "*.yml"]), [".woodpecker/ci.yml", "ci.yml"]);
    assert.deepEqual(protectedChanges(changed, []), []);
    assert.deepEqual(protectedChanges([], [".woodpecker/**"]), []);
  });

  it("a rename out of a protected folder is caught by its old path", () => {
    // changedPaths and diffNames list both sides of a rename.
    assert.deepEqual(protectedChanges(["ci.yaml", ".woodpecker/ci.yaml"], [".woodpecker/**"]), [".woodpecker/ci.yaml"]);
    assert.deepEqual(protectedChanges([".woodpecker/new.yml", "old.txt"], [".woodpecker/**"]), [".woodpecker/new.yml"]);
  });
});

describe("pathsChangedSince: judged from recorded commits, not from refs in the tree", () => {
  const sh = (dir: string, args: string[]): string => execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@x", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@x" } }).trim();

  it("a protected change stays visible when the tree's refs (origin/main, HEAD's branch) are moved onto it, when history is cut, and when replace refs disguise it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "protected-"));
    try {
      sh(dir, ["init", "-q", "-b", "main"]);
      await mkdir(join(dir, ".woodpecker"));
      await writeFile(join(dir, ".woodpecker/ci.yml"), "steps: []\n");
      await writeFile(join(dir, "a.js"), "1\n");
      sh(dir, ["add", "-A"]);
      sh(dir, ["commit", "-q", "-m", "base"]);
      const base = sh(dir, ["rev-parse", "HEAD"]);
      sh(dir, ["update-ref", "refs/remotes/origin/main", base]);
      sh(dir, ["checkout", "-q", "-b", "fix/issue-1"]);
      await writeFile(join(dir, ".woodpecker/ci.yml"), "steps: [evil]\n");
      await writeFile(join(dir, "a.js"), "2\n");
      sh(dir, ["commit", "-q", "-am", "change"]);
      const head = sh(dir, ["rev-parse", "HEAD"]);
      // What the model can do in its tree: make origin/main and main point at its commit.
      sh(dir, ["update-ref", "refs/remotes/origin/main", head]);
      sh(dir, ["update-ref", "refs/heads/main", head]);
      const git = await Git.open(dir, { identity: { name: "t", email: "t@x" } });
      try {
        const fromRefs = await git.diffNames((await git.mergeBase("refs/remotes/origin/main", "HEAD")) ?? "HEAD", "HEAD");
        assert.deepEqual(fromRefs, [], "the tree's refs hide the change");
        const paths = await pathsChangedSince(git, head, { since: base, primary: base });
        assert.deepEqual(paths, [".woodpecker/ci.yml", "a.js"]);
        assert.deepEqual(protectedChanges(paths, [".woodpecker/**"]), [".woodpecker/ci.yml"]);

        // A commit with no parent shares no history with the primary branch: compared whole.
        const orphan = sh(dir, ["commit-tree", `${head}^{tree}`, "-m", "orphan"]);
        assert.deepEqual(await pathsChangedSince(git, orphan, { since: orphan, primary: base }), [".woodpecker/ci.yml", "a.js"]);

        // A replace ref makes git show the base as the head: ignored.
        sh(dir, ["replace", base, head]);
        assert.deepEqual(await pathsChangedSince(git, head, { since: base, primary: base }), [".woodpecker/ci.yml", "a.js"]);
      } finally {
        await git.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
