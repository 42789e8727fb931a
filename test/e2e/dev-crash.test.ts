// A dev tick killed with SIGKILL at any point of its work — the way a CI runner dies — and
// later ticks converge to the same end state: one PR, merged; the issue closed with clean
// labels; no orphaned in-progress; the work on main (no lost commit); no comment posted twice.
// The tick that dies runs as a separate process from the entrypoint with `crash_at`; its lease
// is then made to look expired (as the CI would report its pipeline finished).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Comment } from "../../src/forge/types.ts";
import { devWorld, implementTask, type DevWorld, type Project } from "../fixtures/dev/world.ts";

let w: DevWorld;
before(async () => {
  w = await devWorld();
});
after(() => w.stop());

/** Tick until `done`; the first ticks run as processes told to die at `point` until one does. */
async function crashAndConverge(p: Project, point: string, done: () => Promise<boolean>): Promise<string[]> {
  let crashed = false;
  const outs: string[] = [];
  for (let i = 0; i < 12 && !(await done()); i++) {
    if (!crashed) {
      const r = await p.tickProcess({ env: { DISINTO_CRASH_AT: point } });
      outs.push(r.out);
      if (r.signal === "SIGKILL") {
        crashed = true;
        assert.match(r.out, new RegExp(`crash_at=${point}`));
        await p.expireLeases();
      } else assert.equal(r.code, 0, r.out);
    } else {
      const r = await p.tick();
      outs.push(r.out);
      assert.equal(r.code, 0, r.out);
    }
    await p.ciIdle();
    const rec = await p.phase();
    if (rec?.phase === "awaiting_review" && rec.pr !== null) {
      const pr = await p.app.pulls.get(rec.pr);
      const reviews = await p.app.reviews.list(rec.pr);
      if (pr && !reviews.some((r) => r.commitId === pr.head.sha)) await p.approve(rec.pr);
    }
  }
  assert.ok(crashed, `the tick never reached ${point}:\n${outs.join("\n---\n")}`);
  assert.ok(await done(), `not converged after a crash at ${point}:\n${outs.join("\n---\n")}`);
  return outs;
}

function noDuplicateMarkers(comments: readonly Comment[]): void {
  const markers = comments.flatMap((c) => [...c.body.matchAll(/<!-- disinto-dev: [^>]+ -->/g)].map((m) => m[0]));
  assert.equal(new Set(markers).size, markers.length, `a comment was posted twice: ${markers.join(", ")}`);
}

const MERGE_POINTS = ["after-lease", "claim-assigned", "after-claim", "after-phase-implementing", "after-llm", "after-commit", "after-push", "after-pr", "after-merge", "after-close"];

describe("dev agent: killed at any point, the next ticks converge", () => {
  for (const point of MERGE_POINTS) {
    it(`SIGKILL at ${point} → one PR, merged, issue closed and clean, work on main`, async () => {
      const p = await w.project(`crash-${point}`);
      await p.setScript([implementTask("Add sub")]);
      const issue = await p.issue({ title: "Add sub" });
      await crashAndConverge(p, point, async () => (await p.phase())?.phase === "done");
      const prs = await p.pulls("all");
      assert.equal(prs.length, 1, prs.map((x) => `#${x.number} ${x.head.ref} ${x.state}`).join(", "));
      assert.equal((await p.app.pulls.get(prs[0]!.number))?.merged, true);
      const now = await p.get(issue.number);
      assert.equal(now.state, "closed");
      assert.deepEqual(now.labels.filter((l) => ["in-progress", "backlog", "blocked"].includes(l)), []);
      assert.match((await p.app.contents.get("src/math.js"))?.text ?? "", /export function sub/);
      assert.equal(await p.app.branches.get(prs[0]!.head.ref), undefined);
      const inProgress = await p.app.issues.list({ state: "all", labels: ["in-progress"] });
      assert.deepEqual(inProgress.map((i) => i.number), []);
      noDuplicateMarkers(await p.comments(issue.number));
    });
  }

  for (const point of ["block-commented", "after-block"]) {
    it(`SIGKILL at ${point} during an escalation → escalated once: one Blocked comment, blocked label, no in-progress`, async () => {
      const p = await w.project(`crash-${point}`);
      const ci = { write: { path: ".woodpecker/test.yml", content: "steps: []\n" } };
      await p.setScript([
        { name: "still-ci", match: "## Protected paths changed", actions: [ci], structured: { status: "implemented", summary: "Kept it." } },
        { name: "implement", match: "## Issue #\\d+: Skip CI", actions: [ci], structured: { status: "implemented", summary: "Skipped CI." } },
      ]);
      const issue = await p.issue({ title: "Skip CI" });
      await crashAndConverge(p, point, async () => (await p.phase())?.phase === "escalated");
      const now = await p.get(issue.number);
      assert.ok(now.labels.includes("blocked") && !now.labels.includes("in-progress"), now.labels.join(","));
      const comments = await p.comments(issue.number);
      assert.equal(comments.filter((c) => c.body.includes(`### Blocked — issue #${issue.number}`)).length, 1);
      noDuplicateMarkers(comments);
      assert.equal((await p.pulls("all")).length, 0);
    });
  }
});
