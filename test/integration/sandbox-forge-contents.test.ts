// Sandbox forge over HTTP: the contents API as a compare-and-swap store (each write a real
// commit; 422 / 409 / 400 / 404 / 500 exactly where Forgejo v15 answers them), branches and
// branch protection on writes.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call --
   response bodies are untyped JSON here; test/contract/sandbox-forge.test.ts holds their shapes to the swagger. */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startSandboxForge, type SandboxForge, type ForgeEvent } from "../../src/sandbox/forge/index.ts";
import { api, b64, unb64, type Api } from "../helpers/sandbox-forge.ts";

let forge: SandboxForge;
let admin: Api;
let dev: Api;
let reviewer: Api;
const events: ForgeEvent[] = [];
const R = "/repos/demo/calc-ops";

before(async () => {
  forge = await startSandboxForge({ seed: "demo" });
  forge.onEvent((e) => events.push(e));
  admin = api(forge, "admin");
  dev = api(forge, "dev-bot");
  reviewer = api(forge, "review-bot");
});
after(async () => forge.stop());

const blobSha = (s: string): string => createHash("sha1").update(`blob ${Buffer.byteLength(s)}\0`).update(s).digest("hex");

describe("sandbox forge: contents API", () => {
  it("reads a file with its git blob sha and base64 content; lists directories; 404 when missing", async () => {
    const r = await dev("GET", `${R}/contents/README.md`);
    assert.equal(r.status, 200);
    assert.equal(r.body.type, "file");
    assert.equal(r.body.encoding, "base64");
    const text = unb64(r.body.content);
    assert.equal(r.body.sha, blobSha(text));
    assert.equal(r.body.size, Buffer.byteLength(text));
    assert.match(r.body.last_commit_sha, /^[0-9a-f]{40}$/);
    const root = await dev("GET", `${R}/contents`);
    assert.ok(Array.isArray(root.body));
    assert.ok(root.body.some((e: { name: string; type: string }) => e.name === "README.md" && e.type === "file"));
    assert.equal((await dev("GET", `${R}/contents/nope.json`)).status, 404);
    assert.equal((await dev("GET", `${R}/contents/README.md?ref=no-such-ref`)).status, 404);
    const raw = await fetch(`${forge.url}/api/v1${R}/raw/README.md`, { headers: { Authorization: `token ${forge.users["dev-bot"]?.token}` } });
    assert.equal(await raw.text(), text);
  });

  it("creates (201) as a commit on the branch; a second create of the same path is 422", async () => {
    const before = (await dev("GET", `${R}/branches/main`)).body.commit.id as string;
    const doc = JSON.stringify({ holder: "dev-bot", fence: 1 });
    const r = await dev("POST", `${R}/contents/locks/dev.json`, { content: b64(doc), message: "lock: acquire" });
    assert.equal(r.status, 201);
    assert.equal(r.body.content.path, "locks/dev.json");
    assert.equal(r.body.content.sha, blobSha(doc));
    assert.equal(r.body.commit.message, "lock: acquire\n");
    assert.deepEqual(r.body.commit.parents.map((p: { sha: string }) => p.sha), [before]);
    assert.equal((await dev("GET", `${R}/branches/main`)).body.commit.id, r.body.commit.sha);
    assert.ok(events.some((e) => e.type === "push" && e.repo === "demo/calc-ops" && e.after === r.body.commit.sha && e.pusher === "dev-bot"));
    const again = await dev("POST", `${R}/contents/locks/dev.json`, { content: b64("{}") });
    assert.equal(again.status, 422);
    assert.equal((await dev("POST", `${R}/contents/README.md/child`, { content: b64("x") })).status, 422);
    assert.equal((await dev("POST", `${R}/contents/bad.txt`, { content: "***not base64***" })).status, 422);
    assert.equal((await dev("POST", `${R}/contents/x.txt`, { content: b64("x"), branch: "no-such-branch" })).status, 404);
  });

  it("updates with the current sha (200), 409 on a stale sha, 422 without sha, 500 for a missing file", async () => {
    const cur = await dev("GET", `${R}/contents/locks/dev.json`);
    const next = JSON.stringify({ holder: "dev-bot", fence: 2 });
    const ok = await dev("PUT", `${R}/contents/locks/dev.json`, { content: b64(next), sha: cur.body.sha });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.content.sha, blobSha(next));
    assert.equal(ok.body.commit.message, "Update locks/dev.json\n");
    const stale = await dev("PUT", `${R}/contents/locks/dev.json`, { content: b64("{}"), sha: cur.body.sha });
    assert.equal(stale.status, 409);
    assert.match(stale.body.message, /sha does not match/);
    assert.equal((await dev("PUT", `${R}/contents/locks/dev.json`, { content: b64("{}") })).status, 422);
    assert.equal((await dev("PUT", `${R}/contents/locks/missing.json`, { content: b64("{}"), sha: cur.body.sha })).status, 500);
  });

  it("lets exactly one of several concurrent writers with the same sha win", async () => {
    const cur = await dev("GET", `${R}/contents/locks/dev.json`);
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => dev("PUT", `${R}/contents/locks/dev.json`, { content: b64(JSON.stringify({ n })), sha: cur.body.sha })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409, 409, 409]);
  });

  it("deletes with the current sha (200, content null); stale sha 400; missing file 404", async () => {
    const cur = await dev("GET", `${R}/contents/locks/dev.json`);
    assert.equal((await dev("DELETE", `${R}/contents/locks/dev.json`, { sha: blobSha("other") })).status, 400);
    assert.equal((await dev("DELETE", `${R}/contents/locks/nope.json`, { sha: cur.body.sha })).status, 404);
    const del = await dev("DELETE", `${R}/contents/locks/dev.json`, { sha: cur.body.sha });
    assert.equal(del.status, 200);
    assert.equal(del.body.content, null);
    assert.equal((await dev("GET", `${R}/contents/locks/dev.json`)).status, 404);
  });

  it("commits several files atomically with POST /contents", async () => {
    const r = await dev("POST", `${R}/contents`, { message: "state", files: [{ operation: "create", path: "state/a.json", content: b64("{}") }, { operation: "create", path: "state/b.json", content: b64("[]") }] });
    assert.equal(r.status, 201);
    assert.equal(r.body.files.length, 2);
    const a = r.body.files[0];
    const both = await dev("POST", `${R}/contents`, { files: [{ operation: "update", path: "state/a.json", content: b64("1") }] });
    assert.equal(both.status, 422); // sha required
    const upd = await dev("POST", `${R}/contents`, { files: [{ operation: "update", path: "state/a.json", content: b64("1"), sha: blobSha("nope") }] });
    assert.equal(upd.status, 409);
    const del = await dev("POST", `${R}/contents`, { files: [{ operation: "delete", path: "state/a.json", sha: a.sha }] });
    assert.equal(del.status, 201);
  });

  it("requires write access (403) and honours new_branch", async () => {
    assert.equal((await reviewer("POST", "/repos/demo/calc/contents/x.txt", { content: b64("x") })).status, 403);
    const r = await dev("POST", `${R}/contents/feature.txt`, { content: b64("f"), new_branch: "topic/one" });
    assert.equal(r.status, 201);
    assert.equal((await dev("GET", `${R}/contents/feature.txt?ref=topic/one`)).status, 200);
    assert.equal((await dev("GET", `${R}/contents/feature.txt`)).status, 404);
    assert.equal((await dev("POST", `${R}/contents/feature2.txt`, { content: b64("f"), new_branch: "topic/one" })).status, 422);
  });
});

