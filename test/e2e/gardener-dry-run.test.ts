// A gardener dry run changes nothing — not the forge, not the ops repo (no lease, memory or
// journal written), not the dust ledger — and calls no model: a task decided in code lists the
// actions it would apply; a task for the model stops where the model would run.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { forgeSnapshot } from "../helpers/forge-snapshot.ts";
import { gardenerWorld, type GardenerWorld } from "../fixtures/gardener/world.ts";

const DRY = { DISINTO_DRY_RUN: "1" };
const checked = (): Record<string, string> => ({ "agents-md": new Date().toISOString() });

describe("gardener: dry run", () => {
  let g: GardenerWorld;
  before(async () => {
    g = await gardenerWorld();
  });
  after(() => g.stop());

  it("the quality gate lists its comment and label removal and applies neither", async () => {
    const p = await g.project("dry-gate", [{ title: "Do the thing", body: "Please.", labels: ["backlog"] }]);
    await p.setMemory(checked());
    const snap = await forgeSnapshot(g.w.forge, p.app, p.ops);
    const r = await p.tick({ env: DRY });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /apply gardener action 0: comment on #1/);
    assert.match(r.out, /apply gardener action 1: remove label backlog from #1/);
    assert.deepEqual(await forgeSnapshot(g.w.forge, p.app, p.ops), snap);
  });

  it("a task for the model stops before the model and changes nothing", async () => {
    const p = await g.project("dry-model", [{ title: "Strict parse", body: ["Parsing is too lenient.", "", "`{}` and empty strings pass.", "See src/parse.js.", "It should fail loudly.", "Users hit this."].join("\n"), labels: ["underspecified"] }]);
    await p.setScript([{ match: "# Task", structured: { summary: "x", affected_files: ["src/parse.js"], acceptance_criteria: ["a", "b"] } }]);
    const snap = await forgeSnapshot(g.w.forge, p.app, p.ops);
    const r = await p.tick({ env: DRY });
    assert.equal(r.code, 0, r.out);
    assert.equal(r.calls.length, 0, "the model was called");
    assert.match(r.out, /dry run: would run the model/);
    assert.deepEqual(await forgeSnapshot(g.w.forge, p.app, p.ops), snap);
  });
});
