import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { metadataEnv, pipelineUrl, stepEnv } from "../../src/sandbox/ci/env.ts";
import type { PipelineInfo, PipelineMetadata } from "../../src/sandbox/ci/metadata.ts";

function meta(pipeline: Partial<PipelineInfo> & Pick<PipelineInfo, "event" | "commit">, extra: Partial<PipelineMetadata> = {}): PipelineMetadata {
  return {
    system: { url: "http://ci.local:8000", version: "3.17.0", platform: "linux/amd64", machine: "agent-1" },
    forge: { type: "forgejo", url: "http://git.local:3000" },
    repo: {
      id: 12,
      remoteId: "34",
      owner: "acme",
      name: "widget",
      url: "http://git.local:3000/acme/widget",
      cloneUrl: "http://git.local:3000/acme/widget.git",
      defaultBranch: "main",
      private: true,
      trusted: { network: true, volumes: false, security: false },
    },
    pipeline: { number: 5, created: 1700000000, started: 1700000010, ...pipeline },
    ...extra,
  };
}

const push = meta({
  event: "push",
  changedFiles: ["a.ts", "docs/b.md"],
  author: "alice",
  commit: { sha: "abc123", ref: "refs/heads/main", branch: "main", message: "fix things", author: "alice", authorEmail: "a@x", timestamp: 1699999999 },
});

