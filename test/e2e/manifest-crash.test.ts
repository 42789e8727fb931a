// The manifest crash matrix: a gardener run applying a manifest is SIGKILLed at every apply
// checkpoint (a separate process with crash_at, the way a CI runner dies), then the manifest is
// applied again; the forge and the ops repo end exactly as after one uninterrupted apply — no
// duplicate comment, issue or PR, no lost label.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { applyManifest, checkpointName } from "../../src/manifest/apply.ts";
import { BUNDLE, GARDENER, ISSUES } from "../fixtures/manifest/scenario.ts";
import { judgedState, manifestWorld, type ManifestWorld, type Project } from "../fixtures/manifest/world.ts";

const apply = async (p: Project): Promise<void> => {
  const r = await p.run(async (rt) => {
    const out = await applyManifest(rt, BUNDLE, GARDENER);
    return out.status === "applied" ? { outcome: "done", summary: "applied" } : { outcome: "failed", summary: JSON.stringify(out.violations) };
  });
  assert.equal(r.code, 0, r.out);
};

describe("manifest apply: killed at any checkpoint, applied again, converges", () => {
  let w: ManifestWorld;
  let expected: unknown;
  before(async () => {
    w = await manifestWorld();
    const base = await w.project("crash-base", ISSUES);
    await apply(base);
    expected = await judgedState(base);
  });
  after(() => w.stop());

  // One checkpoint after each action: the last one is after everything but the run's end.
  for (let i = 0; i < BUNDLE.actions.length; i++) {
    const point = checkpointName(i);
    it(`SIGKILL at ${point} → the same forge and ops state as one uninterrupted apply`, async () => {
      const p = await w.project(`crash-${i}`, ISSUES);
      const killed = await p.applyProcess({ manifest: BUNDLE, policy: GARDENER }, { DISINTO_CRASH_AT: point });
      assert.equal(killed.signal, "SIGKILL", killed.out);
      assert.match(killed.out, new RegExp(`crash_at=${point}`));
      if (i < BUNDLE.actions.length - 1) assert.notDeepEqual(await judgedState(p), expected, "killed before the last action: something is left to do");
      await apply(p);
      const state = await judgedState(p);
      assert.deepEqual(state, expected);
      const markers = JSON.stringify(state).match(/<!-- disinto:gardener:[^>]+ -->/g) ?? [];
      assert.equal(new Set(markers).size, markers.length, `a marked item was created twice: ${markers.join(", ")}`);
    });
  }
});
