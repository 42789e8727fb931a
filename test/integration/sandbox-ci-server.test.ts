// The sandbox CI's Woodpecker REST API against a live sandbox forge: auth, repo activation
// and lookup, pipelines from pushes and from the API (variables, Pipeline-Filtered, restart,
// cancel, filters, pagination), step logs, crons and secrets with Woodpecker's status codes.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment --
   response bodies are untyped JSON here. */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.ts";
import { api } from "../helpers/sandbox-forge.ts";
import { ciApi, commitFiles, latestStatus, stepLog, waitFor, type CiApi } from "./sandbox-ci-server-fixture.ts";

const REPO = "dev-bot/widget";

const BUILD_YML = `when:
  - event: [push, cron]
  - event: manual
    branch: main
steps:
  - name: build
    image: alpine
    commands:
      - echo "building \${CI_PIPELINE_NUMBER} on \${CI_COMMIT_BRANCH}"
      - echo "note to stderr" >&2
      - test "$CI_PIPELINE_EVENT" != manual || test "$\${GREETING}" = hello
`;

const SLOW_YML = `when:
  - event: manual
    evaluate: 'SLOW == "1"'
steps:
  - name: wait
    image: alpine
    commands:
      - echo waiting
      - sleep 30
`;

let sb: Sandbox;
let dev: CiApi;
let reader: CiApi;
let repoId: number;
let firstSha: string;

before(async () => {
  sb = await startSandbox({ seed: "empty", scheduler: false, killGraceMs: 200 });
  dev = ciApi(sb.ci.url, sb.ci.token("dev-bot"));
  reader = ciApi(sb.ci.url, sb.ci.token("review-bot"));
  const created = await api(sb.forge, "dev-bot")("POST", "/user/repos", { name: "widget", auto_init: true });
  assert.equal(created.status, 201, created.text);
});
after(async () => {
  await sb.stop();
});

describe("sandbox CI API: users and repositories", () => {
  it("answers 401 without a valid token and identifies the user with one (header or access_token)", async () => {
    const anon = await ciApi(sb.ci.url, undefined)("GET", "/api/user");
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get("content-type") ?? "", /text\/plain/);
    assert.equal((await ciApi(sb.ci.url, "not-a-token")("GET", "/api/user")).status, 401);
    const me = await dev("GET", "/api/user");
    assert.equal(me.status, 200);
    assert.equal(me.body.login, "dev-bot");
    assert.equal(me.body.admin, false);
    assert.equal(typeof me.body.id, "number");
    const viaQuery = await ciApi(sb.ci.url, undefined)("GET", `/api/user?access_token=${sb.ci.token("admin")}`);
    assert.equal(viaQuery.body.login, "admin");
    assert.equal(viaQuery.body.admin, true);
    assert.notEqual(sb.ci.token("dev-bot"), sb.forge.users["dev-bot"]?.token, "CI tokens are not forge tokens");
  });

  it("activates a repository for a forge admin of it: 403 for others, 409 when active, then lookup by full name", async () => {
    const forgeRepo = await api(sb.forge, "dev-bot")("GET", `/repos/${REPO}`);
    const remoteId = forgeRepo.body.id as number;
    assert.equal((await reader("POST", `/api/repos?forge_remote_id=${remoteId}`)).status, 403);
    assert.equal((await dev("POST", "/api/repos")).status, 400);
    assert.equal((await dev("POST", "/api/repos?forge_remote_id=99999")).status, 404);
    const on = await dev("POST", `/api/repos?forge_remote_id=${remoteId}`);
    assert.equal(on.status, 200, on.text);
    repoId = on.body.id;
    assert.equal(on.body.forge_remote_id, String(remoteId));
    assert.equal(on.body.full_name, REPO);
    assert.equal(on.body.owner, "dev-bot");
    assert.equal(on.body.name, "widget");
    assert.equal(on.body.active, true);
    assert.equal(on.body.default_branch, "main");
    assert.equal(on.body.clone_url, `${sb.forge.url}/${REPO}.git`);
    assert.deepEqual(on.body.trusted, { network: false, volumes: false, security: false });
    assert.equal(on.body.timeout, 60);
    assert.equal((await dev("POST", `/api/repos?forge_remote_id=${remoteId}`)).status, 409);

    const looked = await reader("GET", `/api/repos/lookup/${REPO}`);
    assert.equal(looked.status, 200);
    assert.equal(looked.body.id, repoId);
    assert.equal((await dev("GET", "/api/repos/lookup/dev-bot/nope")).status, 404);
    assert.equal((await dev("GET", `/api/repos/${repoId}`)).body.full_name, REPO);
    assert.deepEqual((await dev("GET", "/api/user/repos")).body.map((r: { full_name: string }) => r.full_name), [REPO]);
  });

  it("edits repo settings with Woodpecker's checks", async () => {
    assert.equal((await dev("PATCH", `/api/repos/${repoId}`, { timeout: 0 })).status, 400);
    assert.equal((await dev("PATCH", `/api/repos/${repoId}`, { trusted: { network: true } })).status, 403, "only site admins set trust");
    assert.equal((await reader("PATCH", `/api/repos/${repoId}`, { timeout: 30 })).status, 403);
    const patched = await dev("PATCH", `/api/repos/${repoId}`, { timeout: 30 });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.timeout, 30);
  });
});

