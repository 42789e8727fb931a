// src/git against the sandbox forge: real git over smart HTTP with dev-bot's token, real repos
// created through the API. Clone/commit/push/fetch round trips, branches, rejections, empty
// repositories and the working-tree queries the dev and review agents use.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, mkdir, rm, writeFile, rename, unlink, stat, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { forgeFixture, type ForgeFixture } from "./forge-fixture.ts";
import { Git, GitError, GitUrlError, BranchNotFoundError, PushRejectedError, GitAuthError, protectedChanges, type GitAuth } from "../../src/git/index.ts";

let fx: ForgeFixture;
let work: string;
let auth: GitAuth;
const identity = { name: "Dev Bot", email: "dev-bot@sandbox.invalid" };
const opened: Git[] = [];

before(async () => {
  fx = await forgeFixture();
  work = await mkdtemp(join(tmpdir(), "git-it-"));
  auth = { username: "dev-bot", secret: fx.sandbox.users["dev-bot"]?.token ?? "" };
});
after(async () => {
  await Promise.all(opened.map((g) => g.dispose()));
  await fx.stop();
  await rm(work, { recursive: true, force: true });
});

/** A fresh auto-initialised repo owned by dev-bot. */
async function newRepo(autoInit = true): Promise<{ name: string; url: string }> {
  const name = `g-${randomUUID().slice(0, 8)}`;
  await fx.dev.createRepo({ name, autoInit });
  return { name, url: `${fx.sandbox.url}/dev-bot/${name}.git` };
}

async function clone(url: string, extra: Partial<Parameters<typeof Git.clone>[0]> = {}): Promise<Git> {
  const g = await Git.clone({ url, dir: join(work, randomUUID().slice(0, 8)), auth, identity, ...extra });
  opened.push(g);
  return g;
}

