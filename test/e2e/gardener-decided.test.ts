// The gardener's tasks decided in code, end to end on the sandbox forge: a clean backlog is an
// idle run with no model call; the quality gate, a starving blocker, tech debt and a blocked
// issue each pick the right issue, make the right forge changes and write the journal — and
// never call the model.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { gardenerWorld, LOGIN, type GardenerProject, type GardenerWorld } from "../fixtures/gardener/world.ts";

const READY = "## Problem\n\nAdd a sub() next to add().\n\n## Affected files\n\n- `src/math.js`\n\n## Acceptance criteria\n\n- [ ] sub(3, 1) is 2\n- [ ] sub is exported\n";
const HOUR = 3600_000;
/** Recently looked at AGENTS.md: the run does not look again. */
const checked = (): Record<string, string> => ({ "agents-md": new Date().toISOString() });

const labels = async (p: GardenerProject, n: number): Promise<string[]> => [...(await p.issue(n)).labels].sort();
const mine = async (p: GardenerProject, n: number): Promise<string[]> => (await p.app.comments.list(n)).filter((c) => c.author === LOGIN).map((c) => c.body);

describe("gardener: tasks decided in code", () => {
  let g: GardenerWorld;
  before(async () => {
    g = await gardenerWorld();
  });
  after(() => g.stop());

  it("a clean backlog is an idle run: no model call, no change, no journal", async () => {
    const p = await g.project("clean", [
      { title: "Add sub", body: READY, labels: ["backlog"] },
      { title: "Grand plan", body: "some day", labels: ["vision"] },
    ]);
    await p.setMemory(checked());
    const r = await p.tick();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /gardener: idle: nothing to groom \(2 open issues\)/);
    assert.equal(r.calls.length, 0);
    assert.equal(await p.journal(), "");
    assert.deepEqual(await mine(p, 1), []);
  });

  it("quality gate: a backlog issue without acceptance criteria or affected files gets one comment saying what is missing and leaves the backlog", async () => {
    const p = await g.project("gate", [
      { title: "Add sub", body: READY, labels: ["backlog"] },
      { title: "Do the thing", body: "Please do the thing.", labels: ["backlog"] },
    ]);
    await p.setMemory(checked());
    const r = await p.tick();
    assert.equal(r.code, 0, r.out);
    assert.equal(r.calls.length, 0);
    assert.deepEqual(await labels(p, 2), []);
    assert.deepEqual(await labels(p, 1), ["backlog"]);
    const [comment, ...more] = await mine(p, 2);
    assert.equal(more.length, 0);
    assert.match(comment!, /missing an acceptance-criteria checkbox \(`- \[ \] …`\) and an `## Affected files` section/);
    assert.match(await p.journal(), /quality-gate #2: applied 2 actions \(2 changed\)/);
    // Once out of the backlog, the gate leaves it alone: the next run is idle.
    const again = await p.tick();
    assert.match(again.out, /idle: nothing to groom/);
    assert.equal((await mine(p, 2)).length, 1);
  });

  it("blocker starving the factory: a ready dependency goes to the backlog; an external one blocks its parent", async () => {
    const p = await g.project("starving", [
      { title: "Add mul", body: `${READY}\n## Dependencies\n\n- #2\n`, labels: ["backlog"] },
      { title: "Add sub", body: READY },
      { title: "Deploy", body: `${READY}\nDepends on #4\n`, labels: ["backlog"] },
      { title: "DNS record", body: "We are waiting on the DNS provider (cloudflare) to delegate the zone." },
    ]);
    await p.setMemory(checked());
    // #4 is the most recently updated unqueued dependency: external → #3 blocked.
    const r1 = await p.tick();
    assert.equal(r1.code, 0, r1.out);
    assert.deepEqual(await labels(p, 3), ["backlog", "blocked"]);
    assert.match((await mine(p, 3))[0]!, /depends on #4, which waits on something outside this project/);
    const r2 = await p.tick();
    assert.equal(r2.code, 0, r2.out);
    assert.deepEqual(await labels(p, 2), ["backlog"]);
    assert.match((await mine(p, 2))[0]!, /#1 in the backlog depends on this issue/);
    assert.equal(r1.calls.length + r2.calls.length, 0);
    const j = await p.journal();
    assert.match(j, /blocker-starving-the-factory #4: applied 2 actions/);
    assert.match(j, /blocker-starving-the-factory #2: applied 2 actions/);
  });

  it("promote tech debt: with files and criteria into the backlog, without them underspecified", async () => {
    const p = await g.project("debt", [
      { title: "Slow parse", body: "parse() is slow on big inputs.\n\n## Affected files\n\n- `src/parse.js`\n\n## Acceptance criteria\n\n- [ ] 10 MB parse under 1 s\n", labels: ["tech-debt"] },
      { title: "Refactor math", body: "It is a mess.", labels: ["tech-debt"] },
    ]);
    await p.setMemory(checked());
    assert.equal((await p.tick()).code, 0);
    assert.equal((await p.tick()).code, 0);
    assert.deepEqual(await labels(p, 1), ["backlog", "tech-debt"]);
    assert.deepEqual(await labels(p, 2), ["tech-debt", "underspecified"]);
    assert.match((await mine(p, 1))[0]!, /promoted to the backlog/);
    assert.match((await mine(p, 2))[0]!, /marked underspecified/);
  });

  it("revisit blocked: a transient exit reason and a closed dependency unblock; an open dependency waits, and the issue rests", async () => {
    const blocked = (n: number, reason: string): string => `### Blocked — issue #${n}\n\n| Field | Value |\n| --- | --- |\n| Exit reason | \`${reason}\` |\n| Timestamp | 2026-01-01 |\n`;
    const p = await g.project("blocked", [
      { title: "Flaky", body: READY, labels: ["blocked"] },
      { title: "Needs #4", body: `${READY}\nDepends on #4\n`, labels: ["blocked"] },
      { title: "Needs #5", body: `${READY}\nDepends on #5\n`, labels: ["blocked"] },
      { title: "Done dependency", body: "x" },
      { title: "Open dependency", body: "x", labels: ["vision"] },
    ]);
    await p.app.comments.create(1, blocked(1, "ci_exhausted"));
    await p.app.issues.close(4);
    await p.setMemory(checked());
    const later = { shiftMs: 5 * HOUR };
    // Oldest first: one issue per run, whatever the order, three runs see them all.
    const runs = [await p.tick(later), await p.tick(later), await p.tick(later)];
    for (const r of runs) assert.equal(r.code, 0, r.out);
    const outs = runs.map((r) => r.out).join("\n");
    assert.deepEqual(await labels(p, 1), ["backlog"], outs);
    assert.match((await mine(p, 1))[0]!, /exit reason `ci_exhausted` is one a new attempt may pass/);
    assert.deepEqual(await labels(p, 2), ["backlog"], outs);
    assert.match((await mine(p, 2))[0]!, /its dependency #4 is closed/);
    assert.match(outs, /revisit-blocked: #3 waits on #5, still open/);
    assert.deepEqual(await labels(p, 3), ["blocked"]);
    assert.deepEqual(await mine(p, 3), []);
    // Resting: the next run does not look at #3 again.
    const r4 = await p.tick(later);
    assert.match(r4.out, /idle: nothing to groom \(\d+ open issues; 1 left alone for now\)/);
    assert.equal([...runs, r4].reduce((n, r) => n + r.calls.length, 0), 0);
    const j = await p.journal(later.shiftMs);
    assert.match(j, /revisit-blocked #1: applied 3 actions/);
    assert.match(j, /revisit-blocked #2: applied 3 actions/);
  });
});
