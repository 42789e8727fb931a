// Pull requests, reviews, commit statuses, branches, protection, repos and users through the
// Forge client, against the sandbox forge (real git underneath: diffs and merges are real).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConflictError, MergeError } from "../../src/forge/errors.ts";
import { HttpError } from "../../src/http/errors.ts";
import type { PullRequest, RepoForge } from "../../src/forge/types.ts";
import { forgeFixture, type ForgeFixture } from "./forge-fixture.ts";

let fx: ForgeFixture;
let dev: RepoForge;
let rev: RepoForge;
let main: string;

before(async () => {
  fx = await forgeFixture();
  dev = fx.dev.repo(fx.repo);
  rev = fx.review.repo(fx.repo);
  main = (await fx.dev.getRepo(fx.repo))?.defaultBranch ?? "main";
});

after(async () => {
  await fx.stop();
});

/** A branch with one new file, and the PR for it. */
async function openPr(branch: string, file: string, text: string): Promise<PullRequest> {
  await dev.branches.create(branch, main);
  await dev.contents.create(file, { text, message: `add ${file}`, branch });
  return dev.pulls.create({ head: branch, base: main, title: `Add ${file}`, body: `Adds ${file}.` });
}

describe("forge server, users, repos", () => {
  it("reports the server version and the token user", async () => {
    const v = await fx.dev.serverVersion();
    assert.ok(v.raw.length > 0);
    assert.ok(v.flavor === "forgejo" || v.flavor === "gitea");
    const me = await fx.dev.currentUser();
    assert.equal(me.login, "dev-bot");
    assert.equal((await fx.admin.currentUser()).isAdmin, true);
  });

  it("a rejected token is an HttpError 401 that never shows the token", async () => {
    const token = "f".repeat(40);
    const bad = fx.client("dev-bot", { token });
    const err = await bad.currentUser().catch((e: unknown) => e);
    assert.ok(err instanceof HttpError);
    assert.equal(err.status, 401);
    assert.equal(err.path, "/user");
    assert.ok(!`${err.message} ${err.bodySnippet} ${err.stack ?? ""}`.includes(token));
    // A failed lookup is not cached: the next call asks again.
    await assert.rejects(bad.currentUser(), HttpError);
    assert.equal(bad.requestStats().byRoute["GET /user"], 2);
  });

  it("gets a repo, and undefined for a missing one", async () => {
    const r = await fx.dev.getRepo(fx.repo);
    assert.equal(r?.fullName, `${fx.repo.owner}/${fx.repo.name}`);
    assert.equal(r?.empty, false, "auto_init made a first commit");
    assert.equal(r?.permissions?.admin, true);
    assert.equal(await fx.dev.getRepo({ owner: "dev-bot", name: "no-such-repo" }), undefined);
  });

  it("creating an existing repo is a ConflictError", async () => {
    await assert.rejects(fx.dev.createRepo({ name: fx.repo.name }), (e: unknown) => e instanceof ConflictError && e.reason === "exists");
  });

  it("creates repos in an org and, as admin, for another user", async () => {
    const org = await fx.admin.createOrg({ name: `org${Date.now()}` });
    const inOrg = await fx.admin.createRepo({ org: org.name, name: "ops", autoInit: true, private: true });
    assert.equal(inOrg.owner, org.name);
    assert.equal(inOrg.private, true);
    const forUser = await fx.admin.createRepo({ forUser: "review-bot", name: `given-${Date.now()}`, autoInit: true });
    assert.equal(forUser.owner, "review-bot");
  });

  it("adds collaborators and checks membership", async () => {
    assert.equal(await dev.collaborators.isCollaborator("review-bot"), true);
    assert.equal(await dev.collaborators.isCollaborator("admin"), false);
  });

  it("reads a collaborator's effective permission, which init uses to raise read to write", async () => {
    assert.equal(await dev.collaborators.permission("review-bot"), "write");
    await dev.collaborators.add("review-bot", "read");
    assert.equal(await dev.collaborators.permission("review-bot"), "read");
    await dev.collaborators.add("review-bot", "write");
    assert.equal(await dev.collaborators.permission("review-bot"), "write");
  });
});