describe("sandbox forge: branches and protection on writes", () => {
  it("creates (201), conflicts (409), 404s an unknown old ref, gets names with slashes, deletes (204)", async () => {
    const c = await dev("POST", `${R}/branches`, { new_branch_name: "work/a", old_ref_name: "main" });
    assert.equal(c.status, 201);
    assert.equal(c.body.name, "work/a");
    assert.equal(c.body.protected, false);
    assert.equal(c.body.user_can_push, true);
    assert.equal((await dev("POST", `${R}/branches`, { new_branch_name: "work/a" })).status, 409);
    assert.equal((await dev("POST", `${R}/branches`, { new_branch_name: "work/b", old_ref_name: "nope" })).status, 404);
    const g = await dev("GET", `${R}/branches/work/a`);
    assert.equal(g.body.commit.id, c.body.commit.id);
    const list = await dev("GET", `${R}/branches`);
    assert.ok(list.body.some((b: { name: string }) => b.name === "work/a"));
    assert.equal(list.headers.get("x-total-count"), String(list.body.length));
    assert.equal((await dev("DELETE", `${R}/branches/work/a`)).status, 204);
    assert.equal((await dev("GET", `${R}/branches/work/a`)).status, 404);
    assert.equal((await dev("DELETE", `${R}/branches/main`)).status, 403);
    assert.equal((await reviewer("POST", "/repos/demo/calc/branches", { new_branch_name: "x" })).status, 403);
  });

  it("refuses contents writes and deletion on a protected branch unless whitelisted", async () => {
    assert.equal((await admin("POST", `${R}/branches`, { new_branch_name: "release/1" })).status, 201);
    assert.equal((await admin("POST", `${R}/branch_protections`, { rule_name: "release/*", enable_push: false })).status, 201);
    assert.equal((await admin("POST", `${R}/branch_protections`, { rule_name: "release/*" })).status, 403);
    // Creating a branch is a push too: a protected name refuses it.
    assert.equal((await admin("POST", `${R}/branches`, { new_branch_name: "release/2" })).status, 403);
    const b = await dev("GET", `${R}/branches/release/1`);
    assert.equal(b.body.protected, true);
    assert.equal(b.body.user_can_push, false);
    assert.equal(b.body.effective_branch_protection_name, "release/*");
    assert.equal((await dev("POST", `${R}/contents/r.txt`, { content: b64("r"), branch: "release/1" })).status, 403);
    assert.equal((await dev("DELETE", `${R}/branches/release/1`)).status, 403);
    const p = await admin("PATCH", `${R}/branch_protections/${encodeURIComponent("release/*")}`, { enable_push: true, enable_push_whitelist: true, push_whitelist_usernames: ["dev-bot"] });
    assert.equal(p.status, 200);
    assert.equal((await dev("POST", `${R}/contents/r.txt`, { content: b64("r"), branch: "release/1" })).status, 201);
    assert.equal((await api(forge, "planner-bot")("POST", `${R}/contents/r2.txt`, { content: b64("r"), branch: "release/1" })).status, 403);
    const all = await admin("GET", `${R}/branch_protections`);
    assert.deepEqual(all.body.map((x: { rule_name: string }) => x.rule_name), ["release/*"]);
  });
});
