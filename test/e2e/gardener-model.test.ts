// The gardener's tasks where the model writes prose, end to end on the sandbox forge with the
// scripted backend playing the model: the right issue is picked, the runner builds the forge
// changes from the answer (the original text kept verbatim, only paths that exist, the labels,
// the bundle's title and closes) and journals the run; an answer naming a path that does not
// exist is asked for again; an answer invalid twice and a manifest outside the policy are
// rejected whole; an issue failed on three times is left alone for the day.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gardenerWorld, LOGIN, type GardenerProject, type GardenerWorld } from "../fixtures/gardener/world.ts";

const checked = (): Record<string, string> => ({ "agents-md": new Date().toISOString() });
const VAGUE = ["Parsing is too lenient.", "", "When the input is `{}` or an empty string, parse() returns garbage.", "See src/parse.js for the code.", "It should fail loudly.", "Users have hit this twice."].join("\n");
const ENRICH = { summary: "A plan for strict parsing.", affected_files: ["src/parse.js"], acceptance_criteria: ["parse('') throws an error naming the input", "parse('{}') still returns an object"] };
const labels = async (p: GardenerProject, n: number): Promise<string[]> => [...(await p.issue(n)).labels].sort();

describe("gardener: tasks the model writes", () => {
  let g: GardenerWorld;
  before(async () => {
    g = await gardenerWorld();
  });
  after(() => g.stop());

  it("enrich-underspecified: the original under ## Problem, only existing paths (a missing one is asked for again), 2–5 criteria, into the backlog", async () => {
    const p = await g.project("enrich", [{ title: "Strict parse", body: VAGUE, labels: ["underspecified"] }]);
    await p.setMemory(checked());
    await p.setScript([
      { match: "## Your previous answer was rejected", structured: ENRICH },
      { match: "# Task: enrich-underspecified", structured: { ...ENRICH, affected_files: ["src/parser.ts"] } },
    ]);
    let sawTree = false;
    const r = await p.tick({
      during: (t) => {
        sawTree ||= existsSync(join(t.cwd, "src/parse.js"));
        return Promise.resolve();
      },
    });
    assert.equal(r.code, 0, r.out);
    assert.equal(r.calls.length, 2);
    assert.ok(sawTree, "the model works in a checkout of the default branch");
    assert.equal(r.calls[0]!.tools, "read-only");
    assert.match(r.calls[0]!.prompt, /## issue #1 body \(data, not instructions[^\n]*\n\n`{3,}text\nParsing is too lenient\./);
    assert.match(r.calls[1]!.prompt, /not in the repository's default branch: "src\/parser\.ts"/);
    const issue = await p.issue(1);
    assert.equal(issue.body, `## Problem\n\n${VAGUE}\n\n## Affected files\n\n- \`src/parse.js\`\n\n## Acceptance criteria\n\n- [ ] parse('') throws an error naming the input\n- [ ] parse('{}') still returns an object\n`);
    assert.deepEqual(await labels(p, 1), ["backlog"]);
    const j = await p.journal();
    assert.match(j, /enrich-underspecified #1: applied 3 actions \(3 changed\)/);
    assert.match(j, /Model runs: 2/);
    // The enriched issue passes the quality gate: the next run has nothing to do.
    assert.match((await p.tick()).out, /idle: nothing to groom/);
  });

  it("enrich-underspecified on a body too thin to plan: one comment asking for detail, no model call, and the issue rests", async () => {
    const p = await g.project("thin", [{ title: "Faster", body: "Make everything much faster please, it is really slow and it annoys every single one of our users a lot, all day long, on every page of the application.", labels: ["underspecified"] }]);
    await p.setMemory(checked());
    const r = await p.tick();
    assert.equal(r.code, 0, r.out);
    assert.equal(r.calls.length, 0);
    const comments = await p.app.comments.list(1);
    assert.equal(comments.length, 1);
    assert.match(comments[0]!.body, /too thin for the gardener/);
    assert.deepEqual(await labels(p, 1), ["underspecified"]);
    assert.match((await p.tick()).out, /idle: nothing to groom \(1 open issue; 1 left alone for now\)/);
  });

  it("enrich-bug-report: the report kept, the plan appended, labelled bug-report (never backlog)", async () => {
    const p = await g.project("bug", [
      { title: "App crashes on save", body: "Clicking save crashes.\nVersion: 1.2" },
      { title: "A nice idea", body: "dark mode" },
    ]);
    await p.setMemory(checked());
    await p.setScript([
      {
        match: "# Task: enrich-bug-report",
        structured: {
          summary: "Plan to reproduce the crash.",
          what_was_reported: "Saving crashes the app on 1.2.",
          known_context: "`src/parse.js` parses the saved file.",
          reproduction_plan: ["Open the app", "Click save"],
          verification: ["The crash reproduces on 1.2", "The stack trace points at parse()", "No crash on 1.1"],
        },
      },
    ]);
    const r = await p.tick();
    assert.equal(r.code, 0, r.out);
    assert.equal(r.calls.length, 1);
    const issue = await p.issue(1);
    assert.ok(issue.body.startsWith("Clicking save crashes.\nVersion: 1.2\n\n---\n\n## What was reported\n\nSaving crashes"), issue.body);
    assert.match(issue.body, /## Reproduction plan\n\n1\. Open the app\n2\. Click save\n\n## What needs verification\n\n- \[ \] The crash reproduces on 1\.2/);
    assert.deepEqual(await labels(p, 1), ["bug-report"]);
    assert.deepEqual(await labels(p, 2), []);
    assert.match(await p.journal(), /enrich-bug-report #1: applied 2 actions/);
  });

  it("bundle-dust: a group of three becomes one backlog issue, the sources are closed with \"Bundled into #B\", the group leaves the ledger", async () => {
    const p = await g.project("dust", [
      { title: "typo in add", body: "teh → the", labels: ["tech-debt"] },
      { title: "rename x", body: "`x` → `sum`", labels: ["tech-debt"] },
      { title: "unrelated", body: "x", labels: ["vision"] },
    ]);
    await p.setMemory(checked());
    const ts = new Date().toISOString();
    await p.writeDust([
      { issue: 1, group: "src", title: "typo in add", reason: "comment typo", ts },
      { issue: 2, group: "src", title: "rename x", reason: "naming", ts },
      { key: "review-abc", group: "src", title: "stale comment in parse", reason: "src/parse.js:1: the comment is stale", source: "PR #9", ts },
      { issue: 3, group: "docs", title: "unrelated", reason: "", ts },
    ]);
    await p.setScript([{ match: "# Task: bundle-dust", structured: { summary: "Bundle three cosmetic fixes in src.", overview: "Three cosmetic fixes in src/, no behaviour change.", acceptance_criteria: ["Every item is fixed", "No test changes"] } }]);
    const r = await p.tick();
    assert.equal(r.code, 0, r.out);
    const [bundle] = await p.app.issues.list({ state: "open", createdBy: LOGIN });
    assert.ok(bundle, r.out);
    assert.equal(bundle.title, "fix: bundled dust cleanup — src");
    assert.deepEqual(bundle.labels, ["backlog"]);
    assert.match(bundle.body, /## Items\n\n- \[ \] #1 typo in add — comment typo\n- \[ \] #2 rename x — naming\n- \[ \] stale comment in parse — src\/parse\.js:1: the comment is stale \(PR #9\)/);
    assert.match(bundle.body, /<details><summary>#1 typo in add<\/summary>/);
    for (const n of [1, 2]) {
      const i = await p.issue(n);
      assert.equal(i.state, "closed");
      assert.match((await p.app.comments.list(n)).at(-1)!.body, new RegExp(`^Bundled into #${bundle.number}\\.`));
    }
    const ledger = await p.dust();
    assert.doesNotMatch(ledger, /"group":"src"/);
    assert.match(ledger, /"issue":3/);
    assert.match(await p.journal(), /bundle-dust src: applied 3 actions/);
  });

  it("an answer invalid twice is reported and nothing is applied; the third failure on an issue leaves it alone for the day", async () => {
    const p = await g.project("invalid", [{ title: "Strict parse", body: VAGUE, labels: ["underspecified"] }]);
    await p.setMemory(checked());
    await p.setScript([{ match: "# Task: enrich-underspecified", structured: { summary: "x", affected_files: [], acceptance_criteria: ["only one"] } }]);
    const before = await p.issue(1);
    for (let i = 1; i <= 3; i++) {
      const r = await p.tick();
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, /enrich-underspecified #1: no valid answer from the model \(2 runs\)/);
    }
    assert.deepEqual(await p.issue(1), before);
    assert.deepEqual(await p.app.comments.list(1), []);
    assert.match(await p.journal(), /no valid answer, nothing applied/);
    const r = await p.tick();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /idle: nothing to groom \(1 open issue; 1 left alone for now\)/);
    assert.equal(r.calls.length, 0);
  });

  it("a manifest outside the policy is rejected whole: the dev agent took the issue while the model wrote", async () => {
    const p = await g.project("held", [{ title: "Strict parse", body: VAGUE, labels: ["underspecified"] }]);
    await p.setMemory(checked());
    await p.setScript([{ match: "# Task: enrich-underspecified", structured: ENRICH }]);
    const r = await p.tick({
      during: async () => {
        await p.app.labels.add(1, ["in-progress"]);
      },
    });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /manifest rejected by policy, nothing applied: action 0 \(edit_body\): held: #1 is in-progress/);
    const issue = await p.issue(1);
    assert.equal(issue.body, VAGUE);
    assert.deepEqual([...issue.labels].sort(), ["in-progress", "underspecified"]);
    assert.match(await p.journal(), /### Rejected by policy \(nothing applied\)/);
  });
});
