// Sandbox forge: git smart HTTP with credentials from a credential helper (never in argv or
// the URL), push permissions and branch protection, push / synchronized events, and state
// that survives a restart on the same data dir.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call --
   response bodies are untyped JSON here; test/contract/sandbox-forge.test.ts holds their shapes to the swagger. */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandboxForge, type SandboxForge, type ForgeEvent } from "../../src/sandbox/forge/index.ts";
import { api, b64, git, credentialHelper } from "../helpers/sandbox-forge.ts";

let forge: SandboxForge;
let helper: string;
let work: string;
const events: ForgeEvent[] = [];

before(async () => {
  forge = await startSandboxForge({ seed: "demo" });
  forge.onEvent((e) => events.push(e));
  helper = await credentialHelper();
  work = await mkdtemp(join(tmpdir(), "sandbox-git-"));
});
after(async () => {
  await forge.stop();
  await rm(work, { recursive: true, force: true });
});

const as = (login: string, kind: "token" | "password" = "token") => ({ helper, user: login, secret: kind === "token" ? forge.users[login]?.token ?? "" : forge.users[login]?.password ?? "" });

describe("sandbox forge: git over HTTP", () => {
  it("clones with a token from a credential helper; the URL carries no secret", async () => {
    const dir = join(work, "calc");
    const r = await git(["clone", "--quiet", `${forge.url}/demo/calc.git`, dir], as("dev-bot"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(await readFile(join(dir, "src", "calc.js"), "utf8"), /export function add/);
    const remote = await git(["remote", "get-url", "origin"], { cwd: dir });
    assert.equal(remote.stdout.trim(), `${forge.url}/demo/calc.git`);
  });

  it("accepts the account password too, and refuses anonymous and wrong credentials", async () => {
    assert.equal((await git(["ls-remote", `${forge.url}/demo/calc.git`], as("review-bot", "password"))).code, 0);
    const anon = await git(["ls-remote", `${forge.url}/demo/calc.git`]);
    assert.notEqual(anon.code, 0);
    const wrong = await git(["ls-remote", `${forge.url}/demo/calc.git`], { helper, user: "dev-bot", secret: "f".repeat(40) });
    assert.notEqual(wrong.code, 0);
    const missing = await git(["ls-remote", `${forge.url}/demo/nope.git`], as("dev-bot"));
    assert.notEqual(missing.code, 0);
  });

  it("pushes a branch with write access, emits push and PR synchronized events; read access cannot push", async () => {
    const dir = join(work, "calc");
    await git(["checkout", "--quiet", "-b", "feat/git-push"], { cwd: dir });
    await writeFile(join(dir, "NOTES.md"), "pushed over git\n");
    await git(["add", "NOTES.md"], { cwd: dir });
    await git(["commit", "--quiet", "-m", "notes"], { cwd: dir });
    const pushed = await git(["push", "--quiet", "origin", "feat/git-push"], { cwd: dir, ...as("dev-bot") });
    assert.equal(pushed.code, 0, pushed.stderr);
    const head = (await git(["rev-parse", "HEAD"], { cwd: dir })).stdout.trim();
    const dev = api(forge, "dev-bot");
    const branch = await dev("GET", "/repos/demo/calc/branches/feat/git-push");
    assert.equal(branch.body.commit.id, head);
    assert.ok(events.some((e) => e.type === "push" && e.ref === "refs/heads/feat/git-push" && e.after === head && e.pusher === "dev-bot"));

    const pr = await dev("POST", "/repos/demo/calc/pulls", { head: "feat/git-push", base: "main", title: "notes" });
    assert.equal(pr.status, 201);
    await writeFile(join(dir, "NOTES.md"), "pushed twice\n");
    await git(["commit", "--quiet", "-am", "more notes"], { cwd: dir });
    assert.equal((await git(["push", "--quiet", "origin", "feat/git-push"], { cwd: dir, ...as("dev-bot") })).code, 0);
    const head2 = (await git(["rev-parse", "HEAD"], { cwd: dir })).stdout.trim();
    assert.ok(events.some((e) => e.type === "pull_request" && e.action === "synchronized" && e.number === pr.body.number && e.head.sha === head2), JSON.stringify(events.slice(-3)));
    assert.equal((await dev("GET", `/repos/demo/calc/pulls/${pr.body.number}`)).body.head.sha, head2);

    const denied = await git(["push", "--quiet", "origin", "HEAD:refs/heads/from-reader"], { cwd: dir, ...as("review-bot") });
    assert.notEqual(denied.code, 0);
    assert.equal((await dev("GET", "/repos/demo/calc/branches/from-reader")).status, 404);
  });

  it("enforces branch protection on push: push whitelist, no force push, no deletion", async () => {
    const admin = api(forge, "admin");
    const dir = join(work, "calc");
    assert.equal((await admin("POST", "/repos/demo/calc/branch_protections", { rule_name: "main", enable_push: true, enable_push_whitelist: true, push_whitelist_usernames: ["admin"] })).status, 201);
    await git(["checkout", "--quiet", "main"], { cwd: dir });
    await writeFile(join(dir, "direct.txt"), "direct\n");
    await git(["add", "direct.txt"], { cwd: dir });
    await git(["commit", "--quiet", "-m", "direct to main"], { cwd: dir });
    const byDev = await git(["push", "origin", "main"], { cwd: dir, ...as("dev-bot") });
    assert.notEqual(byDev.code, 0);
    assert.match(byDev.stderr, /protected/);
    const byAdmin = await git(["push", "--quiet", "origin", "main"], { cwd: dir, ...as("admin") });
    assert.equal(byAdmin.code, 0, byAdmin.stderr);
    await git(["reset", "--quiet", "--hard", "HEAD~1"], { cwd: dir });
    const force = await git(["push", "--force", "origin", "main"], { cwd: dir, ...as("admin") });
    assert.notEqual(force.code, 0);
    assert.match(force.stderr, /force push/);
    const del = await git(["push", "origin", ":main"], { cwd: dir, ...as("admin") });
    assert.notEqual(del.code, 0);
    // Unprotected branches still take force pushes from writers.
    assert.equal((await git(["push", "--quiet", "--force", "origin", "HEAD:refs/heads/feat/git-push"], { cwd: dir, ...as("dev-bot") })).code, 0);
  });
});

describe("sandbox forge: persistence", () => {
  it("keeps users, tokens, issues, labels, ids and git data across a restart on the same data dir", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "sandbox-persist-"));
    try {
      const first = await startSandboxForge({ seed: "demo", dataDir });
      const dev1 = api(first, "dev-bot");
      const issue = await dev1("POST", "/repos/demo/calc/issues", { title: "survives", body: "restart" });
      await dev1("POST", `/repos/demo/calc/issues/${issue.body.number}/labels`, { labels: ["blocked"] });
      const file = await dev1("POST", "/repos/demo/calc-ops/contents/state/x.json", { content: b64('{"a":1}') });
      assert.equal(file.status, 201);
      const token = first.users["dev-bot"]?.token;
      await first.stop();

      const second = await startSandboxForge({ seed: "demo", dataDir });
      try {
        assert.equal(second.users["dev-bot"]?.token, token);
        assert.deepEqual(second.repos, ["demo/calc", "demo/calc-ops"]);
        const dev2 = api(second, "dev-bot");
        const again = await dev2("GET", `/repos/demo/calc/issues/${issue.body.number}`);
        assert.equal(again.body.title, "survives");
        assert.deepEqual(again.body.labels.map((l: { name: string }) => l.name), ["blocked"]);
        const content = await dev2("GET", "/repos/demo/calc-ops/contents/state/x.json");
        assert.equal(content.body.sha, file.body.content.sha);
        // The seed did not run twice and numbering continues.
        const backlog = await dev2("GET", "/repos/demo/calc/issues?labels=backlog");
        assert.equal(backlog.body.length, 3);
        const next = await dev2("POST", "/repos/demo/calc/issues", { title: "next" });
        assert.equal(next.body.number, issue.body.number + 1);
        assert.ok(next.body.id > issue.body.id);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("removes its temporary data dir on stop when none was given", async () => {
    const f = await startSandboxForge();
    assert.deepEqual(Object.keys(f.users).sort(), ["admin", "dev-bot", "gardener-bot", "planner-bot", "review-bot", "supervisor-bot"]);
    assert.deepEqual(f.repos, []);
    await f.stop();
    await f.stop(); // idempotent
  });
});
