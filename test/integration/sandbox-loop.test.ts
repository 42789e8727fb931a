// The factory's CI loop end to end on the sandbox: the demo repo's `.woodpecker/test.yml`
// runs the repo's `node --test` on pushes and pull requests; a failing PR gets a `failure`
// status `ci/woodpecker/pr/test` with its log over the API, a fixing push turns it `success`;
// a cron created through the API fires a pipeline whose disinto plugin step runs a local bundle
// that checks its PLUGIN_* / CI_* from inside; a workflow past its timeout is killed with its
// log kept; CI state survives a restart on the same data dir.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment --
   response bodies are untyped JSON here. */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.ts";
import { api } from "../helpers/sandbox-forge.ts";
import { ciApi, commitFiles, latestStatus, statusesOf, stepLog, type CiApi } from "./sandbox-ci-server-fixture.ts";

const CALC = "demo/calc";
const BUGGY = "// Arithmetic helpers.\n\nexport function add(a, b) {\n  return a + b;\n}\n\nexport function subtract(a, b) {\n  return a - b;\n}\n\nexport function multiply(a, b) {\n  return a + b;\n}\n";
const FIXED = BUGGY.replace("export function multiply(a, b) {\n  return a + b;", "export function multiply(a, b) {\n  return a * b;");
const TESTS =
  'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { add, subtract, multiply } from "../src/calc.js";\n\ntest("add", () => {\n  assert.equal(add(2, 3), 5);\n});\n\ntest("subtract", () => {\n  assert.equal(subtract(5, 3), 2);\n});\n\ntest("multiply", () => {\n  assert.equal(multiply(3, 4), 12);\n});\n';

const SECRET = "probe-secret-7f3a9c2e51d04b86";
const PROBE_YML = `when:
  - event: cron
    cron: probe
  - event: manual
steps:
  - name: probe
    image: codeberg.org/disinto/disinto:latest
    settings:
      agent: probe
      mode: [a, b]
      limits:
        name: x
        max: 3
      forge_token:
        from_secret: probe_token
`;

/** A stand-in agent bundle: checks the plugin contract from inside the step, exits 1 listing what is wrong. */
function probeBundle(ciUrl: string, forgeUrl: string, repoId: number): string {
  const want = {
    PLUGIN_AGENT: "probe",
    PLUGIN_MODE: "a,b",
    PLUGIN_LIMITS: '{"max":3,"name":"x"}',
    CI: "woodpecker",
    CI_PIPELINE_EVENT: "cron",
    CI_REPO: CALC,
    CI_COMMIT_BRANCH: "main",
    CI_COMMIT_REF: "refs/heads/main",
    CI_STEP_NAME: "probe",
    CI_STEP_TYPE: "plugin",
    CI_WORKFLOW_NAME: "disinto-probe",
    CI_SYSTEM_URL: ciUrl,
    CI_FORGE_URL: forgeUrl,
    CI_FORGE_TYPE: "forgejo",
    CI_REPO_CLONE_URL: `${forgeUrl}/${CALC}.git`,
    AGENT_JOB: "probe-job",
  };
  return `import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
const e = process.env;
const want = ${JSON.stringify(want)};
const problems = [];
for (const [k, v] of Object.entries(want)) if (e[k] !== v) problems.push(k + "=" + JSON.stringify(e[k]) + ", want " + JSON.stringify(v));
if (!/^\\d+$/.test(e.CI_PIPELINE_NUMBER ?? "")) problems.push("CI_PIPELINE_NUMBER=" + e.CI_PIPELINE_NUMBER);
if (e.CI_PIPELINE_URL !== ${JSON.stringify(`${ciUrl}/repos/${repoId}/pipeline/`)} + e.CI_PIPELINE_NUMBER) problems.push("CI_PIPELINE_URL=" + e.CI_PIPELINE_URL);
if ("CI_PIPELINE_CRON" in e) problems.push("CI_PIPELINE_CRON exists, Woodpecker has none");
if ("CI_COMMIT_MESSAGE" in e) problems.push("CI_COMMIT_MESSAGE is set on a cron pipeline (Woodpecker 3.14+ leaves it empty)");
if (createHash("sha256").update(e.PLUGIN_FORGE_TOKEN ?? "").digest("hex") !== ${JSON.stringify(createHash("sha256").update(SECRET).digest("hex"))}) problems.push("PLUGIN_FORGE_TOKEN is not the repo secret");
if (e.CI_WORKSPACE !== process.cwd() || !existsSync("package.json")) problems.push("not running in the checkout: " + process.cwd());
console.log("token as the step printed it: " + e.PLUGIN_FORGE_TOKEN);
if (problems.length > 0) {
  console.error(problems.join("\\n"));
  process.exit(1);
}
console.log("probe ok");
`;
}

