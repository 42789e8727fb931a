// The sandbox CI executor against a real bare git repo: clone, commands steps, plugin steps
// through a local node script, status-driven steps, workflow dependencies, timeouts.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseWorkflow, type WorkflowConfig } from "../../src/sandbox/ci/config.ts";
import { bundlePlugins, Executor, type ExecutorEvent, type PipelineRecord, type StepRecord } from "../../src/sandbox/ci/executor.ts";
import type { SecretDef } from "../../src/sandbox/ci/secrets.ts";
import { makeRepo, metadataFor, type FixtureRepo } from "./sandbox-ci-helpers.ts";

const repo: FixtureRepo = makeRepo({ "README.md": "hello\n", "sub/dir/file.txt": "inside\n" });
after(() => rmSync(repo.root, { recursive: true, force: true }));

const bundles = join(repo.root, "bundles");
mkdirSync(bundles);
// stands in for a disinto agent bundle: prints what the plugin contract hands it
writeFileSync(
  join(bundles, "agent.mjs"),
  `for (const [k, v] of Object.entries(process.env).sort()) if (k.startsWith("PLUGIN_") || k.startsWith("CI_")) console.log(k + "=" + v);
console.log("cwd=" + process.cwd());
process.exit(Number(process.env.PLUGIN_EXIT ?? 0));
`,
);

function executor(extra: Partial<ConstructorParameters<typeof Executor>[0]> = {}): Executor {
  return new Executor({
    workRoot: join(repo.root, "ci-work"),
    plugins: bundlePlugins({ image: /^codeberg\.org\/disinto\/agent(:|$)/, bundlesDir: bundles }),
    ...extra,
  });
}

function wf(name: string, yaml: string): WorkflowConfig {
  return parseWorkflow(`.woodpecker/${name}.yml`, yaml);
}

