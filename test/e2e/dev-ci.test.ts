// The dev agent walking a PR through real CI failures and reviews, tick by tick: a red CI is
// fixed by resuming the session with the failing steps, an infrastructure failure is re-run
// once for free, review requests are answered, and exhausted budgets escalate visibly.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { decodeSession } from "../../src/llm/session.ts";
import { devWorld, implementTask, type DevWorld, type Project, type TickResult } from "../fixtures/dev/world.ts";

let w: DevWorld;
before(async () => {
  w = await devWorld();
});
after(() => w.stop());

async function step(p: Project): Promise<TickResult> {
  const r = await p.tick();
  assert.equal(r.code, 0, r.out);
  await p.ciIdle();
  return r;
}

/** The prompts the scripted model received in the issue's session, from the ops repo. */
async function sessionPrompts(p: Project, branch: string): Promise<string[]> {
  const doc = await p.opsRepo.contents.get(`sessions/${p.name}/dev/${branch}.json`);
  assert.ok(doc, "the session is stored in the ops repo");
  const d = decodeSession(JSON.parse(doc.text), "scripted");
  assert.ok(d.ok);
  return z.object({ prompts: z.array(z.string()) }).parse(JSON.parse(d.payload)).prompts;
}

async function blockedComments(p: Project, issue: number): Promise<string[]> {
  return (await p.comments(issue)).filter((c) => c.author === "dev-bot" && c.body.includes(`### Blocked — issue #${issue}`)).map((c) => c.body);
}

