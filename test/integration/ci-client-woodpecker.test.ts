// The Woodpecker client against the sandbox CI (Woodpecker REST API on loopback, wired to the
// sandbox forge): every client operation, plus failingSteps and readCommitCi on pipelines that
// really ran. One project repo with two workflows; a script whose behaviour the pipeline
// variable MODE selects (pass, fail, infra, slow).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { failingSteps, pipelineRefFromUrl, readCommitCi } from "../../src/ci/commit.ts";
import { CiConflictError, CiValidationError, PipelineFilteredError } from "../../src/ci/errors.ts";
import type { CiRepo } from "../../src/ci/types.ts";
import { WoodpeckerCi } from "../../src/ci/woodpecker/ci.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import type { RepoForge, RepoRef } from "../../src/forge/types.ts";
import { HttpError } from "../../src/http/errors.ts";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.ts";

const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 20, maxTotalMs: 5_000 };

const RUN_SH = `#!/bin/sh
echo "running unit tests"
case "$MODE" in
  fail)
    i=1
    while [ $i -le 60 ]; do echo "noise $i"; i=$((i+1)); done
    echo "✖ login rejects an empty password"
    echo "AssertionError [ERR_ASSERTION]: 401 !== 200"
    exit 1 ;;
  infra)
    echo "fatal: unable to access 'https://forge.invalid/acme/lib.git/': Could not resolve host: forge.invalid"
    exit 1 ;;
  slow)
    sleep 30 ;;
esac
echo "ok"
`;
const WHEN = `when:
  - event: [push, manual, cron]
    branch: main
`;
const TEST_YML = `${WHEN}steps:
  - name: unit
    image: alpine:3.20
    commands:
      - sh ci/run.sh
`;
const LINT_YML = `${WHEN}steps:
  - name: check
    image: alpine:3.20
    commands:
      - echo lint ok
`;

let sb: Sandbox;
let forge: ForgejoForge;
let ci: WoodpeckerCi;
let ref: RepoRef;
let repoForge: RepoForge;
let repo: CiRepo;
let headSha: string;

before(async () => {
  sb = await startSandbox({ scheduler: false, killGraceMs: 200, workflowTimeoutMs: 60_000 });
  const token = sb.forge.users["dev-bot"]?.token;
  assert.ok(token);
  forge = new ForgejoForge({ url: sb.forge.url, token, retry: FAST_RETRY, writeRetry: FAST_RETRY, settleMs: 10 });
  ci = new WoodpeckerCi({ url: sb.ci.url, token: sb.ci.token("dev-bot"), retry: FAST_RETRY });
  ref = { owner: "dev-bot", name: `proj-${randomUUID().slice(0, 8)}` };
  await forge.createRepo({ name: ref.name, autoInit: true });
  repoForge = forge.repo(ref);
});

after(async () => {
  await ci.close();
  await forge.close();
  await sb.stop();
});

async function settled<T>(p: Promise<T>): Promise<T> {
  const v = await p;
  await sb.ci.waitIdle();
  return v;
}

