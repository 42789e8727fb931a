// Sandbox forge over HTTP: authentication, repositories, collaborators, labels, issues,
// comments and the timeline — with the Forgejo quirks clients depend on.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call --
   response bodies are untyped JSON here; test/contract/sandbox-forge.test.ts holds their shapes to the swagger. */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSandboxForge, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { api, type Api } from "../helpers/sandbox-forge.ts";

let forge: SandboxForge;
let admin: Api;
let dev: Api;
let reviewer: Api;
let anon: Api;

before(async () => {
  forge = await startSandboxForge({ seed: "demo" });
  admin = api(forge, "admin");
  dev = api(forge, "dev-bot");
  reviewer = api(forge, "review-bot");
  anon = api(forge, undefined);
});
after(async () => forge.stop());

describe("sandbox forge: accounts and auth", () => {
  it("creates the site admin and the agent bots with 40-hex tokens", () => {
    for (const login of ["admin", "dev-bot", "review-bot"]) {
      assert.match(forge.users[login]?.token ?? "", /^[0-9a-f]{40}$/);
      assert.ok((forge.users[login]?.password ?? "").length >= 16);
    }
    assert.equal(forge.users.admin?.admin, true);
    assert.equal(forge.users["dev-bot"]?.admin, false);
    assert.deepEqual(forge.repos, ["demo/calc", "demo/calc-ops"]);
  });

  it("answers /version anonymously and refuses everything else without credentials", async () => {
    const v = await anon("GET", "/version");
    assert.equal(v.status, 200);
    assert.equal(v.body.version, "15.0.3+gitea-1.22.0");
    const u = await anon("GET", "/user");
    assert.equal(u.status, 401);
    assert.equal(typeof u.body.message, "string");
    assert.match(u.body.url, /\/api\/swagger$/);
    assert.equal((await anon("GET", "/repos/demo/calc")).status, 401);
  });

  it("accepts token, Bearer and Basic (password or token) credentials, and rejects bad ones", async () => {
    const u = forge.users["dev-bot"];
    assert.ok(u);
    const basic = (s: string) => `Basic ${Buffer.from(`dev-bot:${s}`).toString("base64")}`;
    for (const auth of [`token ${u.token}`, `Bearer ${u.token}`, `bearer ${u.token}`, basic(u.password), basic(u.token)]) {
      const r = await anon("GET", "/user", undefined, { Authorization: auth });
      assert.equal(r.status, 200, auth.slice(0, 8));
      assert.equal(r.body.login, "dev-bot");
      assert.equal(r.body.is_admin, false);
    }
    assert.equal((await anon("GET", "/user", undefined, { Authorization: `token ${"0".repeat(40)}` })).status, 401);
    assert.equal((await anon("GET", "/user", undefined, { Authorization: basic("wrong") })).status, 401);
  });

  it("looks users up by name", async () => {
    const r = await dev("GET", "/users/review-bot");
    assert.equal(r.status, 200);
    assert.equal(r.body.login, "review-bot");
    assert.equal((await dev("GET", "/users/nobody-here")).status, 404);
  });
});

