// The planner end to end on the sandbox forge with the scripted backend playing the model: a
// VISION.md and two predictions produce the tree, both predictions triaged, new issues within
// the budget, `priority` synced and a vault request for a person; a second run with nothing
// changed spends nothing; an answer over budget or naming a made-up file is rejected whole;
// a dry run changes nothing.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runPlannerTick } from "../../src/agents/planner/tick.ts";
import { collectStatus } from "../../src/status/collect.ts";
import { renderStatus } from "../../src/status/render.ts";
import { statusReportSchema } from "../../src/status/schema.ts";
import { forgeSnapshot } from "../helpers/forge-snapshot.ts";
import { judgedState, plannerWorld, BOT, type PlannerWorld } from "../fixtures/planner/world.ts";
import { ISSUES, answer } from "../fixtures/planner/scenario.ts";

describe("planner on the sandbox", () => {
  let g: PlannerWorld;
  before(async () => {
    g = await plannerWorld();
  });
  after(() => g.stop());

  it("plans from the vision: tree, triage, issues within budget, priority, vault request; then idles", async () => {
    const p = await g.project("plan", ISSUES);
    await p.setScript([{ match: "run-planner", structured: answer() }]);
    const r = await p.runAs("planner", runPlannerTick);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.calls.length, 1);

    const tree = (await p.opsText("prerequisites.md"))!;
    assert.match(tree, /^# Prerequisite Tree\n<!-- Last updated: \d{4}-\d\d-\d\d -->/);
    assert.match(tree, /## Objective: Users can sign up \(#1\)\n- \[x\] A user table \(src\/math\.js\)\n- \[ \] The sign-up form \(#1\)\nStatus: BLOCKED — the form is not built/);
    assert.match(tree, /## Objective: CSV export\n- \[ \] An SMTP account for export mails \(planner-smtp-account\)\nStatus: BLOCKED — waits for a person/);

    const all = await p.app.issues.list({ state: "all", type: "issues" });
    const created = all.filter((i) => i.author === BOT).sort((a, b) => a.number - b.number);
    assert.equal(created.length, 2, "one issue for the actioned prediction + one new: the budget (1 actioned + 1)");
    const fromPrediction = created.find((i) => i.title === "Retry the flaky parse test")!;
    assert.deepEqual(fromPrediction.labels, ["backlog"]);
    assert.match(fromPrediction.body, /^From prediction #2\.\n\n## Problem\n[\s\S]*## Proposed solution\n[\s\S]*## Affected files\n\n- `src\/parse\.js`\n\n## Acceptance criteria\n\n- \[ \] parse\(\) is retried once\n- \[ \] CI green/);
    const csv = created.find((i) => i.title === "CSV export of a user's data")!;
    assert.deepEqual(csv.labels, ["vision"]);
    assert.match(csv.body, /## Why vision\n\nTouches storage, mail and the UI/);

    const p2 = (await p.app.issues.get(2))!;
    assert.equal(p2.state, "closed");
    assert.deepEqual(p2.labels, ["prediction/actioned"]);
    assert.ok((await p.app.comments.list(2)).some((c) => c.author === BOT && c.body.includes(`Actioned: #${fromPrediction.number}`)));
    const p3 = (await p.app.issues.get(3))!;
    assert.equal(p3.state, "closed");
    assert.deepEqual(p3.labels, ["prediction/dismissed"]);
    assert.ok((await p.app.comments.list(3)).some((c) => c.body.includes("Dismissed: spend per issue is flat")));

    assert.deepEqual((await p.app.issues.list({ state: "open", labels: ["priority"] })).map((i) => i.number), [1]);
    assert.equal((await p.app.issues.get(4))!.labels.includes("priority"), false, "priority was taken off #4");

    const vault = (await p.ops.pulls.findByHead("vault/planner-smtp-account", { state: "all" }))!;
    assert.equal(vault.state, "open");
    assert.deepEqual([...vault.labels].sort(), ["pending-approval", "vault"]);
    assert.match(vault.body, /# Request: An SMTP account[\s\S]*## Human action\n\n1\. Create an account/);

    const journal = await p.journal("planner");
    assert.match(journal, /run-planner: applied \d+ actions/);
    assert.match(journal, /tree: 2 objectives/);
    assert.match(journal, /Shown to the model: \d+ chars — VISION\.md \d+, AGENTS\.md \d+, prerequisites\.md/);

    const report = statusReportSchema.parse(await collectStatus({ forge: g.w.admin, opsRepo: p.opsRef, project: p.name }));
    const st = report.projects[0]!;
    assert.equal(st.planner!.tree.blocked, 2);
    assert.deepEqual(st.planner!.tree.objectives[0], { name: "Users can sign up (#1)", status: "BLOCKED", reason: "the form is not built" });
    assert.match(st.planner!.last_run!.title, /run-planner: applied/);
    assert.deepEqual(st.predictor!.open, [], "both predictions were triaged");
    assert.match(renderStatus(report), /planner: tree of \d{4}-\d\d-\d\d: 0 ready, 2 blocked, 0 done; last run .*run-planner: applied[\s\S]*BLOCKED +CSV export +waits for a person/);

    const state = await judgedState(p);
    const again = await p.runAs("planner", runPlannerTick);
    assert.equal(again.code, 0, again.out);
    assert.equal(again.calls.length, 0, "a second run with nothing changed calls no model");
    assert.match(again.out, /nothing changed since the last plan/);
    assert.deepEqual(await judgedState(p), state);

    await p.commit({ "src/math.js": "export const add = (a, b) => a + b;\n" }, "change the code");
    const third = await p.runAs("planner", runPlannerTick);
    assert.equal(third.code, 0, third.out);
    assert.equal(third.calls.length, 1, "a new HEAD wakes the planner");
    assert.equal((await p.app.issues.list({ state: "all", type: "issues" })).filter((i) => i.author === BOT).length, 2, "the same answer files nothing twice");
  });

  it("rejects an answer over budget or naming a made-up file whole", async () => {
    for (const [name, bad, why] of [
      ["over", answer({ extraIssue: true }), /3 new issues is over this run's budget of 2/],
      ["madeup", answer({ file: "src/nope.js" }), /not in the repository's default branch: "src\/nope\.js"/],
    ] as const) {
      const p = await g.project(name, ISSUES);
      await p.setScript([{ match: "run-planner", structured: bad }]);
      const before = await judgedState(p);
      const r = await p.runAs("planner", runPlannerTick);
      assert.notEqual(r.code, 0, r.out);
      assert.equal(r.calls.length, 2, "asked once more with the error, then gave up");
      assert.match(r.out, why);
      const after = (await judgedState(p)) as { opsFiles: Record<string, string> };
      const { opsFiles, ...rest } = after;
      const { opsFiles: was, ...restBefore } = before as { opsFiles: Record<string, string> };
      assert.deepEqual(rest, restBefore, `${name}: the forge changed`);
      assert.deepEqual(Object.keys(opsFiles).filter((k) => !k.includes("journal/") && !k.includes("ledger/") && !k.includes("sessions/")), Object.keys(was), `${name}: only the journal and spend are written`);
      assert.equal(await p.opsText("prerequisites.md"), undefined);
    }
  });

  it("a dry run changes nothing and stops before the model", async () => {
    const p = await g.project("dry", ISSUES);
    await p.setScript([{ match: "run-planner", structured: answer() }]);
    const snap = await forgeSnapshot(g.w.forge, p.app, p.ops);
    const r = await p.runAs("planner", runPlannerTick, { env: { DISINTO_DRY_RUN: "1" } });
    assert.equal(r.code, 0, r.out);
    assert.equal(r.calls.length, 0);
    assert.match(r.out, /dry run: would run the model/);
    assert.deepEqual(await forgeSnapshot(g.w.forge, p.app, p.ops), snap);
  });
});
