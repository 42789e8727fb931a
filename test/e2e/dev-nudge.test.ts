// The model stops before it is done, with work in the tree: the runner keeps that work (a
// work-in-progress commit, pushed), nudges the model once, and the finished run opens the PR.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { branchCommits, devWorld, implemented, MATH_SUB_TODO, MATH_WITH_SUB, implementTask, type DevWorld } from "../fixtures/dev/world.ts";

let w: DevWorld;
before(async () => {
  w = await devWorld();
});
after(() => w.stop());

describe("dev agent: a model that stops early", () => {
  it("gets its work committed as work in progress and one nudge; the finished run opens the PR", async () => {
    const p = await w.project("nudge");
    await p.setScript([
      { name: "partial", match: "# Task[\\s\\S]*## Issue #\\d+, its title:\\n\\n\\x60+text\\nAdd sub", actions: [{ write: { path: "src/math.js", content: MATH_SUB_TODO } }], status: "max_turns" },
      { name: "finish", match: "^## Continue\\n\\nYou stopped before finishing \\(max_turns", actions: [{ write: { path: "src/math.js", content: MATH_WITH_SUB } }], structured: implemented("Adds `sub()` after a nudge.") },
    ]);
    const issue = await p.issue({ title: "Add sub" });
    const t = await p.tick();
    assert.equal(t.code, 0, t.out);
    assert.match(t.out, /the model stopped without a valid result \(max_turns[^)]*\); nudging once/);
    assert.match(t.out, new RegExp(`dev: #${issue.number} → PR #\\d+ awaiting_ci`));
    const prs = await p.pulls("open");
    assert.equal(prs.length, 1);
    assert.equal((await p.app.contents.get("src/math.js", { ref: prs[0]!.head.ref }))?.text, MATH_WITH_SUB);

    // The branch's history: the work in progress first, then the finished change on top.
    const subjects = (await branchCommits(w, p, prs[0]!.head.ref)).commits.map((c) => c.subject);
    assert.equal(subjects.length, 2, subjects.join("\n"));
    assert.match(subjects[1] ?? "", new RegExp(`^wip: Add sub \\(#${issue.number}\\) \\[work in progress\\]$`));
    assert.equal(subjects[0], `fix: Add sub (#${issue.number})`);
  });

  it("is nudged only once: a second early stop escalates with the reason, never silently", async () => {
    const p = await w.project("nudge-twice");
    await p.setScript([
      { name: "partial", match: "# Task[\\s\\S]*## Issue #\\d+, its title:\\n\\n\\x60+text\\nAdd sub", actions: [{ write: { path: "src/math.js", content: MATH_SUB_TODO } }], status: "max_turns" },
      { name: "again", match: "^## Continue", actions: [], status: "max_turns" },
    ]);
    const issue = await p.issue({ title: "Add sub" });
    const t = await p.tick();
    assert.equal(t.code, 0, t.out);
    assert.equal(t.out.match(/nudging once/g)?.length, 1);
    const now = await p.get(issue.number);
    assert.ok(now.labels.includes("blocked"), now.labels.join(","));
    const blocked = (await p.comments(issue.number)).filter((c) => c.body.includes(`### Blocked — issue #${issue.number}`));
    assert.equal(blocked.length, 1);
    assert.match(blocked[0]!.body, /max_turns/);
    assert.equal((await p.phase())?.phase, "escalated");
    assert.equal((await p.tick()).out.match(/idle/)?.length, 1, "a blocked issue is left alone");

    // A person looks, unblocks it and puts it back in the backlog: the next tick starts over
    // (as the README's troubleshooting table says) and this time the model finishes.
    await p.app.labels.remove(issue.number, "blocked");
    await p.app.labels.add(issue.number, ["backlog"]);
    await p.setScript([implementTask("Add sub")]);
    const again = await p.tick();
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, new RegExp(`dev: #${issue.number} → PR #\\d+ awaiting_ci`));
    assert.equal((await p.pulls("open")).length, 1);
    const back = await p.get(issue.number);
    assert.ok(back.labels.includes("in-progress") && !back.labels.includes("blocked") && !back.labels.includes("backlog"), back.labels.join(","));
  });
});
