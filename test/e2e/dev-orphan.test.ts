// An in-progress issue nobody works on (no assignee, no open PR, no dev agent tracking it) goes
// back to the backlog — but only 60 s after its in-progress label was added (the timeline's
// label event): a claim assigns before it labels, so a younger label may be a claim under way.
// This test waits out the real grace period; it costs wall time, not CPU.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { ORPHAN_GRACE_MS } from "../../src/agents/dev/tick.ts";
import { devWorld, type DevWorld } from "../fixtures/dev/world.ts";

let w: DevWorld;
before(async () => {
  w = await devWorld();
});
after(() => w.stop());

describe("dev agent: orphaned in-progress issues", () => {
  it("released after the grace period since the label event, not before; one comment", async () => {
    const p = await w.project("orphan");
    await p.setScript([{ name: "never", match: "^$", structured: { status: "too_large", reason: "unused" } }]);
    const orphan = await p.issue({ title: "Left behind", labels: ["in-progress"] });
    const labelledAt = Date.now();
    // A PR for it keeps it from being released at any age.
    const withPr = await p.issue({ title: "Has a PR", labels: ["in-progress"] });
    await p.app.branches.create("feature-x", "main");
    await p.app.contents.create("x.txt", { text: "x\n", message: "x", branch: "feature-x" });
    await p.app.pulls.create({ head: "feature-x", base: "main", title: "Work on it", body: `Fixes #${withPr.number}` });

    const early = await p.tick();
    assert.equal(early.code, 0, early.out);
    assert.match(early.out, /idle: nothing to do .*2 unassigned in-progress issues not released/, early.out);
    assert.ok((await p.get(orphan.number)).labels.includes("in-progress"));

    await sleep(Math.max(0, labelledAt + ORPHAN_GRACE_MS + 1_000 - Date.now()));
    const late = await p.tick();
    assert.equal(late.code, 0, late.out);
    assert.match(late.out, new RegExp(`released orphaned in-progress #${orphan.number}\\b`), late.out);
    const now = await p.get(orphan.number);
    assert.ok(now.labels.includes("backlog") && !now.labels.includes("in-progress"), now.labels.join(","));
    assert.ok((await p.get(withPr.number)).labels.includes("in-progress"), "an issue with an open PR is not an orphan");
    const notes = (await p.comments(orphan.number)).filter((c) => c.body.includes("Stale in-progress issue released"));
    assert.equal(notes.length, 1);
  });
});
