// A step that runs out of time while the model works: the runner stops the model before the
// step's deadline, pushes what is in the tree as work in progress and ends `paused`; the next
// tick recovers from that branch, finishes, and opens the one PR.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { timeMargins } from "../../src/agents/dev/work.ts";
import { branchCommits, devWorld, implemented, MATH_SUB_TODO, MATH_WITH_SUB, type DevWorld } from "../fixtures/dev/world.ts";

let w: DevWorld;
before(async () => {
  w = await devWorld();
});
after(() => w.stop());

describe("dev agent: the step's deadline", () => {
  it("keeps the usual margins for an hour-long step and scales them down for a short one", () => {
    assert.deepEqual(timeMargins(55 * 60_000), { afterLlmMs: 3 * 60_000, minLlmMs: 4 * 60_000 });
    assert.deepEqual(timeMargins(20_000), { afterLlmMs: 4_000, minLlmMs: 5_000 });
  });

  it("stops the model before the deadline, pushes its work in progress, and the next tick finishes from there", async () => {
    const p = await w.project("deadline");
    // The model writes half the change, then "thinks" far longer than the step has.
    await p.setScript([{ name: "slow", match: "# Task[\\s\\S]*## Issue #\\d+, its title:\\n\\n\\x60+text\\nAdd sub", actions: [{ write: { path: "src/math.js", content: MATH_SUB_TODO } }, { run: { command: "sleep 60" } }], structured: implemented("never reached") }]);
    const issue = await p.issue({ title: "Add sub" });
    const started = Date.now();
    const t = await p.tick({ env: { DISINTO_TIMEOUT_MINUTES: "0.3" } }); // an 18 s step
    const took = Date.now() - started;
    assert.equal(t.code, 0, t.out);
    assert.match(t.out, new RegExp(`#${issue.number} interrupted: the model ran until the step's deadline; work in progress pushed`));
    assert.ok(took < 60_000, `the model's 60 s command was cut short (the tick took ${took} ms)`);
    assert.equal((await p.pulls("all")).length, 0, "no PR for unfinished work");
    const rec = await p.phase();
    assert.equal(rec?.phase, "implementing");
    const branch = rec.branch!;
    assert.equal((await p.app.contents.get("src/math.js", { ref: branch }))?.text, MATH_SUB_TODO, "the half-done work is on the branch");
    assert.ok((await p.get(issue.number)).labels.includes("in-progress"), "the issue stays claimed");

    // The next tick (a full step) resumes on that branch and finishes the change.
    await p.setScript([{ name: "finish", match: "## CRASH RECOVERY", actions: [{ write: { path: "src/math.js", content: MATH_WITH_SUB } }], structured: implemented("Adds `sub()`.") }]);
    const t2 = await p.tick();
    assert.equal(t2.code, 0, t2.out);
    assert.match(t2.out, new RegExp(`dev: #${issue.number} → PR #\\d+ awaiting_ci`));
    const prs = await p.pulls("all");
    assert.equal(prs.length, 1, "exactly one PR");
    assert.equal(prs[0]!.head.ref, branch, "on the branch the interrupted step pushed");
    assert.equal((await p.app.contents.get("src/math.js", { ref: branch }))?.text, MATH_WITH_SUB);

    const subjects = (await branchCommits(w, p, branch)).commits.map((c) => c.subject);
    assert.equal(subjects.length, 2, subjects.join("\n"));
    assert.match(subjects[1] ?? "", new RegExp(`^wip: Add sub \\(#${issue.number}\\) \\[work in progress\\]$`));
    assert.equal(subjects[0], `fix: Add sub (#${issue.number})`);
  });
});