let sb: Sandbox;
let bundles: string;
let admin: CiApi;
let calcId: number;

before(async () => {
  bundles = await mkdtemp(join(tmpdir(), "sandbox-loop-bundles-"));
  sb = await startSandbox({ seed: "demo", scheduler: false, bundlesDir: bundles, killGraceMs: 200 });
  admin = ciApi(sb.ci.url, sb.ci.token("admin"));
  const repo = await admin("GET", `/api/repos/lookup/${CALC}`);
  assert.equal(repo.status, 200, "the demo seed activates demo/calc");
  assert.equal(repo.body.active, true);
  calcId = repo.body.id;
});
after(async () => {
  await sb.stop();
  await rm(bundles, { recursive: true, force: true });
});

describe("sandbox loop: pull request CI", () => {
  let prNumber: number;
  let prPipeline: number;

  it("reports a failing PR as `failure` on its head under ci/woodpecker/pr/test, with the failing log over the API", async () => {
    const head = await commitFiles(sb.forge, "dev-bot", CALC, { branch: "feat/multiply", from: "main", message: "Add multiply", files: { "src/calc.js": BUGGY, "test/calc.test.js": TESTS } });
    const pr = await api(sb.forge, "dev-bot")("POST", `/repos/${CALC}/pulls`, { head: "feat/multiply", base: "main", title: "Add multiply(a, b)" });
    assert.equal(pr.status, 201, pr.text);
    prNumber = pr.body.number;
    await sb.ci.waitIdle();

    const st = await latestStatus(sb.forge, CALC, head, "ci/woodpecker/pr/test");
    assert.equal(st?.status, "failure");
    assert.equal(st.description, "Pipeline failed");
    assert.equal((await latestStatus(sb.forge, CALC, head, "ci/woodpecker/push/test"))?.status, "failure", "the branch push ran too");
    const combined = await api(sb.forge, "review-bot")("GET", `/repos/${CALC}/commits/${head}/status`);
    assert.equal(combined.body.state, "failure");

    const prs = (await admin("GET", `/api/repos/${calcId}/pipelines?event=pull_request`)).body;
    assert.equal(prs.length, 1);
    prPipeline = prs[0].number;
    assert.equal(st.target_url, `${sb.ci.url}/repos/${calcId}/pipeline/${prPipeline}`);
    const p = (await admin("GET", `/api/repos/${calcId}/pipelines/${prPipeline}`)).body;
    assert.equal(p.status, "failure");
    assert.equal(p.commit, head);
    assert.equal(p.ref, `refs/pull/${prNumber}/head`);
    assert.equal(p.refspec, "feat/multiply:main");
    assert.equal(p.branch, "main");
    assert.equal(p.title, "Add multiply(a, b)");
    assert.deepEqual([...p.changed_files].sort(), ["src/calc.js", "test/calc.test.js"]);
    const step = p.workflows[0].children.find((s: { name: string }) => s.name === "test");
    assert.equal(step.state, "failure");
    assert.equal(step.exit_code, 1);
    const log = await stepLog(admin, calcId, prPipeline, step.id);
    assert.match(log, /✖ multiply/);
    assert.match(log, /7 !== 12/);
    assert.match(log, /\+ node --test/);
  });

  it("turns the head `success` after a fixing push (push + synchronized)", async () => {
    const head = await commitFiles(sb.forge, "dev-bot", CALC, { branch: "feat/multiply", message: "Fix multiply", files: { "src/calc.js": FIXED } });
    await sb.ci.waitIdle();
    assert.equal((await latestStatus(sb.forge, CALC, head, "ci/woodpecker/pr/test"))?.status, "success");
    assert.equal((await api(sb.forge, "review-bot")("GET", `/repos/${CALC}/commits/${head}/status`)).body.state, "success");
    const prs = (await admin("GET", `/api/repos/${calcId}/pipelines?event=pull_request`)).body;
    assert.equal(prs[0].number > prPipeline, true);
    assert.equal(prs[0].status, "success");
    const contexts = (await statusesOf(sb.forge, CALC, head)).map((s) => `${s.context}=${s.status}`);
    // oldest last: pending at creation, pending while running, then the result
    assert.deepEqual(contexts.filter((c) => c.startsWith("ci/woodpecker/pr/")).reverse(), ["ci/woodpecker/pr/test=pending", "ci/woodpecker/pr/test=pending", "ci/woodpecker/pr/test=success"]);
  });

  it("skips commits whose message asks for it", async () => {
    const before = (await admin("GET", `/api/repos/${calcId}/pipelines`)).body.length;
    const sha = await commitFiles(sb.forge, "dev-bot", CALC, { branch: "feat/multiply", message: "Docs only [skip ci]", files: { "NOTES.md": "notes\n" } });
    await sb.ci.waitIdle();
    assert.equal((await admin("GET", `/api/repos/${calcId}/pipelines`)).body.length, before);
    assert.deepEqual(await statusesOf(sb.forge, CALC, sha), []);
  });
});

