// The dev and review agents together on the sandbox forge and CI, nobody else acting: a
// backlog issue becomes a PR, real CI runs, the review agent requests changes, the dev agent
// answers them, the review agent re-reviews the new commit (round 2) and approves, dismissing
// its earlier rejection, and the dev agent merges.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { runAgent } from "../../src/agents/runtime.ts";
import { runReviewTick } from "../../src/agents/review/tick.ts";
import { devWorld, implementTask, type DevWorld, type Project } from "../fixtures/dev/world.ts";

let w: DevWorld;
let work: string;
before(async () => {
  w = await devWorld();
  work = await mkdtemp(join(tmpdir(), "joint-review-"));
});
after(async () => {
  await w.stop();
  await rm(work, { recursive: true, force: true });
});

async function reviewTick(p: Project): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const out = new Writable({
    write(c: Buffer | string, _e, cb) {
      chunks.push(c.toString());
      cb();
    },
  });
  const code = await runAgent("review", runReviewTick, {
    env: {
      DISINTO_AGENT: "review",
      DISINTO_FORGE_URL: w.sb.forge.url,
      DISINTO_FORGE_TOKEN: w.sb.forge.users["review-bot"]!.token,
      DISINTO_PROJECT: p.name,
      DISINTO_OPS_REPO: `${p.ops.owner}/${p.ops.name}`,
      DISINTO_CI_URL: w.sb.ci.url,
      DISINTO_CI_TOKEN: w.sb.ci.token("review-bot"),
      DISINTO_WORK_DIR: work,
    },
    streams: { stdout: out },
  });
  return { code, out: chunks.join("") };
}

const verdict = (v: string, reason: string, markdown: string) => ({ verdict: v, reason, findings: [], review_markdown: markdown });

describe("dev + review agents", () => {
  it("REQUEST_CHANGES → fix → round 2 with the incremental diff → APPROVE (earlier rejection dismissed) → dev merges", async () => {
    const p = await w.project("joint", { testCommand: "sh ci/test.sh" });
    const documented = "export function add(a, b) {\n  return a + b;\n}\n\n/** a - b */\nexport function sub(a, b) {\n  return a - b;\n}\n";
    await p.setScript([
      {
        name: "review round 2",
        // Only the doc comment is new since round 1.
        match: String.raw`^# Task: re-review \(round 2\) of pull request[\s\S]*What the reviewer said last time[\s\S]*document sub\(\)[\s\S]*### New commits since the previous review[\s\S]*\+/\*\* a - b \*/`,
        structured: verdict("APPROVE", "sub() is documented now", "### Previous findings\n\n- FIXED: document sub()"),
      },
      {
        name: "review round 1",
        match: String.raw`^# Task: review of pull request[\s\S]*## Linked issue #\d+\n\n### Issue title[^\n]*\n\n\x60+\nAdd sub[\s\S]*\+export function sub`,
        structured: verdict("REQUEST_CHANGES", "document sub()", "### Findings\n\n- **medium** src/math.js:5: document sub() with a doc comment"),
      },
      {
        name: "dev review-fix",
        match: "requested changes",
        actions: [{ write: { path: "src/math.js", content: documented } }],
        structured: { status: "implemented", summary: "Documented `sub`." },
      },
      implementTask("Add sub"),
    ]);
    const issue = await p.issue({ title: "Add sub", body: "## Acceptance criteria\n\n- [ ] `sub(a, b)` exists and is documented\n" });

    const log: string[] = [];
    let merged = false;
    for (let i = 0; i < 8 && !merged; i++) {
      const d = await p.tick();
      log.push(`dev: ${d.out}`);
      assert.equal(d.code, 0, log.join("\n---\n"));
      await p.ciIdle();
      const r = await reviewTick(p);
      log.push(`review: ${r.out}`);
      assert.equal(r.code, 0, log.join("\n---\n"));
      merged = (await p.phase())?.phase === "done";
    }
    assert.ok(merged, log.join("\n---\n"));

    const pr = (await p.pulls("all"))[0]!;
    assert.equal((await p.app.pulls.get(pr.number))?.merged, true);
    assert.equal((await p.get(issue.number)).state, "closed");
    assert.match((await p.app.contents.get("src/math.js"))?.text ?? "", /\/\*\* a - b \*\//);

    const reviews = (await p.app.reviews.list(pr.number)).filter((r) => r.author === "review-bot");
    assert.deepEqual(
      reviews.map((r) => [r.state, r.dismissed]),
      [
        ["REQUEST_CHANGES", true],
        ["APPROVED", false],
      ],
    );
    const comments = (await p.comments(pr.number)).filter((c) => c.author === "review-bot");
    assert.equal(comments.length, 2);
    assert.match(comments[0]!.body, /^## AI Review\n/);
    assert.match(comments[1]!.body, /^## AI Re-review \(round 2\)\n[\s\S]*\*\*APPROVE\*\* — sub\(\) is documented now/);
    // The approval is on the head that was merged.
    assert.equal(reviews[1]!.commitId, (await p.app.pulls.get(pr.number))?.head.sha);
  });
});
