import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseWorkflow } from "../../src/sandbox/ci/config.ts";
import { dependenciesAllow, planPipeline } from "../../src/sandbox/ci/plan.ts";
import { commitStatusState, pipelineState, statusContext, workflowCommitStatus, type CiState } from "../../src/sandbox/ci/status.ts";
import type { WhenContext } from "../../src/sandbox/ci/when.ts";

describe("commit status contexts", () => {
  it("ci/woodpecker/<event>/<workflow>, pull_request shortened to pr", () => {
    assert.equal(statusContext("push", "ci"), "ci/woodpecker/push/ci");
    assert.equal(statusContext("pull_request", "review"), "ci/woodpecker/pr/review");
    assert.equal(statusContext("cron", "disinto-dev"), "ci/woodpecker/cron/disinto-dev");
    assert.equal(statusContext("manual", "ci"), "ci/woodpecker/manual/ci");
    assert.equal(statusContext("tag", "release"), "ci/woodpecker/tag/release");
    assert.equal(statusContext("pull_request_closed", "ci"), "ci/woodpecker/pull_request_closed/ci");
    assert.equal(statusContext("push", "ci", { context: "sandbox", axisId: 2 }), "sandbox/push/ci/2");
  });
  it("state map", () => {
    const cases: [CiState, string][] = [
      ["pending", "pending"],
      ["blocked", "pending"],
      ["running", "pending"],
      ["success", "success"],
      ["failure", "failure"],
      ["killed", "failure"],
      ["skipped", "failure"],
      ["error", "error"],
      ["declined", "warning"],
    ];
    for (const [from, to] of cases) assert.equal(commitStatusState(from), to, from);
  });
  it("a workflow's commit status", () => {
    assert.deepEqual(workflowCommitStatus({ event: "pull_request", workflow: "ci", state: "success", targetUrl: "http://ci/repos/1/pipeline/2" }), {
      context: "ci/woodpecker/pr/ci",
      state: "success",
      description: "Pipeline was successful",
      target_url: "http://ci/repos/1/pipeline/2",
    });
  });
  it("pipeline state from workflow states", () => {
    assert.equal(pipelineState(["success", "skipped"]), "success");
    assert.equal(pipelineState(["success", "failure", "killed"]), "failure");
    assert.equal(pipelineState(["success", "error"]), "error");
    assert.equal(pipelineState(["skipped"]), "skipped");
    assert.equal(pipelineState(["success", "running"]), "running");
  });
});

describe("workflow planning", () => {
  const ctx: WhenContext = { event: "push", branch: "main", ref: "refs/heads/main", changedFiles: [], commitMessage: "", repo: "a/b", platform: "linux/amd64", instance: "ci", env: {} };
  const wf = (name: string, head: string) => parseWorkflow(`.woodpecker/${name}.yml`, `${head}\nsteps:\n  - name: s\n    image: alpine\n    commands: [x]\n`);

  it("orders by depends_on and drops filtered workflows with their dependents", () => {
    const plan = planPipeline(
      [
        wf("deploy", "depends_on: [test]"),
        wf("test", "depends_on: [lint]"),
        wf("lint", ""),
        wf("nightly", "when: {event: cron}"),
        wf("report", "depends_on: [nightly]"),
        wf("notify", "depends_on: [{name: nightly, optional: true}, lint]"),
      ],
      ctx,
    );
    assert.deepEqual(plan.workflows.map((w) => w.config.name), ["lint", "notify", "test", "deploy"]);
    assert.deepEqual(plan.filtered.map((f) => [f.name, f.reason]), [
      ["nightly", "no `when` condition matched"],
      ["report", 'depends on "nightly", which is not part of this pipeline'],
    ]);
    assert.deepEqual(plan.workflows.find((w) => w.config.name === "notify")?.dependsOn, ["lint"]);
  });
  it("a dependency cycle is an error on its members", () => {
    const plan = planPipeline([wf("a", "depends_on: [b]"), wf("b", "depends_on: [a]"), wf("c", "")], ctx);
    assert.deepEqual(plan.workflows.map((w) => [w.config.name, w.error !== undefined]), [
      ["c", false],
      ["a", true],
      ["b", true],
    ]);
  });
  it("runs_on and when.status decide whether a failed dependency stops a workflow", () => {
    const [plain, always, onlyFailure, viaWhen] = planPipeline(
      [wf("plain", ""), wf("always", "runs_on: [success, failure]"), wf("onlyfail", "runs_on: [failure]"), wf("viawhen", "when: [{status: [success, failure]}]")],
      ctx,
    ).workflows;
    assert.ok(plain && always && onlyFailure && viaWhen);
    assert.equal(dependenciesAllow(plain, ["success", "success"]), true);
    assert.equal(dependenciesAllow(plain, ["success", "failure"]), false);
    assert.equal(dependenciesAllow(plain, ["skipped"]), false);
    assert.equal(dependenciesAllow(always, ["failure"]), true);
    assert.equal(dependenciesAllow(onlyFailure, ["success"]), false);
    assert.equal(dependenciesAllow(onlyFailure, ["killed"]), true);
    assert.equal(dependenciesAllow(viaWhen, ["error"]), true);
  });
});

describe("[CI SKIP]", () => {
  it("a commit message with [ci skip] or [SKIP CI] filters every workflow", async () => {
    const { commitSkipsCi, planPipeline } = await import("../../src/sandbox/ci/plan.ts");
    assert.ok(commitSkipsCi("docs: typo [CI SKIP]"));
    assert.ok(commitSkipsCi("[skip ci] wip"));
    assert.equal(commitSkipsCi("skip ci"), false);
    const w = parseWorkflow(".woodpecker/a.yml", "steps:\n  - name: s\n    image: alpine\n    commands: [x]\n");
    const plan = planPipeline([w], { event: "push", branch: "main", ref: "refs/heads/main", changedFiles: [], commitMessage: "x [Skip CI]", repo: "a/b", platform: "linux/amd64", instance: "ci", env: {} });
    assert.deepEqual(plan.workflows, []);
    assert.equal(plan.filtered[0]?.reason, "the commit message asks to skip CI");
  });
});
