import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseWorkflow, type Condition } from "../../src/sandbox/ci/config.ts";
import { globMatch } from "../../src/sandbox/ci/glob.ts";
import { compileEvaluate, evaluateWhen, pathMatches, shouldRun, whenContext, type WhenContext } from "../../src/sandbox/ci/when.ts";
import type { PipelineMetadata } from "../../src/sandbox/ci/metadata.ts";

/** Conditions as the config parser produces them from YAML. */
function when(yaml: string): Condition[] {
  const wf = parseWorkflow("w.yml", `when:\n${yaml.replace(/^/gm, "  ")}\nsteps:\n  - name: s\n    image: alpine\n    commands: [true]\n`);
  return wf.when;
}

const base: WhenContext = {
  event: "push",
  branch: "main",
  ref: "refs/heads/main",
  changedFiles: ["src/a.ts"],
  commitMessage: "change",
  repo: "acme/widget",
  platform: "linux/amd64",
  instance: "ci.example.com",
  env: {},
};
const ctx = (o: Partial<WhenContext> = {}): WhenContext => ({ ...base, ...o });
const matches = (yaml: string, o: Partial<WhenContext> = {}): boolean => evaluateWhen(when(yaml), ctx(o)).match;

describe("glob (doublestar)", () => {
  it("* and ? stop at /, ** crosses directories", () => {
    assert.ok(globMatch("feature/*", "feature/x"));
    assert.equal(globMatch("feature/*", "feature/x/y"), false);
    assert.ok(globMatch("feature/**", "feature/x/y"));
    assert.ok(globMatch("feature/**", "feature"));
    assert.ok(globMatch("**/*.md", "README.md"));
    assert.ok(globMatch("**/*.md", "docs/a/b.md"));
    assert.ok(globMatch("src/**/*.ts", "src/a.ts"));
    assert.ok(globMatch("v?.0", "v1.0"));
    assert.equal(globMatch("v?.0", "v10.0"), false);
  });
  it("classes, alternatives, escapes", () => {
    assert.ok(globMatch("release-[0-9]*", "release-2"));
    assert.equal(globMatch("release-[!0-9]", "release-2"), false);
    assert.ok(globMatch("{main,develop}", "develop"));
    assert.ok(globMatch("*.{yml,yaml}", "ci.yaml"));
    assert.ok(globMatch("a\\*b", "a*b"));
    assert.equal(globMatch("a\\*b", "axb"), false);
    assert.equal(globMatch("[unterminated", "["), false);
  });
});

describe("when: filters", () => {
  it("empty when matches and runs on success only", () => {
    assert.deepEqual(evaluateWhen([], ctx()), { match: true, onSuccess: true, onFailure: false });
  });
  it("event: string or list, exact", () => {
    assert.ok(matches("event: push"));
    assert.ok(matches("event: [pull_request, push]"));
    assert.equal(matches("event: pull_request"), false);
    assert.equal(matches("event: pull_request", { event: "pull_request_closed" }), false);
  });
  it("branch: globs, include/exclude; ignored on tag events; PRs use the target branch", () => {
    assert.ok(matches("branch: main"));
    assert.ok(matches("branch: [dev, 'release/*']", { branch: "release/1.0" }));
    assert.equal(matches("branch: 'release/*'", { branch: "release/1/x" }), false);
    assert.ok(matches("branch: {exclude: ['wip/**']}"));
    assert.equal(matches("branch: {exclude: ['wip/**']}", { branch: "wip/a/b" }), false);
    assert.equal(matches("branch: {include: 'fix/*', exclude: fix/skip}", { branch: "fix/skip" }), false);
    assert.ok(matches("branch: {include: 'fix/*', exclude: fix/skip}", { branch: "fix/ok" }));
    assert.ok(matches("branch: dev", { event: "tag", branch: "" }));
  });
  it("ref", () => {
    assert.ok(matches("ref: refs/tags/v*", { event: "tag", ref: "refs/tags/v1.2" }));
    assert.equal(matches("ref: refs/tags/v*"), false);
  });
  it("cron: only evaluated on cron events", () => {
    assert.ok(matches("{event: cron, cron: disinto-dev}", { event: "cron", cron: "disinto-dev" }));
    assert.equal(matches("{event: cron, cron: disinto-dev}", { event: "cron", cron: "disinto-review" }), false);
    assert.ok(matches("cron: 'disinto-*'", { event: "cron", cron: "disinto-review" }));
    // on a push the cron filter is a no-op
    assert.ok(matches("cron: disinto-dev"));
  });
  it("repo, platform, instance", () => {
    assert.ok(matches("repo: acme/*"));
    assert.equal(matches("repo: other/*"), false);
    assert.ok(matches("platform: linux/*"));
    assert.equal(matches("platform: windows/*"), false);
    assert.equal(matches("instance: other.example.com"), false);
  });
  it("matrix and local are accepted and ignored", () => {
    const c = when("matrix: {GO: '1.22'}");
    assert.ok(evaluateWhen(c, ctx()).match);
  });
  it("AND inside one condition, OR across the list", () => {
    assert.equal(matches("{event: push, branch: dev}"), false);
    assert.ok(matches("- {event: push, branch: dev}\n- {event: push, branch: main}"));
    assert.ok(matches("- event: manual\n- branch: main"));
    assert.equal(matches("- event: manual\n- branch: dev"), false);
  });
});