describe("dev agent: CI", () => {
  it("CI fails; the next tick resumes the session with the failing step, exit code and log; the fix goes green and merges", async () => {
    const p = await w.project("cifix");
    await p.setScript([
      { name: "ci-fix", match: "## CI failed on", actions: [{ run: { command: "rm ci-fail" } }], structured: { status: "implemented", summary: "Removed the failing fixture." } },
      implementTask("Add sub", [{ write: { path: "ci-fail", content: "sub(5, 3) should be 2" } }]),
    ]);
    const issue = await p.issue({ title: "Add sub" });
    await step(p);
    const t2 = await step(p);
    assert.match(t2.out, new RegExp(`#${issue.number} → PR #\\d+ awaiting_ci`), t2.out);
    const rec = await p.phase();
    assert.equal(rec?.ci_fix_attempts, 1);
    const fixNote = rec?.history.find((h) => h.note?.includes("fix attempt 1/3"));
    assert.ok(fixNote, JSON.stringify(rec?.history));
    assert.match(fixNote.note ?? "", /repos\/\d+\/pipeline\/\d+/, "the transition names the failed pipeline");

    const prompts = await sessionPrompts(p, `fix/issue-${issue.number}`);
    assert.equal(prompts.length, 2, "the CI fix resumed the implementation session");
    assert.match(prompts[1]!, /## CI failed on [0-9a-f]{12} — fix attempt 1 of 3/);
    assert.match(prompts[1]!, /### test \/ unit — exit code 1/);
    assert.match(prompts[1]!, /✖ math: sub\(5, 3\) should be 2/);

    await p.drive({ until: async () => (await p.phase())?.phase === "done" });
    const pr = (await p.pulls("all"))[0]!;
    assert.equal((await p.app.pulls.get(pr.number))?.merged, true);
    assert.equal((await p.get(issue.number)).state, "closed");
    assert.equal(await p.app.contents.get("ci-fail"), undefined);
  });

  it("CI fails 4 times: three fix attempts, then escalated with the Blocked comment and label; one PR", async () => {
    const p = await w.project("ciexhaust");
    await p.setScript([
      { name: "ci-fix", match: "## CI failed on", actions: [{ run: { command: "date +%s%N >> notes.txt" } }], structured: { status: "implemented", summary: "Tried again." } },
      implementTask("Add sub", [{ write: { path: "ci-fail", content: "always red" } }]),
    ]);
    const issue = await p.issue({ title: "Add sub" });
    const outs: string[] = [];
    for (let i = 0; i < 5; i++) outs.push((await step(p)).out);
    assert.match(outs[4]!, new RegExp(`#${issue.number} → PR #\\d+ escalated: ci_exhausted`), outs.join("\n---\n"));
    const rec = await p.phase();
    assert.equal(rec?.phase, "escalated");
    assert.equal(rec?.ci_fix_attempts, 3);
    const now = await p.get(issue.number);
    assert.ok(now.labels.includes("blocked") && !now.labels.includes("in-progress"), now.labels.join(","));
    assert.deepEqual(now.assignees, ["dev-bot"]);
    const blocked = await blockedComments(p, issue.number);
    assert.equal(blocked.length, 1);
    assert.match(blocked[0]!, /\| Exit reason \| `ci_exhausted` \|/);
    assert.match(blocked[0]!, /\| Timestamp \| \d{4}-\d\d-\d\dT/);
    assert.match(blocked[0]!, /always red/);
    assert.equal((await p.pulls("all")).length, 1);
    // Escalated means left alone: the next tick does not touch it again.
    const t = await p.tick();
    assert.match(t.out, /idle: nothing to do/);
    assert.equal((await blockedComments(p, issue.number)).length, 1);
  });

  it("an infrastructure failure is re-triggered once without counting a fix attempt", async () => {
    const p = await w.project("ciinfra");
    const mark = join(tmpdir(), `dev-e2e-infra-${randomUUID()}`);
    await p.setScript([implementTask("Add sub", [{ write: { path: "ci-infra-flake", content: mark } }])]);
    const issue = await p.issue({ title: "Add sub" });
    await step(p);
    const t2 = await step(p);
    assert.match(t2.out, /CI re-triggered after an infrastructure failure \(network connection failed/, t2.out);
    assert.doesNotMatch(t2.out, /scripted backend/);
    let rec = await p.phase();
    assert.equal(rec?.phase, "awaiting_ci");
    assert.equal(rec?.infra_retriggers, 1);
    assert.equal(rec?.ci_fix_attempts, 0);
    const t3 = await step(p);
    assert.match(t3.out, new RegExp(`#${issue.number} → PR #\\d+ awaiting_review`), t3.out);
    rec = await p.phase();
    assert.equal(rec?.ci_fix_attempts, 0);
  });
});

describe("dev agent: review", () => {
  it("REQUEST_CHANGES → the session gets the review, the fix is pushed, CI again, APPROVED → merged", async () => {
    const p = await w.project("reviewfix");
    const documented = "/** a - b */\nexport function sub(a, b) {\n  return a - b;\n}\n";
    await p.setScript([
      {
        name: "review-fix",
        match: "requested changes",
        actions: [{ write: { path: "src/math.js", content: `export function add(a, b) {\n  return a + b;\n}\n\n${documented}` } }],
        structured: { status: "implemented", summary: "Documented `sub`." },
      },
      implementTask("Add sub"),
    ]);
    const issue = await p.issue({ title: "Add sub" });
    await step(p);
    await step(p);
    assert.equal((await p.phase())?.phase, "awaiting_review");
    const pr = (await p.pulls("open"))[0]!;
    await p.requestChanges(pr, "Please document `sub` with a doc comment.");
    const t = await step(p);
    assert.match(t.out, new RegExp(`#${issue.number} → PR #${pr.number} awaiting_ci`), t.out);
    const rec = await p.phase();
    assert.equal(rec?.review_rounds, 1);
    const prompts = await sessionPrompts(p, `fix/issue-${issue.number}`);
    assert.match(prompts.at(-1)!, /## Review round 1 of 5: @review-bot requested changes \(REQUEST_CHANGES\)[\s\S]*Please document `sub`/);

    await p.drive({ until: async () => (await p.phase())?.phase === "done" });
    assert.equal((await p.app.pulls.get(pr.number))?.merged, true);
    assert.match((await p.app.contents.get("src/math.js"))?.text ?? "", /\/\*\* a - b \*\//);
    assert.equal((await p.pulls("all")).length, 1);
  });

  it("too many review rounds → escalated", async () => {
    const p = await w.project("reviewexhaust", { reviewRounds: 1 });
    await p.setScript([
      { name: "review-fix", match: "requested changes", actions: [{ run: { command: "date +%s%N >> notes.txt" } }], structured: { status: "implemented", summary: "Answered." } },
      implementTask("Add sub"),
    ]);
    const issue = await p.issue({ title: "Add sub" });
    await step(p);
    await step(p);
    const pr = (await p.pulls("open"))[0]!;
    await p.requestChanges(pr, "No.");
    await step(p);
    await step(p);
    assert.equal((await p.phase())?.phase, "awaiting_review");
    await p.requestChanges(pr, "Still no.");
    const t = await step(p);
    assert.match(t.out, /escalated: review_exhausted/, t.out);
    assert.equal((await p.phase())?.phase, "escalated");
    const blocked = await blockedComments(p, issue.number);
    assert.equal(blocked.length, 1);
    assert.match(blocked[0]!, /review_exhausted[\s\S]*Still no\./);
    assert.ok((await p.get(issue.number)).labels.includes("blocked"));
  });
});
