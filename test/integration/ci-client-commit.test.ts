// readCommitCi against the sandbox forge: statuses posted with the real forge client, read
// back through the combined-status endpoint and reduced as the dev and review agents see them.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pipelineRefFromUrl, readCommitCi } from "../../src/ci/commit.ts";
import type { RepoForge } from "../../src/forge/types.ts";
import { forgeFixture, type ForgeFixture } from "./forge-fixture.ts";

let fx: ForgeFixture;
let repo: RepoForge;
let sha: string;

before(async () => {
  fx = await forgeFixture();
  repo = fx.dev.repo(fx.repo);
  const main = await repo.branches.get("main");
  assert.ok(main, "fixture repo has a main branch");
  sha = main.commitSha;
});

after(async () => {
  await fx.stop();
});

const TEST = "ci/woodpecker/pr/test";
const LINT = "ci/woodpecker/pr/lint";
const url = (n: number, step?: number): string => `http://127.0.0.1:9/repos/4/pipeline/${n}${step ? `/${step}` : ""}`;

describe("readCommitCi on the sandbox forge", () => {
  it("a commit nothing reported on: none, or pending with everything missing when contexts are required", async () => {
    assert.deepEqual(await readCommitCi(repo, sha), { state: "none", sha, contexts: [], missing: [] });
    const r = await readCommitCi(repo, sha, { requiredContexts: [TEST, LINT] });
    assert.equal(r.state, "pending");
    assert.deepEqual(r.missing, [TEST, LINT]);
  });

  it("follows statuses as CI reports them, one request per read", async () => {
    await repo.statuses.create(sha, { state: "pending", context: TEST, description: "Pipeline is running", targetUrl: url(1) });
    await repo.statuses.create(sha, { state: "success", context: LINT, description: "Pipeline was successful", targetUrl: url(1, 3) });
    const before = fx.dev.requestStats().total;
    const pending = await readCommitCi(repo, sha, { requiredContexts: [TEST, LINT] });
    assert.equal(fx.dev.requestStats().total - before, 1);
    assert.equal(pending.state, "pending");
    assert.deepEqual(pending.missing, []);
    assert.equal((await readCommitCi(repo, sha)).state, "pending");

    await repo.statuses.create(sha, { state: "failure", context: TEST, description: "Pipeline failed", targetUrl: url(2) });
    const failed = await readCommitCi(repo, sha, { requiredContexts: [TEST, LINT] });
    assert.equal(failed.state, "failure");
    const testCtx = failed.contexts.find((c) => c.context === TEST);
    assert.deepEqual(testCtx, { context: TEST, state: "failure", targetUrl: url(2), description: "Pipeline failed" });
    assert.deepEqual(pipelineRefFromUrl(testCtx.targetUrl), { repoId: 4, number: 2 });
    assert.equal((await readCommitCi(repo, sha)).state, "failure");

    // A fix: the newer status of the same context replaces the failure.
    await repo.statuses.create(sha, { state: "success", context: TEST, description: "Pipeline was successful", targetUrl: url(3) });
    const green = await readCommitCi(repo, sha, { requiredContexts: [TEST, LINT] });
    assert.equal(green.state, "success");
    assert.deepEqual(
      green.contexts.map((c) => [c.context, c.state]),
      [
        [TEST, "success"],
        [LINT, "success"],
      ],
    );
    assert.equal((await readCommitCi(repo, sha)).state, "success");
  });

  it("a failing context that is not required does not block; without required contexts it does", async () => {
    await repo.statuses.create(sha, { state: "failure", context: "ci/woodpecker/pr/docs", description: "Pipeline failed" });
    const r = await readCommitCi(repo, sha, { requiredContexts: [TEST, LINT] });
    assert.equal(r.state, "success");
    assert.equal(r.contexts.length, 2);
    const all = await readCommitCi(repo, sha);
    assert.equal(all.state, "failure");
    assert.deepEqual(
      all.contexts.map((c) => c.context),
      ["ci/woodpecker/pr/docs", LINT, TEST],
    );
  });

  it("a branch name resolves to its head commit", async () => {
    const r = await readCommitCi(repo, "main", { requiredContexts: [TEST] });
    assert.equal(r.sha, sha);
    assert.equal(r.state, "success");
  });
});
