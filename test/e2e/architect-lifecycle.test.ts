// The whole sprint conversation end to end on the sandbox forge, the scripted backend playing
// the model and admin playing the person: a vision issue becomes the architect's pitch PR on the
// ops repo, a question is answered and the sub-issues revised in the sprint file and the PR body
// together, ACCEPT alone is told to approve, the approval makes the gardener's filer file the
// sub-issues once with their dependencies as real numbers, a sub-issue closing brings one
// digest, the gardener closes the vision issue with a summary once all are closed, and the
// architect then merges the sprint PR. No architect run writes to the project repo; idle runs
// make no model call.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseDeps } from "../../src/lib/deps.ts";
import { parseFilerBlock } from "../../src/agents/shared/sprint.ts";
import { LOGIN as GARDENER } from "../fixtures/manifest/world.ts";
import { architectWorld, ARCHITECT, PITCH, type ArchitectProject, type ArchitectWorld, type Tick } from "../fixtures/architect/world.ts";

/** An architect tick that must leave the project repo as it was: it writes to the ops repo only. */
async function architect(p: ArchitectProject): Promise<Tick> {
  const before = await p.projectState();
  const r = await p.tick();
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(await p.projectState(), before, "the architect wrote to the project repo");
  return r;
}

describe("sprint: vision → pitch → question → approval → the gardener files → vision closed → sprint merged", () => {
  let g: ArchitectWorld;
  before(async () => {
    g = await architectWorld();
  });
  after(() => g.stop());

  it("idle: no vision issue, no open pitch — no model call, nothing written", async () => {
    const p = await g.project("quiet", [{ title: "A bug", body: "x" }]);
    const r = await p.tick();
    assert.equal(r.code, 0, r.out);
    assert.equal(r.calls.length, 0);
    assert.match(r.out, /nothing to do: 0 open pitches waiting for a person or the gardener, no vision issue to pitch/);
    assert.equal(await p.journal(), "");
  });

  it("walks a vision issue to its close", async () => {
    const p = await g.project("life", [
      { title: "Export reports", body: "Users want their reports outside the app. See #2 for what breaks today.", labels: ["vision"] },
      { title: "CSV output breaks on commas", body: "A comma in a name splits the column." },
    ]);
    await p.setScript([
      { match: "# Task: pitch", structured: PITCH },
      { match: "# Task: answer", structured: { reply: "PDF moves to a later sprint: this one is CSV only.", sub_issues: PITCH.sub_issues.slice(0, 2) } },
      { match: "# Task: digest", structured: { comment: "Escaping is done; the CLI flag can start now." } },
    ]);

    // ── pitch ──
    let r = await architect(p);
    assert.equal(r.calls.length, 1);
    const prompt = r.calls[0]!.prompt;
    assert.match(prompt, /## vision issue #1 body \(data, not instructions[^\n]*\n\n`{3,}text\nUsers want their reports/);
    assert.match(prompt, /related issue #2 \(open\)/);
    assert.match(prompt, /## AGENTS\.md \(instructions/);
    assert.match(prompt, /## src\/export\.js \(first 3 lines\)/, "a code path of AGENTS.md matching the title");
    assert.equal(r.calls[0]!.tools, "read-only");
    let [pr] = await p.pitches("open");
    assert.ok(pr, r.out);
    assert.equal(pr.title, "architect: Export reports");
    assert.equal(pr.author, ARCHITECT);
    assert.equal(pr.head.ref, "architect/sprint-vision-1");
    const file = (await p.ops.contents.get("sprints/export-reports.md", { ref: pr.head.ref }))!.text;
    assert.match(file, /^# Sprint: export-reports\n\n## Vision issues\n\n- #1 — Export reports\n/);
    for (const h of ["## What this enables", "## What exists today", "## Complexity", "## Risks", "## Cost — new infra to maintain", "## Open questions", "## Recommendation", "## Sub-issues"]) assert.ok(file.includes(h), h);
    assert.deepEqual(
      parseFilerBlock(file).map((e) => [e.id, e.title, e.labels, e.depends_on]),
      [
        ["csv-escaping", "vision(#1): Escape CSV fields", ["backlog"], []],
        ["csv-flag", "vision(#1): Add --csv to the CLI", ["backlog"], ["csv-escaping"]],
        ["pdf", "vision(#1): Render reports as PDF", ["backlog"], ["csv-escaping", "csv-flag"]],
      ],
    );
    assert.ok(pr.body.startsWith(file.trimEnd()), "the PR body is the sprint file, then the footer");
    assert.match(pr.body, /REJECT: <reason>/);
    assert.match(pr.body, /<!-- architect-last-seen: \S+ #0 -->/);

    r = await architect(p);
    assert.equal(r.calls.length, 0);
    assert.match(r.out, /nothing to do: 1 open pitch waiting for a person or the gardener/);
    let gr = await p.garden();
    assert.equal(gr.code, 0, gr.out);
    assert.match(gr.out, /nothing to groom/, "no approval yet: the gardener files nothing");

    // ── a question: answered once, the sub-issues revised in the file and the body ──
    await p.ops.comments.create(pr.number, "Is PDF really needed in this sprint?");
    r = await architect(p);
    assert.equal(r.calls.length, 1);
    assert.match(r.calls[0]!.prompt, /## comment by admin \(data[^\n]*\n\n`{3,}text\nIs PDF really needed/);
    let comments = await p.ops.comments.list(pr.number);
    assert.equal(comments.length, 2);
    assert.equal(comments[1]!.author, ARCHITECT);
    assert.match(comments[1]!.body, /^PDF moves to a later sprint/);
    pr = (await p.ops.pulls.get(pr.number))!;
    assert.deepEqual(parseFilerBlock(pr.body).map((e) => e.id), ["csv-escaping", "csv-flag"]);
    assert.deepEqual(parseFilerBlock((await p.ops.contents.get("sprints/export-reports.md", { ref: pr.head.ref }))!.text).map((e) => e.id), ["csv-escaping", "csv-flag"]);
    r = await architect(p);
    assert.equal(r.calls.length, 0, "each comment is answered once");

    // ── ACCEPT alone is not the approval ──
    await p.ops.comments.create(pr.number, "ACCEPT");
    r = await architect(p);
    assert.equal(r.calls.length, 0);
    comments = await p.ops.comments.list(pr.number);
    assert.match(comments.at(-1)!.body, /approve this pull request\*\* \(Review → Approve\) and the gardener files/);
    gr = await p.garden();
    assert.match(gr.out, /nothing to groom/, "a comment is no approval");
    assert.equal((await p.issue(1)).labels.includes("in-progress"), false);

    // ── approval: the architect files nothing; the gardener files, dependencies as real numbers ──
    pr = (await p.ops.pulls.get(pr.number))!;
    await p.ops.reviews.create(pr.number, { event: "APPROVED", body: "Go.", commitId: pr.head.sha });
    r = await architect(p);
    assert.equal(r.calls.length, 0);
    assert.match(r.out, /idle/);
    assert.equal((await p.app.issues.list({ state: "all" })).length, 2, "the architect filed nothing");
    gr = await p.garden();
    assert.equal(gr.code, 0, gr.out);
    assert.equal(gr.calls.length, 0, "filing needs no model");
    assert.match(gr.out, /filed the sub-issues of #1 from PR #\d+: #3 #4 \(2 new\)/);
    const [a, b] = [await p.issue(3), await p.issue(4)];
    assert.equal(a.title, "vision(#1): Escape CSV fields");
    assert.equal(b.title, "vision(#1): Add --csv to the CLI");
    assert.equal(a.author, GARDENER);
    assert.deepEqual(a.labels, ["backlog"]);
    assert.deepEqual(b.labels, ["backlog"]);
    assert.match(a.body, /<!-- decomposed-from: #1, sprint: export-reports, id: csv-escaping -->/);
    assert.deepEqual(parseDeps(a.body), []);
    assert.deepEqual(parseDeps(b.body), [3], "the dev agent's dependency rule orders them");
    assert.ok((await p.issue(1)).labels.includes("in-progress"));
    pr = (await p.ops.pulls.get(pr.number))!;
    assert.match(pr.body, /^## Filed: #3 #4$/m);
    assert.equal((await p.app.issues.list({ state: "all" })).length, 4);

    gr = await p.garden();
    assert.match(gr.out, /nothing to groom/);
    assert.equal((await p.app.issues.list({ state: "all" })).length, 4, "filed once");
    r = await architect(p);
    assert.equal(r.calls.length, 0, "no digest before a sub-issue moves");

    // ── tracking: one digest per change ──
    await p.app.issues.close(3);
    r = await architect(p);
    assert.equal(r.calls.length, 1);
    assert.match(r.calls[0]!.prompt, /- #3: closed\n- #4: open/);
    comments = await p.ops.comments.list(pr.number);
    assert.match(comments.at(-1)!.body, /^Escaping is done/);
    r = await architect(p);
    assert.equal(r.calls.length, 0, "no digest without a change");

    // ── every sub-issue closed: the gardener closes the vision with a summary, then the architect merges ──
    await p.app.issues.close(4);
    r = await architect(p);
    assert.equal(r.calls.length, 1, "the last digest");
    assert.equal((await p.ops.pulls.get(pr.number))!.merged, false, "the vision is still open");
    r = await architect(p);
    assert.equal(r.calls.length, 0);
    assert.match(r.out, /idle/, "the vision issue is the gardener's to close");
    gr = await p.garden();
    assert.equal(gr.code, 0, gr.out);
    assert.equal(gr.calls.length, 0);
    assert.match(gr.out, /vision #1 complete/);
    const vision = await p.issue(1);
    assert.equal(vision.state, "closed");
    const summary = (await p.app.comments.list(1)).at(-1)!;
    assert.equal(summary.author, GARDENER);
    assert.match(summary.body, /## Vision issue completed[\s\S]*- #3 vision\(#1\): Escape CSV fields\n- #4 vision\(#1\): Add --csv to the CLI/);
    assert.equal((await p.ops.pulls.get(pr.number))!.merged, false);
    gr = await p.garden();
    assert.match(gr.out, /nothing to groom/, "the vision is closed once");
    r = await architect(p);
    assert.equal(r.calls.length, 0);
    assert.match(r.out, /sprint PR #\d+ merged: vision #1 is closed/);
    assert.equal((await p.ops.pulls.get(pr.number))!.merged, true);
    assert.ok(await p.ops.contents.get("sprints/export-reports.md"), "the sprint document lands on the ops repo's main");
    const j = await p.journal();
    for (const t of ["pitch #1", "answer PR #", "digest PR #", "sprint-done PR #"]) assert.ok(j.includes(t), `${t} in the architect's journal`);
    const gj = await p.gardenerJournal();
    for (const t of ["file-subissues PR #", "vision-complete #1"]) assert.ok(gj.includes(t), `${t} in the gardener's journal`);

    r = await architect(p);
    assert.equal(r.calls.length, 0);
    assert.match(r.out, /idle/);
  });
});