describe("Woodpecker client against the sandbox CI", () => {
  it("repo lookup, activation (idempotent), read and settings", async () => {
    const fullName = `${ref.owner}/${ref.name}`;
    assert.equal(await ci.lookupRepo(fullName), undefined, "not known before activation");
    const forgeRepo = await forge.getRepo(ref);
    assert.ok(forgeRepo);
    repo = await ci.activateRepo({ forgeRemoteId: forgeRepo.id, fullName });
    assert.equal(repo.active, true);
    assert.equal(repo.fullName, fullName);
    assert.equal(repo.forgeRemoteId, String(forgeRepo.id));
    assert.equal(repo.defaultBranch, "main");
    assert.deepEqual(repo.trusted, { network: false, volumes: false, security: false });
    const again = await ci.activateRepo({ forgeRemoteId: forgeRepo.id, fullName });
    assert.equal(again.id, repo.id);
    assert.equal((await ci.lookupRepo(fullName))?.id, repo.id);
    assert.equal((await ci.getRepo(repo.id))?.fullName, fullName);
    assert.equal(await ci.getRepo(987_654), undefined);
    assert.equal((await ci.updateRepo(repo.id, { timeout: 30 })).timeout, 30);
    await assert.rejects(ci.updateRepo(repo.id, { timeout: 0 }), CiValidationError);
  });

  it("a push of the pipeline files runs a push pipeline; list and latest see it", async () => {
    const res = await settled(
      repoForge.contents.commitFiles({
        message: "add CI",
        files: [
          { operation: "create", path: "ci/run.sh", text: RUN_SH },
          { operation: "create", path: ".woodpecker/test.yml", text: TEST_YML },
          { operation: "create", path: ".woodpecker/lint.yml", text: LINT_YML },
        ],
      }),
    );
    headSha = res.commitSha ?? "";
    assert.match(headSha, /^[0-9a-f]{40}$/);
    const pushes = await ci.repo(repo.id).pipelines.list({ event: "push" });
    assert.equal(pushes.length, 1);
    assert.equal(pushes[0]?.commit, headSha);
    assert.equal(pushes[0]?.workflows.length, 0, "lists carry no workflows");
    const latest = await ci.repo(repo.id).pipelines.latest("main");
    assert.equal(latest?.number, pushes[0]?.number);
    assert.equal(latest?.status, "success");
    assert.deepEqual(latest?.workflows.map((w) => w.name).sort(), ["lint", "test"]);
    assert.equal(await ci.repo(repo.id).pipelines.latest("no-such-branch"), undefined);
  });

  it("manual pipeline with variables: workflows, steps and logs", async () => {
    const api = ci.repo(repo.id).pipelines;
    const created = await settled(api.create({ branch: "main", variables: { MODE: "pass" } }));
    assert.equal(created.event, "manual");
    assert.deepEqual(created.variables, { MODE: "pass" });
    const p = await api.get(created.number);
    assert.ok(p);
    assert.equal(p.status, "success");
    assert.equal(p.commit, headSha);
    const test = p.workflows.find((w) => w.name === "test");
    const unit = test?.steps.find((s) => s.name === "unit");
    assert.ok(unit, "the test workflow has its unit step");
    assert.equal(unit.state, "success");
    assert.equal(unit.exitCode, 0);
    assert.ok(unit.finished instanceof Date);
    const lines = await api.logLines(p.number, unit.id);
    assert.ok(lines.includes("running unit tests"), lines.join("\n"));
    assert.ok(lines.includes("ok"));
    const entries = await api.logs(p.number, unit.id);
    assert.ok(entries.every((e) => e.stepId === unit.id));
    assert.equal(await api.get(9_999), undefined);
    await assert.rejects(api.logs(p.number, 9_999_999), (err: unknown) => err instanceof HttpError && err.status === 404);
  });

  it("a manual pipeline no workflow matches is a PipelineFilteredError", async () => {
    await repoForge.branches.create("other", "main");
    await sb.ci.waitIdle();
    await assert.rejects(ci.repo(repo.id).pipelines.create({ branch: "other" }), PipelineFilteredError);
  });

  it("failingSteps: the failing step with exit code and log tail; green workflows left out", async () => {
    const api = ci.repo(repo.id).pipelines;
    const p = await settled(api.create({ branch: "main", variables: { MODE: "fail" } }));
    assert.equal((await api.get(p.number))?.status, "failure");
    const failing = await failingSteps(ci, repo.id, p.number);
    assert.equal(failing.length, 1, JSON.stringify(failing));
    const f = failing[0];
    assert.ok(f);
    assert.equal(f.workflow, "test");
    assert.equal(f.step, "unit");
    assert.equal(f.state, "failure");
    assert.equal(f.exitCode, 1);
    assert.equal(f.infra, false);
    assert.equal(f.logTail.length, 50);
    assert.equal(f.logTail.at(-1), "AssertionError [ERR_ASSERTION]: 401 !== 200");
    assert.ok(!f.logTail.includes("noise 1"), "only the tail");
    const short = await failingSteps(ci, repo.id, p.number, { tailLines: 2 });
    assert.deepEqual(short[0]?.logTail, ["✖ login rejects an empty password", "AssertionError [ERR_ASSERTION]: 401 !== 200"]);
    await assert.rejects(failingSteps(ci, repo.id, 9_999), /not found/);
  });

  it("failingSteps flags an infrastructure failure", async () => {
    const p = await settled(ci.repo(repo.id).pipelines.create({ branch: "main", variables: { MODE: "infra" } }));
    const [f] = await failingSteps(ci, repo.id, p.number);
    assert.equal(f?.infra, true);
    assert.match(f?.reason ?? "", /DNS resolution failed/);
  });

  it("readCommitCi reads the statuses the CI posted, and their links lead back to the pipeline", async () => {
    const required = ["ci/woodpecker/manual/test", "ci/woodpecker/manual/lint"];
    const r = await readCommitCi(repoForge, headSha, { requiredContexts: required });
    // The latest manual pipeline on this commit failed (infra) in `test`; `lint` passed.
    assert.equal(r.state, "failure");
    assert.deepEqual(r.missing, []);
    const test = r.contexts.find((c) => c.context === "ci/woodpecker/manual/test");
    assert.equal(test?.state, "failure");
    const link = pipelineRefFromUrl(test?.targetUrl ?? "");
    assert.equal(link?.repoId, repo.id);
    const latestManual = (await ci.repo(repo.id).pipelines.list({ event: "manual", max: 1 }))[0];
    assert.equal(link?.number, latestManual?.number);
    assert.equal(r.contexts.find((c) => c.context === "ci/woodpecker/manual/lint")?.state, "success");
  });

  it("restart: a new pipeline whose parent is the old one, with extra variables", async () => {
    const api = ci.repo(repo.id).pipelines;
    const failed = (await api.list({ event: "manual", status: "failure" }))[0];
    assert.ok(failed);
    const restarted = await settled(api.restart(failed.number, { variables: { MODE: "pass" } }));
    assert.equal(restarted.parent, failed.number);
    assert.ok(restarted.number > failed.number);
    const after = await api.get(restarted.number);
    assert.equal(after?.status, "success");
    assert.equal(after?.variables.MODE, "pass");
    // Now the commit is green again.
    assert.equal((await readCommitCi(repoForge, headSha, { requiredContexts: ["ci/woodpecker/manual/test"] })).state, "success");
  });

  it("cancel: a running pipeline is killed; cancelling a finished one reports false", async () => {
    const api = ci.repo(repo.id).pipelines;
    const p = await api.create({ branch: "main", variables: { MODE: "slow" } });
    // Wait until the slow step runs, bounded.
    for (let i = 0; i < 100; i++) {
      const cur = await api.get(p.number);
      if (cur?.workflows.some((w) => w.steps.some((s) => s.name === "unit" && s.state === "running"))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await api.cancel(p.number), true);
    await sb.ci.waitIdle();
    const done = await api.get(p.number);
    assert.ok(done && ["killed", "canceled"].includes(done.status), done?.status);
    assert.equal(await api.cancel(p.number), false);
  });

  it("list: filters, paging and max agree with the full listing", async () => {
    const api = ci.repo(repo.id).pipelines;
    const all = await api.list();
    assert.ok(all.length >= 6, `${all.length} pipelines`);
    assert.deepEqual(
      all.map((p) => p.number),
      [...all].map((p) => p.number).sort((a, b) => b - a),
      "newest first",
    );
    const paged = await api.list({ perPage: 2 });
    assert.deepEqual(
      paged.map((p) => p.number),
      all.map((p) => p.number),
    );
    assert.equal((await api.list({ max: 3, perPage: 2 })).length, 3);
    assert.deepEqual(
      (await api.list({ page: 2, perPage: 2 })).map((p) => p.number),
      all.slice(2, 4).map((p) => p.number),
    );
    const manual = await api.list({ event: "manual" });
    assert.ok(manual.length >= 4 && manual.every((p) => p.event === "manual"));
    const failures = await api.list({ status: "failure" });
    assert.ok(failures.length >= 2 && failures.every((p) => p.status === "failure"));
    assert.deepEqual(await api.list({ branch: "nope" }), []);
  });

  it("crons: create (enabled), duplicate, bad schedule, get, update, run now, delete", async () => {
    const crons = ci.repo(repo.id).crons;
    const cron = await crons.create({ name: "disinto-dev", schedule: "*/5 * * * *", branch: "main", variables: { MODE: "pass" } });
    assert.equal(cron.enabled, true, "created crons must be enabled");
    assert.equal(cron.schedule, "*/5 * * * *");
    assert.deepEqual(cron.variables, { MODE: "pass" });
    assert.ok(cron.nextExec instanceof Date);
    await assert.rejects(crons.create({ name: "disinto-dev", schedule: "@hourly" }), CiConflictError);
    await assert.rejects(crons.create({ name: "bad", schedule: "every five minutes" }), CiValidationError);
    await assert.rejects(crons.create({ name: "bad", schedule: "@hourly", timezone: "Mars/Olympus" }), CiValidationError);
    assert.deepEqual(
      (await crons.list()).map((c) => c.name),
      ["disinto-dev"],
    );
    assert.equal((await crons.get(cron.id))?.name, "disinto-dev");
    const updated = await crons.update(cron.id, { schedule: "*/10 * * * *", enabled: false });
    assert.equal(updated.schedule, "*/10 * * * *");
    assert.equal(updated.enabled, false);
    assert.equal((await crons.update(cron.id, { enabled: true })).enabled, true);
    const run = await settled(crons.run(cron.id));
    assert.equal(run.event, "cron");
    assert.equal((await ci.repo(repo.id).pipelines.get(run.number))?.status, "success");
    assert.equal(await crons.delete(cron.id), true);
    assert.equal(await crons.delete(cron.id), false);
    assert.equal(await crons.get(cron.id), undefined);
  });

  it("secrets: create, update, list without values, delete, validation", async () => {
    const secrets = ci.repo(repo.id).secrets;
    const first = await secrets.set({ name: "forge_token", value: "tok-1-abcdef", events: ["cron", "manual"], images: ["codeberg.org/disinto/agent"], note: "dev-bot" });
    assert.equal(first.created, true);
    assert.deepEqual(first.secret.events, ["cron", "manual"]);
    assert.deepEqual(first.secret.images, ["codeberg.org/disinto/agent"]);
    const second = await secrets.set({ name: "forge_token", value: "tok-2-abcdef", events: ["push", "cron", "manual"] });
    assert.equal(second.created, false);
    assert.deepEqual([...second.secret.events].sort(), ["cron", "manual", "push"]);
    const listed = await secrets.list();
    assert.deepEqual(
      listed.map((s) => s.name),
      ["forge_token"],
    );
    assert.ok(!JSON.stringify(listed).includes("tok-2"), "values never come back");
    assert.equal((await secrets.get("forge_token"))?.note, "dev-bot");
    await assert.rejects(secrets.set({ name: "bad", value: "v-abcdef", events: ["sometimes"] }), (err: unknown) => err instanceof CiValidationError && !err.message.includes("v-abcdef"));
    assert.equal(await secrets.delete("forge_token"), true);
    assert.equal(await secrets.delete("forge_token"), false);
    assert.equal(await secrets.get("forge_token"), undefined);
  });

  it("a bad token is a 401; request stats count every call by route", async () => {
    const stranger = new WoodpeckerCi({ url: sb.ci.url, token: "not-a-token-at-all", retry: FAST_RETRY });
    await assert.rejects(stranger.getRepo(repo.id), (err: unknown) => err instanceof HttpError && err.status === 401 && !err.message.includes("not-a-token-at-all"));
    await stranger.close();
    const stats = ci.requestStats();
    assert.ok(stats.total > 20);
    assert.ok((stats.byRoute["GET /repos/{repo_id}/pipelines/{number}"] ?? 0) > 0);
    assert.ok((stats.byRoute["POST /repos/{repo_id}/cron"] ?? 0) >= 4);
  });
});
