// An approved PR that conflicts with the primary branch: the forge cannot update the branch,
// so the model resolves the conflicts in a merge of the primary branch, CI and review judge
// the result, and the PR merges. A model that leaves conflict markers is nudged once, then a
// person is asked; nothing half-merged is ever pushed.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { branchCommits, devWorld, implemented, implementTask, type DevWorld, type Project, type ScriptTask } from "../fixtures/dev/world.ts";
import type { PullRequest } from "../../src/forge/types.ts";

let w: DevWorld;
before(async () => {
  w = await devWorld();
});
after(() => w.stop());

const MUL = "export function add(a, b) {\n  return a + b;\n}\n\nexport function mul(a, b) {\n  return a * b;\n}\n";
const BOTH = "export function add(a, b) {\n  return a + b;\n}\n\nexport function mul(a, b) {\n  return a * b;\n}\n\nexport function sub(a, b) {\n  return a - b;\n}\n";

/** A PR for "Add sub", green and approved, after `main` gained a conflicting `mul`. */
async function approvedButConflicting(p: Project, resolve: ScriptTask[]): Promise<{ issue: number; pr: PullRequest }> {
  await p.setScript([implementTask("Add sub"), ...resolve]);
  const issue = await p.issue({ title: "Add sub" });
  assert.equal((await p.tick()).code, 0);
  await p.ciIdle();
  assert.match((await p.tick()).out, /awaiting_review/);
  const cur = await p.app.contents.get("src/math.js");
  await p.app.contents.update("src/math.js", { text: MUL, message: "Add mul", sha: cur!.sha });
  const pr = (await p.pulls("open"))[0]!;
  await p.approve(pr);
  return { issue: issue.number, pr };
}

