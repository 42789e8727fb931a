import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { createRunContext } from "../../src/host/context.ts";
import { detectHost } from "../../src/host/detect.ts";
import { baseSettingsSchema } from "../../src/host/settings.ts";
import { ConfigError } from "../../src/lib/errors.ts";
import { MASK, Redactor } from "../../src/lib/redact.ts";

const NOW = Date.parse("2026-05-01T12:00:00Z");
const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";
const HEAD = "9c1185a5c5e9fc54612808977ee8f548b2258d31";

type Env = Record<string, string>;

function ctxFor(env: Env, files: Record<string, string> = {}) {
  return createRunContext({
    env,
    now: NOW,
    schema: baseSettingsSchema,
    readFile: (p) => {
      const f = files[p];
      if (f === undefined) throw new Error(`ENOENT: ${p}`);
      return f;
    },
  });
}

const woodpecker = (extra: Env = {}): Env => ({
  CI: "woodpecker",
  CI_REPO: "acme/shop",
  CI_COMMIT_SHA: SHA,
  CI_COMMIT_BRANCH: "main",
  CI_PIPELINE_NUMBER: "42",
  CI_PIPELINE_URL: "https://ci.example.com/repos/7/pipeline/42",
  CI_WORKFLOW_NAME: "disinto-dev",
  CI_STEP_NAME: "dev",
  CI_FORGE_URL: "https://git.example.com",
  CI_SYSTEM_URL: "https://ci.example.com",
  ...extra,
});

const actions = (extra: Env = {}): Env => ({
  GITHUB_ACTIONS: "true",
  GITHUB_REPOSITORY: "acme/shop",
  GITHUB_SHA: SHA,
  GITHUB_REF: "refs/heads/main",
  GITHUB_REF_NAME: "main",
  GITHUB_REF_TYPE: "branch",
  GITHUB_RUN_ID: "9001",
  GITHUB_RUN_NUMBER: "17",
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_WORKFLOW: "disinto",
  GITHUB_JOB: "dev",
  ...extra,
});

describe("detectHost", () => {
  it("tells Woodpecker, GitHub, Forgejo and Gitea Actions and local apart", () => {
    assert.deepEqual(detectHost({ CI: "woodpecker" }), { host: "woodpecker", platform: "woodpecker" });
    assert.deepEqual(detectHost({ GITHUB_ACTIONS: "true" }), { host: "actions", platform: "github_actions" });
    assert.deepEqual(detectHost({ GITHUB_ACTIONS: "true", GITEA_ACTIONS: "true", FORGEJO_ACTIONS: "true" }), { host: "actions", platform: "forgejo_actions" });
    assert.deepEqual(detectHost({ GITHUB_ACTIONS: "true", GITEA_ACTIONS: "true" }), { host: "actions", platform: "gitea_actions" });
    assert.deepEqual(detectHost({ CI: "true" }), { host: "local", platform: "local" });
    assert.deepEqual(detectHost({}), { host: "local", platform: "local" });
  });
});

describe("RunContext on Woodpecker", () => {
  it("maps every Woodpecker event", () => {
    const expected = {
      push: "push",
      pull_request: "pull_request",
      pull_request_closed: "pull_request_closed",
      pull_request_metadata: "pull_request",
      tag: "tag",
      release: "tag",
      deployment: "manual",
      cron: "cron",
      manual: "manual",
    };
    for (const [raw, event] of Object.entries(expected)) {
      const ctx = ctxFor(woodpecker({ CI_PIPELINE_EVENT: raw }));
      assert.equal(ctx.event, event, raw);
      assert.equal(ctx.rawEvent, raw);
    }
  });

  it("normalises repo, commit, PR, pipeline, workflow and step", () => {
    const ctx = ctxFor(woodpecker({ CI_PIPELINE_EVENT: "pull_request", CI_COMMIT_PULL_REQUEST: "34", CI_COMMIT_SOURCE_BRANCH: "fix/12" }));
    assert.equal(ctx.host, "woodpecker");
    assert.equal(ctx.repo, "acme/shop");
    assert.deepEqual(ctx.commit, { sha: SHA, branch: "main", sourceBranch: "fix/12", tag: undefined });
    assert.equal(ctx.pr, 34);
    assert.deepEqual(ctx.pipeline, { number: 42, url: "https://ci.example.com/repos/7/pipeline/42" });
    assert.equal(ctx.workflow, "disinto-dev");
    assert.equal(ctx.step, "dev");
    assert.equal(ctx.forgeUrl, "https://git.example.com");
    assert.equal(ctx.ciUrl, "https://ci.example.com");
  });

  it("builds the repo from owner and name when CI_REPO is absent", () => {
    const { CI_REPO: _r, ...env } = woodpecker({ CI_REPO_OWNER: "acme", CI_REPO_NAME: "shop" });
    assert.equal(ctxFor(env).repo, "acme/shop");
  });
});

