// The pitch's formats and the architect's guard: the filer block the runner renders parses back
// to the same entries (the parser the gardener's filer uses, src/agents/shared/sprint.ts); the
// strict parser names the line it cannot read; the pitch schema refuses unknown and circular
// dependencies; the PR-body markers round-trip; the project-repo guard refuses every write —
// creating an issue included — and lets reads through.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { pitchSchema } from "../../src/agents/architect/pitch.ts";
import { parseFilerBlock, renderFilerBlock, FilerBlockError, FILER_BEGIN, FILER_END, filed, visionOf, withFiled, type FilerEntry } from "../../src/agents/shared/sprint.ts";
import { digestOf, lastSeen, withDigest, withLastSeen } from "../../src/agents/architect/markers.ts";
import { guardRepo, ProjectWriteRefused } from "../../src/agents/architect/guard.ts";
import type { RepoForge } from "../../src/forge/types.ts";
import { loadFormula } from "../../src/config/load.ts";
import { shippedFormulaPath } from "../../src/config/formula-source.ts";

const ENTRIES: FilerEntry[] = [
  { id: "a", title: 'vision(#7): Say "hi"', labels: ["backlog"], depends_on: [], body: "## Goal\n\nHi.\n\n```sh\n  indented code\n```\n\n- [ ] done" },
  { id: "b-2", title: "vision(#7): Then", labels: ["backlog"], depends_on: ["a"], body: "## Goal\n\nThen." },
];

describe("architect pitch format", () => {
  it("the rendered filer block parses back to the same entries", () => {
    const text = `# Sprint: x\n\n## Sub-issues\n\n${renderFilerBlock(ENTRIES)}\n\n---\nfooter`;
    assert.deepEqual(parseFilerBlock(text), ENTRIES);
  });

  it("the strict parser names what it cannot read", () => {
    const bad = (lines: string[]): string => {
      try {
        parseFilerBlock([FILER_BEGIN, ...lines, FILER_END].join("\n"));
      } catch (err) {
        assert.ok(err instanceof FilerBlockError);
        return err.message;
      }
      assert.fail("parsed");
    };
    assert.match(bad(["- id: a", "  title: t", "  labels: backlog", "  depends_on: []", "  body: |", "    x"]), /line 4: labels must be a list like \[a, b\], got "backlog"/);
    assert.match(bad(["- id: a", " title: t"]), /line 3: expected `- id: <id>`/);
    assert.match(bad(["- id: a", "  title: t", "  labels: []", "  depends_on: [z]", "  body: |", "    x"]), /entry a: depends_on z is no entry of the block/);
    assert.match(bad(["- id: a", "  title: t", "  labels: []", "  depends_on: []"]), /entry a: no body/);
    assert.match(bad(["- id: A", "  title: t"]), /id "A" is not kebab-case/);
    assert.match(bad([]), /no entries/);
    assert.throws(() => parseFilerBlock("no block"), /no <!-- filer:begin --> line/);
  });

  it("the pitch schema refuses an unknown dependency and a circle", () => {
    const sub = (id: string, depends_on: string[]) => ({ id, title: id, depends_on, body: "b" });
    const base = { slug: "s", enables: "e", exists: "x", complexity: "c", risks: "r", cost: "c", open_questions: ["q?"], recommendation: "r" };
    assert.equal(pitchSchema.safeParse({ ...base, sub_issues: [sub("a", []), sub("b", ["a"])] }).success, true);
    const unknown = pitchSchema.safeParse({ ...base, sub_issues: [sub("a", ["z"])] });
    assert.match(JSON.stringify(unknown.error?.issues), /\\"z\\" is not the id of a sub-issue/);
    const circle = pitchSchema.safeParse({ ...base, sub_issues: [sub("a", ["b"]), sub("b", ["a"])] });
    assert.match(JSON.stringify(circle.error?.issues), /in a circle/);
  });
});

describe("architect markers", () => {
  it("last-seen, digest and Filed round-trip in a PR body", () => {
    let body = "# Sprint: x\n\n---\n\nfooter\n<!-- disinto:architect:pitch-7 -->";
    assert.equal(lastSeen(body), undefined);
    body = withLastSeen(body, new Date("2026-01-02T03:04:05.000Z"), 42);
    assert.deepEqual(lastSeen(body), { at: new Date("2026-01-02T03:04:05.000Z"), id: 42 });
    body = withFiled(body, [3, 4]);
    assert.deepEqual(filed(body), [3, 4]);
    assert.ok(body.indexOf("## Filed: #3 #4") < body.indexOf("<!-- disinto:architect:pitch-7 -->"));
    body = withDigest(body, new Map([[3, "closed"], [4, "open"]]));
    assert.deepEqual([...digestOf(body)!], [[3, "closed"], [4, "open"]]);
    body = withLastSeen(body, new Date("2026-01-03T00:00:00.000Z"), 50);
    assert.equal((body.match(/architect-last-seen/g) ?? []).length, 1);
    assert.equal(visionOf({ head: { ref: "architect/sprint-vision-12-2" }, body: "" }), 12);
    assert.equal(visionOf({ head: { ref: "other" }, body: "## Vision issues\n\n- #9 — t" }), 9);
  });
});

describe("architect project-repo guard", () => {
  const calls: string[] = [];
  const api = (name: string) => new Proxy({}, { get: (_t, m) => (...args: unknown[]) => (calls.push(`${name}.${String(m)}`), Promise.resolve(args)) });
  const repo = { ref: { owner: "o", name: "app" }, issues: api("issues"), comments: api("comments"), labels: api("labels"), pulls: api("pulls"), reviews: api("reviews"), statuses: api("statuses"), contents: api("contents"), branches: api("branches"), protections: api("protections"), collaborators: api("collaborators"), actionsSecrets: api("actionsSecrets") } as unknown as RepoForge;

  it("refuses every write — an issue, a label, a close, a comment, a commit — and lets reads through", async () => {
    const g = guardRepo(repo, "the pitch");
    await assert.rejects(g.issues.create({ title: "t" }), (err: unknown) => err instanceof ProjectWriteRefused && /may not write to the project repo o\/app \(issues\.create during the pitch\)/.test(err.message));
    await assert.rejects(g.comments.create(1, "x"), ProjectWriteRefused);
    await assert.rejects(g.contents.commitFiles({ message: "m", files: [] }), ProjectWriteRefused);
    await g.issues.list();
    await g.issues.get(1);
    assert.deepEqual(calls, ["issues.list", "issues.get"]);
    await assert.rejects(g.labels.add(1, ["in-progress"]), ProjectWriteRefused);
    await assert.rejects(g.issues.close(1), ProjectWriteRefused);
    await assert.rejects(g.issues.edit(1, { body: "x" }), ProjectWriteRefused);
    await assert.rejects(g.pulls.merge(1), ProjectWriteRefused);
    await assert.rejects(g.actionsSecrets.set("TOKEN", "x"), ProjectWriteRefused);
    assert.deepEqual(calls, ["issues.list", "issues.get"], "no write reached the forge");
  });
});

describe("architect formulas", () => {
  it("the shipped pitch, answer and digest formulas load", async () => {
    for (const name of ["pitch", "answer", "digest"]) {
      const f = await loadFormula(shippedFormulaPath(`architect/${name}`));
      assert.equal(f.name, name);
      assert.ok(f.steps.length >= 1);
    }
  });
});