function run(ex: Executor, workflows: WorkflowConfig[], opts: { secrets?: SecretDef[]; timeoutMs?: number; event?: "push" | "pull_request" } = {}): Promise<PipelineRecord> {
  const metadata = metadataFor(repo, opts.event ? { event: opts.event } : {});
  return ex.run({
    metadata,
    workflows,
    source: { cloneUrl: repo.bare, sha: repo.sha, ref: "refs/heads/main", branch: "main" },
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
}

function step(p: PipelineRecord, workflow: string, name: string): StepRecord {
  const s = p.workflows.find((w) => w.name === workflow)?.steps.find((x) => x.name === name);
  assert.ok(s, `step ${workflow}/${name}`);
  return s;
}

/** Alive and not a zombie (an orphan's zombie lingers where PID 1 does not reap). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

const logOf = (s: StepRecord): string => s.logs.map((l) => l.data).join("\n");

describe("sandbox CI executor", () => {
  it("runs commands steps in a fresh checkout; a failure skips success steps and runs status: failure steps", async () => {
    const events: ExecutorEvent[] = [];
    const pipelineStates: string[] = [];
    const ex = executor();
    ex.subscribe((e) => {
      events.push(e);
      // records are live: take the state as it was when the event fired
      if (e.type === "pipeline") pipelineStates.push(e.pipeline.state);
    });
    const p = await run(ex, [
      wf(
        "ci",
        `steps:
  - name: pass
    image: node:24
    commands:
      - cat README.md
      - echo "sha=$CI_COMMIT_SHA step=$CI_STEP_NAME status=$CI_PIPELINE_STATUS ws=$CI_WORKSPACE"
  - name: tolerated
    image: alpine
    commands: [exit 4]
    failure: ignore
  - name: fail
    image: alpine
    commands:
      - echo about to fail >&2
      - exit 3
      - echo never
  - name: skipped-after-failure
    image: alpine
    commands: [echo should not run]
  - name: on-failure
    image: alpine
    commands: ['echo "status=$CI_PIPELINE_STATUS"']
    when:
      status: failure
  - name: in-subdir
    image: alpine
    directory: sub/dir
    commands: [cat file.txt]
    when:
      status: [success, failure]
`,
      ),
    ]);
    assert.equal(p.state, "failure");
    const w = p.workflows[0];
    assert.equal(w?.state, "failure");
    assert.deepEqual(
      w?.steps.map((s) => [s.name, s.type, s.state, s.exitCode]),
      [
        ["clone", "clone", "success", 0],
        ["pass", "commands", "success", 0],
        ["tolerated", "commands", "failure", 4],
        ["fail", "commands", "failure", 3],
        ["skipped-after-failure", "commands", "skipped", 0],
        ["on-failure", "commands", "success", 0],
        ["in-subdir", "commands", "success", 0],
      ],
    );
    const pass = step(p, "ci", "pass");
    assert.equal(pass.image, "node:24");
    assert.match(logOf(pass), /^\+ cat README\.md\nhello\n/);
    assert.match(logOf(pass), new RegExp(`sha=${repo.sha} step=pass status=success ws=/\\S+/src`));
    const fail = step(p, "ci", "fail");
    // stdout and stderr are separate pipes: order within each stream is what is certain
    const byStream = (stream: string): string[] => fail.logs.filter((l) => l.stream === stream).map((l) => l.data);
    assert.deepEqual(byStream("stdout"), ["+ echo about to fail >&2", "+ exit 3"]);
    assert.deepEqual(byStream("stderr"), ["about to fail"]);
    assert.deepEqual(fail.logs.map((l) => l.line), [0, 1, 2]);
    assert.ok(fail.started !== undefined && fail.finished !== undefined && fail.finished >= fail.started);
    assert.match(logOf(step(p, "ci", "on-failure")), /status=failure/);
    assert.match(logOf(step(p, "ci", "in-subdir")), /inside/);
    // pids: workflow 1, its steps 2.. in order
    assert.deepEqual(w?.steps.map((s) => s.pid), [2, 3, 4, 5, 6, 7, 8]);
    // listeners saw the run unfold: pipeline running → … → pipeline failure, logs per line
    assert.deepEqual(pipelineStates, ["running", "failure"]);
    assert.ok(events.some((e) => e.type === "log" && e.step.name === "fail" && e.line.data === "about to fail"));
    const stepStates = events.filter((e): e is Extract<ExecutorEvent, { type: "step" }> => e.type === "step" && e.step.name === "pass").length;
    assert.equal(stepStates, 2, "running and success");
  });

  it("workflow depends_on: dependents wait, a failed dependency skips them unless runs_on includes failure", async () => {
    const order: string[] = [];
    const ex = executor();
    ex.subscribe((e) => {
      if (e.type === "workflow" && e.workflow.state === "running") order.push(e.workflow.name);
    });
    const p = await run(ex, [
      wf("deploy", "depends_on: [test]\nskip_clone: true\nsteps:\n  - name: d\n    image: alpine\n    commands: [echo deploy]\n"),
      wf("notify", "depends_on: [test]\nruns_on: [success, failure]\nskip_clone: true\nsteps:\n  - name: n\n    image: alpine\n    commands: [echo notify]\n"),
      wf("test", "depends_on: [lint]\nskip_clone: true\nsteps:\n  - name: t\n    image: alpine\n    commands: [exit 1]\n"),
      wf("lint", "skip_clone: true\nsteps:\n  - name: l\n    image: alpine\n    commands: [echo lint]\n"),
      wf("nightly", "when: {event: cron}\nsteps:\n  - name: x\n    image: alpine\n    commands: [echo x]\n"),
    ]);
    assert.deepEqual(order, ["lint", "test", "notify"]);
    assert.deepEqual(
      p.workflows.map((w) => [w.name, w.state]),
      [
        ["lint", "success"],
        ["test", "failure"],
        ["deploy", "skipped"],
        ["notify", "success"],
      ],
    );
    assert.equal(p.workflows.find((w) => w.name === "deploy")?.steps[0]?.state, "skipped");
    assert.deepEqual(p.filtered.map((f) => f.name), ["nightly"]);
    assert.equal(p.state, "failure");
  });

  it("plugin steps run the mapped local command with PLUGIN_* and CI_*; secrets resolved and masked", async () => {
    const secrets: SecretDef[] = [{ name: "forge_token", value: "tok-0123456789", events: ["push"], images: ["codeberg.org/disinto/agent"] }];
    const p = await run(
      executor(),
      [
        wf(
          "disinto-dev",
          `steps:
  - name: dev
    image: codeberg.org/disinto/agent:latest
    settings:
      agent: agent
      dry-run: true
      max_turns: 12
      labels: [backlog, priority]
      limits: {b: 2, a: 1}
      forge_token:
        from_secret: FORGE_TOKEN
  - name: other-plugin
    image: plugins/docker
    settings: {repo: x}
`,
        ),
      ],
      { secrets },
    );
    const dev = step(p, "disinto-dev", "dev");
    assert.equal(dev.type, "plugin");
    assert.equal(dev.state, "success", logOf(dev));
    const lines = new Map(dev.logs.map((l) => l.data.split("=")).map(([k = "", ...v]) => [k, v.join("=")]));
    assert.equal(lines.get("PLUGIN_AGENT"), "agent");
    assert.equal(lines.get("PLUGIN_DRY_RUN"), "true");
    assert.equal(lines.get("PLUGIN_MAX_TURNS"), "12");
    assert.equal(lines.get("PLUGIN_LABELS"), "backlog,priority");
    assert.equal(lines.get("PLUGIN_LIMITS"), '{"a":1,"b":2}');
    assert.equal(lines.get("PLUGIN_FORGE_TOKEN"), "********", "secret value masked in the log");
    assert.equal(lines.get("CI_PIPELINE_EVENT"), "push");
    assert.equal(lines.get("CI_REPO"), "acme/widget");
    assert.equal(lines.get("CI_STEP_TYPE"), "plugin");
    assert.equal(lines.get("CI_WORKFLOW_NAME"), "disinto-dev");
    assert.equal(lines.get("CI_PIPELINE_URL"), "http://127.0.0.1:9000/repos/7/pipeline/1");
    assert.equal(lines.has("CI_PIPELINE_CRON"), false);
    assert.equal(lines.get("cwd"), lines.get("CI_WORKSPACE"));
    assert.equal(logOf(dev).includes("tok-0123456789"), false);
    const other = step(p, "disinto-dev", "other-plugin");
    assert.equal(other.state, "skipped");
    assert.match(other.error ?? "", /plugin image "plugins\/docker" cannot run in the sandbox CI/);
    assert.equal(p.workflows[0]?.state, "success");
  });

  it("a secret the event may not read fails the workflow before any step runs", async () => {
    const secrets: SecretDef[] = [{ name: "forge_token", value: "tok-abcdef", events: ["cron"] }];
    const p = await run(executor(), [wf("x", "steps:\n  - name: s\n    image: codeberg.org/disinto/agent\n    settings: {t: {from_secret: forge_token}}\n")], { secrets, event: "pull_request" });
    assert.equal(p.workflows[0]?.state, "error");
    assert.equal(p.workflows[0]?.error, 'secret "forge_token" is not allowed to be used with pipeline event "pull_request"');
    assert.deepEqual(p.workflows[0]?.steps.map((s) => s.state), ["skipped", "skipped"]);
    assert.equal(p.state, "error");
  });

  it("unsupported features end the workflow in error with the reason", async () => {
    const p = await run(executor(), [wf("svc", "services:\n  db: {image: postgres}\nsteps:\n  - name: s\n    image: alpine\n    commands: [x]\n")]);
    assert.equal(p.workflows[0]?.state, "error");
    assert.match(p.workflows[0]?.error ?? "", /services are not supported/);
    assert.match(p.errors[0] ?? "", /^\.woodpecker\/svc\.yml: services/);
  });

  it("the workflow timeout kills the step's whole process group and keeps its log", async () => {
    const pidFile = join(repo.root, "bg.pid");
    const p = await run(
      executor({ killGraceMs: 200 }),
      [
        wf(
          "slow",
          `skip_clone: true
steps:
  - name: sleepy
    image: alpine
    commands:
      - sleep 60 &
      - echo $! > ${pidFile}
      - echo started
      - sleep 60
  - name: never
    image: alpine
    commands: [echo never]
    when: {status: [success, failure]}
`,
        ),
      ],
      { timeoutMs: 1500 },
    );
    const s = step(p, "slow", "sleepy");
    assert.equal(s.state, "killed");
    assert.equal(s.exitCode, 137);
    assert.match(logOf(s), /started/);
    assert.match(s.error ?? "", /workflow timeout of 1500ms exceeded/);
    assert.equal(step(p, "slow", "never").state, "skipped");
    assert.equal(p.workflows[0]?.state, "killed");
    assert.equal(p.state, "killed");
    const bg = Number(readFileSync(pidFile, "utf8").trim());
    assert.equal(isAlive(bg), false, "background child must be gone");
  });

  it("the workflow timeout is measured on a monotonic clock: a wall clock jumping forward between steps kills nothing", async () => {
    // Tests that run an agent in this process shift Date.now by hours; a step that started then
    // was killed at once as timed out (the supervisor's ci_pending test lost its pending pipeline).
    const ex = executor({ killGraceMs: 200 });
    const handle = ex.start({
      metadata: metadataFor(repo),
      workflows: [wf("jump", "skip_clone: true\nsteps:\n  - name: first\n    image: alpine\n    commands: [echo first, sleep 0.3]\n  - name: second\n    image: alpine\n    commands: [sleep 0.3, echo second]\n")],
      source: { cloneUrl: repo.bare, sha: repo.sha },
      timeoutMs: 60_000,
    });
    const real = Date.now;
    ex.subscribe((e) => {
      if (e.type === "log" && e.line.data === "first") Date.now = () => real() + 31 * 60_000;
    });
    try {
      const p = await handle.done;
      assert.equal(step(p, "jump", "second").state, "success", step(p, "jump", "second").error);
      assert.match(logOf(step(p, "jump", "second")), /second/);
    } finally {
      Date.now = real;
    }
  });

  it("cancel kills the running step and skips the rest", async () => {
    const ex = executor({ killGraceMs: 200 });
    const metadata = metadataFor(repo);
    const handle = ex.start({
      metadata,
      workflows: [wf("a", "skip_clone: true\nsteps:\n  - name: s\n    image: alpine\n    commands: [echo go, sleep 30]\n"), wf("b", "skip_clone: true\nsteps:\n  - name: t\n    image: alpine\n    commands: [true]\n")],
      source: { cloneUrl: repo.bare, sha: repo.sha },
    });
    ex.subscribe((e) => {
      if (e.type === "log" && e.line.data === "go") handle.cancel();
    });
    const p = await handle.done;
    assert.equal(p.state, "killed");
    assert.deepEqual(p.workflows.map((w) => w.state), ["killed", "killed"]);
    assert.equal(step(p, "a", "s").state, "killed");
  });

  it("bounds concurrent pipelines: the second waits pending until the first finishes", async () => {
    const ex = executor({ maxConcurrentPipelines: 1 });
    const marks: string[] = [];
    ex.subscribe((e) => {
      if (e.type === "pipeline") marks.push(`${e.pipeline.number}:${e.pipeline.state}`);
    });
    const mk = (n: number) =>
      ex.start({
        metadata: metadataFor(repo, { number: n }),
        workflows: [wf("q", "skip_clone: true\nsteps:\n  - name: s\n    image: alpine\n    commands: [sleep 0.2]\n")],
        source: { cloneUrl: repo.bare, sha: repo.sha },
      });
    const [a, b] = [mk(1), mk(2)];
    assert.equal(b.record.state, "pending");
    await Promise.all([a.done, b.done]);
    assert.deepEqual(marks, ["1:running", "1:success", "2:running", "2:success"]);
  });

  it("clone credentials reach git only through the helper, never the steps, URL or config", async () => {
    const ex = executor({ keepWorkspaces: false });
    const p = await ex.run({
      metadata: metadataFor(repo),
      workflows: [wf("cred", "steps:\n  - name: look\n    image: alpine\n    commands: ['env | grep -c DISINTO_CI_GIT || true', 'git config --list --local', 'git rev-parse HEAD', 'git branch --show-current']\n")],
      source: { cloneUrl: repo.bare, sha: repo.sha, ref: "refs/heads/main", branch: "main", credentials: () => ({ username: "dev-bot", password: "pw-s3cr3t-value" }) },
    });
    const look = step(p, "cred", "look");
    assert.equal(look.state, "success", logOf(look));
    const text = logOf(look);
    assert.match(text, /^\+ env \| grep -c DISINTO_CI_GIT \|\| true\n0\n/);
    assert.equal(text.includes("pw-s3cr3t-value"), false);
    assert.equal(/credential/.test(text), false, "no helper left in the checkout's config");
    assert.match(text, new RegExp(`\n${repo.sha}\n\\+ git branch --show-current\nmain$`));
    assert.equal(logOf(step(p, "cred", "clone")).includes("credential.helper"), false);
    assert.equal(existsSync(join(repo.root, "ci-work")) && execFileSync("ls", [join(repo.root, "ci-work")], { encoding: "utf8" }).trim(), "", "workspaces removed");
  });

  it("the credential helper answers git from the environment", async () => {
    const { writeCredentialHelper } = await import("../../src/sandbox/ci/checkout.ts");
    const dir = join(repo.root, "helper");
    mkdirSync(dir);
    const helper = await writeCredentialHelper(dir);
    const out = execFileSync("git", ["-c", "credential.helper=", "-c", `credential.helper=${helper}`, "credential", "fill"], {
      input: "protocol=http\nhost=forge.local\n\n",
      env: { PATH: process.env.PATH ?? "", HOME: dir, GIT_TERMINAL_PROMPT: "0", DISINTO_CI_GIT_USERNAME: "bot", DISINTO_CI_GIT_PASSWORD: "pw" },
      encoding: "utf8",
    });
    assert.match(out, /username=bot\npassword=pw\n/);
  });
});
