// What the review agent leaves alone: red or pending required CI (docs-only PRs excepted),
// drafts and WIP titles, PRs to other branches — and a config whose review identity is the
// PR author, refused before anything runs.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { PullRequest } from "../../src/forge/types.ts";
import { verdictTask, world, type World } from "../fixtures/review/world.ts";

const CODE = (n: number): Record<string, string> => ({ "src/math.js": `export const n = ${n};\n` });

describe("review agent: candidates and the CI gate", () => {
  let w: World;
  before(async () => {
    w = await world();
    // One task for every review (a task without `match` answers once per run).
    await w.setScript([verdictTask({ verdict: "APPROVE" }, "Task: review of pull request")]);
  });
  after(() => w.stop());

  const reviewed = async (pr: PullRequest): Promise<boolean> => (await w.reviewComments(pr.number)).length > 0 || (await w.reviews(pr.number)).length > 0;

  it("red, pending or missing required CI, drafts, WIP titles and other bases are not reviewed; a docs-only PR needs no CI", async () => {
    await w.writeConfig({ maxPerTick: 10 });
    await w.app.branches.create("release", "main");
    const red = await w.openPr({ branch: "red", files: CODE(1), title: "Red CI" });
    const pending = await w.openPr({ branch: "pending", files: CODE(2), title: "Pending CI" });
    const missing = await w.openPr({ branch: "missing", files: CODE(3), title: "No CI yet" });
    const wip = await w.openPr({ branch: "wip", files: CODE(4), title: "WIP: half done" });
    const bracketWip = await w.openPr({ branch: "wip2", files: CODE(5), title: "[WIP] half done" });
    const otherBase = await w.openPr({ branch: "to-release", files: CODE(6), title: "Backport", base: "release" });
    const docs = await w.openPr({ branch: "docs", files: { "docs/usage.md": "# Usage\n\nImport add().\n", "README.md": "# app\n\nSee docs/usage.md.\n" }, title: "Docs" });
    await w.status(red.head.sha, "failure");
    await w.status(pending.head.sha, "pending");
    for (const pr of [wip, bracketWip, otherBase]) await w.status(pr.head.sha, "success");
    assert.equal(wip.draft, true, "Forgejo marks WIP: titles as drafts");

    const r = await w.tick();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`PR #${docs.number} APPROVE`));
    assert.match(r.out, new RegExp(`PR #${red.number}: required CI failed \\(ci/woodpecker/pr/test\\)`));
    assert.match(r.out, new RegExp(`PR #${pending.number}: required CI pending`));
    assert.match(r.out, new RegExp(`PR #${missing.number}: required CI not reported yet \\(ci/woodpecker/pr/test\\)`));
    for (const pr of [red, pending, missing, wip, bracketWip, otherBase]) assert.equal(await reviewed(pr), false, `PR #${pr.number} ${pr.title}`);
    assert.equal(await reviewed(docs), true);

    // An event for the red PR changes nothing; once its CI is green, it is reviewed.
    const ev = await w.tick({ pr: red.number });
    assert.match(ev.out, /idle: nothing to review \(1 open PR: 1 ci\)/);
    assert.equal(await reviewed(red), false);
    await w.status(red.head.sha, "success");
    const green = await w.tick({ pr: red.number });
    assert.match(green.out, new RegExp(`PR #${red.number} APPROVE`));
    assert.equal(await reviewed(red), true);
  });

  it("with no required contexts configured there is no CI gate", async () => {
    await w.writeConfig({ requiredContexts: [], maxPerTick: 10 });
    const r = await w.tick();
    assert.equal(r.code, 0, r.out);
    // pending and missing: reviewed now; drafts, WIP and the other base still not.
    assert.match(r.out, /: PR #\d+ APPROVE; PR #\d+ APPROVE · /);
    const open = await w.app.pulls.list({ state: "open" });
    const byTitle = new Map<string, boolean>();
    for (const pr of open) byTitle.set(pr.title, await reviewed(pr));
    assert.deepEqual(Object.fromEntries([...byTitle].sort()), {
      "Backport": false,
      "Docs": true,
      "No CI yet": true,
      "Pending CI": true,
      "Red CI": true,
      "WIP: half done": false,
      "[WIP] half done": false,
    });
  });

  it("a review identity equal to the dev identity (the PR author) is refused at config validation, before any work", async () => {
    await w.writeConfig({ reviewLogin: "dev-bot" });
    const pr = await w.openPr({ branch: "self", files: CODE(7), title: "Self review" });
    const r = await w.tick();
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /identities\.review\.login: must differ from identities\.dev\.login \("dev-bot"\): Forgejo refuses an approval from the PR's author/);
    assert.equal(await reviewed(pr), false);
    await w.writeConfig();
  });

  it("`disinto run review` runs the same tick from the CLI", async () => {
    const r = await w.tickProcess({ argv: ["src/entrypoints/cli.ts", "run", "review"] });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^review: idle: nothing to review \(\d+ open PRs: /m);
  });
});