describe("sandbox loop: cron with a disinto plugin step", () => {
  it("fires a cron created over the API; its plugin step runs the local bundle with the expected PLUGIN_* and CI_*", async () => {
    await writeFile(join(bundles, "probe.mjs"), probeBundle(sb.ci.url, sb.forge.url, calcId));
    const secret = await admin("POST", `/api/repos/${calcId}/secrets`, { name: "probe_token", value: SECRET, events: ["cron"], images: ["codeberg.org/disinto/disinto"] });
    assert.equal(secret.status, 200, secret.text);
    await commitFiles(sb.forge, "admin", CALC, { branch: "main", message: "Add the probe pipeline", files: { ".woodpecker/disinto-probe.yml": PROBE_YML } });
    await sb.ci.waitIdle();
    const cron = await admin("POST", `/api/repos/${calcId}/cron`, { name: "probe", schedule: "*/5 * * * *", enabled: true, variables: { AGENT_JOB: "probe-job" } });
    assert.equal(cron.status, 200, cron.text);

    const fired = await sb.ci.fireCron(CALC, "probe");
    assert.ok(fired, "the cron pipeline was not filtered");
    assert.equal(fired.event, "cron");
    assert.deepEqual((fired.workflows as { name: string }[]).map((w) => w.name), ["disinto-probe"], "test.yml does not run on cron");
    await sb.ci.waitIdle();
    const p = (await admin("GET", `/api/repos/${calcId}/pipelines/${String(fired.number)}`)).body;
    const step = p.workflows[0].children.find((s: { name: string }) => s.name === "probe");
    const log = await stepLog(admin, calcId, p.number, step.id);
    assert.equal(step.type, "plugin");
    assert.equal(step.state, "success", log);
    assert.match(log, /probe ok/);
    assert.doesNotMatch(log, new RegExp(SECRET), "secret values are masked in logs");
    const main = (await api(sb.forge, "admin")("GET", `/repos/${CALC}/branches/main`)).body.commit.id as string;
    assert.equal((await latestStatus(sb.forge, CALC, main, "ci/woodpecker/cron/disinto-probe"))?.status, "success");
  });

  it("refuses the secret to events it is not enabled for: the workflow errors", async () => {
    const made = await admin("POST", `/api/repos/${calcId}/pipelines`, { branch: "main" });
    assert.equal(made.status, 200, made.text);
    await sb.ci.waitIdle();
    const p = (await admin("GET", `/api/repos/${calcId}/pipelines/${String(made.body.number)}`)).body;
    assert.equal(p.status, "error");
    assert.equal(p.workflows[0].state, "error");
    assert.match(p.errors.map((e: { message: string }) => e.message).join("\n"), /secret "probe_token" is not allowed to be used with pipeline event "manual"/);
    const main = (await api(sb.forge, "admin")("GET", `/repos/${CALC}/branches/main`)).body.commit.id as string;
    assert.equal((await latestStatus(sb.forge, CALC, main, "ci/woodpecker/manual/disinto-probe"))?.status, "error");
  });
});

