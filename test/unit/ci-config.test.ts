import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../src/lib/errors.ts";
import { discoverConfigFiles, loadWorkflows, parseWorkflow, workflowName } from "../../src/sandbox/ci/config.ts";
import { substitute } from "../../src/sandbox/ci/substitution.ts";

/** The issues of a ConfigError as `path: message` strings. */
function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.file}${i.line !== undefined ? `:${i.line}` : ""}|${i.path}|${i.message}`);
    throw err;
  }
  assert.fail("expected a ConfigError");
}

describe("workflow names and discovery", () => {
  it("strips path, leading dots and extension", () => {
    assert.equal(workflowName(".woodpecker/.lint.yaml"), "lint");
    assert.equal(workflowName(".woodpecker/disinto-dev.yml"), "disinto-dev");
    assert.equal(workflowName(".woodpecker.yml"), "woodpecker");
  });
  it("prefers .woodpecker/ (direct children only), then .woodpecker.yaml, then .woodpecker.yml", () => {
    assert.deepEqual(discoverConfigFiles([".woodpecker/b.yml", ".woodpecker/a.yaml", ".woodpecker/sub/c.yml", ".woodpecker/notes.md", ".woodpecker.yml"]), [".woodpecker/a.yaml", ".woodpecker/b.yml"]);
    assert.deepEqual(discoverConfigFiles([".woodpecker.yml", ".woodpecker.yaml", "src/x.ts"]), [".woodpecker.yaml"]);
    assert.deepEqual(discoverConfigFiles([".woodpecker.yml"]), [".woodpecker.yml"]);
    assert.deepEqual(discoverConfigFiles(["README.md"]), []);
  });
  it("loads every workflow and reports problems of all files together", () => {
    const files = {
      ".woodpecker/ok.yml": "steps:\n  - name: a\n    image: alpine\n    commands: echo hi\n",
      ".woodpecker/bad.yml": "steps:\n  - name: a\n    commands: echo hi\n",
      ".woodpecker/worse.yml": "when: {event: push}\n",
    };
    assert.deepEqual(issuesOf(() => loadWorkflows(files)), [".woodpecker/bad.yml|steps[0].image|missing image", ".woodpecker/worse.yml|steps|missing steps"]);
    const ok = loadWorkflows(new Map(Object.entries(files).filter(([k]) => k.endsWith("ok.yml"))));
    assert.equal(ok[0]?.name, "ok");
    assert.deepEqual(ok[0]?.steps[0]?.commands, ["echo hi"]);
  });
  it("rejects two files with the same workflow name", () => {
    const step = "steps:\n  - name: a\n    image: alpine\n    commands: [x]\n";
    assert.deepEqual(issuesOf(() => loadWorkflows({ ".woodpecker/ci.yml": step, ".woodpecker/ci.yaml": step })), ['.woodpecker/ci.yml||workflow name "ci" is also used by .woodpecker/ci.yaml']);
  });
});

describe("steps", () => {
  it("list form and map form; plugin vs commands classification", () => {
    const list = parseWorkflow(
      "w.yml",
      `steps:
  - name: build
    image: node:24
    commands: [npm ci, npm test]
    environment: {A: b}
  - name: agent
    image: codeberg.org/disinto/agent
    settings: {agent: dev}
  - image: alpine
    environment: {X: 1}
`,
    );
    assert.deepEqual(
      list.steps.map((s) => [s.name, s.type]),
      [
        ["build", "commands"],
        ["agent", "plugin"],
        ["step-2", "commands"],
      ],
    );
    const map = parseWorkflow("w.yml", "steps:\n  lint:\n    image: alpine\n    commands: [a]\n  test:\n    image: alpine\n    commands: [b]\n");
    assert.deepEqual(map.steps.map((s) => s.name), ["lint", "test"]);
  });
  it("keeps when, depends_on, failure, directory and workflow flow-control keys", () => {
    const wf = parseWorkflow(
      "w.yml",
      `when: [{event: cron, cron: disinto-dev}]
