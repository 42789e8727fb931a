// The architect's refusals and its dry run on the sandbox forge: REJECT closes the pitch with a
// reply and the vision issue is not pitched again until someone edits it; a comment by another
// disinto identity is no person's and an approval by one files nothing (neither agent acts on
// it); a fourth vision waits while three pitches are open; a dry run of the architect's pitch
// and of the gardener's filing and vision-complete lists what it would do and leaves the forge
// and the ops repo as they were.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ForgejoForge } from "../../src/forge/index.ts";
import { judgedState } from "../fixtures/manifest/world.ts";
import { architectWorld, ARCHITECT, PITCH, type ArchitectWorld } from "../fixtures/architect/world.ts";

const DRY = { DISINTO_DRY_RUN: "1" };

describe("architect: reject, other identities, the pitch limit, dry run", () => {
  let g: ArchitectWorld;
  before(async () => {
    g = await architectWorld();
  });
  after(() => g.stop());

  it("REJECT: replies, closes the pitch, and the vision is pitched again only after it is edited", async () => {
    const p = await g.project("reject", [{ title: "Export reports", body: "Users want exports.", labels: ["vision"] }]);
    const pr = await p.pitched();
    await p.ops.comments.create(pr.number, "REJECT: not this quarter");
    const r = await p.tick();
    assert.equal(r.code, 0, r.out);
    assert.equal(r.calls.length, 0);
    const closed = (await p.ops.pulls.get(pr.number))!;
    assert.equal(closed.state, "closed");
    assert.equal(closed.merged, false);
    const reply = (await p.ops.comments.list(pr.number)).at(-1)!;
    assert.equal(reply.author, ARCHITECT);
    assert.match(reply.body, /^Rejected: not this quarter/);
    assert.equal((await p.issue(1)).state, "open");
    assert.equal((await p.app.issues.list({ state: "all" })).length, 1, "nothing filed");
    assert.match(await p.journal(), /reject PR #\d+: closed: not this quarter/);

    const again = await p.tick();
    assert.equal(again.calls.length, 0, "a rejected vision is not pitched again as it is");
    assert.match(again.out, /no vision issue to pitch/);

    await new Promise((res) => setTimeout(res, 1100));
    await p.app.issues.edit(1, { body: "Users want exports: CSV only, as discussed." });
    await p.setScript([{ match: "# Task: pitch", structured: PITCH }]);
    const repitch = await p.tick();
    assert.equal(repitch.calls.length, 1, repitch.out);
    assert.deepEqual((await p.pitches("open")).map((x) => x.head.ref), ["architect/sprint-vision-1-2"]);
  });

  it("another disinto identity's comment and approval are no person's: nothing answered, nothing filed", async () => {
    const p = await g.project("bots", [{ title: "Export reports", body: "Users want exports.", labels: ["vision"] }]);
    const pr = await p.pitched();
    const gardener = new ForgejoForge({ url: g.w.forge.url, token: g.w.forge.users["gardener-bot"]!.token });
    try {
      const ops = gardener.repo(p.opsRef);
      await ops.comments.create(pr.number, "What about PDF?");
      await ops.reviews.create(pr.number, { event: "APPROVED", body: "lgtm", commitId: pr.head.sha });
    } finally {
      await gardener.close();
    }
    const r = await p.tick();
    assert.equal(r.calls.length, 0, r.out);
    assert.match(r.out, /nothing to do: 1 open pitch waiting for a person or the gardener/);
    const gr = await p.garden();
    assert.equal(gr.code, 0, gr.out);
    assert.match(gr.out, /nothing to groom/, "a disinto identity's approval files nothing");
    assert.equal((await p.app.issues.list({ state: "all" })).length, 1);
  });

  it("a question beside the approval is answered; ACCEPT on an approved pitch is not told to approve; the gardener files either way", async () => {
    const p = await g.project("approved-q", [{ title: "Export reports", body: "Users want exports.", labels: ["vision"] }]);
    const pr = await p.pitched({ approve: true });
    await p.ops.comments.create(pr.number, "ACCEPT");
    let r = await p.tick();
    assert.equal(r.code, 0, r.out);
    assert.equal(r.calls.length, 0);
    assert.match((await p.ops.comments.list(pr.number)).at(-1)!.body, /^Thanks! The pull request is approved: the gardener files/);
    await p.ops.comments.create(pr.number, "Will PDF need a new dependency?");
    await p.setScript([{ match: "# Task: answer", structured: { reply: "No: it renders with what exists." } }]);
    r = await p.tick();
    assert.equal(r.calls.length, 1, r.out);
    assert.match((await p.ops.comments.list(pr.number)).at(-1)!.body, /^No: it renders/);
    assert.equal((await p.app.issues.list({ state: "all" })).length, 1, "the architect filed nothing");
    const gr = await p.garden();
    assert.match(gr.out, /filed the sub-issues of #1/);
  });

  it("at most 3 pitches open: a fourth vision issue waits", async () => {
    const p = await g.project("limit", [1, 2, 3, 4].map((n) => ({ title: `Vision ${n}`, body: "Big.", labels: ["vision"] })));
    await p.setScript([{ match: "# Task: pitch", structured: PITCH }]);
    for (let i = 0; i < 3; i++) assert.equal((await p.tick()).calls.length, 1);
    assert.deepEqual((await p.pitches("open")).map((x) => x.head.ref).sort(), ["architect/sprint-vision-1", "architect/sprint-vision-2", "architect/sprint-vision-3"]);
    const r = await p.tick();
    assert.equal(r.calls.length, 0);
    assert.match(r.out, /3 pitches open \(at most 3\)/);
  });

  it("dry run: a pitch stops before the model, the gardener's filing lists its issues, vision-complete its close; nothing changes", async () => {
    const p = await g.project("dry", [{ title: "Export reports", body: "Users want exports.", labels: ["vision"] }]);
    await p.setScript([{ match: "# Task: pitch", structured: PITCH }]);
    const before0 = await judgedState(p);
    const dry = await p.tick(DRY);
    assert.equal(dry.code, 0, dry.out);
    assert.equal(dry.calls.length, 0, "a dry run asks no model");
    assert.deepEqual(await judgedState(p), before0);

    await p.pitched({ approve: true });
    const before1 = await judgedState(p);
    const idle = await p.tick(DRY);
    assert.equal(idle.code, 0, idle.out);
    assert.match(idle.out, /idle/, "an approved pitch is the gardener's to file");
    const filing = await p.garden(DRY);
    assert.equal(filing.code, 0, filing.out);
    assert.match(filing.out, /create issue "vision\(#1\): Escape CSV fields"/);
    assert.match(filing.out, /add label in-progress to #1/);
    assert.deepEqual(await judgedState(p), before1, "nothing filed, labelled or edited");

    assert.equal((await p.garden()).code, 0);
    for (const n of [2, 3, 4]) await p.app.issues.close(n);
    const before2 = await judgedState(p);
    const closing = await p.garden(DRY);
    assert.equal(closing.code, 0, closing.out);
    assert.match(closing.out, /comment on \S+#1[\s\S]*close \S+#1\b/);
    assert.deepEqual(await judgedState(p), before2, "the vision issue is neither commented nor closed");
    assert.equal((await p.issue(1)).state, "open");
  });
});
