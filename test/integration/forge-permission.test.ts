// Who may write, asked with an agent's token: Forgejo tells one user's permission only to site
// admins, repo admins and the user themself, so `canWrite` falls back to the assignees list
// (everyone with write access, the org's owners included). And a review is `official` — counts
// as a write user's verdict — exactly when Forgejo would make it so.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ForgejoForge } from "../../src/forge/index.ts";
import type { RepoForge, RepoRef } from "../../src/forge/types.ts";
import { hasStatus } from "../../src/http/errors.ts";
import { startSandboxForge } from "../../src/sandbox/forge/index.ts";
import { FAST_RETRY } from "./forge-fixture.ts";

let sandbox: Awaited<ReturnType<typeof startSandboxForge>>;
const clients: ForgejoForge[] = [];
const REPO: RepoRef = { owner: "team", name: "app" };
const as = (login: string): ForgejoForge => {
  const f = new ForgejoForge({ url: sandbox.url, token: sandbox.users[login]!.token, retry: FAST_RETRY, writeRetry: FAST_RETRY, settleMs: 10 });
  clients.push(f);
  return f;
};
let owner: RepoForge;
let dev: RepoForge;

before(async () => {
  sandbox = await startSandboxForge({ seed: "empty" });
  // planner-bot (no site admin) creates the org, so it is the org's owner, not a collaborator.
  const planner = as("planner-bot");
  await planner.createOrg({ name: REPO.owner });
  await planner.createRepo({ org: REPO.owner, name: REPO.name, autoInit: true });
  owner = planner.repo(REPO);
  await owner.collaborators.add("dev-bot", "write");
  await owner.collaborators.add("gardener-bot", "read");
  await owner.collaborators.add("review-bot", "admin");
  dev = as("dev-bot").repo(REPO);
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sandbox.stop();
});

describe("effective write access", () => {
  it("a write collaborator may not read another user's permission (403), only its own", async () => {
    await assert.rejects(dev.collaborators.permission("planner-bot"), (e: unknown) => hasStatus(e, 403));
    assert.equal(await dev.collaborators.permission("dev-bot"), "write");
    // Repo admins and site admins may ask about anyone.
    assert.equal(await as("review-bot").repo(REPO).collaborators.permission("planner-bot"), "owner");
    assert.equal(await as("admin").repo(REPO).collaborators.permission("gardener-bot"), "read");
  });

  it("canWrite: the org's owner and write/admin collaborators yes, readers and strangers no — with any token", async () => {
    for (const viewer of [dev, as("review-bot").repo(REPO), as("gardener-bot").repo(REPO)]) {
      assert.equal(await viewer.collaborators.canWrite("planner-bot"), true, "org owner");
      assert.equal(await viewer.collaborators.canWrite("DEV-BOT"), true, "write collaborator, any case");
      assert.equal(await viewer.collaborators.canWrite("review-bot"), true, "admin collaborator");
      assert.equal(await viewer.collaborators.canWrite("gardener-bot"), false, "read collaborator");
      assert.equal(await viewer.collaborators.canWrite("supervisor-bot"), false, "no access");
    }
    // The org owner is not an explicit collaborator: the old check called it untrusted.
    assert.equal(await dev.collaborators.isCollaborator("planner-bot"), false);
  });
});

describe("official reviews", () => {
  it("write access makes a verdict official, read access does not; an approvals whitelist narrows it", async () => {
    await dev.branches.create("feat", "main");
    await dev.contents.create("a.txt", { text: "a\n", message: "add a", branch: "feat" });
    const pr = await dev.pulls.create({ head: "feat", base: "main", title: "Add a", body: "" });
    const sha = pr.head.sha;
    const official = async (login: string, event: "APPROVED" | "REQUEST_CHANGES" | "COMMENT"): Promise<boolean> =>
      (await as(login).repo(REPO).reviews.create(pr.number, { event, body: `${event} by ${login}`, commitId: sha })).official;
    assert.equal(await official("gardener-bot", "APPROVED"), false);
    assert.equal(await official("supervisor-bot", "REQUEST_CHANGES"), false);
    assert.equal(await official("review-bot", "COMMENT"), false, "a comment is never official");
    assert.equal(await official("review-bot", "APPROVED"), true);
    assert.equal(await official("planner-bot", "APPROVED"), true);

    await owner.protections.upsert("main", { requiredApprovals: 1, enableApprovalsWhitelist: true, approvalsWhitelistUsernames: ["review-bot"] });
    const rule = await owner.protections.get("main");
    assert.deepEqual([rule?.enableApprovalsWhitelist, rule?.approvalsWhitelistUsernames], [true, ["review-bot"]]);
    assert.equal(await official("planner-bot", "APPROVED"), false, "write access, but not on the whitelist");
    assert.equal(await official("review-bot", "REQUEST_CHANGES"), true);
    // A reviewer's new official verdict supersedes its earlier ones.
    const mine = (await dev.reviews.list(pr.number)).filter((r) => r.author === "review-bot" && r.state !== "COMMENT");
    assert.deepEqual(mine.map((r) => [r.state, r.official]), [["APPROVED", false], ["REQUEST_CHANGES", true]]);
  });
});