depends_on: [lint, {name: build, optional: true}]
runs_on: [success, failure]
skip_clone: true
labels: {platform: linux/amd64, big: true}
steps:
  - name: a
    image: alpine
    commands: [x]
    failure: ignore
    directory: sub/dir
  - name: b
    image: alpine
    commands: [y]
    depends_on: a
    when: {status: [failure]}
`,
    );
    assert.deepEqual(wf.dependsOn, [
      { name: "lint", optional: false },
      { name: "build", optional: true },
    ]);
    assert.deepEqual(wf.runsOn, ["success", "failure"]);
    assert.equal(wf.skipClone, true);
    assert.deepEqual(wf.labels, { platform: "linux/amd64", big: "true" });
    assert.deepEqual(wf.when, [{ event: ["cron"], status: [], cron: { include: ["disinto-dev"], exclude: [] } }]);
    assert.equal(wf.steps[0]?.failure, "ignore");
    assert.equal(wf.steps[0]?.directory, "sub/dir");
    assert.equal(wf.steps[0]?.dependsOn, undefined);
    assert.deepEqual(wf.steps[1]?.dependsOn, [{ name: "a", optional: false }]);
    assert.deepEqual(wf.steps[1]?.when[0]?.status, ["failure"]);
  });
});

describe("errors name the file and key path", () => {
  const step = (extra: string): string => `steps:\n  - name: s\n    image: alpine\n${extra.replace(/^/gm, "    ")}\n`;
  const cases: [string, string, string][] = [
    ["YAML syntax", "steps: [\n", "w.yml:2||invalid YAML"],
    ["not a map", "- a\n- b\n", "w.yml||a workflow must be a YAML map with a `steps` key"],
    ["unknown event", step("commands: [x]\nwhen: {event: [push, pr]}"), 'w.yml|steps[0].when.event[1]|unknown event "pr"'],
    ["bad status", step("commands: [x]\nwhen: {status: always}"), 'w.yml|steps[0].when.status[0]|status must be "success" or "failure"'],
    ["unknown when key", step("commands: [x]\nwhen: {branches: main}"), "w.yml|steps[0].when|"],
    ["environment list form", step("commands: [x]\nenvironment: [A=b]"), "w.yml|steps[0].environment|environment must be a map"],
    ["settings + commands", step("commands: [x]\nsettings: {a: 1}"), "w.yml|steps[0].settings|Cannot configure both `commands` and `settings`"],
    ["settings + entrypoint", step("entrypoint: [x]\nsettings: {a: 1}"), "w.yml|steps[0].settings|Cannot configure both `entrypoint` and `settings`"],
    ["bad failure", step("commands: [x]\nfailure: maybe"), 'w.yml|steps[0].failure|failure must be "fail", "ignore" or "cancel"'],
    ["commands as map", step("commands:\n  - echo: hi"), "w.yml|steps[0].commands[0]|expected a string"],
    ["removed step secrets", step("commands: [x]\nsecrets: [a]"), "w.yml|steps[0].secrets|step `secrets` was removed in Woodpecker 3.0"],
    ["removed pipeline key", "pipeline:\n  a: {image: alpine}\nsteps: {a: {image: alpine, commands: [x]}}\n", "w.yml|pipeline|`pipeline` was removed in Woodpecker 3.0"],
    ["unknown step dependency", "steps:\n  a: {image: alpine, commands: [x], depends_on: [nope]}\n", 'w.yml|steps.a.depends_on|step "a" depends on unknown step "nope"'],
    ["bad workflow depends_on", "depends_on: [{nam: x}]\nsteps: {a: {image: alpine, commands: [x]}}\n", "w.yml|depends_on"],
    ["directory escaping the workspace", step("commands: [x]\ndirectory: ../up"), "w.yml|steps[0].directory|directory must be a path inside the workspace"],
    ["map-form path", "steps:\n  build:\n    commands: [x]\n", "w.yml|steps.build.image|missing image"],
  ];
  for (const [title, text, expected] of cases) {
    it(title, () => {
      const issues = issuesOf(() => parseWorkflow("w.yml", text));
      assert.ok(
        issues.some((i) => i.startsWith(expected)),
        `expected an issue starting with ${expected}, got ${JSON.stringify(issues)}`,
      );
    });
  }
});

describe("unsupported and ignored keys", () => {
  it("services, matrix, detach, entrypoint and complex evaluate are reported as unsupported", () => {
    const wf = parseWorkflow(
      "w.yml",
      `services: {db: {image: postgres}}
