// The gardener's crash matrix: a tick bundling dust (a new issue, closes, the ledger) runs as
// its own process and is SIGKILLed at each of its checkpoints — before and after the lease,
// after the ledger marks the bundle, after each applied action, before the ledger drops the
// group, after the memory — then its lease is made to look expired (its pipeline died) and
// the next tick runs. The forge and the ledger end exactly as after one uninterrupted tick:
// one bundle issue, each source closed once with one comment, the group gone from the ledger.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkpointName } from "../../src/manifest/apply.ts";
import { leaseName } from "../../src/agents/gardener/tick.ts";
import { Leases } from "../../src/state/lease.ts";
import { expireLease } from "../helpers/lease.ts";
import { gardenerWorld, groomedState, type GardenerProject, type GardenerWorld } from "../fixtures/gardener/world.ts";

const ISSUES = [
  { title: "typo in add", body: "teh → the", labels: ["tech-debt"] },
  { title: "rename x", body: "`x` → `sum`", labels: ["tech-debt"] },
];
const ANSWER = { summary: "Bundle three cosmetic fixes in src.", overview: "Three cosmetic fixes in src/, no behaviour change.", acceptance_criteria: ["Every item is fixed", "No test changes"] };
// One create and two closes: three apply checkpoints.
const POINTS = ["gardener:after-lease", "gardener:after-dust-mark", checkpointName(0), checkpointName(1), checkpointName(2), "gardener:before-dust-drop", "gardener:after-memory"];

async function setUp(p: GardenerProject): Promise<void> {
  await p.setMemory({ "agents-md": new Date().toISOString() });
  const ts = new Date().toISOString();
  await p.writeDust([
    { issue: 1, group: "src", title: "typo in add", reason: "comment typo", ts },
    { issue: 2, group: "src", title: "rename x", reason: "naming", ts },
    { key: "review-abc", group: "src", title: "stale comment in parse", reason: "src/parse.js:1: the comment is stale", source: "PR #9", ts },
  ]);
  await p.setScript([{ match: "# Task: bundle-dust", structured: ANSWER }]);
}

describe("gardener: killed at any checkpoint of a dust bundle, the next tick converges", () => {
  let g: GardenerWorld;
  let expected: unknown;
  before(async () => {
    g = await gardenerWorld();
    const base = await g.project("crash-base", ISSUES);
    await setUp(base);
    const r = await base.tick();
    assert.equal(r.code, 0, r.out);
    expected = await groomedState(base);
  });
  after(() => g.stop());

  for (const point of POINTS) {
    it(`SIGKILL at ${point} → the same forge and ledger as one uninterrupted tick`, async () => {
      const p = await g.project(`crash-${point.replace(/[^a-z0-9]+/g, "-")}`, ISSUES);
      await setUp(p);
      const killed = await p.tickProcess({ DISINTO_CRASH_AT: point });
      assert.equal(killed.signal, "SIGKILL", killed.out);
      await expireLease(p.ops, Leases.path(leaseName(p.name)));
      const r = await p.tick();
      assert.equal(r.code, 0, r.out);
      const state = await groomedState(p);
      assert.deepEqual(state, expected);
      const markers = JSON.stringify(state).match(/<!-- disinto:gardener:[^>]+ -->/g) ?? [];
      assert.equal(new Set(markers).size, markers.length, `created twice: ${markers.join(", ")}`);
    });
  }
});