describe("sandbox CI API: pipelines", () => {
  it("runs a push pipeline and serves it with workflows, steps, logs and a forge status", async () => {
    firstSha = await commitFiles(sb.forge, "dev-bot", REPO, { branch: "main", message: "add CI", files: { ".woodpecker/build.yml": BUILD_YML, ".woodpecker/slow.yml": SLOW_YML } });
    await sb.ci.waitIdle();
    const list = await dev("GET", `/api/repos/${repoId}/pipelines`);
    assert.equal(list.status, 200);
    assert.equal(list.body.length, 1);
    const summary = list.body[0];
    assert.equal(summary.workflows, undefined, "lists carry no workflows");
    assert.equal(summary.number, 1);
    assert.equal(summary.event, "push");
    assert.equal(summary.status, "success");
    assert.equal(summary.commit, firstSha);
    assert.equal(summary.branch, "main");
    assert.equal(summary.ref, "refs/heads/main");
    assert.equal(summary.message.trim(), "add CI");
    assert.equal(summary.author, "dev-bot");
    assert.deepEqual([...summary.changed_files].sort(), [".woodpecker/build.yml", ".woodpecker/slow.yml"]);
    for (const k of ["id", "created", "updated", "started", "finished", "timestamp"]) assert.equal(typeof summary[k], "number", k);
    assert.ok(summary.finished >= summary.started && summary.started >= summary.created);

    const p = (await dev("GET", `/api/repos/${repoId}/pipelines/1`)).body;
    assert.equal(p.workflows.length, 1, "slow.yml is filtered out by `when`");
    const wf = p.workflows[0];
    assert.equal(wf.name, "build");
    assert.equal(wf.state, "success");
    assert.equal(wf.pipeline_id, p.id);
    assert.deepEqual(wf.children.map((s: { name: string; type: string; ppid: number }) => [s.name, s.type, s.ppid]), [["clone", "clone", wf.pid], ["build", "commands", wf.pid]]);
    const step = wf.children[1];
    assert.equal(step.state, "success");
    assert.equal(step.exit_code, 0);
    assert.match(step.uuid, /^[0-9a-f-]{36}$/);
    assert.ok(step.pid > wf.pid && step.id !== wf.id);

    const logs = await dev("GET", `/api/repos/${repoId}/logs/1/${step.id}`);
    assert.equal(logs.status, 200);
    const lines = logs.body as { id: number; step_id: number; time: number; line: number; data: string; type: number }[];
    assert.ok(lines.every((l, i) => l.step_id === step.id && l.line === i && typeof l.time === "number" && typeof l.id === "number"));
    const text = lines.map((l) => Buffer.from(l.data, "base64").toString("utf8"));
    assert.ok(text.includes("building 1 on main"), text.join("\n"));
    assert.equal(lines[text.indexOf("note to stderr")]?.type, 1, "stderr lines are type 1");
    assert.equal((await dev("GET", `/api/repos/${repoId}/logs/1/999999`)).status, 404);

    const st = await latestStatus(sb.forge, REPO, firstSha, "ci/woodpecker/push/build");
    assert.deepEqual(st, { context: "ci/woodpecker/push/build", status: "success", description: "Pipeline was successful", target_url: `${sb.ci.url}/repos/${repoId}/pipeline/1` });
    const page = await fetch(st.target_url);
    const html = await page.text();
    assert.match(html, /<span class="state success">success<\/span> build /, "the status target is the pipeline's page");
    assert.ok(html.includes("building 1 on main"), "the page shows the step log");
  });

  it("creates manual pipelines with variables, and answers 204 Pipeline-Filtered when no workflow matches", async () => {
    const made = await dev("POST", `/api/repos/${repoId}/pipelines`, { branch: "main", variables: { GREETING: "hello" } });
    assert.equal(made.status, 200, made.text);
    assert.equal(made.body.event, "manual");
    assert.equal(made.body.number, 2);
    assert.equal(made.body.message, "MANUAL PIPELINE @ main");
    assert.equal(made.body.ref, "main");
    assert.deepEqual(made.body.variables, { GREETING: "hello" });
    await sb.ci.waitIdle();
    assert.equal((await dev("GET", `/api/repos/${repoId}/pipelines/2`)).body.status, "success", "the step saw GREETING=hello");

    await api(sb.forge, "dev-bot")("POST", `/repos/${REPO}/branches`, { new_branch_name: "other", old_branch_name: "main" });
    await sb.ci.waitIdle();
    const filtered = await dev("POST", `/api/repos/${repoId}/pipelines`, { branch: "other" });
    assert.equal(filtered.status, 204);
    assert.equal(filtered.headers.get("pipeline-filtered"), "true");
    assert.equal(filtered.text, "");
    assert.equal((await dev("POST", `/api/repos/${repoId}/pipelines`, { branch: "no-such-branch" })).status, 404);
    assert.equal((await dev("POST", `/api/repos/${repoId}/pipelines`, "{not json")).status, 400);
    assert.equal((await reader("POST", `/api/repos/${repoId}/pipelines`, { branch: "main" })).status, 403, "creating needs push");
    assert.equal((await reader("GET", `/api/repos/${repoId}/pipelines/2`)).status, 200, "reading needs pull");
  });

  it("cancels a running pipeline (killed, log kept) and restarts one with extra variables", async () => {
    const made = await dev("POST", `/api/repos/${repoId}/pipelines`, { branch: "main", variables: { SLOW: "1", GREETING: "hello" } });
    assert.equal(made.status, 200, made.text);
    const n = made.body.number as number;
    const waitStep = await waitFor("the wait step to run", async () => {
      const p = (await dev("GET", `/api/repos/${repoId}/pipelines/${n}`)).body;
      const s = p.workflows?.find((w: { name: string }) => w.name === "slow")?.children.find((c: { name: string; state: string }) => c.name === "wait" && c.state === "running");
      return s as { id: number } | undefined;
    });
    await waitFor("the wait step's first line", async () => ((await stepLog(dev, repoId, n, waitStep.id)).includes("waiting") ? true : undefined));
    assert.equal((await reader("POST", `/api/repos/${repoId}/pipelines/${n}/cancel`)).status, 403);
    const canceled = await dev("POST", `/api/repos/${repoId}/pipelines/${n}/cancel`);
    assert.equal(canceled.status, 204);
    await sb.ci.waitIdle();
    const p = (await dev("GET", `/api/repos/${repoId}/pipelines/${n}`)).body;
    assert.equal(p.status, "killed");
    const slow = p.workflows.find((w: { name: string }) => w.name === "slow");
    assert.equal(slow.children.find((c: { name: string }) => c.name === "wait").state, "killed");
    assert.match(await stepLog(dev, repoId, n, waitStep.id), /waiting/);
    assert.equal((await dev("POST", `/api/repos/${repoId}/pipelines/${n}/cancel`)).status, 400, "already finished");
    assert.equal((await latestStatus(sb.forge, REPO, firstSha, "ci/woodpecker/manual/slow"))?.status, "failure");

    const restarted = await dev("POST", `/api/repos/${repoId}/pipelines/2?EXTRA=yes`);
    assert.equal(restarted.status, 200, restarted.text);
    assert.equal(restarted.body.parent, 2);
    assert.ok(restarted.body.number > n);
    assert.deepEqual(restarted.body.variables, { GREETING: "hello", EXTRA: "yes" });
    await sb.ci.waitIdle();
    assert.equal((await dev("GET", `/api/repos/${repoId}/pipelines/${restarted.body.number}`)).body.status, "success");
  });

  it("filters and pages the pipeline list, newest first, and serves the latest and the config", async () => {
    const all = (await dev("GET", `/api/repos/${repoId}/pipelines`)).body as { number: number; event: string; branch: string; status: string }[];
    assert.deepEqual(all.map((p) => p.number), [...all.map((p) => p.number)].sort((a, b) => b - a));
    const manual = (await dev("GET", `/api/repos/${repoId}/pipelines?event=manual`)).body as { event: string }[];
    assert.ok(manual.length >= 3 && manual.every((p) => p.event === "manual"));
    const both = (await dev("GET", `/api/repos/${repoId}/pipelines?event=manual,push`)).body as unknown[];
    assert.equal(both.length, all.length);
    const other = (await dev("GET", `/api/repos/${repoId}/pipelines?branch=other`)).body as { branch: string }[];
    assert.ok(other.length === 1 && other[0]?.branch === "other");
    assert.deepEqual(((await dev("GET", `/api/repos/${repoId}/pipelines?status=killed`)).body as { status: string }[]).map((p) => p.status), ["killed"]);
    assert.equal(((await dev("GET", `/api/repos/${repoId}/pipelines?ref=heads/oth`)).body as unknown[]).length, 1);
    const second = (await dev("GET", `/api/repos/${repoId}/pipelines?page=2&perPage=2`)).body as { number: number }[];
    assert.deepEqual(second.map((p) => p.number), all.slice(2, 4).map((p) => p.number));
    assert.equal(((await dev("GET", `/api/repos/${repoId}/pipelines?perPage=500`)).body as unknown[]).length, all.length);
    const latest = (await dev("GET", `/api/repos/${repoId}/pipelines/latest?branch=other`)).body;
    assert.equal(latest.branch, "other");
    assert.ok(Array.isArray(latest.workflows));
    const config = (await dev("GET", `/api/repos/${repoId}/pipelines/1/config`)).body as { name: string; data: string; hash: string }[];
    assert.deepEqual(config.map((c) => c.name), [".woodpecker/build.yml", ".woodpecker/slow.yml"]);
    assert.equal(Buffer.from(config[0]?.data ?? "", "base64").toString("utf8"), BUILD_YML);
    assert.equal((await dev("GET", `/api/repos/${repoId}/pipelines/999`)).status, 404);
  });

  it("records a config that does not parse as an `error` pipeline with linter errors, and posts no status", async () => {
    const sha = await commitFiles(sb.forge, "dev-bot", REPO, { branch: "broken", from: "main", message: "break CI", files: { ".woodpecker/build.yml": "steps:\n  - name: x\n    commands: [true]\n" } });
    await sb.ci.waitIdle();
    const [p] = (await dev("GET", `/api/repos/${repoId}/pipelines?branch=broken`)).body as { status: string; errors: { type: string; message: string; is_warning: boolean }[]; commit: string }[];
    assert.equal(p?.status, "error");
    assert.equal(p.commit, sha);
    assert.ok(p.errors.some((e) => e.type === "linter" && !e.is_warning && /\.woodpecker\/build\.yml.*missing image/.test(e.message)), JSON.stringify(p.errors));
    assert.equal(await latestStatus(sb.forge, REPO, sha, "ci/woodpecker/push/build"), undefined);
  });
});

