// CI that never reports on the PR head (a stuck runner, a workflow file that does not parse)
// does not keep the issue in flight for ever: after ci.stale_minutes the dev agent escalates.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { devWorld, implementTask, type DevWorld } from "../fixtures/dev/world.ts";

let w: DevWorld;
before(async () => {
  w = await devWorld();
});
after(() => w.stop());

describe("dev agent: CI that never answers", () => {
  it("waits while within ci.stale_minutes, then escalates once with the reason", async () => {
    const p = await w.project("stale");
    // No CI for this repo: its pull requests never get a status.
    const off = await fetch(`${w.sb.ci.url}/api/repos/${p.ciRepoId}`, { method: "DELETE", headers: { authorization: `Bearer ${w.sb.ci.token("admin")}` } });
    assert.ok(off.ok, `deactivating the CI repo: HTTP ${off.status}`);
    await p.setScript([implementTask("Add sub")]);
    const issue = await p.issue({ title: "Add sub" });

    const t1 = await p.tick();
    assert.equal(t1.code, 0, t1.out);
    assert.equal((await p.phase())?.phase, "awaiting_ci");
    const t2 = await p.tick();
    assert.match(t2.out, /awaiting_ci \(CI pending\)/, "within the window it only waits");
    assert.equal((await p.phase())?.phase, "awaiting_ci");

    // Time passes: the record entered awaiting_ci more than stale_minutes (default 60) ago.
    const path = `state/${p.name}/dev/dev-bot.json`;
    const doc = await p.opsRepo.contents.get(path);
    const rec = JSON.parse(doc!.text) as { history: { to: string; at: string }[] };
    for (const t of rec.history) if (t.to === "awaiting_ci") t.at = new Date(Date.now() - 61 * 60_000).toISOString();
    await p.opsRepo.contents.update(path, { text: `${JSON.stringify(rec, null, 2)}\n`, sha: doc!.sha, message: "time passes" });

    const t3 = await p.tick();
    assert.equal(t3.code, 0, t3.out);
    assert.match(t3.out, new RegExp(`#${issue.number} → PR #\\d+ escalated: ci_stale`));
    assert.equal((await p.phase())?.phase, "escalated");
    const now = await p.get(issue.number);
    assert.ok(now.labels.includes("blocked") && !now.labels.includes("in-progress"), now.labels.join(","));
    const blocked = (await p.comments(issue.number)).filter((c) => c.body.includes(`### Blocked — issue #${issue.number}`));
    assert.equal(blocked.length, 1);
    assert.match(blocked[0]!.body, /CI has reported no result on [0-9a-f]{12} \(PR #\d+\) for more than 60 minutes \(ci\.stale_minutes\); it is pending\. Missing: ci\/woodpecker\/pr\/test\./);
    const t4 = await p.tick();
    assert.equal(t4.code, 0, t4.out);
    assert.equal((await p.comments(issue.number)).filter((c) => c.body.includes("### Blocked")).length, 1, "escalated once");
  });
});