describe("sandbox forge: repositories and collaborators", () => {
  it("creates a user repo with auto_init, a README and the default branch; duplicates are 409", async () => {
    const r = await dev("POST", "/user/repos", { name: "scratch", auto_init: true, default_branch: "trunk", description: "d" });
    assert.equal(r.status, 201);
    assert.equal(r.body.full_name, "dev-bot/scratch");
    assert.equal(r.body.default_branch, "trunk");
    assert.equal(r.body.empty, false);
    assert.deepEqual(r.body.permissions, { admin: true, push: true, pull: true });
    assert.equal(r.body.clone_url, `${forge.url}/dev-bot/scratch.git`);
    const readme = await dev("GET", "/repos/dev-bot/scratch/contents/README.md");
    assert.equal(readme.status, 200);
    assert.equal((await dev("GET", "/repos/dev-bot/scratch/branches/trunk")).status, 200);
    assert.equal((await dev("POST", "/user/repos", { name: "scratch" })).status, 409);
    assert.equal((await dev("POST", "/user/repos", {})).status, 422);
  });

  it("creates an empty repo without auto_init", async () => {
    const r = await dev("POST", "/user/repos", { name: "bare" });
    assert.equal(r.status, 201);
    assert.equal(r.body.empty, true);
    assert.equal(r.body.default_branch, "main");
  });

  it("creates orgs and org repos; only org owners (or admins) may create repos there", async () => {
    const org = await dev("POST", "/orgs", { username: "devorg" });
    assert.equal(org.status, 201);
    assert.equal(org.body.username, "devorg");
    assert.equal((await dev("POST", "/orgs/devorg/repos", { name: "tool", auto_init: true })).status, 201);
    assert.equal((await reviewer("POST", "/orgs/devorg/repos", { name: "nope" })).status, 403);
    assert.equal((await dev("POST", "/orgs/no-such-org/repos", { name: "x" })).status, 404);
    const adminOrg = await admin("POST", "/admin/users/review-bot/orgs", { username: "revorg" });
    assert.equal(adminOrg.status, 201);
    assert.equal((await reviewer("POST", "/orgs/revorg/repos", { name: "mine" })).status, 201);
  });

  it("lets only the site admin create repos for other users", async () => {
    assert.equal((await dev("POST", "/admin/users/review-bot/repos", { name: "x" })).status, 403);
    const r = await admin("POST", "/admin/users/review-bot/repos", { name: "given", auto_init: true });
    assert.equal(r.status, 201);
    assert.equal(r.body.owner.login, "review-bot");
  });

  it("hides private repos (404) from users without access and shows them to collaborators", async () => {
    assert.equal((await dev("POST", "/user/repos", { name: "secret", private: true, auto_init: true })).status, 201);
    assert.equal((await reviewer("GET", "/repos/dev-bot/secret")).status, 404);
    assert.equal((await reviewer("PUT", "/repos/dev-bot/secret/collaborators/review-bot", { permission: "read" })).status, 404);
    assert.equal((await dev("PUT", "/repos/dev-bot/secret/collaborators/review-bot", { permission: "read" })).status, 204);
    const seen = await reviewer("GET", "/repos/dev-bot/secret");
    assert.equal(seen.status, 200);
    assert.deepEqual(seen.body.permissions, { admin: false, push: false, pull: true });
    assert.equal((await dev("GET", "/repos/dev-bot/secret/collaborators/review-bot")).status, 204);
    assert.equal((await dev("GET", "/repos/dev-bot/secret/collaborators/planner-bot")).status, 404);
    const perm = await dev("GET", "/repos/dev-bot/secret/collaborators/review-bot/permission");
    assert.equal(perm.body.permission, "read");
    const list = await dev("GET", "/repos/dev-bot/secret/collaborators");
    assert.deepEqual(list.body.map((u: { login: string }) => u.login), ["review-bot"]);
    assert.equal((await dev("PUT", "/repos/dev-bot/secret/collaborators/review-bot", { permission: "owner" })).status, 422);
  });

  it("seeds demo/calc with dev-bot write and review-bot read access", async () => {
    const asDev = await dev("GET", "/repos/demo/calc");
    assert.deepEqual(asDev.body.permissions, { admin: false, push: true, pull: true });
    const asReviewer = await reviewer("GET", "/repos/demo/calc");
    assert.deepEqual(asReviewer.body.permissions, { admin: false, push: false, pull: true });
    const wp = await dev("GET", "/repos/demo/calc/contents/.woodpecker/test.yml");
    assert.equal(wp.status, 200);
    assert.match(Buffer.from(wp.body.content, "base64").toString(), /node --test/);
  });
});

