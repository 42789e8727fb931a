// One comment and one formal review per head SHA, however many ticks and PR events run, in
// parallel processes too, and even when a run dies between its comment and its formal review.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { OPS, reviewedFor, verdictTask, world, type World } from "../fixtures/review/world.ts";

const MATH_V2 = "export function add(a, b) {\n  return a + b;\n}\n\nexport function sub(a, b) {\n  return a - b;\n}\n";

describe("review agent: exactly once per head SHA", () => {
  let w: World;
  before(async () => {
    w = await world();
    await w.setScript([verdictTask({ verdict: "APPROVE", reason: "small and correct" })]);
  });
  after(() => w.stop());

  it("4 concurrent ticks (cron and pull_request events, separate processes), then more ticks: one comment, one review, one status", async () => {
    const pr = await w.openPr({ branch: "feat-sub", files: { "src/math.js": MATH_V2 }, title: "Add sub()", body: "Adds `sub`." });
    const sha = pr.head.sha;
    await w.status(sha, "success");

    const runs = await Promise.all([w.tickProcess(), w.tickProcess({ pr: pr.number }), w.tickProcess(), w.tickProcess({ pr: pr.number })]);
    for (const r of runs) assert.equal(r.code, 0, r.out);
    assert.equal(runs.filter((r) => /PR #\d+ APPROVE/.test(r.out)).length, 1, runs.map((r) => r.out).join("\n---\n"));

    // Later ticks of both kinds find the head reviewed and do nothing.
    for (const opts of [{}, { pr: pr.number }]) {
      const r = await w.tick(opts);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /idle: nothing to review/);
      assert.doesNotMatch(r.out, /git clone|scripted backend/);
    }

    const comments = await w.reviewComments(pr.number);
    assert.equal(comments.length, 1);
    assert.equal(reviewedFor(comments, sha).length, 1);
    const body = comments[0]!.body;
    assert.match(body, /^## AI Review\n<!-- reviewed: [0-9a-f]{40} -->/);
    assert.match(body, /### Verdict\n\n\*\*APPROVE\*\* — small and correct/);
    assert.match(body, new RegExp(`Reviewed at \`${sha.slice(0, 7)}\` \\| Previous: none \\| Base: main at \`[0-9a-f]{7}\``));

    const reviews = await w.reviews(pr.number);
    assert.equal(reviews.length, 1);
    assert.deepEqual({ state: reviews[0]!.state, commitId: reviews[0]!.commitId }, { state: "APPROVED", commitId: sha });
    assert.match(reviews[0]!.body, /AI review: \*\*APPROVE\*\* — small and correct/);

    // Journaled in the ops repo.
    const journal = await w.admin.repo(OPS).contents.get(`journal/review/${new Date().toISOString().slice(0, 10)}.md`);
    assert.match(journal?.text ?? "", new RegExp(`app PR #${pr.number} APPROVE\n\n- PR: #${pr.number} Add sub\\(\\)\n- Head: ${sha}`));

    const combined = await w.app.statuses.combined(sha);
    const mine = combined.statuses.filter((s) => s.context === "disinto/review");
    assert.deepEqual(mine.map((s) => s.state), ["success"]);
  });

  it("a run whose sweep saw the head unreviewed re-checks it under the lease: another run reviewed it meanwhile, so no second review", async () => {
    const pr = await w.openPr({ branch: "feat-race", files: { "src/math.js": `${MATH_V2}\n// race\n` }, title: "Race" });
    const sha = pr.head.sha;
    await w.status(sha, "success");
    let reached!: () => void;
    let resume!: () => void;
    const atLease = new Promise<void>((r) => (reached = r));
    const resumed = new Promise<void>((r) => (resume = r));
    // The slow run surveys, finds the head unreviewed, and stops just before taking the lease.
    const slow = w.tick({
      checkpoint: async (name) => {
        if (name !== "review:before-lease") return;
        reached();
        await resumed;
      },
    });
    await atLease;
    const fast = await w.tick();
    assert.equal(fast.code, 0, fast.out);
    assert.match(fast.out, new RegExp(`PR #${pr.number} APPROVE`));
    resume();
    const late = await slow;
    assert.equal(late.code, 0, late.out);
    assert.match(late.out, new RegExp(`PR #${pr.number}: already reviewed at ${sha.slice(0, 7)}`));
    assert.doesNotMatch(late.out, /scripted backend/);
    assert.equal(reviewedFor(await w.reviewComments(pr.number), sha).length, 1);
    assert.deepEqual((await w.reviews(pr.number)).map((r) => [r.state, r.commitId]), [["APPROVED", sha]]);
  });

  it("a run killed after its comment is finished by the next run, without the model and without a second comment", async () => {
    const pr = await w.openPr({ branch: "feat-crash", files: { "README.md": "# app\n\nA tiny library. Now documented.\n" }, title: "Docs" });
    const sha = pr.head.sha;
    await w.status(sha, "success");
    const killed = await w.tickProcess({ env: { DISINTO_CRASH_AT: "review:commented" } });
    assert.notEqual(killed.code, 0, killed.out);
    assert.equal(reviewedFor(await w.reviewComments(pr.number), sha).length, 1);
    assert.equal((await w.reviews(pr.number)).length, 0);

    // The dead run's lease would run out on its own; the test does not wait for that.
    await w.expireLease(`review/app/pr-${pr.number}`);
    // The model would now say something else: it must not be asked.
    await w.setScript([verdictTask({ verdict: "REQUEST_CHANGES", reason: "should not be used" })]);
    const r = await w.tick();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /finished an interrupted review/);
    assert.doesNotMatch(r.out, /scripted backend/);
    const comments = await w.reviewComments(pr.number);
    assert.equal(comments.length, 1);
    const reviews = await w.reviews(pr.number);
    assert.deepEqual(reviews.map((x) => [x.state, x.commitId]), [["APPROVED", sha]]);
  });
});
