// Applying manifests on the sandbox forge with the gardener's identity: every kind does what it
// says, a second apply changes nothing, a manifest with one action outside the policy writes
// nothing, sync_priority leaves the dev agent's issue alone, a marker pasted by someone else
// does not count, and a dry run lists the actions and changes nothing.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Manifest } from "../../src/manifest/actions.ts";
import { applyManifest, type ApplyOutcome } from "../../src/manifest/apply.ts";
import { marker } from "../../src/manifest/marker.ts";
import { forgeSnapshot } from "../helpers/forge-snapshot.ts";
import { BUNDLE, GARDENER, ISSUES } from "../fixtures/manifest/scenario.ts";
import { judgedState, LOGIN, manifestWorld, type ManifestWorld } from "../fixtures/manifest/world.ts";

const applied = (r: ApplyOutcome): Extract<ApplyOutcome, { status: "applied" }> => {
  assert.equal(r.status, "applied", JSON.stringify(r));
  return r;
};

describe("manifest apply on the sandbox forge", () => {
  let w: ManifestWorld;
  before(async () => {
    w = await manifestWorld();
  });
  after(() => w.stop());

  it("applies every kind with the gardener's identity; a second apply is all no-ops and changes nothing", async () => {
    const p = await w.project("apply", ISSUES);
    let first: ApplyOutcome | undefined;
    const r1 = await p.run(async (rt) => ((first = await applyManifest(rt, BUNDLE, GARDENER)), { outcome: "done", summary: "applied" }));
    assert.equal(r1.code, 0, r1.out);
    const res = applied(first!);
    assert.deepEqual(res.created, { bundle: 4 });
    assert.deepEqual(
      res.results.map((r) => [r.kind, r.result]),
      [
        ["create_issue", "done"],
        ["edit_body", "done"],
        ["comment", "done"],
        ["add_label", "done"],
        ["remove_label", "done"],
        ["sync_priority", "done"],
        ["close_issue", "done"],
        ["close_issue", "done"],
        ["ops_write", "done"],
        ["ops_pr", "done"],
      ],
    );

    const bundle = (await p.app.issues.get(4))!;
    assert.equal(bundle.author, LOGIN);
    assert.deepEqual(bundle.labels, ["backlog"]);
    assert.ok(bundle.body.endsWith(marker("gardener", "bundle")), bundle.body);
    for (const n of [1, 2]) {
      const i = (await p.app.issues.get(n))!;
      assert.equal(i.state, "closed");
      const cs = await p.app.comments.list(n);
      assert.equal(cs.length, 1);
      assert.equal(cs[0]!.author, LOGIN);
      assert.match(cs[0]!.body, /^Bundled into #4\n\n<!-- disinto:gardener:close\/\d+ -->$/);
    }
    const enriched = (await p.app.issues.get(3))!;
    assert.deepEqual([...enriched.labels].sort(), ["backlog", "priority"]);
    assert.match(enriched.body, /^## Problem/);
    assert.equal((await p.app.comments.list(3)).length, 1);
    const pr = await p.ops.pulls.findByHead("gardener/notes");
    assert.equal(pr?.author, LOGIN);
    assert.match(pr?.body ?? "", /^Notes after bundling #4\.\n\n<!-- disinto:gardener:notes -->$/);
    assert.equal((await p.ops.contents.get("gardener/notes.md", { ref: "gardener/notes" }))?.text, "# Notes\n");
    assert.equal((await p.ops.contents.get("gardener/dust.jsonl"))?.text, "");

    const before = await judgedState(p);
    let second: ApplyOutcome | undefined;
    const r2 = await p.run(async (rt) => ((second = await applyManifest(rt, BUNDLE, GARDENER)), { outcome: "done", summary: "again" }));
    assert.equal(r2.code, 0, r2.out);
    assert.deepEqual(
      applied(second!).results.map((r) => r.result),
      BUNDLE.actions.map(() => "noop"),
    );
    assert.deepEqual(await judgedState(p), before);
  });

  it("one action outside the policy rejects the manifest whole: nothing on the forge or in the ops repo changes", async () => {
    const p = await w.project("reject", ISSUES);
    const snap = await forgeSnapshot(w.forge, p.app, p.ops);
    const bad: Manifest = { summary: "s", actions: [...BUNDLE.actions, { kind: "add_label", issue: 1, label: "vision" }] };
    let out: ApplyOutcome | undefined;
    const r = await p.run(async (rt) => ((out = await applyManifest(rt, bad, GARDENER)), { outcome: "done", summary: "checked" }));
    assert.equal(r.code, 0, r.out);
    assert.equal(out?.status, "rejected");
    assert.deepEqual(out?.status === "rejected" ? out.violations.map((v) => [v.index, v.rule]) : [], [[10, "label"]]);
    assert.deepEqual(await forgeSnapshot(w.forge, p.app, p.ops), snap);
  });

  it("sync_priority puts priority on exactly the set, and leaves an issue the dev agent holds as it is", async () => {
    const p = await w.project("sync", [
      { title: "a", labels: ["backlog", "priority"] },
      { title: "b", labels: ["backlog"] },
      { title: "c", labels: ["backlog", "priority", "in-progress"] },
      { title: "d", labels: ["backlog", "in-progress"] },
    ]);
    const m: Manifest = { summary: "rank", actions: [{ kind: "sync_priority", issues: [2, 4] }] };
    let out: ApplyOutcome | undefined;
    const r = await p.run(async (rt) => ((out = await applyManifest(rt, m, GARDENER)), { outcome: "done", summary: "synced" }));
    assert.equal(r.code, 0, r.out);
    assert.match(applied(out!).results[0]!.detail ?? "", /\+#2; -#1; left alone \(in-progress\): #4, #3/);
    const labels = async (n: number): Promise<string[]> => [...(await p.app.issues.get(n))!.labels].sort();
    assert.deepEqual(await labels(1), ["backlog"]);
    assert.deepEqual(await labels(2), ["backlog", "priority"]);
    assert.deepEqual(await labels(3), ["backlog", "in-progress", "priority"]);
    assert.deepEqual(await labels(4), ["backlog", "in-progress"]);
  });

  it("a marker posted by someone else does not count: the gardener still posts its own comment and issue", async () => {
    const p = await w.project("spoof", [{ title: "x" }]);
    await p.app.comments.create(1, `fake\n\n${marker("gardener", "hello")}`);
    await p.app.issues.create({ title: "fake", body: marker("gardener", "new") });
    const m: Manifest = {
      summary: "s",
      actions: [
        { kind: "comment", issue: 1, body: "real", key: "hello" },
        { kind: "create_issue", key: "new", title: "real", body: "real", labels: [] },
      ],
    };
    let out: ApplyOutcome | undefined;
    const r = await p.run(async (rt) => ((out = await applyManifest(rt, m, GARDENER)), { outcome: "done", summary: "ok" }));
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(applied(out!).results.map((x) => x.result), ["done", "done"]);
    assert.deepEqual((await p.app.comments.list(1)).map((c) => c.author), ["admin", LOGIN]);
  });

  it("in a dry run, apply lists each action it would apply and writes nothing", async () => {
    const p = await w.project("dry", ISSUES);
    const snap = await forgeSnapshot(w.forge, p.app, p.ops);
    let out: ApplyOutcome | undefined;
    const r = await p.run(async (rt) => ((out = await applyManifest(rt, BUNDLE, GARDENER)), { outcome: "done", summary: "dry" }), { env: { DISINTO_DRY_RUN: "1" } });
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(applied(out!).results.map((x) => x.result), BUNDLE.actions.map(() => "planned"));
    assert.match(r.out, /dry run: would apply gardener action 6: create issue "fix: bundled dust cleanup — docs" \[backlog\] \(key bundle\)/);
    assert.match(r.out, /dry run: would apply gardener action 0: close #1: Bundled into \{\{issue:bundle\}\}/);
    assert.match(r.out, /planned writes: 10/);
    assert.deepEqual(await forgeSnapshot(w.forge, p.app, p.ops), snap);
  });
});