describe("sandbox forge: labels", () => {
  it("creates labels (201, colour normalised, 422 on a bad colour) and allows duplicate names", async () => {
    const r = await dev("POST", "/repos/demo/calc/labels", { name: "phase/one", color: "#AABBCC", exclusive: true });
    assert.equal(r.status, 201);
    assert.equal(r.body.color, "aabbcc");
    assert.equal(r.body.exclusive, true);
    assert.equal((await dev("POST", "/repos/demo/calc/labels", { name: "x", color: "nothex" })).status, 422);
    assert.equal((await dev("POST", "/repos/demo/calc/labels", { name: "x" })).status, 422);
    assert.equal((await reviewer("POST", "/repos/demo/calc/labels", { name: "x", color: "000000" })).status, 403);
    assert.equal((await dev("POST", "/repos/demo/calc/labels", { name: "phase/two", color: "00aabb", exclusive: true })).status, 201);
  });

  it("lists labels with X-Total-Count and Link", async () => {
    const r = await dev("GET", "/repos/demo/calc/labels?limit=5");
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 5);
    const total = Number(r.headers.get("x-total-count"));
    assert.ok(total >= 17);
    assert.match(r.headers.get("link") ?? "", /rel="next"/);
    assert.match(r.headers.get("link") ?? "", /rel="last"/);
    const all = await dev("GET", "/repos/demo/calc/labels?limit=50");
    assert.equal(all.body.length, total);
    assert.equal(all.headers.get("link"), null);
  });
});

function links(header: string | null): Record<string, URL> {
  const out: Record<string, URL> = {};
  for (const part of (header ?? "").split(",")) {
    const m = /<([^>]+)>;\s*rel="(\w+)"/.exec(part);
    if (m?.[1] && m[2]) out[m[2]] = new URL(m[1]);
  }
  return out;
}

async function labelId(name: string): Promise<number> {
  const all = await dev("GET", "/repos/demo/calc/labels?limit=50");
  const l = (all.body as { id: number; name: string }[]).find((x) => x.name === name);
  assert.ok(l, `label ${name}`);
  return l.id;
}

describe("sandbox forge: issues", () => {
  it("has the three seeded backlog issues with acceptance criteria", async () => {
    const r = await dev("GET", "/repos/demo/calc/issues?labels=backlog&type=issues");
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 3);
    for (const i of r.body) assert.match(i.body, /## Acceptance criteria/);
  });

  it("creates issues (201) with label ids and assignees; PATCH answers 201 and assignees replace", async () => {
    const backlog = await labelId("backlog");
    const created = await dev("POST", "/repos/demo/calc/issues", { title: "t1", body: "b", labels: [backlog], assignees: ["dev-bot"] });
    assert.equal(created.status, 201);
    assert.equal(created.body.state, "open");
    assert.equal(created.body.pull_request, null);
    assert.deepEqual(created.body.labels.map((l: { name: string }) => l.name), ["backlog"]);
    assert.equal(created.body.assignee.login, "dev-bot");
    const n = created.body.number as number;
    const edited = await dev("PATCH", `/repos/demo/calc/issues/${n}`, { assignees: ["planner-bot"], title: "t1 renamed" });
    assert.equal(edited.status, 201);
    assert.deepEqual(edited.body.assignees.map((u: { login: string }) => u.login), ["planner-bot"]);
    assert.equal(edited.body.title, "t1 renamed");
    const cleared = await dev("PATCH", `/repos/demo/calc/issues/${n}`, { assignees: [] });
    assert.equal(cleared.body.assignees, null);
    assert.equal(cleared.body.assignee, null);
    assert.equal((await dev("PATCH", `/repos/demo/calc/issues/${n}`, { assignees: ["ghost-user"] })).status, 422);
    const closed = await dev("PATCH", `/repos/demo/calc/issues/${n}`, { state: "closed" });
    assert.equal(closed.body.state, "closed");
    assert.ok(closed.body.closed_at);
    const reopened = await dev("PATCH", `/repos/demo/calc/issues/${n}`, { state: "open" });
    assert.equal(reopened.body.closed_at, null);
  });

  it("422s a create without a title, in Forgejo's error shape", async () => {
    const r = await dev("POST", "/repos/demo/calc/issues", { body: "no title" });
    assert.equal(r.status, 422);
    assert.equal(typeof r.body.message, "string");
    assert.equal(typeof r.body.url, "string");
    assert.equal((await dev("GET", "/repos/demo/calc/issues/9999")).status, 404);
  });

  it("silently drops labels and assignees from a user without write access", async () => {
    const r = await reviewer("POST", "/repos/demo/calc/issues", { title: "from reader", labels: [await labelId("priority")], assignees: ["review-bot"] });
    assert.equal(r.status, 201);
    assert.deepEqual(r.body.labels, []);
    assert.equal(r.body.assignees, null);
    // The poster may edit their own issue but not someone else's.
    assert.equal((await reviewer("PATCH", `/repos/demo/calc/issues/${r.body.number}`, { body: "edited" })).status, 201);
    assert.equal((await reviewer("PATCH", "/repos/demo/calc/issues/1", { body: "hijack" })).status, 403);
  });

  it("filters by labels meaning ALL of them, drops unknown names, and by type and state", async () => {
    const [backlog, priority] = [await labelId("backlog"), await labelId("priority")];
    const both = await dev("POST", "/repos/demo/calc/issues", { title: "both labels", labels: [backlog, priority] });
    const r = await dev("GET", "/repos/demo/calc/issues?labels=backlog,priority");
    assert.deepEqual(r.body.map((i: { number: number }) => i.number), [both.body.number]);
    const unknownDropped = await dev("GET", "/repos/demo/calc/issues?labels=backlog,priority,no-such-label");
    assert.deepEqual(unknownDropped.body.map((i: { number: number }) => i.number), [both.body.number]);
    const allUnknown = await dev("GET", "/repos/demo/calc/issues?labels=no-such-label&limit=50");
    const unfiltered = await dev("GET", "/repos/demo/calc/issues?limit=50");
    assert.equal(allUnknown.body.length, unfiltered.body.length);
    const closed = await dev("GET", "/repos/demo/calc/issues?state=closed");
    assert.ok(closed.body.every((i: { state: string }) => i.state === "closed"));
    const pulls = await dev("GET", "/repos/demo/calc/issues?type=pulls");
    assert.deepEqual(pulls.body, []);
  });

  it("pages with X-Total-Count and Link, newest first by default", async () => {
    const p1 = await dev("GET", "/repos/demo/calc/issues?state=all&limit=2&page=1");
    const total = Number(p1.headers.get("x-total-count"));
    assert.ok(total > 4);
    assert.equal(p1.body.length, 2);
    assert.ok(p1.body[0].number > p1.body[1].number);
    const rels = links(p1.headers.get("link"));
    assert.equal(rels.next?.searchParams.get("page"), "2");
    assert.equal(rels.next?.searchParams.get("state"), "all");
    assert.equal(rels.last?.searchParams.get("page"), String(Math.ceil(total / 2)));
    assert.equal(rels.last?.searchParams.get("limit"), "2");
    const p2 = await dev("GET", "/repos/demo/calc/issues?state=all&limit=2&page=2");
    assert.match(p2.headers.get("link") ?? "", /rel="prev"/);
    const oldest = await dev("GET", "/repos/demo/calc/issues?state=all&sort=oldest&limit=1");
    assert.equal(oldest.body[0].number, 1);
  });
});

