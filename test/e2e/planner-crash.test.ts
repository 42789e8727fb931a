// A planner run killed midway (as a CI runner dies) and run again files nothing twice: killed
// after its first new issue, between the relabels and the closes, and after the whole manifest
// but before its ops commit, the re-run ends with the same issues, labels, vault request and
// tree as an uninterrupted run.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { leaseName } from "../../src/agents/planner/tick.ts";
import { Leases } from "../../src/state/lease.ts";
import { expireLease } from "../helpers/lease.ts";
import { plannerWorld, BOT, type PlannerProject, type PlannerWorld } from "../fixtures/planner/world.ts";
import { ISSUES, answer } from "../fixtures/planner/scenario.ts";

async function outcome(p: PlannerProject): Promise<unknown> {
  const issues = (await p.app.issues.list({ state: "all", type: "issues" })).sort((a, b) => a.number - b.number);
  const comments = await Promise.all(issues.map(async (i) => (await p.app.comments.list(i.number)).filter((c) => c.author === BOT).length));
  const vault = (await p.ops.pulls.list({ state: "all" })).map((pr) => pr.head.ref);
  const tree = (await p.opsText("prerequisites.md"))?.replace(/Last updated: \S+/, "");
  return { issues: issues.map((i, k) => ({ title: i.title, state: i.state, labels: [...i.labels].sort(), comments: comments[k] })), vault, tree };
}

describe("planner: crash and re-run", () => {
  let g: PlannerWorld;
  before(async () => {
    g = await plannerWorld();
  });
  after(() => g.stop());

  it("converges to the uninterrupted run's state, nothing filed twice", async () => {
    const clean = await g.project("clean", ISSUES);
    await clean.setScript([{ match: "run-planner", structured: answer() }]);
    const ok = await clean.runProcess("planner");
    assert.equal(ok.code, 0, ok.out);
    const want = await outcome(clean);

    for (const at of ["manifest:after-0", "manifest:after-5", "planner:before-commit"]) {
      const p = await g.project(`crash-${at.replace(/[^a-z0-9]+/g, "-")}`, ISSUES);
      await p.setScript([{ match: "run-planner", structured: answer() }]);
      const killed = await p.runProcess("planner", { DISINTO_CRASH_AT: at });
      assert.equal(killed.signal, "SIGKILL", `${at}: ${killed.out}`);
      await expireLease(p.ops, Leases.path(leaseName(p.name)));
      const again = await p.runProcess("planner");
      assert.equal(again.code, 0, `${at}: ${again.out}`);
      assert.deepEqual(await outcome(p), want, at);
      assert.equal((await p.app.issues.list({ state: "all", type: "issues" })).filter((i) => i.author === BOT).length, 2, `${at}: filed twice`);
    }
  });
});