describe("when: path", () => {
  it("include: any changed file matches", () => {
    assert.ok(matches("path: 'src/**'"));
    assert.equal(matches("path: 'docs/**'"), false);
    assert.ok(matches("path: {include: ['docs/**', 'src/*.ts']}"));
  });
  it("exclude: only when every changed file is excluded", () => {
    assert.equal(matches("path: {exclude: ['**/*.md']}", { changedFiles: ["README.md", "docs/x.md"] }), false);
    assert.ok(matches("path: {exclude: ['**/*.md']}", { changedFiles: ["README.md", "src/a.ts"] }));
  });
  it("on_empty (default true) and ignore_message", () => {
    assert.ok(matches("path: 'src/**'", { changedFiles: [] }));
    assert.equal(matches("path: {include: 'src/**', on_empty: false}", { changedFiles: [] }), false);
    assert.ok(matches("path: {include: 'docs/**', ignore_message: '[ALL]'}", { commitMessage: "fix [all] the things" }));
  });
  it("only applied to push and pull request events", () => {
    assert.ok(matches("path: 'docs/**'", { event: "cron", cron: "x" }));
    assert.ok(matches("path: 'docs/**'", { event: "manual" }));
    assert.equal(matches("path: 'docs/**'", { event: "pull_request_metadata" }), false);
  });
  it("pathMatches without a constraint", () => {
    assert.ok(pathMatches(undefined, [], ""));
  });
});

describe("when: status", () => {
  it("status: failure runs only after a failure", () => {
    const r = evaluateWhen(when("status: failure"), ctx());
    assert.deepEqual(r, { match: true, onSuccess: false, onFailure: true });
    assert.equal(shouldRun(r, false), false);
    assert.equal(shouldRun(r, true), true);
  });
  it("[success, failure] always runs", () => {
    const r = evaluateWhen(when("status: [success, failure]"), ctx());
    assert.ok(shouldRun(r, false) && shouldRun(r, true));
  });
  it("default: success only", () => {
    const r = evaluateWhen(when("event: push"), ctx());
    assert.ok(shouldRun(r, false));
    assert.equal(shouldRun(r, true), false);
  });
  it("only matching conditions contribute their status", () => {
    const c = when("- {event: manual, status: failure}\n- {event: push}");
    const r = evaluateWhen(c, ctx());
    assert.deepEqual(r, { match: true, onSuccess: true, onFailure: false });
    const m = evaluateWhen(c, ctx({ event: "manual" }));
    assert.deepEqual(m, { match: true, onSuccess: false, onFailure: true });
  });
});

describe("when: evaluate", () => {
  it("understands comparisons, contains, boolean operators", () => {
    const env = { CI_COMMIT_PULL_REQUEST_LABELS: "bug,deploy", CI_COMMIT_BRANCH: "main" };
    assert.ok(compileEvaluate('CI_COMMIT_PULL_REQUEST_LABELS contains "deploy"')(env));
    assert.ok(compileEvaluate('CI_COMMIT_BRANCH == "main" && !(CI_COMMIT_BRANCH != "main")')(env));
    assert.ok(compileEvaluate('CI_COMMIT_BRANCH in ["dev", "main"] or false')(env));
    assert.equal(compileEvaluate('UNDEFINED_VAR == "x"')(env), false);
    assert.ok(compileEvaluate("true")(env));
  });
  it("used inside a condition against the context env", () => {
    assert.ok(matches("evaluate: 'CI_X == \"1\"'", { env: { CI_X: "1" } }));
    assert.equal(matches("evaluate: 'CI_X == \"1\"'", { env: {} }), false);
  });
  it("refuses what it does not understand", () => {
    assert.throws(() => compileEvaluate("len(CI_X) > 3"), /not supported by the sandbox CI/);
    assert.throws(() => compileEvaluate("CI_X"), /not supported/);
  });
});

describe("whenContext", () => {
  it("derives the facts from the metadata", () => {
    const meta: PipelineMetadata = {
      system: { url: "https://ci.example.com:8443", platform: "linux/arm64" },
      forge: { type: "forgejo", url: "https://git.example.com" },
      repo: { id: 1, owner: "acme", name: "widget" },
      pipeline: { number: 3, event: "cron", cron: "nightly", created: 1, changedFiles: ["a"], commit: { sha: "abc", ref: "refs/heads/main", branch: "main", message: "m" } },
    };
    const c = whenContext(meta);
    assert.equal(c.instance, "ci.example.com:8443");
    assert.equal(c.repo, "acme/widget");
    assert.equal(c.cron, "nightly");
    assert.equal(c.platform, "linux/arm64");
  });
});
