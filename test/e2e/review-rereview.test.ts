// A new push gets a re-review: round 2, the previous review and only the new commits' diff in
// the prompt; approving dismisses the review identity's earlier REQUEST_CHANGES.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { reviewedFor, verdictTask, world, type World } from "../fixtures/review/world.ts";

const MUL = "export function add(a, b) {\n  return a + b;\n}\n\nexport function mul(a, b) {\n  return a * b;\n}\n";
const MUL_TEST = 'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { mul } from "../src/math.js";\n\ntest("mul", () => assert.equal(mul(3, 4), 12));\n';

describe("review agent: re-review after a new push", () => {
  let w: World;
  before(async () => {
    w = await world();
  });
  after(() => w.stop());

  it("round 1 requests changes; the fix gets round 2 with the incremental diff, an approval, and the rejection dismissed", async () => {
    const issue = await w.app.issues.create({ title: "Add mul()", body: "## Acceptance criteria\n\n- [ ] `mul(3, 4) === 12`, tested\n" });
    const pr = await w.openPr({ branch: "feat-mul", files: { "src/math.js": MUL }, title: "Add mul()", body: `Fixes #${issue.number}` });
    const sha1 = pr.head.sha;
    await w.status(sha1, "success");
    await w.setScript([
      verdictTask(
        {
          verdict: "REQUEST_CHANGES",
          reason: "mul() has no test",
          findings: [{ severity: "high", file: "src/math.js", line: 5, message: "mul() is untested: missing tests", introduced_by_pr: true }],
          review_markdown: "### Findings\n\n- **high** src/math.js:5: mul() is untested: missing tests",
        },
        // First round: the linked issue's acceptance criteria and the diff are in the prompt.
        String.raw`Task: review of pull request #\d+[\s\S]*Acceptance criteria to check[\s\S]*mul\(3, 4\) === 12[\s\S]*\+export function mul`,
        "round 1",
      ),
    ]);
    const r1 = await w.tick({ pr: pr.number });
    assert.equal(r1.code, 0, r1.out);
    assert.match(r1.out, /PR #\d+ REQUEST_CHANGES/);

    const sha2 = await w.push("feat-mul", { "test/math.test.js": MUL_TEST }, "test mul");
    await w.status(sha2, "success");
    // Round 2 must see the previous review and, as the new commits' diff, the test file only.
    const incrementalWithoutOldChange = String.raw`### New commits since the previous review[^\n]*\n\n(\x60{3,})diff\n(?:(?!export function mul)[\s\S])*?test\("mul"(?:(?!export function mul)[\s\S])*?\1`;
    await w.setScript([
      verdictTask(
        { verdict: "APPROVE", reason: "the test was added", review_markdown: "### Previous findings\n\n- FIXED: mul() is untested" },
        String.raw`Task: re-review \(round 2\) of pull request #\d+[\s\S]*What the reviewer said last time[\s\S]*missing tests[\s\S]*` + incrementalWithoutOldChange,
        "round 2",
      ),
    ]);
    const r2 = await w.tick();
    assert.equal(r2.code, 0, r2.out);
    assert.match(r2.out, /PR #\d+ APPROVE \(round 2, dismissed 1\)/);

    const comments = await w.reviewComments(pr.number);
    assert.equal(comments.length, 2);
    assert.equal(reviewedFor(comments, sha1).length, 1);
    const second = reviewedFor(comments, sha2);
    assert.equal(second.length, 1);
    assert.match(second[0]!.body, /^## AI Re-review \(round 2\)\n/);
    assert.match(second[0]!.body, new RegExp(`Reviewed at \`${sha2.slice(0, 7)}\` \\| Previous: \`${sha1.slice(0, 7)}\``));
    assert.match(second[0]!.body, /\*\*APPROVE\*\* — the test was added/);

    const reviews = await w.reviews(pr.number);
    const byCommit = Object.fromEntries(reviews.map((r) => [r.commitId, { state: r.state, dismissed: r.dismissed }]));
    assert.deepEqual(byCommit, { [sha1]: { state: "REQUEST_CHANGES", dismissed: true }, [sha2]: { state: "APPROVED", dismissed: false } });
    assert.match(reviews.find((r) => r.commitId === sha2)!.body, /^AI re-review \(round 2\): \*\*APPROVE\*\*/);

    const status = async (sha: string) => (await w.app.statuses.combined(sha)).statuses.find((s) => s.context === "disinto/review")?.state;
    assert.equal(await status(sha1), "failure");
    assert.equal(await status(sha2), "success");

    const idle = await w.tick({ pr: pr.number });
    assert.match(idle.out, /idle: nothing to review/);
  });
});
