// Sandbox forge over HTTP: pull requests, reviews, commit statuses, branch protection and
// real merges (the base branch moves in git, `Fixes #N` closes issues), plus the events a
// sandbox CI subscribes to.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call --
   response bodies are untyped JSON here; test/contract/sandbox-forge.test.ts holds their shapes to the swagger. */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandboxForge, type SandboxForge, type ForgeEvent } from "../../src/sandbox/forge/index.ts";
import { api, b64, git, type Api } from "../helpers/sandbox-forge.ts";

let forge: SandboxForge;
let dataDir: string;
let admin: Api;
let dev: Api;
let reviewer: Api;
let planner: Api;
const events: ForgeEvent[] = [];
const R = "/repos/demo/calc";

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "sandbox-forge-pulls-"));
  forge = await startSandboxForge({ seed: "demo", dataDir });
  forge.onEvent((e) => events.push(e));
  admin = api(forge, "admin");
  dev = api(forge, "dev-bot");
  reviewer = api(forge, "review-bot");
  planner = api(forge, "planner-bot"); // write collaborator: its reviews are official
});
after(async () => {
  await forge.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const gitDir = (): string => join(dataDir, "repos", "demo", "calc.git");

/** A new branch off main whose commit writes `path`, through the contents API. */
async function branchWith(branch: string, path: string, content: string, as: Api = dev): Promise<string> {
  const cur = await as("GET", `${R}/contents/${path}?ref=main`);
  const body = { content: b64(content), branch: "main", new_branch: branch, message: `change ${path} on ${branch}` };
  const r = cur.status === 200 ? await as("PUT", `${R}/contents/${path}`, { ...body, sha: cur.body.sha }) : await as("POST", `${R}/contents/${path}`, body);
  assert.ok(r.status === 200 || r.status === 201, `branch ${branch}: ${r.status} ${r.text}`);
  return r.body.commit.sha as string;
}

async function openPull(branch: string, body = "", title = `PR from ${branch}`): Promise<{ number: number; head: string }> {
  const r = await dev("POST", `${R}/pulls`, { head: branch, base: "main", title, body });
  assert.equal(r.status, 201, r.text);
  return { number: r.body.number, head: r.body.head.sha };
}

describe("sandbox forge: pull requests", () => {
  it("creates a PR (201) with head/base shas and mergeable; 409 duplicate, 422 head==base, 404 unknown branch", async () => {
    const head = await branchWith("feat/multiply", "src/calc.js", "export const add = (a, b) => a + b;\nexport const multiply = (a, b) => a * b;\n");
    const r = await dev("POST", `${R}/pulls`, { head: "feat/multiply", base: "main", title: "Add multiply", body: "Fixes #1" });
    assert.equal(r.status, 201);
    assert.equal(r.body.head.ref, "feat/multiply");
    assert.equal(r.body.head.sha, head);
    assert.equal(r.body.base.ref, "main");
    assert.match(r.body.base.sha, /^[0-9a-f]{40}$/);
    assert.equal(r.body.mergeable, true);
    assert.equal(r.body.merged, false);
    assert.equal(r.body.state, "open");
    assert.equal(r.body.changed_files, 1);
    assert.equal(r.body.user.login, "dev-bot");
    assert.equal((await dev("POST", `${R}/pulls`, { head: "feat/multiply", base: "main", title: "again" })).status, 409);
    assert.equal((await dev("POST", `${R}/pulls`, { head: "main", base: "main", title: "same" })).status, 422);
    assert.equal((await dev("POST", `${R}/pulls`, { head: "no/such", base: "main", title: "x" })).status, 404);
    assert.equal((await dev("POST", `${R}/pulls`, { head: "feat/multiply", base: "main" })).status, 422);
    const opened = events.find((e) => e.type === "pull_request" && e.action === "opened" && e.number === r.body.number);
    assert.ok(opened);
  });

  it("gets, lists, finds by base/head, shows as an issue, and serves .diff and files", async () => {
    const list = await dev("GET", `${R}/pulls?state=open`);
    assert.equal(list.status, 200);
    assert.equal(list.headers.get("x-total-count"), String(list.body.length));
    const pr = list.body.find((p: { head: { ref: string } }) => p.head.ref === "feat/multiply");
    assert.ok(pr);
    assert.equal((await dev("GET", `${R}/pulls/${pr.number}`)).body.id, pr.id);
    const byBranch = await dev("GET", `${R}/pulls/main/feat/multiply`);
    assert.equal(byBranch.status, 200);
    assert.equal(byBranch.body.number, pr.number);
    assert.equal((await dev("GET", `${R}/pulls/main/no-such-branch`)).status, 404);
    const asIssue = await dev("GET", `${R}/issues/${pr.number}`);
    assert.equal(asIssue.body.pull_request.merged, false);
    const diff = await dev("GET", `${R}/pulls/${pr.number}.diff`);
    assert.equal(diff.status, 200);
    assert.match(diff.headers.get("content-type") ?? "", /^text\/plain/);
    assert.match(diff.text, /^diff --git a\/src\/calc.js b\/src\/calc.js/m);
    assert.match(diff.text, /^\+export const multiply/m);
    const files = await dev("GET", `${R}/pulls/${pr.number}/files`);
    assert.deepEqual(files.body.map((f: { filename: string; status: string }) => [f.filename, f.status]), [["src/calc.js", "changed"]]);
    assert.equal((await dev("GET", `${R}/pulls/${pr.number}/merge`)).status, 404);
    const patched = await dev("PATCH", `${R}/pulls/${pr.number}`, { body: "Fixes #1\n\nMultiply." });
    assert.equal(patched.status, 201);
    assert.equal(patched.body.body, "Fixes #1\n\nMultiply.");
  });
});

describe("sandbox forge: reviews", () => {
  it("refuses self-approval and self-rejection (422), REQUEST_CHANGES without body (422), empty COMMENT (422)", async () => {
    const pr = (await dev("GET", `${R}/pulls/main/feat/multiply`)).body;
    const path = `${R}/pulls/${pr.number}/reviews`;
    assert.equal((await dev("POST", path, { event: "APPROVED", body: "lgtm" })).status, 422);
    assert.equal((await dev("POST", path, { event: "REQUEST_CHANGES", body: "no" })).status, 422);
    assert.equal((await reviewer("POST", path, { event: "REQUEST_CHANGES" })).status, 422);
    assert.equal((await reviewer("POST", path, { event: "REQUEST_CHANGES", body: "   " })).status, 422);
    assert.equal((await reviewer("POST", path, { event: "COMMENT" })).status, 422);
  });

  it("creates reviews (200) on the head commit; only write-access reviewers are official; lists them", async () => {
    const pr = (await dev("GET", `${R}/pulls/main/feat/multiply`)).body;
    const path = `${R}/pulls/${pr.number}/reviews`;
    const readOnly = await reviewer("POST", path, { event: "APPROVED", body: "**APPROVE**" });
    assert.equal(readOnly.status, 200);
    assert.equal(readOnly.body.state, "APPROVED");
    assert.equal(readOnly.body.commit_id, pr.head.sha);
    assert.equal(readOnly.body.official, false);
    assert.equal(readOnly.body.stale, false);
    const comment = await reviewer("POST", path, { event: "COMMENT", body: "", comments: [{ path: "src/calc.js", body: "nit", new_position: 2 }] });
    assert.equal(comment.status, 200);
    assert.equal(comment.body.comments_count, 1);
    const inline = await reviewer("GET", `${path}/${comment.body.id}/comments`);
    assert.equal(inline.body[0].path, "src/calc.js");
    const changes = await planner("POST", path, { event: "REQUEST_CHANGES", body: "please add a test" });
    assert.equal(changes.body.official, true);
    const list = await dev("GET", path);
    assert.deepEqual(list.body.map((v: { state: string }) => v.state), ["APPROVED", "COMMENT", "REQUEST_CHANGES"]);
    assert.equal((await dev("GET", `${path}/${changes.body.id}`)).body.user.login, "planner-bot");
  });

  it("dismisses a review only as repo admin", async () => {
    const pr = (await dev("GET", `${R}/pulls/main/feat/multiply`)).body;
    const path = `${R}/pulls/${pr.number}/reviews`;
    const rc = (await dev("GET", path)).body.find((v: { state: string }) => v.state === "REQUEST_CHANGES");
    assert.equal((await dev("POST", `${path}/${rc.id}/dismissals`, { message: "addressed" })).status, 403);
    const d = await admin("POST", `${path}/${rc.id}/dismissals`, { message: "addressed" });
    assert.equal(d.status, 200);
    assert.equal(d.body.dismissed, true);
    const comment = (await dev("GET", path)).body.find((v: { state: string }) => v.state === "COMMENT");
    assert.equal((await admin("POST", `${path}/${comment.id}/dismissals`, { message: "x" })).status, 422);
  });
});

describe("sandbox forge: commit statuses", () => {
  it("combined status is state '' with no statuses, then the worst of the latest per context", async () => {
    const pr = (await dev("GET", `${R}/pulls/main/feat/multiply`)).body;
    const sha = pr.head.sha as string;
    const empty = await dev("GET", `${R}/commits/${sha}/status`);
    assert.equal(empty.status, 200);
    assert.equal(empty.body.state, "");
    assert.equal(empty.body.statuses, null);
    const created = await dev("POST", `${R}/statuses/${sha}`, { state: "pending", context: "ci/woodpecker/pr/test", target_url: "http://ci/1", description: "running" });
    assert.equal(created.status, 201);
    assert.equal(created.body.status, "pending");
    assert.equal(created.body.state, undefined);
    assert.equal(created.body.creator.login, "dev-bot");
    await dev("POST", `${R}/statuses/${sha}`, { state: "success", context: "ci/woodpecker/pr/lint" });
    let combined = await dev("GET", `${R}/commits/feat/multiply/status`);
    assert.equal(combined.body.state, "pending");
    assert.equal(combined.body.sha, sha);
    assert.equal(combined.body.total_count, 2);
    await dev("POST", `${R}/statuses/${sha}`, { state: "failure", context: "ci/woodpecker/pr/test" });
    combined = await dev("GET", `${R}/commits/${sha}/status`);
    assert.equal(combined.body.state, "failure");
    await dev("POST", `${R}/statuses/${sha}`, { state: "success", context: "ci/woodpecker/pr/test" });
    combined = await dev("GET", `${R}/commits/${sha}/status`);
    assert.equal(combined.body.state, "success");
    const byRef = await dev("GET", `${R}/commits/feat/multiply/statuses`);
    assert.equal(byRef.body.length, 4);
    assert.equal(byRef.body[0].status, "success"); // newest first
    assert.equal((await dev("GET", `${R}/statuses/${sha}`)).body.length, 4);
    assert.equal((await dev("POST", `${R}/statuses/${sha}`, { state: "bogus" })).status, 422);
    assert.equal((await reviewer("POST", `${R}/statuses/${sha}`, { state: "success" })).status, 403);
  });
});

describe("sandbox forge: merging", () => {
  it("enforces protection (approvals, status checks, merge whitelist) and head_commit_id, then merges for real", async () => {
    const prot = await admin("POST", `${R}/branch_protections`, {
      rule_name: "main", required_approvals: 1, enable_status_check: true, status_check_contexts: ["ci/woodpecker/pr/*"],
      enable_merge_whitelist: true, merge_whitelist_usernames: ["dev-bot", "admin"], enable_push: true, enable_push_whitelist: true, push_whitelist_usernames: ["admin"],
    });
    assert.equal(prot.status, 201);
    assert.equal((await dev("POST", `${R}/branch_protections`, { rule_name: "x" })).status, 403);
    const pr = (await dev("GET", `${R}/pulls/main/feat/multiply`)).body;
    const merge = `${R}/pulls/${pr.number}/merge`;
    // Only a read-only (non-official) approval so far.
    const noApproval = await dev("POST", merge, { Do: "merge" });
    assert.equal(noApproval.status, 405);
    assert.match(noApproval.body.message, /approvals/);
    assert.equal((await planner("POST", `${R}/pulls/${pr.number}/reviews`, { event: "APPROVED", body: "ok" })).status, 200);
    assert.equal((await planner("POST", merge, { Do: "merge" })).status, 405); // not in the merge whitelist
    assert.equal((await dev("POST", merge, {})).status, 422); // Do is required
    assert.equal((await dev("POST", merge, { Do: "rebase" })).status, 405);
    const stale = await dev("POST", merge, { Do: "merge", head_commit_id: "0".repeat(40) });
    assert.equal(stale.status, 409);
    const baseBefore = (await dev("GET", `${R}/branches/main`)).body.commit.id as string;
    const ok = await dev("POST", merge, { Do: "merge", head_commit_id: pr.head.sha, delete_branch_after_merge: true });
    assert.equal(ok.status, 200, ok.text);

    const merged = (await dev("GET", `${R}/pulls/${pr.number}`)).body;
    assert.equal(merged.merged, true);
    assert.equal(merged.state, "closed");
    assert.equal(merged.merged_by.login, "dev-bot");
    assert.match(merged.merge_commit_sha, /^[0-9a-f]{40}$/);
    assert.equal((await dev("GET", `${R}/pulls/${pr.number}/merge`)).status, 204);
    assert.equal((await dev("POST", merge, { Do: "merge" })).status, 405);

    // The base branch moved to a real merge commit whose parents are the old base and the head.
    const main = (await dev("GET", `${R}/branches/main`)).body.commit.id as string;
    assert.equal(main, merged.merge_commit_sha);
    const parents = await git(["--git-dir", gitDir(), "log", "-1", "--format=%P", main]);
    assert.deepEqual(parents.stdout.trim().split(" "), [baseBefore, pr.head.sha]);
    const file = await dev("GET", `${R}/contents/src/calc.js`);
    assert.match(Buffer.from(file.body.content, "base64").toString(), /multiply/);
    // Fixes #1 closed issue 1; the head branch was deleted.
    const issue1 = (await dev("GET", `${R}/issues/1`)).body;
    assert.equal(issue1.state, "closed");
    assert.equal((await dev("GET", `${R}/branches/feat/multiply`)).status, 404);
    assert.ok(events.some((e) => e.type === "pull_request" && e.action === "closed" && e.number === pr.number && e.merged));
    assert.ok(events.some((e) => e.type === "push" && e.ref === "refs/heads/main" && e.after === main));
    const timeline = (await dev("GET", `${R}/issues/${pr.number}/timeline`)).body;
    assert.ok(timeline.some((t: { type: string }) => t.type === "merge_pull"));
  });

  it("closes every issue named by a case-insensitive closing keyword, squash-merges, and refuses to edit a merged PR's state", async () => {
    const edited = await admin("PATCH", `${R}/branch_protections/main`, { required_approvals: 0, enable_merge_whitelist: false });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.required_approvals, 0);
    assert.equal(edited.body.enable_status_check, true);
    await branchWith("feat/divide", "src/divide.js", "export const divide = (a, b) => a / b;\n");
    const pr = await openPull("feat/divide", "closes #2 and RESOLVES #3, mentions #1 only");
    const blocked = await dev("POST", `${R}/pulls/${pr.number}/merge`, { Do: "squash" });
    assert.equal(blocked.status, 405);
    assert.match(blocked.body.message, /status checks/);
    await dev("POST", `${R}/statuses/${pr.head}`, { state: "success", context: "ci/woodpecker/pr/test" });
    const r = await dev("POST", `${R}/pulls/${pr.number}/merge`, { Do: "squash" });
    assert.equal(r.status, 200, r.text);
    assert.equal((await admin("DELETE", `${R}/branch_protections/main`)).status, 204);
    assert.equal((await admin("GET", `${R}/branch_protections/main`)).status, 404);
    assert.equal((await dev("GET", `${R}/issues/2`)).body.state, "closed");
    assert.equal((await dev("GET", `${R}/issues/3`)).body.state, "closed");
    const main = (await dev("GET", `${R}/branches/main`)).body.commit.id as string;
    const parents = await git(["--git-dir", gitDir(), "log", "-1", "--format=%P", main]);
    assert.equal(parents.stdout.trim().split(" ").length, 1);
    assert.equal((await dev("PATCH", `${R}/issues/${pr.number}`, { state: "open" })).status, 412);
  });

  it("answers 409 on conflicts, reports mergeable false, and 404 for a closed PR", async () => {
    await branchWith("c/one", "conflict.txt", "one\n");
    await branchWith("c/two", "conflict.txt", "two\n");
    const a = await openPull("c/one");
    const b = await openPull("c/two");
    assert.equal((await dev("POST", `${R}/pulls/${a.number}/merge`, { Do: "merge" })).status, 200);
    const pb = (await dev("GET", `${R}/pulls/${b.number}`)).body;
    assert.equal(pb.mergeable, false);
    assert.equal((await dev("POST", `${R}/pulls/${b.number}/merge`, { Do: "merge" })).status, 409);
    assert.equal((await dev("POST", `${R}/pulls/${b.number}/update`)).status, 409);
    assert.equal((await dev("PATCH", `${R}/pulls/${b.number}`, { state: "closed" })).status, 201);
    assert.equal((await dev("POST", `${R}/pulls/${b.number}/merge`, { Do: "merge" })).status, 404);
    assert.ok(events.some((e) => e.type === "pull_request" && e.action === "closed" && e.number === b.number && !e.merged));
  });

  it("updates a PR branch by merging the base into it and emits synchronized", async () => {
    await branchWith("feat/behind", "behind.txt", "behind\n");
    const pr = await openPull("feat/behind");
    await branchWith("feat/ahead", "ahead.txt", "ahead\n");
    const ahead = await openPull("feat/ahead");
    assert.equal((await dev("POST", `${R}/pulls/${ahead.number}/merge`, { Do: "merge" })).status, 200);
    assert.equal((await dev("POST", `${R}/pulls/${pr.number}/update?style=rebase`)).status, 403);
    assert.equal((await reviewer("POST", `${R}/pulls/${pr.number}/update`)).status, 403);
    const before = events.length;
    assert.equal((await dev("POST", `${R}/pulls/${pr.number}/update`)).status, 200);
    const updated = (await dev("GET", `${R}/pulls/${pr.number}`)).body;
    assert.notEqual(updated.head.sha, pr.head);
    const ancestor = await git(["--git-dir", gitDir(), "merge-base", "--is-ancestor", updated.base.sha, updated.head.sha]);
    assert.equal(ancestor.code, 0);
    assert.ok(events.slice(before).some((e) => e.type === "pull_request" && e.action === "synchronized" && e.number === pr.number && e.head.sha === updated.head.sha));
    // Up to date already: a second update is a no-op 200.
    assert.equal((await dev("POST", `${R}/pulls/${pr.number}/update`)).status, 200);
    assert.equal((await dev("GET", `${R}/pulls/${pr.number}`)).body.head.sha, updated.head.sha);
  });

  it("marks reviews stale once the head moves and blocks WIP merges", async () => {
    await branchWith("wip/x", "wip.txt", "1\n");
    const pr = await openPull("wip/x", "", "WIP: not yet");
    const v = await planner("POST", `${R}/pulls/${pr.number}/reviews`, { event: "APPROVED", body: "ok" });
    const cur = await dev("GET", `${R}/contents/wip.txt?ref=wip/x`);
    await dev("PUT", `${R}/contents/wip.txt`, { content: b64("2\n"), sha: cur.body.sha, branch: "wip/x" });
    const again = await dev("GET", `${R}/pulls/${pr.number}/reviews/${v.body.id}`);
    assert.equal(again.body.stale, true);
    assert.equal((await dev("GET", `${R}/pulls/${pr.number}`)).body.draft, true);
    assert.equal((await dev("POST", `${R}/pulls/${pr.number}/merge`, { Do: "merge" })).status, 405);
  });
});
