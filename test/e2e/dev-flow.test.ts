// The dev agent's main loop on the sandbox forge and CI, tick by tick: a backlog issue becomes
// a PR, CI runs on it for real, review-bot approves, the agent merges and cleans up.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { devWorld, implementTask, TEST_YML, type DevWorld } from "../fixtures/dev/world.ts";

let w: DevWorld;
before(async () => {
  w = await devWorld();
});
after(() => w.stop());

describe("dev agent: backlog issue to merged PR", () => {
  it("happy path: claim → PR → CI green → approved by review-bot → merged, issue closed, labels clean, branch deleted, phase done, one PR", async () => {
    const p = await w.project("happy", { testCommand: "sh ci/test.sh" });
    await p.setScript([implementTask("Add sub")]);
    const issue = await p.issue({ title: "Add sub", body: "Add a `sub(a, b)` function next to `add`." });

    // Tick 1: claim, implement, push, open the PR.
    const t1 = await p.tick();
    assert.equal(t1.code, 0, t1.out);
    assert.match(t1.out, new RegExp(`dev: #${issue.number} → PR #\\d+ awaiting_ci`));
    let rec = await p.phase();
    assert.equal(rec?.phase, "awaiting_ci");
    assert.equal(rec?.issue, issue.number);
    assert.equal(rec?.branch, `fix/issue-${issue.number}`);
    const claimed = await p.get(issue.number);
    assert.deepEqual(claimed.assignees, ["dev-bot"]);
    assert.ok(claimed.labels.includes("in-progress") && !claimed.labels.includes("backlog"), claimed.labels.join(","));
    const prs = await p.pulls("open");
    assert.equal(prs.length, 1);
    const pr = prs[0]!;
    assert.equal(pr.title, `fix: Add sub (#${issue.number})`);
    assert.match(pr.body, new RegExp(`^Fixes #${issue.number}\\n`));
    assert.match(pr.body, /Adds `sub\(\)`/);
    assert.equal(pr.head.ref, `fix/issue-${issue.number}`);
    assert.equal(rec?.pr, pr.number);
    assert.equal(rec?.head_sha, pr.head.sha);

    // CI runs on the PR; tick 2 sees it green and waits for the review.
    await p.ciIdle();
    const t2 = await p.tick();
    assert.equal(t2.code, 0, t2.out);
    assert.match(t2.out, /awaiting_review/);
    assert.doesNotMatch(t2.out, /scripted backend/);
    rec = await p.phase();
    assert.equal(rec?.phase, "awaiting_review");

    // Nothing new: an idle tick, no lease, no git, no model.
    const t3 = await p.tick();
    assert.equal(t3.code, 0);
    assert.match(t3.out, /idle: #\d+ → PR #\d+ awaiting_review/);

    await p.approve(pr);
    const t4 = await p.tick();
    assert.equal(t4.code, 0, t4.out);
    assert.match(t4.out, new RegExp(`#${issue.number} → PR #${pr.number} merged`));
    assert.doesNotMatch(t4.out, /scripted backend/);

    const merged = await p.app.pulls.get(pr.number);
    assert.equal(merged?.merged, true);
    const closed = await p.get(issue.number);
    assert.equal(closed.state, "closed");
    assert.deepEqual(closed.labels.filter((l) => ["in-progress", "backlog", "blocked"].includes(l)), []);
    assert.equal(await p.app.branches.get(`fix/issue-${issue.number}`), undefined);
    const main = await p.app.contents.get("src/math.js");
    assert.match(main?.text ?? "", /export function sub/);
    rec = await p.phase();
    assert.equal(rec?.phase, "done");
    assert.deepEqual(
      rec?.history.map((h) => h.to),
      ["implementing", "awaiting_ci", "awaiting_review", "merging", "done"],
    );
    assert.equal((await p.pulls("all")).length, 1);

    // Done: the next tick is idle and cheap.
    const t5 = await p.tick();
    assert.match(t5.out, /idle: nothing to do/);
  });
});

/** The model implements whatever issue it is given. */
const anyIssue = implementTask("", [], "implement-any");

describe("dev agent: which issue comes next", () => {
  it("priority first: a newer `priority` issue goes before older plain backlog issues", async () => {
    const p = await w.project("priority");
    await p.setScript([anyIssue]);
    await p.issue({ title: "Old plain" });
    await p.issue({ title: "Older plain too" });
    const urgent = await p.issue({ title: "Urgent", labels: ["backlog", "priority"] });
    const t = await p.tick();
    assert.equal(t.code, 0, t.out);
    assert.equal((await p.phase())?.issue, urgent.number, t.out);
  });

  it("an issue with an open dependency is never picked; once the dependency closes it is", async () => {
    const p = await w.project("deps");
    await p.setScript([anyIssue]);
    const blocker = await p.issue({ title: "Groundwork", labels: [] });
    const waiting = await p.issue({ title: "Needs groundwork", body: `Build on it.\n\n## Dependencies\n\n- #${blocker.number}\n` });
    const inline = await p.issue({ title: "Also waits", body: `This depends on #${blocker.number}.` });
    const t1 = await p.tick();
    assert.match(t1.out, /idle: nothing to do \(2 backlog issues, 2 not ready\)/);
    assert.equal((await p.phase())?.issue ?? null, null);
    assert.equal((await p.get(waiting.number)).assignees.length, 0);

    await p.app.issues.close(blocker.number);
    const t2 = await p.tick();
    assert.equal(t2.code, 0, t2.out);
    assert.equal((await p.phase())?.issue, waiting.number, t2.out);
    assert.equal((await p.get(inline.number)).assignees.length, 0);
  });

  it("every backlog issue is considered: 120 blocked issues ahead of one ready issue, the ready one is picked", async () => {
    const p = await w.project("starve");
    await p.setScript([anyIssue]);
    const blockers = [];
    for (let i = 0; i < 3; i++) blockers.push(await p.issue({ title: `Blocker ${i}`, labels: [] }));
    for (let i = 0; i < 120; i++) await p.issue({ title: `Blocked ${i}`, body: `Depends on #${blockers[i % 3]!.number}` });
    const ready = await p.issue({ title: "Ready one" });
    const t = await p.tick();
    assert.equal(t.code, 0, t.out);
    assert.equal((await p.phase())?.issue, ready.number, t.out);
  });
});

describe("dev agent: the model may refuse", () => {
  it("too_large → comment, underspecified, released; already_done → comment, closed; unmet_dependency → comment naming the blocker, released, not picked again", async () => {
    const p = await w.project("refusals");
    const blocker = await p.issue({ title: "Schema migration", labels: [] });
    const big = await p.issue({ title: "Rewrite everything" });
    const done = await p.issue({ title: "Add add" });
    const dep = await p.issue({ title: "Use the new schema" });
    await p.setScript([
      { name: "too-large", match: "## Issue #\\d+, its title:\\n\\n\\x60+text\\nRewrite everything", structured: { status: "too_large", reason: "Split it: parser, evaluator, CLI." } },
      { name: "already", match: "## Issue #\\d+, its title:\\n\\n\\x60+text\\nAdd add", structured: { status: "already_done", reason: "`add` exists in src/math.js." } },
      { name: "unmet", match: "## Issue #\\d+, its title:\\n\\n\\x60+text\\nUse the new schema", structured: { status: "unmet_dependency", blocked_by: [`#${blocker.number}`], reason: "Needs the migration." } },
    ]);

    const t1 = await p.tick();
    assert.match(t1.out, new RegExp(`#${big.number} refused: too_large`), t1.out);
    const bigNow = await p.get(big.number);
    assert.equal(bigNow.state, "open");
    assert.deepEqual(bigNow.assignees, []);
    assert.ok(bigNow.labels.includes("underspecified"));
    assert.ok(!bigNow.labels.includes("backlog") && !bigNow.labels.includes("in-progress"), bigNow.labels.join(","));
    const bigComments = (await p.comments(big.number)).filter((c) => c.author === "dev-bot");
    assert.equal(bigComments.length, 1);
    assert.match(bigComments[0]!.body, /📏 \*\*Dev-agent: Too large for single session\*\*[\s\S]*Split it/);

    const t2 = await p.tick();
    assert.match(t2.out, new RegExp(`#${done.number} refused: already_done`), t2.out);
    const doneNow = await p.get(done.number);
    assert.equal(doneNow.state, "closed");
    assert.match((await p.comments(done.number)).at(-1)!.body, /✅ \*\*Dev-agent: Already implemented\*\*/);

    const t3 = await p.tick();
    assert.match(t3.out, new RegExp(`#${dep.number} refused: unmet_dependency`), t3.out);
    const depNow = await p.get(dep.number);
    assert.ok(depNow.labels.includes("backlog") && !depNow.labels.includes("in-progress"), depNow.labels.join(","));
    assert.deepEqual(depNow.assignees, []);
    const depComment = (await p.comments(dep.number)).filter((c) => c.author === "dev-bot");
    assert.equal(depComment.length, 1);
    assert.match(depComment[0]!.body, new RegExp(`🚧 \\*\\*Dev-agent: Unmet dependency\\*\\*[\\s\\S]*#${blocker.number}`));

    // The blocker is still open: the issue waits instead of going round the loop again.
    const t4 = await p.tick();
    assert.match(t4.out, /idle: nothing to do/, t4.out);
    assert.equal((await p.phase())?.phase, "idle");
  });

  it("a change to .woodpecker/ is refused: fed back once, then escalated without pushing", async () => {
    const p = await w.project("protected");
    const ci = { write: { path: ".woodpecker/test.yml", content: "steps:\n  - name: unit\n    image: alpine\n    commands: [\"true\"]\n" } };
    await p.setScript([
      { name: "still-ci", match: "## Protected paths changed", actions: [ci], structured: { status: "implemented", summary: "Kept the CI change." } },
      { name: "implement", match: "## Issue #\\d+, its title:\\n\\n\\x60+text\\nSkip the tests", actions: [ci, { write: { path: "src/math.js", content: "export const add = (a, b) => a + b;\n" } }], structured: { status: "implemented", summary: "Made CI green." } },
    ]);
    const issue = await p.issue({ title: "Skip the tests" });
    const t = await p.tick();
    assert.equal(t.code, 0, t.out);
    assert.match(t.out, /escalated: protected_paths/);
    assert.equal((await p.phase())?.phase, "escalated");
    const now = await p.get(issue.number);
    assert.ok(now.labels.includes("blocked") && !now.labels.includes("in-progress"), now.labels.join(","));
    const blocked = (await p.comments(issue.number)).filter((c) => c.body.includes(`### Blocked — issue #${issue.number}`));
    assert.equal(blocked.length, 1);
    assert.match(blocked[0]!.body, /\| Exit reason \| `protected_paths` \|/);
    assert.match(blocked[0]!.body, /\.woodpecker\/test\.yml/);
    assert.equal(await p.app.branches.get(`fix/issue-${issue.number}`), undefined, "nothing was pushed");
    assert.equal((await p.pulls("all")).length, 0);
    assert.equal((await p.app.contents.get(".woodpecker/test.yml"))?.text, TEST_YML);
  });
});

describe("dev agent: budgets", () => {
  it("the per-issue cap stops work with phase paused and one comment, work in progress pushed; later ticks wait without the model", async () => {
    const p = await w.project("budget", { budgetPerIssue: 0.01 });
    await p.setScript([{ ...implementTask("Add sub"), costUsd: 0.05 }]);
    const issue = await p.issue({ title: "Add sub" });
    const t1 = await p.tick();
    assert.equal(t1.code, 0, t1.out);
    assert.match(t1.out, new RegExp(`dev: paused: #${issue.number} paused`), t1.out);
    const rec = await p.phase();
    assert.equal(rec?.phase, "paused");
    const paused = (await p.comments(issue.number)).filter((c) => c.body.includes("Dev-agent: Paused"));
    assert.equal(paused.length, 1);
    const wip = await p.app.contents.get("src/math.js", { ref: `fix/issue-${issue.number}` });
    assert.match(wip?.text ?? "", /export function sub/, "the work so far is on the branch");

    const t2 = await p.tick();
    assert.match(t2.out, /idle: #\d+ paused: the spend cap is still reached/, t2.out);
    assert.doesNotMatch(t2.out, /scripted backend: task/);
    assert.equal((await p.comments(issue.number)).filter((c) => c.body.includes("Dev-agent: Paused")).length, 1);
  });
});