describe("sandbox loop: workflow timeout and persistence", () => {
  it("kills a workflow past its timeout (killed, failure status, log kept); the CI state survives a restart", async () => {
    const data = await mkdtemp(join(tmpdir(), "sandbox-loop-data-"));
    try {
      let s = await startSandbox({ seed: "empty", dataDir: data, scheduler: false, workflowTimeoutMs: 1500, killGraceMs: 200 });
      let ci = ciApi(s.ci.url, s.ci.token("admin"));
      const token = s.ci.token("admin");
      const made = await api(s.forge, "admin")("POST", "/user/repos", { name: "hang", auto_init: true });
      const on = await ci("POST", `/api/repos?forge_remote_id=${String(made.body.id)}`);
      assert.equal(on.status, 200, on.text);
      const id = on.body.id as number;
      const sha = await commitFiles(s.forge, "admin", "admin/hang", {
        branch: "main",
        message: "hang",
        files: { ".woodpecker/hang.yml": "steps:\n  - name: hang\n    image: alpine\n    commands:\n      - echo before-hang\n      - sleep 30\n" },
      });
      await s.ci.waitIdle();
      const p = (await ci("GET", `/api/repos/${id}/pipelines/1`)).body;
      assert.equal(p.status, "killed");
      const step = p.workflows[0].children.find((c: { name: string }) => c.name === "hang");
      assert.equal(step.state, "killed");
      assert.match(step.error, /timeout/);
      assert.ok(p.finished - p.started < 10, "killed at the timeout, not after the sleep");
      const st = await latestStatus(s.forge, "admin/hang", sha, "ci/woodpecker/push/hang");
      assert.equal(st?.status, "failure");
      assert.match(await stepLog(ci, id, 1, step.id), /before-hang/);
      assert.equal((await ci("POST", `/api/repos/${id}/cron`, { name: "keep", schedule: "@hourly", enabled: true })).status, 200);
      assert.equal((await ci("POST", `/api/repos/${id}/secrets`, { name: "kept", value: "v", events: ["push"] })).status, 200);
      await s.stop();

      s = await startSandbox({ seed: "empty", dataDir: data, scheduler: false });
      try {
        assert.equal(s.ci.token("admin"), token, "CI tokens are stable across restarts");
        ci = ciApi(s.ci.url, token);
        const again = (await ci("GET", `/api/repos/${id}/pipelines/1`)).body;
        assert.equal(again.status, "killed");
        assert.match(await stepLog(ci, id, 1, step.id), /before-hang/);
        assert.deepEqual((await ci("GET", `/api/repos/${id}/cron`)).body.map((c: { name: string }) => c.name), ["keep"]);
        assert.equal((await ci("GET", `/api/repos/${id}/secrets/kept`)).status, 200);
        assert.equal((await ci("GET", "/api/repos/lookup/admin/hang")).body.active, true);
        assert.equal(s.ci.pipelines("admin/hang").length, 1);
      } finally {
        await s.stop();
      }
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });
});