describe("forge branches and protection", () => {
  it("creates, gets and deletes branches (slashes allowed); duplicates conflict", async () => {
    const b = await dev.branches.create("fix/deep/name", main);
    assert.equal(b.name, "fix/deep/name");
    assert.match(b.commitSha, /^[0-9a-f]{40}$/);
    assert.equal((await dev.branches.get("fix/deep/name"))?.commitSha, b.commitSha);
    await assert.rejects(dev.branches.create("fix/deep/name", main), (e: unknown) => e instanceof ConflictError && e.reason === "exists");
    assert.equal(await dev.branches.delete("fix/deep/name"), true);
    assert.equal(await dev.branches.get("fix/deep/name"), undefined);
    assert.equal(await dev.branches.delete("fix/deep/name"), false);
  });

  it("creates and then edits a protection rule", async () => {
    assert.equal(await dev.protections.get("release/*"), undefined);
    const p1 = await dev.protections.upsert("release/*", { requiredApprovals: 1, enableStatusCheck: true, statusCheckContexts: ["ci/woodpecker/pr/*"] });
    assert.equal(p1.ruleName, "release/*");
    assert.equal(p1.requiredApprovals, 1);
    assert.deepEqual(p1.statusCheckContexts, ["ci/woodpecker/pr/*"]);
    const p2 = await dev.protections.upsert("release/*", { requiredApprovals: 2 });
    assert.equal(p2.requiredApprovals, 2);
    assert.equal((await dev.protections.get("release/*"))?.requiredApprovals, 2);
  });
});