describe("CI_* environment", () => {
  it("push: pipeline, repo, commit, system, forge", () => {
    const env = metadataEnv(push, { name: "ci", number: 1 });
    assert.equal(env.CI, "woodpecker");
    assert.equal(env.CI_SYSTEM_NAME, "woodpecker");
    assert.equal(env.CI_SYSTEM_URL, "http://ci.local:8000");
    assert.equal(env.CI_SYSTEM_HOST, "ci.local:8000");
    assert.equal(env.CI_SYSTEM_VERSION, "3.17.0");
    assert.equal(env.CI_FORGE_TYPE, "forgejo");
    assert.equal(env.CI_FORGE_URL, "http://git.local:3000");
    assert.equal(env.CI_REPO, "acme/widget");
    assert.equal(env.CI_REPO_REMOTE_ID, "34");
    assert.equal(env.CI_REPO_PRIVATE, "true");
    assert.equal(env.CI_REPO_TRUSTED_NETWORK, "true");
    assert.equal(env.CI_REPO_TRUSTED_VOLUMES, "false");
    assert.equal(env.CI_REPO_TRUSTED, "false");
    assert.equal(env.CI_PIPELINE_NUMBER, "5");
    assert.equal(env.CI_PIPELINE_PARENT, "0");
    assert.equal(env.CI_PIPELINE_EVENT, "push");
    assert.equal(env.CI_PIPELINE_URL, "http://ci.local:8000/repos/12/pipeline/5");
    assert.equal(env.CI_PIPELINE_CREATED, "1700000000");
    assert.equal(env.CI_PIPELINE_AUTHOR, "alice");
    assert.equal(env.CI_PIPELINE_FILES, '["a.ts","docs/b.md"]');
    assert.equal(env.CI_COMMIT_SHA, "abc123");
    assert.equal(env.CI_COMMIT_REF, "refs/heads/main");
    assert.equal(env.CI_COMMIT_BRANCH, "main");
    assert.equal(env.CI_COMMIT_MESSAGE, "fix things");
    assert.equal(env.CI_COMMIT_TIMESTAMP, "1699999999");
    assert.equal(env.CI_WORKFLOW_NAME, "ci");
    assert.equal(env.CI_WORKFLOW_NUMBER, "1");
    for (const k of ["CI_COMMIT_PULL_REQUEST", "CI_COMMIT_TAG", "CI_COMMIT_SOURCE_BRANCH", "CI_COMMIT_REFSPEC", "CI_PREV_PIPELINE_NUMBER", "CI_PIPELINE_DEPLOY_TARGET"]) {
      assert.equal(k in env, false, `${k} must not be set on a push`);
    }
  });

  it("empty values are not set at all", () => {
    const env = metadataEnv(meta({ event: "push", commit: { sha: "s", ref: "refs/heads/x", branch: "x", message: "" } }));
    assert.equal("CI_COMMIT_MESSAGE" in env, false);
    assert.equal("CI_COMMIT_AUTHOR" in env, false);
    assert.equal(Object.values(env).includes(""), false);
  });

  it("pull request: number from the ref, source/target from the refspec, labels, draft", () => {
    const env = metadataEnv(
      meta({
        event: "pull_request",
        commit: { sha: "def", ref: "refs/pull/17/head", refspec: "feature/x:main", branch: "main", pullRequestLabels: ["bug", "ci"], pullRequestMilestone: "v1" },
      }),
    );
    assert.equal(env.CI_COMMIT_PULL_REQUEST, "17");
    assert.equal(env.CI_COMMIT_SOURCE_BRANCH, "feature/x");
    assert.equal(env.CI_COMMIT_TARGET_BRANCH, "main");
    assert.equal(env.CI_COMMIT_BRANCH, "main");
    assert.equal(env.CI_COMMIT_PULL_REQUEST_LABELS, "bug,ci");
    assert.equal(env.CI_COMMIT_PULL_REQUEST_MILESTONE, "v1");
    assert.equal(env.CI_COMMIT_PULL_REQUEST_DRAFT, "false");
    assert.equal(env.CI_PIPELINE_EVENT, "pull_request");
  });

  it("cron: no CI_PIPELINE_CRON and the cron name appears nowhere", () => {
    const env = metadataEnv(meta({ event: "cron", cron: "disinto-dev", commit: { sha: "s", ref: "refs/heads/main", branch: "main" } }));
    assert.equal(env.CI_PIPELINE_EVENT, "cron");
    assert.equal("CI_PIPELINE_CRON" in env, false);
    assert.equal(Object.values(env).some((v) => v.includes("disinto-dev")), false);
  });

  it("manual: the ref is the branch as sent", () => {
    const env = metadataEnv(meta({ event: "manual", author: "bob", commit: { sha: "s", ref: "main", branch: "main", message: "MANUAL PIPELINE @ main" } }));
    assert.equal(env.CI_PIPELINE_EVENT, "manual");
    assert.equal(env.CI_COMMIT_REF, "main");
    assert.equal(env.CI_COMMIT_MESSAGE, "MANUAL PIPELINE @ main");
    assert.equal(env.CI_PIPELINE_AUTHOR, "bob");
  });

  it("tag: CI_COMMIT_TAG from the ref", () => {
    const env = metadataEnv(meta({ event: "tag", commit: { sha: "s", ref: "refs/tags/v1.2.0", branch: "" } }));
    assert.equal(env.CI_COMMIT_TAG, "v1.2.0");
  });

  it("more than 500 changed files: CI_PIPELINE_FILES unset; none: []", () => {
    const many = Array.from({ length: 501 }, (_, i) => `f${i}`);
    assert.equal("CI_PIPELINE_FILES" in metadataEnv(meta({ event: "push", changedFiles: many, commit: { sha: "s", ref: "r", branch: "b" } })), false);
    assert.equal(metadataEnv(meta({ event: "push", commit: { sha: "s", ref: "r", branch: "b" } })).CI_PIPELINE_FILES, "[]");
  });

  it("previous pipeline variables when there is one", () => {
    const env = metadataEnv({
      ...push,
      prev: { number: 4, event: "push", status: "failure", created: 1, finished: 3, commit: { sha: "old", ref: "refs/heads/main", branch: "main" } },
    });
    assert.equal(env.CI_PREV_PIPELINE_NUMBER, "4");
    assert.equal(env.CI_PREV_PIPELINE_STATUS, "failure");
    assert.equal(env.CI_PREV_PIPELINE_URL, "http://ci.local:8000/repos/12/pipeline/4");
    assert.equal(env.CI_PREV_COMMIT_SHA, "old");
  });

  it("step runtime variables and Drone aliases", () => {
    const env = stepEnv(push, { name: "ci", number: 1 }, { name: "test", number: 3, type: "commands", started: 1700000020 }, { pipelineStatus: "failure", workspace: "/tmp/ws" });
    assert.equal(env.CI_STEP_NAME, "test");
    assert.equal(env.CI_STEP_NUMBER, "3");
    assert.equal(env.CI_STEP_URL, "http://ci.local:8000/repos/12/pipeline/5/3");
    assert.equal(env.CI_STEP_STARTED, "1700000020");
    assert.equal(env.CI_STEP_TYPE, "commands");
    assert.equal(env.CI_PIPELINE_STATUS, "failure");
    assert.equal(env.CI_WORKSPACE, "/tmp/ws");
    assert.equal(env.CI_MACHINE, "agent-1");
    assert.equal(env.CI_SYSTEM_PLATFORM, "linux/amd64");
    assert.equal(env.DRONE_BUILD_NUMBER, "5");
    assert.equal(env.DRONE_COMMIT_SHA, "abc123");
    assert.equal(env.DRONE_BUILD_LINK, env.CI_PIPELINE_URL);
    assert.equal(env.DRONE_BUILD_STATUS, "success");
    assert.equal(env.DRONE_REPO_SCM, "git");
    assert.equal(env.PULLREQUEST_DRONE_PULL_REQUEST, "0");
    assert.equal("DRONE_PULL_REQUEST" in env, false);
  });

  it("pipeline URL uses the CI repo id, trailing slash tolerated", () => {
    assert.equal(pipelineUrl({ ...push, system: { url: "http://ci.local/" } }), "http://ci.local/repos/12/pipeline/5");
    assert.equal(pipelineUrl(push, 5, 2), "http://ci.local:8000/repos/12/pipeline/5/2");
  });
});