describe("sandbox CI API: crons and secrets", () => {
  it("creates, validates, edits, runs and deletes crons", async () => {
    const base = `/api/repos/${repoId}/cron`;
    assert.equal((await dev("POST", base, { schedule: "@daily" })).status, 422, "name is required");
    assert.equal((await dev("POST", base, { name: "x" })).status, 422, "schedule is required");
    assert.equal((await dev("POST", base, { name: "x", schedule: "not a schedule" })).status, 422);
    assert.equal((await dev("POST", base, { name: "x", schedule: "@daily", timezone: "Mars/Base" })).status, 422);
    assert.equal((await dev("POST", base, { name: "x", schedule: "@daily", branch: "nope" })).status, 400);
    assert.equal((await dev("POST", base, "{")).status, 400);
    assert.equal((await reader("GET", base)).status, 403, "crons need push");

    const made = await dev("POST", base, { name: "nightly", schedule: "0 3 * * *", variables: { JOB: "n" } });
    assert.equal(made.status, 200, made.text);
    const cron = made.body;
    assert.equal(cron.enabled, false, "Woodpecker creates disabled crons unless enabled is sent");
    assert.equal(cron.timezone, "UTC");
    assert.equal(cron.repo_id, repoId);
    assert.deepEqual(cron.variables, { JOB: "n" });
    const next = new Date(cron.next_exec * 1000);
    assert.equal(next.getUTCHours(), 3);
    assert.equal(next.getUTCMinutes(), 0);
    assert.ok(cron.next_exec > Date.now() / 1000);
    assert.equal((await dev("POST", base, { name: "nightly", schedule: "@daily" })).status, 409);

    const patched = await dev("PATCH", `${base}/${cron.id}`, { enabled: true, schedule: "@every 5m", timezone: "Europe/Berlin" });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.enabled, true);
    assert.equal(patched.body.schedule, "@every 5m");
    assert.ok(Math.abs(patched.body.next_exec - (Date.now() / 1000 + 300)) < 5);
    assert.deepEqual((await dev("GET", base)).body.map((c: { name: string }) => c.name), ["nightly"]);
    assert.equal((await dev("GET", `${base}/${cron.id}`)).body.name, "nightly");

    const ran = await dev("POST", `${base}/${cron.id}`);
    assert.equal(ran.status, 200, ran.text);
    assert.equal(ran.body.event, "cron");
    assert.equal(ran.body.cron, "nightly");
    assert.equal(ran.body.sender, "nightly");
    assert.deepEqual(ran.body.variables, { JOB: "n" });
    await sb.ci.waitIdle();
    assert.equal((await latestStatus(sb.forge, REPO, firstSha, "ci/woodpecker/cron/build"))?.status, "success");

    assert.equal((await dev("DELETE", `${base}/${cron.id}`)).status, 204);
    assert.equal((await dev("GET", `${base}/${cron.id}`)).status, 404);
  });

  it("stores secrets without ever returning their values, with Woodpecker's validation", async () => {
    const base = `/api/repos/${repoId}/secrets`;
    assert.equal((await dev("POST", base, { name: "a", value: "v" })).status, 422, "events are required");
    assert.equal((await dev("POST", base, { name: "a", value: "v", events: ["issue"] })).status, 422);
    assert.equal((await dev("POST", base, { name: "a", value: "", events: ["push"] })).status, 422);
    assert.equal((await dev("POST", base, { name: "a", value: "v", events: ["push"], images: ["bad image!"] })).status, 422);
    const made = await dev("POST", base, { name: "Deploy_Key", value: "s3cr3t-value", events: ["push", "cron"], images: ["codeberg.org/disinto/disinto"] });
    assert.equal(made.status, 200, made.text);
    assert.equal(made.body.name, "deploy_key");
    assert.equal("value" in made.body, false);
    assert.deepEqual(made.body.events, ["cron", "push"]);
    assert.deepEqual(made.body.images, ["codeberg.org/disinto/disinto"]);
    assert.notEqual((await dev("POST", base, { name: "deploy_key", value: "x", events: ["push"] })).status, 200);
    const list = await dev("GET", base);
    assert.equal(list.status, 200);
    assert.doesNotMatch(list.text, /s3cr3t-value/);
    assert.deepEqual(list.body.map((s: { name: string }) => s.name), ["deploy_key"]);
    const patched = await dev("PATCH", `${base}/Deploy_Key`, { events: ["manual"], value: "rotated" });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body.events, ["manual"]);
    assert.doesNotMatch(patched.text, /rotated/);
    assert.equal((await dev("PATCH", `${base}/deploy_key`, { events: [] })).status, 422);
    assert.equal((await reader("GET", base)).status, 403);
    assert.equal((await dev("DELETE", `${base}/deploy_key`)).status, 204);
    assert.equal((await dev("GET", `${base}/deploy_key`)).status, 404);
  });

  it("serves /version and /healthz, and 404 for unknown API paths", async () => {
    const v = await ciApi(sb.ci.url, undefined)("GET", "/version");
    assert.equal(v.status, 200);
    assert.match(v.body.version, /^3\./);
    assert.equal((await ciApi(sb.ci.url, undefined)("GET", "/healthz")).status, 204);
    assert.equal((await dev("GET", "/api/nope")).status, 404);
  });
});
