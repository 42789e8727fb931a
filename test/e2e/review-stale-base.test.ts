// A PR branched from an old base that would revert upstream work is blocked, whatever the
// model says; a PR from the same old base that touches other files is not.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BASE_FILES, verdictTask, world, type World } from "../fixtures/review/world.ts";

const UPSTREAM_MATH = `${BASE_FILES["src/math.js"]}\nexport function clamp(x, lo, hi) {\n  return Math.min(hi, Math.max(lo, x));\n}\n`;
const STALE_MATH = "export function add(a, b) {\n  // numbers only\n  return a + b;\n}\n";

describe("review agent: stale-base check", () => {
  let w: World;
  before(async () => {
    w = await world();
  });
  after(() => w.stop());

  it("blocks the PR that lacks the base's new lines, and approves the one that touches other files", async () => {
    const base0 = (await w.app.branches.get("main"))!.commitSha;
    const stale = await w.openPr({ branch: "old-math", from: base0, files: { "src/math.js": STALE_MATH }, title: "Comment add()" });
    const other = await w.openPr({ branch: "old-readme", from: base0, files: { "README.md": "# app\n\nA tiny library of functions.\n" }, title: "README" });
    // main moves on: clamp() lands after both branches were cut.
    const cur = (await w.app.contents.get("src/math.js"))!;
    await w.app.contents.update("src/math.js", { text: UPSTREAM_MATH, message: "add clamp()", sha: cur.sha });
    await w.status(stale.head.sha, "success");
    await w.status(other.head.sha, "success");

    await w.setScript([
      // The model is shown the blocker, and approves anyway: the runner must not let it through.
      verdictTask(
        { verdict: "APPROVE", reason: "a harmless comment" },
        String.raw`pull request #${stale.number} [\s\S]*## Stale-base regression check \(BLOCKER\)[\s\S]*\x60src/math\.js\x60: 2 of 3 lines`,
        "stale",
      ),
      verdictTask({ verdict: "APPROVE", reason: "docs only" }, String.raw`pull request #${other.number} (?![\s\S]*Stale-base regression check)`, "other"),
    ]);
    const r = await w.tick();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`PR #${stale.number} REQUEST_CHANGES`));
    assert.match(r.out, new RegExp(`PR #${other.number} APPROVE`));

    const [comment] = await w.reviewComments(stale.number);
    assert.match(comment!.body, /### Stale base \(runner check, blocking\)\n\n- `src\/math\.js`: 2 of 3 lines/);
    assert.match(comment!.body, /\*\*REQUEST_CHANGES\*\* — stale base: merging would revert upstream changes to src\/math\.js \(the reviewer's own verdict was APPROVE\)/);
    const reviews = await w.reviews(stale.number);
    assert.deepEqual(reviews.map((x) => x.state), ["REQUEST_CHANGES"]);
    assert.deepEqual((await w.reviews(other.number)).map((x) => x.state), ["APPROVED"]);
  });
});