describe("git: round trip", () => {
  it("clones, commits as the identity, pushes a new branch visible through the forge API, fetches changes back", async () => {
    const repo = await newRepo();
    const a = await clone(repo.url);
    const base = await a.head();
    assert.equal(await a.revParse("origin/main"), base);
    assert.equal(await a.remoteBranchSha("main"), base);

    await a.checkoutNewBranch("fix/issue-12", "origin/main");
    await writeFile(join(a.dir, "feature.txt"), "feature\n");
    const sha = await a.commitAll("#12: add feature\n\nLonger body.");
    assert.ok(sha && /^[0-9a-f]{40}$/.test(sha));
    assert.equal(await a.head(), sha);
    const meta = await a.run(["log", "-1", "--format=%an <%ae>|%cn <%ce>|%B"]);
    assert.equal(meta.stdout.trim(), "Dev Bot <dev-bot@sandbox.invalid>|Dev Bot <dev-bot@sandbox.invalid>|#12: add feature\n\nLonger body.");
    await a.push("fix/issue-12");

    const branch = await fx.dev.repo({ owner: "dev-bot", name: repo.name }).branches.get("fix/issue-12");
    assert.equal(branch?.commitSha, sha);
    assert.equal(await a.remoteBranchSha("fix/issue-12"), sha);
    assert.equal(await a.revParse("origin/fix/issue-12"), sha, "push keeps the remote-tracking ref in step");
    assert.equal(await a.remoteBranchSha("no-such-branch"), undefined);

    assert.deepEqual(await a.log("origin/main..HEAD"), [{ sha, subject: "#12: add feature" }]);
    assert.equal(await a.mergeBase("origin/main", "HEAD"), base);
    assert.deepEqual(await a.diffNames("origin/main", "HEAD"), ["feature.txt"]);
    assert.match(await a.diff("origin/main", "HEAD"), /^\+\+\+ b\/feature\.txt\n@@ -0,0 \+1 @@\n\+feature$/m);

    // Someone else moves main (through the API); fetch brings it, and a second clone sees the branch.
    const api = fx.dev.repo({ owner: "dev-bot", name: repo.name });
    await api.contents.create("upstream.txt", { text: "up\n", message: "upstream" });
    const upstream = (await api.branches.get("main"))?.commitSha;
    assert.ok(upstream && upstream !== base);
    await a.fetch();
    assert.equal(await a.revParse("origin/main"), upstream);
    assert.equal(await a.mergeBase("origin/main", "HEAD"), base);
    const b = await clone(repo.url, { branch: "fix/issue-12" });
    assert.equal(await b.head(), sha);
    assert.deepEqual((await b.run(["symbolic-ref", "--short", "HEAD"])).stdout.trim(), "fix/issue-12");

    // A deleted remote branch disappears from origin/* on the next default fetch.
    await fx.dev.repo({ owner: "dev-bot", name: repo.name }).branches.delete("fix/issue-12");
    await a.fetch();
    assert.equal(await a.revParse("origin/fix/issue-12"), undefined);
  });

  it("checkout switches to a remote branch (DWIM) or a sha; checkoutNewBranch resets an existing local branch", async () => {
    const repo = await newRepo();
    const a = await clone(repo.url);
    const main = await a.head();
    await a.checkoutNewBranch("work", "origin/main");
    await writeFile(join(a.dir, "w.txt"), "w\n");
    const w = await a.commitAll("work");
    await a.push("work");
    const b = await clone(repo.url);
    await b.fetch();
    await b.checkout("work");
    assert.equal(await b.head(), w);
    await b.checkout(main);
    assert.equal(await b.head(), main);
    // `work` exists locally with a commit; resetting it to origin/main drops that commit.
    await a.checkoutNewBranch("work", "origin/main");
    assert.equal(await a.head(), main);
    assert.equal((await a.run(["symbolic-ref", "--short", "HEAD"])).stdout.trim(), "work");
    await assert.rejects(a.checkout("no-such-ref"), (e: unknown) => e instanceof GitError && e.subcommand === "checkout");
    await assert.rejects(a.checkout("--orphan"), (e: unknown) => e instanceof GitError && /must .*not start with "-"/.test(e.message));
  });

  it("Git.open reads and pins the clean origin URL; refuses a tree that is not a repository", async () => {
    const repo = await newRepo();
    const a = await clone(repo.url);
    const o = await Git.open(a.dir, { auth, identity });
    opened.push(o);
    assert.equal(o.url, repo.url);
    assert.equal(await o.remoteBranchSha("main"), await a.head());
    const plain = join(work, `plain-${randomUUID().slice(0, 6)}`);
    await mkdir(join(plain, "sub"), { recursive: true });
    await assert.rejects(Git.open(plain, { identity }), (e: unknown) => e instanceof GitError && /not the top of a git working tree/.test(e.message));
    // A sub-folder of a clone is not its top either (no walking up into an enclosing repo).
    await mkdir(join(a.dir, "sub"), { recursive: true });
    await assert.rejects(Git.open(join(a.dir, "sub"), { identity }), GitError);
  });
});

