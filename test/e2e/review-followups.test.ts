// Pre-existing problems become tech-debt issues: only those not introduced by the PR, of
// severity medium or worse, deduplicated by title against open tech-debt issues, at most
// review.followups_max per review.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { verdictTask, world, type World } from "../fixtures/review/world.ts";

const FINDINGS = [
  { severity: "medium", file: "src/math.js", line: 1, message: "add() does not validate its arguments. Strings are concatenated.", introduced_by_pr: false },
  { severity: "high", file: "README.md", line: 3, message: "The README documents no install step.", introduced_by_pr: false },
  { severity: "critical", file: "src/math.js", line: 2, message: "Results of add() overflow silently for large integers.", introduced_by_pr: false },
  { severity: "low", file: "src/math.js", line: 1, message: "The file has no header comment.", introduced_by_pr: false },
  { severity: "high", file: "src/math.js", line: 5, message: "sub() is wrong.", introduced_by_pr: true },
];

describe("review agent: follow-up issues", () => {
  let w: World;
  before(async () => {
    w = await world();
    await w.setScript([verdictTask({ verdict: "APPROVE", reason: "fine; pre-existing problems filed", findings: FINDINGS })]);
  });
  after(() => w.stop());

  const techDebt = async () => w.app.issues.list({ state: "open", type: "issues", labels: ["tech-debt"] });

  it("files new pre-existing findings ≥ medium up to the limit, skipping titles already open", async () => {
    await w.app.issues.create({ title: "add() does not validate its arguments (src/math.js)", body: "filed by a human", labels: ["tech-debt"] });
    await w.writeConfig({ followupsMax: 1 });
    const pr = await w.openPr({ branch: "feat-a", files: { "src/math.js": "export function add(a, b) {\n  return a + b;\n}\n// a\n" } });
    await w.status(pr.head.sha, "success");
    const r = await w.tick();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /PR #\d+ APPROVE \(1 follow-up\)/);
    assert.match(r.out, /1 follow-up\(s\) over review\.followups_max \(1\) not filed/);

    const open = await techDebt();
    assert.deepEqual(open.map((i) => i.title).sort(), ["The README documents no install step (README.md)", "add() does not validate its arguments (src/math.js)"]);
    const filed = open.find((i) => i.title.startsWith("The README"))!;
    assert.equal(filed.author, "review-bot");
    assert.match(filed.body, new RegExp(`Flagged by the AI reviewer in PR #${pr.number} \\(at \`${pr.head.sha.slice(0, 7)}\`\\)`));
    assert.match(filed.body, /## Where\n\n`README\.md:3`/);
    assert.match(filed.body, /Severity: high\./);

    const [comment] = await w.reviewComments(pr.number);
    assert.match(comment!.body, new RegExp(`### Follow-ups filed\\n\\n- #${filed.number} The README documents no install step \\(README\\.md\\)`));
  });

  it("a later review with the same findings files only what is not open yet (and its diff is cut at review.diff_max_bytes, saying so)", async () => {
    await w.writeConfig({ followupsMax: 5, diffMaxBytes: 120 });
    await w.setScript([
      verdictTask({ verdict: "APPROVE", reason: "fine", findings: FINDINGS }, String.raw`## Diff against the merge base[\s\S]*\(the diff truncated: showing \d+ of \d+ bytes\. Read the changed files in the working tree for the rest\.\)`),
    ]);
    const pr = await w.openPr({ branch: "feat-b", files: { "README.md": "# app\n\nA tiny library, documented.\n" } });
    await w.status(pr.head.sha, "success");
    const r = await w.tick();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /follow-ups already open: add\(\) does not validate its arguments \(src\/math\.js\); The README documents no install step \(README\.md\)/);
    const titles = (await techDebt()).map((i) => i.title).sort();
    assert.deepEqual(titles, [
      "Results of add() overflow silently for large integers (src/math.js)",
      "The README documents no install step (README.md)",
      "add() does not validate its arguments (src/math.js)",
    ]);
  });
});