describe("RunContext on Actions", () => {
  const EVENT_PATH = "/runner/event.json";
  const withPayload = (env: Env, payload: unknown) => ctxFor({ ...env, GITHUB_EVENT_PATH: EVENT_PATH }, { [EVENT_PATH]: JSON.stringify(payload) });

  it("maps schedule, workflow_dispatch, push, tags and releases", () => {
    assert.equal(ctxFor(actions({ GITHUB_EVENT_NAME: "schedule" })).event, "cron");
    assert.equal(ctxFor(actions({ GITHUB_EVENT_NAME: "workflow_dispatch" })).event, "manual");
    assert.equal(ctxFor(actions({ GITHUB_EVENT_NAME: "push" })).event, "push");
    const tag = ctxFor(actions({ GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/tags/v1.2.0", GITHUB_REF_NAME: "v1.2.0", GITHUB_REF_TYPE: "tag" }));
    assert.equal(tag.event, "tag");
    assert.equal(tag.commit.tag, "v1.2.0");
    assert.equal(tag.commit.branch, undefined);
    assert.equal(ctxFor(actions({ GITHUB_EVENT_NAME: "release" })).event, "tag");
    const comment = withPayload(actions({ GITHUB_EVENT_NAME: "issue_comment" }), { action: "created", issue: { number: 12 } });
    assert.equal(comment.event, "manual");
    assert.equal(comment.rawEvent, "issue_comment");
    assert.equal(comment.pr, undefined);
  });

  it("maps pull_request and pull_request_target, closed from the payload's action", () => {
    for (const name of ["pull_request", "pull_request_target"]) {
      const pr = { number: 34, head: { sha: HEAD, ref: "fix/12" } };
      const opened = withPayload(actions({ GITHUB_EVENT_NAME: name, GITHUB_BASE_REF: "main", GITHUB_HEAD_REF: "fix/12", GITHUB_REF: "refs/pull/34/merge" }), { action: "synchronize", pull_request: pr });
      assert.equal(opened.event, "pull_request", name);
      const closed = withPayload(actions({ GITHUB_EVENT_NAME: name }), { action: "closed", pull_request: pr });
      assert.equal(closed.event, "pull_request_closed", name);
    }
  });

  it("takes the PR head commit, not the merge commit, and the target branch", () => {
    const ctx = withPayload(actions({ GITHUB_EVENT_NAME: "pull_request", GITHUB_BASE_REF: "main", GITHUB_HEAD_REF: "fix/12", GITHUB_REF: "refs/pull/34/merge", GITHUB_REF_NAME: "34/merge" }), {
      action: "opened",
      number: 34,
      pull_request: { number: 34, head: { sha: HEAD, ref: "fix/12" } },
    });
    assert.deepEqual(ctx.commit, { sha: HEAD, branch: "main", sourceBranch: "fix/12", tag: undefined });
    assert.equal(ctx.pr, 34);
  });

  it("finds the PR number in the ref when there is no payload, and the PR of a PR comment", () => {
    assert.equal(ctxFor(actions({ GITHUB_EVENT_NAME: "pull_request", GITHUB_REF: "refs/pull/56/merge" })).pr, 56);
    const comment = withPayload(actions({ GITHUB_EVENT_NAME: "issue_comment" }), { issue: { number: 34, pull_request: { url: "x" } } });
    assert.equal(comment.pr, 34);
  });

  it("links the run by id on GitHub and by number on Forgejo", () => {
    const gh = ctxFor(actions({ GITHUB_EVENT_NAME: "push" }));
    assert.equal(gh.platform, "github_actions");
    assert.deepEqual(gh.pipeline, { number: 17, url: "https://github.com/acme/shop/actions/runs/9001" });
    const fj = ctxFor(actions({ GITHUB_EVENT_NAME: "push", FORGEJO_ACTIONS: "true", GITEA_ACTIONS: "true", GITHUB_SERVER_URL: "https://code.example.org/" }));
    assert.equal(fj.platform, "forgejo_actions");
    assert.deepEqual(fj.pipeline, { number: 17, url: "https://code.example.org/acme/shop/actions/runs/17" });
    assert.equal(fj.forgeUrl, "https://code.example.org");
    assert.equal(fj.workflow, "disinto");
    assert.equal(fj.step, "dev");
  });

  it("goes on with the variables alone when the payload cannot be read", () => {
    const ctx = ctxFor(actions({ GITHUB_EVENT_NAME: "pull_request", GITHUB_EVENT_PATH: "/missing.json", GITHUB_REF: "refs/pull/7/merge" }));
    assert.equal(ctx.event, "pull_request");
    assert.equal(ctx.pr, 7);
    assert.equal(ctx.commit.sha, SHA);
    assert.match(ctx.warnings[0] ?? "", /^cannot read the event payload \/missing\.json/);
    const garbled = ctxFor(actions({ GITHUB_EVENT_NAME: "push", GITHUB_EVENT_PATH: EVENT_PATH }), { [EVENT_PATH]: "{not json" });
    assert.match(garbled.warnings[0] ?? "", /is not JSON/);
  });
});

describe("RunContext locally", () => {
  it("has the local event and no CI metadata", () => {
    const ctx = ctxFor({ DISINTO_AGENT: "dev" });
    assert.equal(ctx.host, "local");
    assert.equal(ctx.event, "local");
    assert.equal(ctx.repo, undefined);
    assert.equal(ctx.pipeline.url, undefined);
    assert.equal(ctx.settings.agent, "dev");
  });
});

describe("RunContext deadline, settings and secrets", () => {
  it("sets the deadline to start + timeout_minutes", () => {
    assert.equal(ctxFor({}).deadline, NOW + 55 * 60_000);
    assert.equal(ctxFor(woodpecker({ PLUGIN_TIMEOUT_MINUTES: "20" })).deadline, NOW + 20 * 60_000);
    assert.equal(ctxFor({ DISINTO_TIMEOUT_MINUTES: "1.5" }).deadline, NOW + 90_000);
    assert.equal(ctxFor({}).startedAt, NOW);
  });

  it("carries the agent's own settings, typed by its schema", () => {
    const schema = baseSettingsSchema.extend({ max_issues: z.number().int().default(3) });
    const ctx = createRunContext({ env: { PLUGIN_MAX_ISSUES: "5" }, now: NOW, schema });
    assert.equal(ctx.settings.max_issues, 5);
  });

  it("registers secret settings and secret-named variables with its redactor", () => {
    const ctx = ctxFor(woodpecker({ PLUGIN_FORGE_TOKEN: "forge-canary-1", CI_NETRC_PASSWORD: "netrc-canary-2", ANTHROPIC_API_KEY: "sk-ant-canary-3", SOME_KEY: "true" }));
    const out = ctx.redactor.redact("forge-canary-1 netrc-canary-2 sk-ant-canary-3 true");
    assert.equal(out, `${MASK} ${MASK} ${MASK} true`);
  });

  it("keeps secrets registered in a caller's redactor when the settings are invalid", () => {
    const redactor = new Redactor();
    assert.throws(() => createRunContext({ env: { PLUGIN_FORGE_TOKEN: "forge-canary-1", PLUGIN_DRY_RUN: "perhaps" }, now: NOW, schema: baseSettingsSchema, redactor }), ConfigError);
    assert.ok(redactor.values.includes("forge-canary-1"));
  });

  it("collects unknown-setting warnings", () => {
    assert.deepEqual(ctxFor(woodpecker({ PLUGIN_AGNET: "dev" })).warnings, ["settings: `agnet` (PLUGIN_AGNET) is not a setting of this agent; ignored"]);
  });

  it("does not call secrets the config names (api keys, tokens) unknown settings", () => {
    assert.deepEqual(ctxFor(woodpecker({ PLUGIN_ANTHROPIC_API_KEY: "sk-ant-canary-123456", PLUGIN_FORGE_DEV_TOKEN: "t0ken-canary-1" })).warnings, []);
  });
});
