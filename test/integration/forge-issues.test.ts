// Issues, comments, assignees, timeline and pagination through the Forge client, against the
// sandbox forge.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ROUTES } from "../../src/forge/forgejo/routes.ts";
import { timelineSchema } from "../../src/forge/forgejo/schemas.ts";
import type { RepoForge } from "../../src/forge/types.ts";
import { collect } from "../../src/http/paginate.ts";
import { forgeFixture, type ForgeFixture } from "./forge-fixture.ts";

let fx: ForgeFixture;
let repo: RepoForge;

before(async () => {
  fx = await forgeFixture();
  repo = fx.dev.repo(fx.repo);
  await repo.labels.ensure([
    { name: "backlog", color: "#0075ca" },
    { name: "in-progress", color: "e4e669" },
  ]);
});

after(async () => {
  await fx.stop();
});

describe("forge issues", () => {
  it("creates an issue with labels and assignees and reads it back in our shape", async () => {
    const created = await repo.issues.create({ title: "Add a widget", body: "It should spin.", labels: ["backlog"], assignees: ["dev-bot"] });
    assert.equal(created.title, "Add a widget");
    assert.equal(created.body, "It should spin.");
    assert.equal(created.state, "open");
    assert.equal(created.author, "dev-bot");
    assert.deepEqual(created.labels, ["backlog"]);
    assert.deepEqual(created.assignees, ["dev-bot"]);
    assert.equal(created.isPull, false);
    assert.ok(created.createdAt instanceof Date);
    const got = await repo.issues.get(created.number);
    assert.deepEqual(got, created);
  });

  it("returns undefined for an issue that does not exist", async () => {
    assert.equal(await repo.issues.get(99_999), undefined);
  });

  it("edits title and body, closes and reopens", async () => {
    const i = await repo.issues.create({ title: "old", body: "old body" });
    const edited = await repo.issues.edit(i.number, { title: "new", body: "new body" });
    assert.equal(edited.title, "new");
    assert.equal(edited.body, "new body");
    const closed = await repo.issues.close(i.number);
    assert.equal(closed.state, "closed");
    assert.ok(closed.closedAt instanceof Date);
    const reopened = await repo.issues.reopen(i.number);
    assert.equal(reopened.state, "open");
  });

  it("sets assignees with replace semantics and clears them with []", async () => {
    const i = await repo.issues.create({ title: "assign me" });
    assert.deepEqual((await repo.issues.setAssignees(i.number, ["dev-bot", "review-bot"])).assignees.sort(), ["dev-bot", "review-bot"]);
    assert.deepEqual((await repo.issues.setAssignees(i.number, ["review-bot"])).assignees, ["review-bot"]);
    assert.deepEqual((await repo.issues.setAssignees(i.number, [])).assignees, []);
  });

  it("lists by state and by label names (ALL labels must match)", async () => {
    const a = await repo.issues.create({ title: "both", labels: ["backlog", "in-progress"] });
    const b = await repo.issues.create({ title: "backlog only", labels: ["backlog"] });
    const c = await repo.issues.create({ title: "closed one", labels: ["backlog"] });
    await repo.issues.close(c.number);
    const backlog = (await repo.issues.list({ labels: ["backlog"] })).map((i) => i.number);
    assert.ok(backlog.includes(a.number) && backlog.includes(b.number));
    assert.ok(!backlog.includes(c.number), "state defaults to open");
    const both = (await repo.issues.list({ labels: ["backlog", "in-progress"] })).map((i) => i.number);
    assert.ok(both.includes(a.number));
    assert.ok(!both.includes(b.number));
    const all = (await repo.issues.list({ state: "all", labels: ["backlog"] })).map((i) => i.number);
    assert.ok(all.includes(c.number));
  });

  it("comments: create, list, edit; an empty body is refused before any request", async () => {
    const i = await repo.issues.create({ title: "talk" });
    const c1 = await repo.comments.create(i.number, "first <!-- marker -->");
    const c2 = await fx.review.repo(fx.repo).comments.create(i.number, "second");
    assert.equal(c1.author, "dev-bot");
    assert.equal(c2.author, "review-bot");
    const edited = await repo.comments.edit(c1.id, "first, edited");
    assert.equal(edited.body, "first, edited");
    const list = await repo.comments.list(i.number);
    assert.deepEqual(
      list.map((c) => [c.id, c.body, c.author]),
      [
        [c1.id, "first, edited", "dev-bot"],
        [c2.id, "second", "review-bot"],
      ],
    );
    const before = fx.dev.requestStats().total;
    await assert.rejects(repo.comments.create(i.number, "   "), /must not be empty/);
    assert.equal(fx.dev.requestStats().total, before);
  });

  it("timeline: label added/removed events with actor and time", async () => {
    const i = await repo.issues.create({ title: "timeline" });
    const t0 = Date.now() - 5_000;
    await repo.labels.add(i.number, ["in-progress"]);
    await fx.review.repo(fx.repo).labels.remove(i.number, "in-progress");
    const events = (await repo.issues.timeline(i.number)).filter((e) => e.label !== undefined);
    assert.deepEqual(
      events.map((e) => [e.label?.name, e.label?.action, e.actor]),
      [
        ["in-progress", "added", "dev-bot"],
        ["in-progress", "removed", "review-bot"],
      ],
    );
    for (const e of events) assert.ok(e.createdAt.getTime() >= t0);
  });

  it("PRs are issues: issues.list({type}) separates them", async () => {
    const issues = await repo.issues.list({ type: "issues", state: "all" });
    assert.ok(issues.every((i) => !i.isPull));
  });
});

describe("forge pagination", () => {
  it("120 issues at limit 50: all of them in 3 counted requests; a single page on request", async () => {
    const other = await fx.dev.createRepo({ name: `paging-${Date.now()}`, autoInit: true });
    const r = fx.dev.repo({ owner: other.owner, name: other.name });
    for (let n = 1; n <= 120; n++) await r.issues.create({ title: `issue ${n}` });
    const route = "GET /repos/{owner}/{repo}/issues";
    const before = fx.dev.requestStats().byRoute[route] ?? 0;
    const all = await r.issues.list({ limit: 50 });
    assert.equal(all.length, 120);
    assert.equal(new Set(all.map((i) => i.number)).size, 120);
    assert.equal((fx.dev.requestStats().byRoute[route] ?? 0) - before, 3);
    const page3 = await r.issues.list({ limit: 50, page: 3 });
    assert.equal(page3.length, 20);
    assert.equal((fx.dev.requestStats().byRoute[route] ?? 0) - before, 4);
  });

  // Through the HTTP layer with a small page size: the client's own calls use 50 per page.
  it("timeline pages end at a short page (no Link header on that endpoint)", async () => {
    const i = await repo.issues.create({ title: "chatty" });
    for (let n = 0; n < 7; n++) await repo.comments.create(i.number, `comment ${n}`);
    const route = "GET /repos/{owner}/{repo}/issues/{index}/timeline";
    const before = fx.dev.requestStats().byRoute[route] ?? 0;
    const events = await collect(fx.dev.http, ROUTES.issueTimeline, timelineSchema, { params: { owner: fx.repo.owner, repo: fx.repo.name, index: i.number }, limit: 3 });
    assert.equal(events.filter((e) => e.type === "comment").length, 7);
    // 7 events at 3 per page: 3 + 3 + 1 → three requests, the last one short.
    assert.equal((fx.dev.requestStats().byRoute[route] ?? 0) - before, 3);
  });
});
