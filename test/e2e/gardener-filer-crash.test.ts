// Filing is crash-safe: an architect run killed (SIGKILL, the way a CI runner dies) between two
// sub-issue creations, after the last one, or before `## Filed:` is written, and run again,
// ends with each sub-issue exactly once, the dependencies pointing at the real numbers, the
// vision issue in progress and `## Filed:` listing them all.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseDeps } from "../../src/lib/deps.ts";
import { architectWorld, type ArchitectWorld } from "../fixtures/architect/world.ts";

const POINTS = ["manifest:after-0", "manifest:after-1", "manifest:after-3", "architect:before-filed"];

describe("architect: filing converges after a crash, never filing twice", () => {
  let g: ArchitectWorld;
  before(async () => {
    g = await architectWorld();
  });
  after(() => g.stop());

  for (const [k, point] of POINTS.entries()) {
    it(`killed at ${point}, run again`, async () => {
      const p = await g.project(`crash${k}`, [{ title: "Export reports", body: "Users want exports.", labels: ["vision"] }]);
      const pr = await p.pitched({ approve: true });
      const killed = await p.tickProcess({ DISINTO_CRASH_AT: point });
      assert.equal(killed.signal, "SIGKILL", killed.out);
      assert.equal((await p.ops.pulls.get(pr.number))!.body.includes("## Filed:"), false);

      await p.expireLease();
      const r = await p.tick();
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

      await p.tick();
      assert.equal((await p.app.issues.list({ state: "all" })).length, 4, "nothing filed twice");
    });
  }
});