describe("git: commits", () => {
  it("commitAll stages new, changed, deleted and untracked nested files; nothing to commit → undefined", async () => {
    const repo = await newRepo();
    const g = await clone(repo.url);
    const before = await g.head();
    assert.equal(await g.commitAll("nothing"), undefined);
    assert.deepEqual(await g.changedPaths(), []);

    await writeFile(join(g.dir, "README.md"), "changed\n");
    await mkdir(join(g.dir, "a", "b"), { recursive: true });
    await writeFile(join(g.dir, "a", "b", "new file.txt"), "n\n");
    await writeFile(join(g.dir, "gone.txt"), "g\n");
    const second = await g.commitAll("add gone");
    assert.ok(second);
    await unlink(join(g.dir, "gone.txt"));
    await writeFile(join(g.dir, "later.txt"), "l\n");
    assert.deepEqual((await g.changedPaths()).sort(), ["gone.txt", "later.txt"]);
    const third = await g.commitAll("remove gone");
    assert.ok(third);
    assert.deepEqual(await g.changedPaths(), []);
    assert.deepEqual((await g.diffNames(before, "HEAD")).sort(), ["README.md", "a/b/new file.txt", "later.txt"]);
    assert.deepEqual((await g.diffNames(second, third)).sort(), ["gone.txt", "later.txt"]);
    assert.equal(await g.commitAll("again nothing"), undefined);
    assert.equal(await g.head(), third);
    await assert.rejects(g.commitAll("   \n"), GitError);
  });

  it("renames report both paths, so a protected file moved out of .woodpecker/ is caught", async () => {
    const repo = await newRepo();
    const g = await clone(repo.url);
    await mkdir(join(g.dir, ".woodpecker"), { recursive: true });
    await writeFile(join(g.dir, ".woodpecker", "ci.yml"), "steps: []\n");
    const base = await g.commitAll("ci");
    assert.ok(base);
    await rename(join(g.dir, ".woodpecker", "ci.yml"), join(g.dir, "ci.yml.bak"));
    assert.deepEqual(protectedChanges(await g.changedPaths(), [".woodpecker/**"]), [".woodpecker/ci.yml"]);
    await g.run(["add", "--all"]); // staged, git reports it as one rename entry
    assert.deepEqual((await g.changedPaths()).sort(), [".woodpecker/ci.yml", "ci.yml.bak"]);
    await g.commitAll("move ci");
    assert.deepEqual(protectedChanges(await g.diffNames(base, "HEAD"), [".woodpecker/**"]), [".woodpecker/ci.yml"]);
    assert.match(await g.diff(base, "HEAD"), /rename from \.woodpecker\/ci\.yml|deleted file mode/);
  });

  it("hooks written into .git/hooks (or a hooksPath set in .git/config) never run", async () => {
    const repo = await newRepo();
    const g = await clone(repo.url);
    const marker = join(work, `hook-ran-${randomUUID().slice(0, 6)}`);
    const script = `#!/bin/sh\necho "$0" >> '${marker}'\nexit 1\n`;
    const hooks = ["pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "pre-push", "reference-transaction", "post-checkout"];
    assert.ok(g.gitDir !== undefined);
    for (const h of hooks) await writeFile(join(g.gitDir, "hooks", h), script, { mode: 0o755 });
    await mkdir(join(g.dir, ".githooks"));
    for (const h of hooks) await writeFile(join(g.dir, ".githooks", h), script, { mode: 0o755 });
    await g.run(["config", "core.hooksPath", ".githooks"]);
    await writeFile(join(g.dir, "x.txt"), "x\n");
    const sha = await g.commitAll("with hooks around");
    assert.ok(sha);
    await g.checkoutNewBranch("hooked", "HEAD");
    await g.push("hooked");
    assert.equal(await g.remoteBranchSha("hooked"), sha);
    await assert.rejects(stat(marker), { code: "ENOENT" }, "a hook ran");
  });
});

describe("git: push rejections", () => {
  it("a protected branch refuses dev-bot with PushRejectedError(protected)", async () => {
    const repo = await newRepo();
    await fx.admin.repo({ owner: "dev-bot", name: repo.name }).protections.upsert("main", { enablePush: true, pushWhitelistUsernames: ["admin"] });
    const g = await clone(repo.url);
    await writeFile(join(g.dir, "direct.txt"), "d\n");
    await g.commitAll("direct to main");
    await assert.rejects(g.push("main"), (e: unknown) => e instanceof PushRejectedError && e.reason === "protected" && e.branch === "main" && /protected/.test(e.message));
    const remote = await fx.dev.repo({ owner: "dev-bot", name: repo.name }).branches.get("main");
    assert.notEqual(remote?.commitSha, await g.head());
  });

  it("non-fast-forward is PushRejectedError(non-fast-forward); force: true replaces the branch", async () => {
    const repo = await newRepo();
    const a = await clone(repo.url);
    const b = await clone(repo.url);
    await a.checkoutNewBranch("topic", "origin/main");
    await writeFile(join(a.dir, "a.txt"), "a\n");
    await a.commitAll("from a");
    await a.push("topic");
    await b.checkoutNewBranch("topic", "origin/main");
    await writeFile(join(b.dir, "b.txt"), "b\n");
    const bSha = await b.commitAll("from b");
    await assert.rejects(b.push("topic"), (e: unknown) => e instanceof PushRejectedError && e.reason === "non-fast-forward" && e.exitCode === 1);
    await b.push("topic", { force: true });
    assert.equal((await fx.dev.repo({ owner: "dev-bot", name: repo.name }).branches.get("topic"))?.commitSha, bSha);
  });

  it("a reader cannot push: GitAuthError, not a rejection", async () => {
    const repo = await newRepo();
    await fx.dev.repo({ owner: "dev-bot", name: repo.name }).collaborators.add("review-bot", "read");
    const reviewAuth = { username: "review-bot", secret: fx.sandbox.users["review-bot"]?.token ?? "" };
    const g = await clone(repo.url, { auth: reviewAuth, identity: { name: "Review Bot", email: "review@x.invalid" } });
    await writeFile(join(g.dir, "r.txt"), "r\n");
    await g.commitAll("reader");
    await assert.rejects(g.push("from-reader"), (e: unknown) => e instanceof GitAuthError && e.subcommand === "push" && /review-bot/.test(e.message));
  });
});

describe("git: edge cases", () => {
  it("an empty repository clones, starts the requested branch, commits and pushes its first commit", async () => {
    const repo = await newRepo(false);
    const g = await clone(repo.url);
    assert.equal(await g.revParse("HEAD"), undefined);
    await assert.rejects(g.head(), (e: unknown) => e instanceof GitError && /no commit yet/.test(e.message));
    assert.equal(await g.remoteBranchSha("main"), undefined);
    await g.fetch(); // nothing to fetch is not an error
    assert.equal(await g.commitAll("empty"), undefined);
    await writeFile(join(g.dir, "first.txt"), "1\n");
    const sha = await g.commitAll("first");
    assert.ok(sha);
    await g.push("main");
    assert.equal(await g.remoteBranchSha("main"), sha);

    const other = await newRepo(false);
    const d = await clone(other.url, { branch: "develop" });
    assert.equal((await d.run(["symbolic-ref", "HEAD"])).stdout.trim(), "refs/heads/develop");
  });

  it("clone of a missing branch is BranchNotFoundError and leaves no directory behind", async () => {
    const repo = await newRepo();
    const dir = join(work, `nb-${randomUUID().slice(0, 6)}`);
    await assert.rejects(Git.clone({ url: repo.url, dir, auth, identity, branch: "nope" }), (e: unknown) => e instanceof BranchNotFoundError && e.branch === "nope");
    await assert.rejects(stat(dir), { code: "ENOENT" });
  });

  it("refuses a non-empty target, a URL with credentials, and a missing repository", async () => {
    const repo = await newRepo();
    const full = join(work, `full-${randomUUID().slice(0, 6)}`);
    await mkdir(full);
    await writeFile(join(full, "x"), "x");
    await assert.rejects(Git.clone({ url: repo.url, dir: full, auth, identity }), /exists and is not empty/);
    const empty = join(work, `empty-${randomUUID().slice(0, 6)}`);
    await mkdir(empty);
    opened.push(await Git.clone({ url: repo.url, dir: empty, auth, identity, depth: 1 }));
    assert.deepEqual((await readdir(empty)).sort(), [".git", "README.md"]);

    const baked = repo.url.replace("://", `://dev-bot:${auth.secret}@`);
    await assert.rejects(
      Git.clone({ url: baked, dir: join(work, "baked"), auth, identity }),
      (e: unknown) => e instanceof GitUrlError && !e.message.includes(auth.secret),
    );
    await assert.rejects(
      Git.clone({ url: `${fx.sandbox.url}/dev-bot/does-not-exist.git`, dir: join(work, "missing"), auth, identity }),
      (e: unknown) => e instanceof GitError && e.subcommand === "clone" && e.exitCode === 128,
    );
  });

  it("wrong credentials are GitAuthError; a timeout kills git and says so", async () => {
    const repo = await newRepo();
    await assert.rejects(
      Git.clone({ url: repo.url, dir: join(work, "wrong"), auth: { username: "dev-bot", secret: "f".repeat(40) }, identity }),
      (e: unknown) => e instanceof GitAuthError && !e.message.includes("f".repeat(40)),
    );
    await assert.rejects(Git.clone({ url: repo.url, dir: join(work, "slow"), auth, identity, timeoutMs: 1 }), (e: unknown) => e instanceof GitError && e.timedOut && e.exitCode === undefined && /timed out/.test(e.message));
  });
});
