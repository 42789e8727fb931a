// The gardener's filer is crash-safe: a gardener run killed (SIGKILL, the way a CI runner dies)
// between two sub-issue creations, after the last one, or before `## Filed:` is written, and
// run again, ends with each sub-issue exactly once, the dependencies pointing at the real
// numbers, the vision issue in progress and `## Filed:` listing them all. A run killed after
// the vision issue's summary comment and run again closes it with that one comment.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseDeps } from "../../src/lib/deps.ts";
import { checkpointName } from "../../src/manifest/apply.ts";
import { architectWorld, type ArchitectWorld } from "../fixtures/architect/world.ts";

const POINTS = [checkpointName(0), checkpointName(1), checkpointName(3), "gardener:before-filed"];

describe("gardener filer: filing converges after a crash, never filing twice", () => {
  let g: ArchitectWorld;
  before(async () => {
    g = await architectWorld();
  });
  after(() => g.stop());

  for (const [k, point] of POINTS.entries()) {
    it(`killed at ${point}, run again`, async () => {
      const p = await g.project(`crash${k}`, [{ title: "Export reports", body: "Users want exports.", labels: ["vision"] }]);
      const pr = await p.pitched({ approve: true });
      const killed = await p.gardenProcess({ DISINTO_CRASH_AT: point });
      assert.equal(killed.signal, "SIGKILL", killed.out);
      assert.equal((await p.ops.pulls.get(pr.number))!.body.includes("## Filed:"), false);

      await p.expireLease("gardener");
      const r = await p.garden();
      assert.equal(r.code, 0, r.out);
      const subs = (await p.app.issues.list({ state: "all" })).filter((i) => i.title.startsWith("vision(#1)")).sort((a, b) => a.number - b.number);
      assert.deepEqual(
        subs.map((i) => i.title),
        ["vision(#1): Escape CSV fields", "vision(#1): Add --csv to the CLI", "vision(#1): Render reports as PDF"],
      );
      const [a, b, c] = subs.map((i) => i.number) as [number, number, number];
      assert.deepEqual(parseDeps(subs[1]!.body), [a]);
      assert.deepEqual(parseDeps(subs[2]!.body), [a, b]);
      assert.ok((await p.issue(1)).labels.includes("in-progress"));
      assert.match((await p.ops.pulls.get(pr.number))!.body, new RegExp(`^## Filed: #${a} #${b} #${c}$`, "m"));

      await p.garden();
      assert.equal((await p.app.issues.list({ state: "all" })).length, 4, "nothing filed twice");
    });
  }

  it("vision-complete killed after the summary comment, run again: closed with one comment", async () => {
    const p = await g.project("crash-vision", [{ title: "Export reports", body: "Users want exports.", labels: ["vision"] }]);
    await p.pitched({ approve: true });
    assert.equal((await p.garden()).code, 0);
    for (const n of [2, 3, 4]) await p.app.issues.close(n);
    const killed = await p.gardenProcess({ DISINTO_CRASH_AT: "gardener:after-vision-comment" });
    assert.equal(killed.signal, "SIGKILL", killed.out);
    assert.equal((await p.issue(1)).state, "open");
    await p.expireLease("gardener");
    const r = await p.garden();
    assert.equal(r.code, 0, r.out);
    assert.equal((await p.issue(1)).state, "closed");
    assert.equal((await p.app.comments.list(1)).filter((c) => c.body.includes("## Vision issue completed")).length, 1);
  });
});
