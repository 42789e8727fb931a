// The supervisor's forge probes on a sandbox world, with the shipped recipes: each fires when
// its problem is there (and old enough) and stays quiet otherwise. A healthy run is idle: no
// model call, nothing written. Recipes whose action is `llm`/`incident` ask the scripted model
// once; direct fixes never do.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { supervisorWorld, blockComment, judgmentTask, HOUR, type SupervisorProject, type SupervisorWorld } from "../fixtures/supervisor/world.ts";

const DAY = 24 * HOUR;

describe("supervisor: forge probes", () => {
  let w: SupervisorWorld;
  before(async () => {
    w = await supervisorWorld();
  });
  after(() => w.stop());

  it("a healthy factory: the first run records its health once, later runs are idle and write nothing; no model call, no journal", async () => {
    const p = await w.project("healthy");
    await p.issue({ title: "Add sub", body: "x" });
    const first = await p.supervise();
    assert.equal(first.code, 0, first.out);
    assert.equal(first.calls, 0);
    const h = await p.health();
    assert.deepEqual(h?.findings, []);
    assert.ok(h?.not_read.some((l) => /Woodpecker queue and agents: not read/.test(l)), JSON.stringify(h));
    const head = (await p.opsRepo.branches.get("main"))!.commitSha;
    const r = await p.supervise();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /supervisor: idle: all clear \(15 recipes from disinto formulas\/supervisor\/recipes\.toml/);
    assert.equal(r.calls, 0);
    assert.equal((await p.opsRepo.branches.get("main"))!.commitSha, head, "an idle run committed to the ops repo");
    assert.equal(await p.journal(), "");
  });

  // Each case: a project whose forge has one problem; `quiet` is how soon the supervisor looks
  // (too early, or the problem absent), `loud` is when it fires.
  const cases: { recipe: string; also?: string[]; model: boolean; setup: (p: SupervisorProject) => Promise<void>; quiet: number; loud: number; quietSetup?: (p: SupervisorProject) => Promise<void> }[] = [
    {
      recipe: "escalation-unanswered",
      model: true,
      setup: async (p) => {
        const i = await p.issue({ title: "Needs a person", labels: ["blocked"] });
        await p.app.comments.create(i.number, blockComment(i.number, "needs_human"));
      },
      quiet: 2 * HOUR,
      loud: 25 * HOUR,
    },
    {
      recipe: "blocked-dep-closed",
      model: true,
      setup: async (p) => {
        const dep = await p.issue({ title: "Dependency", labels: [] });
        await p.issue({ title: "Waits", body: `Depends on #${dep.number}`, labels: ["blocked"] });
        await p.app.issues.close(dep.number);
      },
      quietSetup: async (p) => {
        const dep = await p.issue({ title: "Dependency", labels: [] });
        await p.issue({ title: "Waits", body: `Depends on #${dep.number}`, labels: ["blocked"] });
      },
      quiet: 0,
      loud: 0,
    },
    {
      recipe: "deps-circular",
      model: true,
      setup: async (p) => {
        await p.issue({ title: "A", body: "Depends on #2" });
        await p.issue({ title: "B", body: "Depends on #1" });
      },
      quietSetup: async (p) => {
        await p.issue({ title: "A", body: "Depends on #2" });
        await p.issue({ title: "B", body: "no dependency" });
      },
      quiet: 0,
      loud: 0,
    },
    {
      recipe: "deps-stale",
      model: true,
      setup: async (p) => {
        await p.issue({ title: "A", body: "Depends on #2" });
        await p.issue({ title: "B", body: "later", labels: [] });
      },
      quiet: 29 * DAY,
      loud: 31 * DAY,
    },
    {
      recipe: "pr-stale",
      model: true,
      setup: async (p) => {
        await p.app.branches.create("feature", "main");
        const pr = await p.app.pulls.create({ title: "Feature", body: "x", head: "feature", base: "main" });
        await p.ciIdle();
        await p.app.statuses.create(pr.head.sha, { state: "success", context: "ci/test" });
      },
      quietSetup: async (p) => {
        await p.app.branches.create("feature", "main");
        const pr = await p.app.pulls.create({ title: "Feature", body: "x", head: "feature", base: "main" });
        await p.ciIdle();
        await p.app.statuses.create(pr.head.sha, { state: "failure", context: "ci/test" });
      },
      quiet: 25 * HOUR,
      loud: 25 * HOUR,
    },
    {
      recipe: "orphan-in-progress",
      model: false,
      setup: async (p) => {
        await p.issue({ title: "Orphan", labels: ["in-progress"] });
      },
      quiet: 30 * 60_000,
      loud: 2 * HOUR,
    },
    {
      recipe: "ci-exhausted-close-pr",
      also: ["ci-exhausted-sweep"],
      model: false,
      setup: async (p) => {
        const i = await p.issue({ title: "Flaky", labels: ["blocked"] });
        await p.app.comments.create(i.number, blockComment(i.number, "ci_exhausted"));
      },
      quiet: 10 * 60_000,
      loud: HOUR,
    },
  ];
  for (const c of cases) {
    it(`${c.recipe}: quiet when its problem is absent or young, fires when it is there`, async () => {
      const quiet = await w.project(`${c.recipe}-q`);
      await (c.quietSetup ?? c.setup)(quiet);
      await quiet.setScript([judgmentTask()]);
      const q = await quiet.supervise({ shiftMs: c.quiet });
      assert.equal(q.code, 0, q.out);
      assert.deepEqual(await quiet.fired(), [], q.out);
      assert.equal(q.calls, 0, q.out);

      const loud = await w.project(`${c.recipe}-l`);
      await c.setup(loud);
      await loud.setScript([judgmentTask()]);
      const l = await loud.supervise({ shiftMs: c.loud });
      assert.equal(l.code, 0, l.out);
      assert.deepEqual(await loud.fired(), [c.recipe, ...(c.also ?? [])].sort(), l.out);
      assert.equal(l.calls, c.model ? 1 : 0, l.out);
      assert.match(await loud.journal(c.loud), new RegExp(c.recipe));
      // Within its cooldown the model is not asked again.
      const again = await loud.supervise({ shiftMs: c.loud });
      assert.equal(again.code, 0, again.out);
      assert.equal(again.calls, 0, again.out);
    });
  }
});