matrix: {GO: ['1.22']}
when: {evaluate: 'len(CI_X) > 1'}
steps:
  - name: bg
    image: alpine
    commands: [x]
    detach: true
  - name: ep
    image: alpine
    entrypoint: [sh, -c]
    commands: [x]
`,
    );
    assert.deepEqual(
      wf.unsupported.map((i) => i.path),
      ["services", "matrix", "steps[0].detach", "steps[1].entrypoint", "when[0].evaluate"],
    );
  });
  it("workspace, clone, privileged and unknown keys are warnings", () => {
    const wf = parseWorkflow("w.yml", "workspace: {base: /w}\nclone: {git: {image: x}}\nfoo: 1\nsteps:\n  - name: a\n    image: alpine\n    commands: [x]\n    privileged: true\n    bar: 2\n");
    assert.deepEqual(
      wf.warnings.map((i) => i.path),
      ["workspace", "clone", "foo", "steps[0].privileged", "steps[0].bar"],
    );
    assert.deepEqual(wf.unsupported, []);
  });
  it("settings with environment: a warning, and the step is not a plugin", () => {
    const wf = parseWorkflow("w.yml", "steps:\n  - name: a\n    image: plug\n    settings: {a: 1}\n    environment: {B: 2}\n");
    assert.equal(wf.steps[0]?.type, "commands");
    assert.match(wf.warnings[0]?.message ?? "", /Should not configure both `environment` and `settings`/);
  });
});

describe("substitution", () => {
  const env = { CI_COMMIT_BRANCH: "Feature/Login", CI_REPO: "acme/widget", EMPTY: "" };
  it("$VAR, ${VAR}, $$ escape, unknown → empty", () => {
    assert.equal(substitute("a $CI_REPO ${CI_REPO} $$HOME $UNKNOWN. $ 5", env), "a acme/widget acme/widget $HOME . $ 5");
  });
  it("bash-like operators", () => {
    assert.equal(substitute("${CI_COMMIT_BRANCH,,}|${CI_COMMIT_BRANCH^^}|${CI_COMMIT_BRANCH,}|${CI_REPO^}", env), "feature/login|FEATURE/LOGIN|feature/Login|Acme/widget");
    assert.equal(substitute("${CI_REPO:5}|${CI_REPO:0:4}|${EMPTY=dflt}|${CI_REPO=dflt}", env), "widget|acme|dflt|acme/widget");
    assert.equal(substitute("${CI_REPO##acme/}|${CI_REPO%%/widget}|${CI_REPO/acme/corp}|${#CI_REPO}", env), "widget|acme|corp/widget|11");
  });
  it("applies to the YAML before parsing when a metadata env is given", () => {
    const wf = parseWorkflow("w.yml", "steps:\n  - name: s\n    image: alpine\n    commands: [echo ${CI_REPO}, echo $$HOME]\n", { substitute: env });
    assert.deepEqual(wf.steps[0]?.commands, ["echo acme/widget", "echo $HOME"]);
  });
  it("reports unsupported operators as config errors", () => {
    assert.deepEqual(issuesOf(() => parseWorkflow("w.yml", "steps: ${CI_REPO@Q}\n", { substitute: env })), ["w.yml||unsupported substitution ${CI_REPO@Q}"]);
  });
});