describe("forge pull requests", () => {
  let pr: PullRequest;

  before(async () => {
    pr = await openPr("feature/widget", "widget.txt", "spin\n");
  });

  it("creates a PR and reads it back: get, list, findByHead", async () => {
    assert.equal(pr.title, "Add widget.txt");
    assert.equal(pr.head.ref, "feature/widget");
    assert.equal(pr.base.ref, main);
    assert.match(pr.head.sha, /^[0-9a-f]{40}$/);
    assert.equal(pr.state, "open");
    assert.equal(pr.merged, false);
    assert.equal(pr.author, "dev-bot");
    assert.equal((await dev.pulls.get(pr.number))?.number, pr.number);
    assert.equal(await dev.pulls.get(99_999), undefined);
    assert.ok((await dev.pulls.list()).some((p) => p.number === pr.number));
    assert.equal((await dev.pulls.findByHead("feature/widget"))?.number, pr.number);
    assert.equal(await dev.pulls.findByHead("feature/other"), undefined);
    const asIssue = await dev.issues.get(pr.number);
    assert.equal(asIssue?.isPull, true);
  });

  it("a second PR for the same head and base is a ConflictError", async () => {
    await assert.rejects(
      dev.pulls.create({ head: "feature/widget", base: main, title: "again" }),
      (e: unknown) => e instanceof ConflictError && e.reason === "exists",
    );
  });

  it("returns the diff text and the changed files", async () => {
    const diff = await dev.pulls.diff(pr.number);
    assert.match(diff, /^diff --git a\/widget\.txt b\/widget\.txt/m);
    assert.match(diff, /^\+spin$/m);
    const files = await dev.pulls.files(pr.number);
    assert.deepEqual(
      files.map((f) => [f.filename, f.status, f.additions]),
      [["widget.txt", "added", 1]],
    );
  });

  it("combined status is 'none' before any CI, then the worst latest state per context", async () => {
    const sha = pr.head.sha;
    const none = await dev.statuses.combined(sha);
    assert.equal(none.state, "none");
    assert.deepEqual(none.statuses, []);
    await dev.statuses.create(sha, { state: "pending", context: "ci/woodpecker/pr/test", targetUrl: "http://ci/1" });
    assert.equal((await dev.statuses.combined(sha)).state, "pending");
    const s = await dev.statuses.create(sha, { state: "success", context: "ci/woodpecker/pr/test", description: "ok" });
    assert.equal(s.state, "success");
    assert.equal(s.context, "ci/woodpecker/pr/test");
    await dev.statuses.create(sha, { state: "failure", context: "ci/woodpecker/pr/lint" });
    const combined = await dev.statuses.combined("feature/widget");
    assert.equal(combined.state, "failure");
    assert.equal(combined.totalCount, 2);
    const list = await dev.statuses.list(sha);
    assert.equal(list.length, 3);
  });

  it("reviews: the reviewer approves and requests changes on a commit; the author cannot approve", async () => {
    const sha = pr.head.sha;
    const rc = await rev.reviews.create(pr.number, { event: "REQUEST_CHANGES", body: "Please add a test.", commitId: sha });
    assert.equal(rc.state, "REQUEST_CHANGES");
    assert.equal(rc.author, "review-bot");
    assert.equal(rc.commitId, sha);
    const ok = await rev.reviews.create(pr.number, { event: "APPROVED", body: "LGTM <!-- reviewed: " + sha + " -->", commitId: sha });
    assert.equal(ok.state, "APPROVED");
    assert.equal(ok.official, true);
    const c = await rev.reviews.create(pr.number, { event: "COMMENT", body: "a note", commitId: sha });
    assert.equal(c.state, "COMMENT");
    await assert.rejects(dev.reviews.create(pr.number, { event: "APPROVED", body: "self", commitId: sha }), /422/);
    await assert.rejects(rev.reviews.create(pr.number, { event: "COMMENT", body: " ", commitId: sha }), /must not be empty/);
    const list = await dev.reviews.list(pr.number);
    assert.deepEqual(
      list.map((r) => r.state),
      ["REQUEST_CHANGES", "APPROVED", "COMMENT"],
    );
    const dismissed = await dev.reviews.dismiss(pr.number, rc.id, "addressed");
    assert.equal(dismissed.dismissed, true);
    assert.equal((await dev.reviews.list(pr.number)).find((r) => r.id === rc.id)?.dismissed, true);
  });

  it("merge refuses a stale head_commit_id, then merges and deletes the branch", async () => {
    await assert.rejects(
      dev.pulls.merge(pr.number, { headCommitId: "0".repeat(40) }),
      (e: unknown) => e instanceof MergeError && e.failure === "conflict",
    );
    assert.equal(await dev.pulls.merge(pr.number, { style: "merge", headCommitId: pr.head.sha, deleteBranchAfterMerge: true }), "merged");
    const merged = await dev.pulls.get(pr.number);
    assert.equal(merged?.merged, true);
    assert.match(merged?.mergeCommitSha ?? "", /^[0-9a-f]{40}$/);
    assert.equal(await dev.branches.get("feature/widget"), undefined);
    assert.equal((await dev.contents.get("widget.txt"))?.text, "spin\n");
    await assert.rejects(dev.pulls.merge(pr.number), (e: unknown) => e instanceof MergeError && e.failure === "not_allowed");
  });

  it("updates a PR branch that is behind its base", async () => {
    const behind = await openPr("feature/behind", "behind.txt", "b\n");
    await dev.contents.create("on-main.txt", { text: "m\n", message: "main moves on", branch: main });
    await dev.pulls.updateBranch(behind.number);
    const after = await dev.pulls.get(behind.number);
    assert.notEqual(after?.head.sha, behind.head.sha);
    assert.equal((await dev.contents.get("on-main.txt", { ref: "feature/behind" }))?.text, "m\n");
  });

  it("squash-merges a PR", async () => {
    const p = await openPr("feature/squash", "squash.txt", "s\n");
    assert.equal(await dev.pulls.merge(p.number, { style: "squash", title: "Squashed widget" }), "merged");
    assert.equal((await dev.pulls.findByHead("feature/squash", { state: "all" }))?.merged, true);
  });
});