describe("sandbox forge: issue labels and timeline", () => {
  it("adds by name or id, ignores unknown names, rejects mixed arrays, replaces, removes and clears", async () => {
    const issue = (await dev("POST", "/repos/demo/calc/issues", { title: "labels" })).body.number as number;
    const path = `/repos/demo/calc/issues/${issue}/labels`;
    const added = await dev("POST", path, { labels: ["backlog", "no-such-label"] });
    assert.equal(added.status, 200);
    assert.deepEqual(added.body.map((l: { name: string }) => l.name), ["backlog"]);
    const byId = await dev("POST", path, { labels: [await labelId("priority")] });
    assert.deepEqual(byId.body.map((l: { name: string }) => l.name).sort(), ["backlog", "priority"]);
    assert.equal((await dev("POST", path, { labels: ["backlog", 3] })).status, 400);
    const replaced = await dev("PUT", path, { labels: ["blocked"] });
    assert.deepEqual(replaced.body.map((l: { name: string }) => l.name), ["blocked"]);
    assert.equal((await dev("DELETE", `${path}/blocked`)).status, 204);
    assert.equal((await dev("DELETE", `${path}/no-such-label`)).status, 422);
    await dev("PUT", path, { labels: ["backlog", "priority"] });
    assert.equal((await dev("DELETE", `${path}/${await labelId("backlog")}`)).status, 204);
    assert.deepEqual((await dev("GET", path)).body.map((l: { name: string }) => l.name), ["priority"]);
    assert.equal((await dev("DELETE", path)).status, 204);
    assert.deepEqual((await dev("GET", path)).body, []);
    assert.equal((await reviewer("POST", path, { labels: ["backlog"] })).status, 403);
    assert.equal((await reviewer("DELETE", path)).status, 403);
  });

  it("evicts the sibling of an exclusive scoped label", async () => {
    const issue = (await dev("POST", "/repos/demo/calc/issues", { title: "scoped" })).body.number as number;
    const path = `/repos/demo/calc/issues/${issue}/labels`;
    await dev("POST", path, { labels: ["phase/one", "backlog"] });
    const after = await dev("POST", path, { labels: ["phase/two"] });
    assert.deepEqual(after.body.map((l: { name: string }) => l.name).sort(), ["backlog", "phase/two"]);
  });

  it("records one label event per change with actor and time (body '1' added, '' removed), no Link header", async () => {
    const issue = (await dev("POST", "/repos/demo/calc/issues", { title: "timeline" })).body.number as number;
    const path = `/repos/demo/calc/issues/${issue}`;
    await dev("POST", `${path}/labels`, { labels: ["backlog"] });
    await api(forge, "gardener-bot")("DELETE", `${path}/labels/backlog`);
    await dev("POST", `${path}/comments`, { body: "hello" });
    const t = await dev("GET", `${path}/timeline`);
    assert.equal(t.status, 200);
    assert.equal(t.headers.get("link"), null);
    assert.equal(t.headers.get("x-total-count"), String(t.body.length));
    const labels = t.body.filter((e: { type: string }) => e.type === "label");
    assert.equal(labels.length, 2);
    assert.equal(labels[0].body, "1");
    assert.equal(labels[0].user.login, "dev-bot");
    assert.equal(labels[0].label.name, "backlog");
    assert.equal(labels[1].body, "");
    assert.equal(labels[1].user.login, "gardener-bot");
    assert.ok(!Number.isNaN(Date.parse(labels[1].created_at)));
    assert.ok(t.body.some((e: { type: string; body: string }) => e.type === "comment" && e.body === "hello"));
    const page = await dev("GET", `${path}/timeline?limit=1&page=2`);
    assert.equal(page.body.length, 1);
    assert.equal(page.headers.get("x-total-count"), "1");
  });
});

