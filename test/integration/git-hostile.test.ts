// src/git against a working tree a hostile model owned: whatever it planted in the tree — a
// `.git` folder of its own with hooks, an fsmonitor, filter and diff drivers, an include and a
// credential helper, `.gitattributes` naming them — never runs when the runner commits,
// diffs, fetches and pushes. A root runner on a tree owned by another uid is not stopped by
// "dubious ownership". Transient failures of the forge's git endpoint are retried (seeded
// fault injection), auth failures are not; a dry run pushes nothing and says what it would do.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { chown, mkdtemp, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { forgeFixture, type ForgeFixture } from "./forge-fixture.ts";
import { Git, GitAuthError, type GitAuth } from "../../src/git/index.ts";
import { giveTree } from "../../src/llm/isolation.ts";

let fx: ForgeFixture;
let work: string;
let auth: GitAuth;
const identity = { name: "Dev Bot", email: "dev-bot@sandbox.invalid" };
const opened: Git[] = [];
const FAST = { attempts: 6, baseDelayMs: 5, maxDelayMs: 40 };

before(async () => {
  fx = await forgeFixture();
  work = await mkdtemp(join(tmpdir(), "git-hostile-"));
  auth = { username: "dev-bot", secret: fx.sandbox.users["dev-bot"]?.token ?? "" };
});
after(async () => {
  fx.sandbox.setFaults([]);
  await Promise.all(opened.map((g) => g.dispose()));
  await fx.stop();
  await rm(work, { recursive: true, force: true });
});

async function newRepo(): Promise<{ name: string; url: string }> {
  const name = `h-${randomUUID().slice(0, 8)}`;
  await fx.dev.createRepo({ name, autoInit: true });
  return { name, url: `${fx.sandbox.url}/dev-bot/${name}.git` };
}

async function clone(url: string, extra: Partial<Parameters<typeof Git.clone>[0]> = {}): Promise<Git> {
  const g = await Git.clone({ url, dir: join(work, randomUUID().slice(0, 8)), auth, identity, retry: FAST, ...extra });
  opened.push(g);
  return g;
}