describe("dev agent: merge conflicts with the primary branch", () => {
  it("the model resolves them in a merge commit; CI and review judge it; then it merges", async () => {
    const p = await w.project("conflict");
    const { issue, pr } = await approvedButConflicting(p, [
      { name: "resolve", match: "^## Merge conflicts with `main` \\(round 1 of 2\\)[\\s\\S]*- `src/math.js`", actions: [{ write: { path: "src/math.js", content: BOTH } }], structured: implemented("Kept `mul` from main and `sub` from this PR.") },
    ]);

    const t = await p.tick();
    assert.equal(t.code, 0, t.out);
    assert.match(t.out, /conflicts in src\/math\.js/);
    assert.match(t.out, new RegExp(`dev: #${issue} → PR #${pr.number} awaiting_ci`));
    const rec = await p.phase();
    assert.equal(rec?.phase, "awaiting_ci");
    assert.equal(rec.conflict_rounds, 1);
    assert.deepEqual(
      rec.history.slice(-3).map((h) => [h.to, h.note]),
      [
        ["merging", "approved by review-bot"],
        ["implementing", "merge conflict round 1/2"],
        ["awaiting_ci", `pushed ${rec.head_sha!.slice(0, 12)} to PR #${pr.number}`],
      ],
    );
    const head = (await p.app.pulls.get(pr.number))!.head.sha;
    assert.notEqual(head, pr.head.sha);
    assert.equal(rec.head_sha, head);
    assert.equal((await p.app.contents.get("src/math.js", { ref: pr.head.ref }))?.text, BOTH);

    // The new head is a merge of main into the PR's earlier head.
    const log = await branchCommits(w, p, pr.head.ref);
    assert.deepEqual(log.commits[0], { subject: `fix: merge the primary branch, resolving conflicts (#${issue})`, parents: [pr.head.sha, log.main] });

    // The approval was for the old head: CI and a new review first, then the merge.
    await p.ciIdle();
    assert.match((await p.tick()).out, /awaiting_review/);
    await p.approve(pr.number);
    const m = await p.tick();
    assert.match(m.out, new RegExp(`#${issue} → PR #${pr.number} merged`), m.out);
    assert.equal((await p.app.contents.get("src/math.js"))?.text, BOTH);
    assert.equal((await p.get(issue)).state, "closed");
    assert.equal((await p.pulls("all")).length, 1);
    assert.equal((await p.phase())?.phase, "done");
  });

  it("a model that stops early while resolving is nudged with the merge still in the tree", async () => {
    const p = await w.project("conflict-nudge");
    const { issue, pr } = await approvedButConflicting(p, [
      { name: "resolve", match: "^## Merge conflicts with `main`", actions: [{ write: { path: "src/math.js", content: BOTH } }], status: "max_turns" },
      { name: "finish", match: "^## Continue\\n\\nYou stopped before finishing \\(max_turns", actions: [], structured: implemented("Kept both.") },
    ]);
    const t = await p.tick();
    assert.equal(t.code, 0, t.out);
    assert.match(t.out, /nudging once/);
    assert.match(t.out, new RegExp(`dev: #${issue} → PR #${pr.number} awaiting_ci`));
    const log = await branchCommits(w, p, pr.head.ref);
    assert.deepEqual(
      log.commits.map((c) => c.parents.length),
      [2, 1],
      "one merge commit on top of the PR's own commit, no work-in-progress commit",
    );
    assert.equal(log.commits[0]!.parents[1], log.main);
    assert.equal((await p.app.contents.get("src/math.js", { ref: pr.head.ref }))?.text, BOTH);
  });

  for (const point of ["after-llm", "after-push"]) {
    it(`killed ${point} in a conflict round: the next tick ends with one merge commit on the PR, the round not counted twice`, async () => {
      const p = await w.project(`conflict-${point}`);
      const { issue, pr } = await approvedButConflicting(p, [{ name: "resolve", match: "^## Merge conflicts with `main`", actions: [{ write: { path: "src/math.js", content: BOTH } }], structured: implemented("Kept both.") }]);
      const killed = await p.tickProcess({ env: { DISINTO_CRASH_AT: point } });
      assert.equal(killed.signal, "SIGKILL", killed.out);
      await p.expireLeases();
      const t = await p.tick();
      assert.equal(t.code, 0, t.out);
      assert.match(t.out, new RegExp(`dev: #${issue} → PR #${pr.number} awaiting_ci`));
      const rec = await p.phase();
      assert.equal(rec?.phase, "awaiting_ci");
      assert.equal(rec.conflict_rounds, 1);
      const now = (await p.app.pulls.get(pr.number))!;
      assert.equal(rec.head_sha, now.head.sha);
      const log = await branchCommits(w, p, pr.head.ref);
      assert.equal(log.commits.filter((c) => c.parents.length === 2).length, 1, "one merge commit");
      assert.equal((await p.app.contents.get("src/math.js", { ref: pr.head.ref }))?.text, BOTH);
    });
  }

  it("markers left after a nudge: escalated with the files named, nothing pushed", async () => {
    const p = await w.project("conflict-left");
    const { issue, pr } = await approvedButConflicting(p, [
      { name: "resolve", match: "^## Merge conflicts with `main`", actions: [], structured: implemented("Resolved.") },
      { name: "again", match: "^## Continue\\n\\nYou stopped before finishing \\(conflict markers are still in src/math.js", actions: [], structured: implemented("Resolved now.") },
    ]);
    const t = await p.tick();
    assert.equal(t.code, 0, t.out);
    const rec = await p.phase();
    assert.equal(rec?.phase, "escalated");
    assert.equal((await p.app.pulls.get(pr.number))!.head.sha, pr.head.sha, "nothing pushed");
    const blocked = (await p.comments(issue)).filter((c) => c.body.includes(`### Blocked — issue #${issue}`));
    assert.equal(blocked.length, 1);
    assert.match(blocked[0]!.body, /merge_conflict/);
    assert.match(blocked[0]!.body, /conflict markers are still in src\/math\.js/);
    assert.ok((await p.get(issue)).labels.includes("blocked"));
  });
});