describe("sandbox forge: comments", () => {
  it("creates (201), lists, gets, edits and deletes comments with poster/writer checks", async () => {
    const issue = (await dev("POST", "/repos/demo/calc/issues", { title: "comments" })).body.number as number;
    const c = await reviewer("POST", `/repos/demo/calc/issues/${issue}/comments`, { body: "first <!-- reviewed: abc -->" });
    assert.equal(c.status, 201);
    assert.equal(c.body.user.login, "review-bot");
    assert.match(c.body.html_url, new RegExp(`/issues/${issue}#issuecomment-${c.body.id}$`));
    assert.equal((await dev("POST", `/repos/demo/calc/issues/${issue}/comments`, {})).status, 422);
    const list = await dev("GET", `/repos/demo/calc/issues/${issue}/comments`);
    assert.deepEqual(list.body.map((x: { body: string }) => x.body), ["first <!-- reviewed: abc -->"]);
    const got = await dev("GET", `/repos/demo/calc/issues/comments/${c.body.id}`);
    assert.equal(got.body.id, c.body.id);
    const edited = await reviewer("PATCH", `/repos/demo/calc/issues/comments/${c.body.id}`, { body: "edited" });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.body, "edited");
    const other = (await dev("POST", `/repos/demo/calc/issues/${issue}/comments`, { body: "dev's" })).body.id as number;
    assert.equal((await reviewer("PATCH", `/repos/demo/calc/issues/comments/${other}`, { body: "x" })).status, 403);
    const issueCount = await dev("GET", `/repos/demo/calc/issues/${issue}`);
    assert.equal(issueCount.body.comments, 2);
    const repoWide = await dev("GET", "/repos/demo/calc/issues/comments?limit=50");
    assert.ok(repoWide.body.some((x: { id: number }) => x.id === other));
    assert.equal((await dev("DELETE", `/repos/demo/calc/issues/comments/${other}`)).status, 204);
    assert.equal((await dev("GET", `/repos/demo/calc/issues/comments/${other}`)).status, 404);
  });
});
