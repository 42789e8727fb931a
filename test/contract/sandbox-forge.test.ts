// Contract: the sandbox forge against the real Forgejo v15.0.3 swagger. Every route it serves
// exists there with the same method, and the responses of a scripted tour through the agents'
// workflow carry documented status codes and validate against the swagger definitions.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   response bodies are untyped JSON here; test/contract/sandbox-forge.test.ts holds their shapes to the swagger. */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { loadSwagger, type Swagger } from "../helpers/swagger.ts";
import { contract } from "../helpers/contracts.ts";
import { buildRouter } from "../../src/sandbox/forge/server.ts";
import { startSandboxForge, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { api, b64, type ApiResponse } from "../helpers/sandbox-forge.ts";

const swagger = loadSwagger();
const { skip } = contract("forgejo-swagger.json");

describe("sandbox forge routes vs the Forgejo swagger", () => {
  it("serves only (method, path) pairs that Forgejo v15 documents", { skip }, () => {
    const sw = swagger as Swagger;
    const missing = buildRouter().list().filter((r) => !sw.has(r.method, r.template));
    assert.deepEqual(missing, []);
  });
});

describe("swagger helper", () => {
  it("matches concrete paths to templates and reports type errors through $refs, tolerating null", { skip }, () => {
    const sw = swagger as Swagger;
    assert.equal(sw.match("GET", "/repos/a/b/pulls/3.diff"), "/repos/{owner}/{repo}/pulls/{index}.{diffType}");
    assert.equal(sw.match("GET", "/repos/a/b/issues/comments"), "/repos/{owner}/{repo}/issues/comments");
    assert.equal(sw.match("GET", "/repos/a/b/contents/dir/file.txt"), "/repos/{owner}/{repo}/contents/{filepath}");
    assert.equal(sw.match("PATCH", "/repos/a/b/issues/3"), "/repos/{owner}/{repo}/issues/{index}");
    assert.deepEqual(sw.validate({ number: 1, user: null, labels: [], extra: true }, "Issue"), []);
    const errors = sw.validate({ number: "1", labels: [{ id: "x" }], user: { login: 5 } }, "Issue");
    assert.deepEqual(new Set(errors), new Set(['$.number: expected integer, got "1"', '$.labels[0].id: expected integer, got "x"', "$.user.login: expected string, got number"]));
    assert.deepEqual(sw.validate([{ id: 1 }, "no"], { type: "array", items: { $ref: "#/definitions/Label" } }), ["$[1]: expected object, got string"]);
    assert.deepEqual(sw.validate({}, "CreateIssueOption"), ["$.title: required"]);
  });
});

describe("sandbox forge responses vs swagger definitions", () => {
  let forge: SandboxForge;
  let checked = 0;
  // Nothing to start when the tour is skipped.
  before(async () => {
    if (!skip) forge = await startSandboxForge({ seed: "demo" });
  });
  after(async () => {
    if (!skip) await forge.stop();
  });

  /** Call, then hold the answer to the swagger: documented status, body valid for its schema. */
  async function call(login: string, method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const sw = swagger as Swagger;
    const r = await api(forge, login)(method, path, body);
    const apiPath = path.split("?")[0] ?? path;
    const template = sw.match(method, apiPath);
    assert.ok(template, `${method} ${apiPath}: no swagger operation`);
    const op = sw.doc.paths[template]?.[method.toLowerCase()];
    assert.ok(op?.responses?.[String(r.status)], `${method} ${template}: status ${r.status} is not documented (${r.text.slice(0, 200)})`);
    const schema = sw.responseSchema(method, template, r.status);
    if (schema && r.headers.get("content-type")?.startsWith("application/json")) {
      assert.deepEqual(sw.validate(r.body, schema), [], `${method} ${template} ${r.status}`);
      checked++;
    }
    return r;
  }

  it("a dev → review → merge tour validates end to end", { skip }, async () => {
    const R = "/repos/demo/calc";
    await call("dev-bot", "GET", "/version");
    await call("dev-bot", "GET", "/user");
    await call("dev-bot", "GET", "/users/review-bot");
    await call("dev-bot", "GET", R);
    await call("dev-bot", "POST", "/user/repos", { name: "tour", auto_init: true });
    await call("dev-bot", "POST", "/orgs", { username: "tour-org" });
    await call("dev-bot", "POST", "/orgs/tour-org/repos", { name: "r" });
    await call("dev-bot", "GET", "/orgs/tour-org");
    assert.deepEqual((await call("dev-bot", "GET", "/orgs/tour-org/labels")).body, []);
    assert.equal((await call("dev-bot", "GET", "/orgs/dev-bot/labels")).status, 404, "a user is not an organisation");
    await call("admin", "POST", "/admin/users", { username: "carol", email: "carol@example.invalid", password: "pw-123456" });
    await call("admin", "POST", "/admin/users/carol/repos", { name: "cr" });
    await call("dev-bot", "GET", "/user/repos");
    await call("dev-bot", "GET", `${R}/labels`);
    const label = await call("dev-bot", "POST", `${R}/labels`, { name: "tour", color: "#123456" });
    await call("dev-bot", "GET", `${R}/labels/${label.body.id}`);
    await call("dev-bot", "PATCH", `${R}/labels/${label.body.id}`, { description: "d" });
    await call("dev-bot", "GET", `${R}/issues?labels=backlog&state=open&type=issues`);
    await call("dev-bot", "GET", `${R}/issues/1`);
    await call("dev-bot", "PATCH", `${R}/issues/1`, { assignees: ["dev-bot"] });
    await call("dev-bot", "POST", `${R}/issues/1/labels`, { labels: ["in-progress"] });
    await call("dev-bot", "PUT", `${R}/issues/1/labels`, { labels: ["in-progress", "priority"] });
    await call("dev-bot", "DELETE", `${R}/issues/1/labels/priority`);
    await call("dev-bot", "GET", `${R}/issues/1/labels`);
    const comment = await call("dev-bot", "POST", `${R}/issues/1/comments`, { body: "claimed" });
    await call("dev-bot", "PATCH", `${R}/issues/comments/${comment.body.id}`, { body: "claimed (edited)" });
    await call("dev-bot", "GET", `${R}/issues/comments/${comment.body.id}`);
    await call("dev-bot", "GET", `${R}/issues/1/comments`);
    await call("dev-bot", "GET", `${R}/issues/comments`);
    await call("dev-bot", "GET", `${R}/issues/1/timeline`);
    await call("dev-bot", "POST", `${R}/issues`, { title: "new", body: "b", labels: [label.body.id] });

    await call("dev-bot", "GET", `${R}/branches`);
    await call("dev-bot", "POST", `${R}/branches`, { new_branch_name: "fix/1", old_ref_name: "main" });
    await call("dev-bot", "GET", `${R}/branches/fix/1`);
    await call("dev-bot", "GET", `${R}/contents`);
    const src = await call("dev-bot", "GET", `${R}/contents/src/calc.js?ref=fix/1`);
    await call("dev-bot", "PUT", `${R}/contents/src/calc.js`, { branch: "fix/1", sha: src.body.sha, content: b64("export const multiply = (a, b) => a * b;\n") });
    await call("dev-bot", "POST", `${R}/contents/docs/x.md`, { branch: "fix/1", content: b64("x") });
    const doc = await call("dev-bot", "GET", `${R}/contents/docs/x.md?ref=fix/1`);
    await call("dev-bot", "DELETE", `${R}/contents/docs/x.md`, { branch: "fix/1", sha: doc.body.sha });
    await call("dev-bot", "POST", `${R}/contents`, { branch: "fix/1", files: [{ operation: "create", path: "docs/y.md", content: b64("y") }] });

    const pr = await call("dev-bot", "POST", `${R}/pulls`, { head: "fix/1", base: "main", title: "Add multiply", body: "Fixes #1" });
    await call("dev-bot", "GET", `${R}/pulls?state=open`);
    await call("dev-bot", "GET", `${R}/pulls/${pr.body.number}`);
    await call("dev-bot", "GET", `${R}/pulls/main/fix/1`);
    await call("dev-bot", "PATCH", `${R}/pulls/${pr.body.number}`, { body: "Fixes #1\n\nmore" });
    await call("dev-bot", "GET", `${R}/pulls/${pr.body.number}/files`);
    await call("dev-bot", "GET", `${R}/pulls/${pr.body.number}.diff`);
    const head = pr.body.head.sha as string;
    await call("dev-bot", "GET", `${R}/commits/${head}/status`);
    await call("dev-bot", "POST", `${R}/statuses/${head}`, { state: "success", context: "ci/woodpecker/pr/test" });
    await call("dev-bot", "GET", `${R}/statuses/${head}`);
    await call("dev-bot", "GET", `${R}/commits/fix/1/statuses`);
    await call("dev-bot", "GET", `${R}/commits/fix/1/status`);
    await call("review-bot", "POST", `${R}/pulls/${pr.body.number}/reviews`, { event: "COMMENT", body: "<!-- reviewed: x -->", comments: [{ path: "src/calc.js", body: "nit", new_position: 1 }] });
    const approval = await call("planner-bot", "POST", `${R}/pulls/${pr.body.number}/reviews`, { event: "APPROVED", body: "ok", commit_id: head });
    await call("dev-bot", "GET", `${R}/pulls/${pr.body.number}/reviews`);
    await call("dev-bot", "GET", `${R}/pulls/${pr.body.number}/reviews/${approval.body.id}`);
    await call("dev-bot", "GET", `${R}/pulls/${pr.body.number}/reviews/${approval.body.id}/comments`);
    await call("dev-bot", "POST", `${R}/pulls/${pr.body.number}/reviews`, { event: "APPROVED", body: "self" }); // 422 documented
    await call("admin", "POST", `${R}/branch_protections`, { rule_name: "main", required_approvals: 1, enable_status_check: true, status_check_contexts: ["ci/woodpecker/pr/test"] });
    await call("admin", "GET", `${R}/branch_protections`);
    await call("admin", "GET", `${R}/branch_protections/main`);
    await call("admin", "PATCH", `${R}/branch_protections/main`, { block_on_rejected_reviews: true });
    await call("dev-bot", "POST", `${R}/pulls/${pr.body.number}/update`);
    await call("dev-bot", "POST", `${R}/pulls/${pr.body.number}/merge`, { Do: "merge", head_commit_id: head, delete_branch_after_merge: true });
    await call("dev-bot", "GET", `${R}/pulls/${pr.body.number}/merge`);
    await call("dev-bot", "GET", `${R}/pulls/${pr.body.number}`);
    await call("dev-bot", "GET", `${R}/issues/1`);
    await call("admin", "POST", `${R}/pulls/${pr.body.number}/reviews/${approval.body.id}/dismissals`, { message: "x" }); // 422: PR closed
    await call("admin", "PUT", `${R}/collaborators/carol`, { permission: "write" });
    await call("admin", "GET", `${R}/collaborators`);
    await call("admin", "GET", `${R}/collaborators/carol`);
    await call("admin", "GET", `${R}/collaborators/carol/permission`);
    await call("admin", "DELETE", `${R}/collaborators/carol`);
    assert.equal((await call("admin", "PUT", `${R}/actions/secrets/tour_token`, { data: "x" })).status, 201);
    assert.equal((await call("admin", "PUT", `${R}/actions/secrets/TOUR_TOKEN`, { data: "y" })).status, 204);
    assert.deepEqual(((await call("admin", "GET", `${R}/actions/secrets`)).body as { name: string }[]).map((s) => s.name), ["TOUR_TOKEN"]);
    assert.equal((await call("admin", "PUT", `${R}/actions/secrets/GITEA_TOKEN`, { data: "x" })).status, 400);
    assert.equal((await call("admin", "DELETE", `${R}/actions/secrets/tour_token`)).status, 204);
    assert.equal((await call("admin", "DELETE", `${R}/actions/secrets/TOUR_TOKEN`)).status, 404);
    await call("dev-bot", "DELETE", `${R}/issues/1/labels`);
    await call("dev-bot", "DELETE", `${R}/issues/comments/${comment.body.id}`);
    await call("dev-bot", "DELETE", `${R}/labels/${label.body.id}`);
    await call("admin", "DELETE", `${R}/branch_protections/main`);
    await call("dev-bot", "GET", `${R}/issues/9999`); // 404 documented
    assert.ok(checked > 50, `validated ${checked} JSON bodies`);
  });
});
