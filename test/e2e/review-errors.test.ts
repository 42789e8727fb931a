// No valid verdict → one error comment per attempt and a failed run; after three on one head
// SHA the PR is left alone (no model run, no comment) until a new push.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { errorsFor, reviewedFor, verdictTask, world, type World } from "../fixtures/review/world.ts";

describe("review agent: errors and the three-strike breaker", () => {
  let w: World;
  before(async () => {
    w = await world();
  });
  after(() => w.stop());

  it("3 invalid verdicts → 3 error comments, then none until a new push", async () => {
    const pr = await w.openPr({ branch: "feat-err", files: { "src/math.js": "export const answer = 42;\n" }, title: "Answer" });
    const sha = pr.head.sha;
    await w.status(sha, "success");

    const attempts = [
      // a verdict outside the enum
      [{ structured: { verdict: "MAYBE", reason: "unsure", findings: [], review_markdown: "hmm" } }],
      // no structured result at all
      [{}],
      // an empty review
      [{ structured: { verdict: "APPROVE", reason: "ok", findings: [], review_markdown: "  " } }],
    ];
    for (const [i, tasks] of attempts.entries()) {
      await w.setScript(tasks);
      const r = await w.tick();
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, new RegExp(`PR #${pr.number} review failed \\(attempt ${i + 1}/3\\)`));
      assert.equal(errorsFor(await w.reviewComments(pr.number), sha).length, i + 1);
    }

    const comments = await w.reviewComments(pr.number);
    assert.match(comments[0]!.body, /^## AI Review — Error\n<!-- review-error: [0-9a-f]{40} -->\n\nThe review of `[0-9a-f]{7}` failed \(attempt 1 of 3\)/);
    assert.match(comments[0]!.body, /expected APPROVE, REQUEST_CHANGES or DISCUSS, got "MAYBE"\n {2}→ at verdict/);
    assert.match(comments[2]!.body, /No more attempts on this commit: a new push starts over\./);
    assert.equal((await w.reviews(pr.number)).length, 0);
    const status = (await w.app.statuses.combined(sha)).statuses.find((s) => s.context === "disinto/review");
    assert.equal(status?.state, "error");

    // A valid answer is now available, but this SHA is done with: no model run, no comment.
    await w.setScript([verdictTask({ verdict: "APPROVE" })]);
    for (const opts of [{}, { pr: pr.number }]) {
      const r = await w.tick(opts);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /idle: nothing to review \(1 open PR: 1 error limit\)/);
      assert.doesNotMatch(r.out, /scripted backend/);
    }
    assert.equal((await w.reviewComments(pr.number)).length, 3);

    const sha2 = await w.push("feat-err", { "src/math.js": "export const answer = 41 + 1;\n" });
    await w.status(sha2, "success");
    const r = await w.tick();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /PR #\d+ APPROVE/);
    const after = await w.reviewComments(pr.number);
    assert.equal(after.length, 4);
    assert.equal(reviewedFor(after, sha2).length, 1);
    // The error comments are not reviews: this is the first review of the PR.
    assert.match(reviewedFor(after, sha2)[0]!.body, /^## AI Review\n/);
  });
});