describe("git: the runner's git never runs what the model planted in the tree", () => {
  it("the git dir lives outside the tree, runner-owned and not writable by others", async () => {
    const g = await clone((await newRepo()).url);
    assert.ok(g.gitDir !== undefined && !g.gitDir.startsWith(g.dir), g.gitDir);
    const st = await stat(g.gitDir);
    assert.equal(st.uid, process.getuid?.());
    assert.equal(st.mode & 0o022, 0, "group/others may write the git dir");
    assert.equal((await stat(join(g.gitDir, ".."))).mode & 0o022, 0);
  });

  it("a planted .git folder, hooks, fsmonitor, filters, diff drivers, include and credential helper: nothing runs, the commit and push are right", async () => {
    const repo = await newRepo();
    const g = await clone(repo.url);
    const ran = join(work, `ran-${randomUUID().slice(0, 6)}`);
    const evil = join(work, `evil-${randomUUID().slice(0, 6)}.sh`);
    await writeFile(evil, `#!/bin/sh\necho "$0 $*" >> '${ran}'\nenv >> '${ran}'\ncat\n`, { mode: 0o755 });
    // What the model can do: replace the `.git` file with a repository of its own making.
    await rm(join(g.dir, ".git"), { recursive: true, force: true });
    await mkdir(join(g.dir, ".git", "hooks"), { recursive: true });
    const hooks = ["pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "pre-push", "reference-transaction", "post-checkout", "post-index-change"];
    for (const h of hooks) await writeFile(join(g.dir, ".git", "hooks", h), `#!/bin/sh\n'${evil}' hook-${h}\n`, { mode: 0o755 });
    await writeFile(join(g.dir, "included.cfg"), `[core]\n\tfsmonitor = ${evil}\n`);
    await writeFile(
      join(g.dir, ".git", "config"),
      [
        "[core]",
        "\trepositoryformatversion = 0",
        `\tfsmonitor = ${evil}`,
        `\thooksPath = ${join(g.dir, ".git", "hooks")}`,
        `\tsshCommand = ${evil}`,
        `\tpager = ${evil}`,
        "[include]",
        `\tpath = ${join(g.dir, "included.cfg")}`,
        '[filter "evil"]',
        `\tclean = ${evil} clean`,
        `\tsmudge = ${evil} smudge`,
        `\tprocess = ${evil} process`,
        "\trequired = true",
        '[diff "evil"]',
        `\tcommand = ${evil} diff`,
        `\ttextconv = ${evil} textconv`,
        "[credential]",
        `\thelper = !${evil} credential`,
        '[remote "origin"]',
        `\turl = ${fx.sandbox.url}/dev-bot/elsewhere.git`,
        "",
      ].join("\n"),
    );
    await writeFile(join(g.dir, ".gitattributes"), "* filter=evil diff=evil\n");
    await writeFile(join(g.dir, "feature.txt"), "feature\n");

    const sha = await g.commitAll("#1: feature");
    assert.ok(sha);
    assert.match(await g.diff("origin/main", "HEAD"), /\+feature/);
    assert.deepEqual((await g.diffNames("origin/main")).sort(), [".gitattributes", "feature.txt", "included.cfg"]);
    await g.checkoutNewBranch("fix/issue-1", "HEAD");
    await g.push("fix/issue-1");
    await g.fetch();
    assert.equal(await g.remoteBranchSha("fix/issue-1"), sha);
    assert.equal((await fx.dev.repo({ owner: "dev-bot", name: repo.name }).branches.get("fix/issue-1"))?.commitSha, sha);
    await assert.rejects(stat(ran), { code: "ENOENT" }, "something the model planted ran");
    // the planted repository was not committed into the project
    const tracked = (await g.run(["ls-files"])).stdout.split("\n");
    assert.ok(!tracked.some((f) => f.startsWith(".git/")), tracked.join(","));
  });

  it("a root runner commits in a tree owned by another uid (safe.directory for that tree only)", { skip: process.getuid?.() !== 0 ? "needs root to chown the tree" : false }, async () => {
    const g = await clone((await newRepo()).url);
    await writeFile(join(g.dir, "owned.txt"), "by the model\n");
    await giveTree(g.dir, 65534, 65534);
    assert.equal((await stat(g.dir)).uid, 65534);
    const sha = await g.commitAll("in a tree the runner does not own");
    assert.ok(sha);
    assert.deepEqual(await g.changedPaths(), []);
    await chown(g.dir, 0, 0);
  });
});

describe("git: transient failures are retried, the others are not", () => {
  it("clone, fetch, ls-remote and push get through 40% injected 5xx and dropped connections on the git endpoint", async () => {
    const repo = await newRepo();
    const lines: string[] = [];
    fx.sandbox.setFaults([{ route: `* /dev-bot/${repo.name}.git/**`, errorRate: 0.25, dropRate: 0.15 }]);
    try {
      // An attempt makes two or three requests, so at 40 % faults it fails about 2 times in 3:
      // 30 attempts leave one operation in a million to bad luck (12 failed a run in ~20).
      const g = await clone(repo.url, { retry: { attempts: 30, baseDelayMs: 5, maxDelayMs: 40 }, log: (l) => lines.push(l) });
      for (let i = 0; i < 3; i++) {
        await writeFile(join(g.dir, `f${i}.txt`), `${i}\n`);
        const sha = await g.commitAll(`commit ${i}`);
        await g.push("flaky");
        await g.fetch();
        assert.equal(await g.remoteBranchSha("flaky"), sha);
      }
    } finally {
      fx.sandbox.setFaults([]);
    }
    assert.ok(lines.some((l) => /transient failure .*attempt \d+\/30/.test(l)), `no retry happened (faults too rare for this seed?):\n${lines.join("\n")}`);
  });

  it("a re-push of the same commit is a no-op, not an error", async () => {
    const g = await clone((await newRepo()).url);
    await writeFile(join(g.dir, "a.txt"), "a\n");
    const sha = await g.commitAll("a");
    await g.push("twice");
    await g.push("twice");
    assert.equal(await g.remoteBranchSha("twice"), sha);
  });

  it("wrong credentials fail at once: one attempt, GitAuthError", async () => {
    const repo = await newRepo();
    const lines: string[] = [];
    await assert.rejects(
      Git.clone({ url: repo.url, dir: join(work, "badauth"), auth: { username: "dev-bot", secret: "f".repeat(40) }, identity, retry: FAST, log: (l) => lines.push(l) }),
      (e: unknown) => e instanceof GitAuthError,
    );
    assert.equal(lines.filter((l) => /^git clone →/.test(l)).length, 1, lines.join("\n"));
    assert.ok(!lines.some((l) => /transient/.test(l)));
  });
});

describe("git: dry run", () => {
  it("push touches nothing on the remote, logs one line naming branch, sha and the clean URL, and returns as if pushed", async () => {
    const repo = await newRepo();
    const lines: string[] = [];
    const g = await clone(repo.url, { dryRun: true, log: (l) => lines.push(l) });
    await writeFile(join(g.dir, "d.txt"), "d\n");
    const sha = await g.commitAll("dry");
    assert.ok(sha);
    await g.push("dry-branch");
    assert.equal(await g.revParse("origin/dry-branch"), sha, "origin/<branch> moves as after a push");
    assert.equal(await fx.dev.repo({ owner: "dev-bot", name: repo.name }).branches.get("dry-branch"), undefined);
    const said = lines.filter((l) => l.startsWith("dry run:"));
    assert.deepEqual(said, [`dry run: would push dry-branch ${sha} to ${repo.url}`]);
    assert.ok(!lines.some((l) => l.includes(auth.secret)));
    assert.ok(!lines.some((l) => /git push/.test(l)), "git push ran");
  });
});

describe("git: leftovers", () => {
  it("dispose removes the private HOME and the git dir, not the tree", async () => {
    const g = await Git.clone({ url: (await newRepo()).url, dir: join(work, "left"), auth, identity });
    const gitDir = g.gitDir ?? "";
    await g.dispose();
    await assert.rejects(stat(g.home), { code: "ENOENT" });
    await assert.rejects(stat(gitDir), { code: "ENOENT" });
    assert.ok((await readdir(join(work, "left"))).length > 0, "the working tree stays");
  });
});
