// Woodpecker's CI_* variables (contracts/woodpecker.md §a) as RunMetadata.
import { envInt, envValue, type Env } from "./env.ts";
import type { RunEvent, RunMetadata } from "./metadata.ts";

const EVENTS: Readonly<Record<string, RunEvent>> = {
  push: "push",
  pull_request: "pull_request",
  pull_request_closed: "pull_request_closed",
  // Label, title or assignee changes on an open PR: the PR is still the subject.
  pull_request_metadata: "pull_request",
  tag: "tag",
  // Forgejo releases are cut from a tag; agents treat them alike.
  release: "tag",
  // Started on purpose through the API or CLI, like a manual pipeline.
  deployment: "manual",
  cron: "cron",
  manual: "manual",
};

export function woodpeckerMetadata(env: Env): RunMetadata {
  const rawEvent = envValue(env, "CI_PIPELINE_EVENT") ?? "manual";
  const owner = envValue(env, "CI_REPO_OWNER");
  const name = envValue(env, "CI_REPO_NAME");
  return {
    event: EVENTS[rawEvent] ?? "manual",
    rawEvent,
    repo: envValue(env, "CI_REPO") ?? (owner && name ? `${owner}/${name}` : undefined),
    commit: {
      sha: envValue(env, "CI_COMMIT_SHA"),
      branch: envValue(env, "CI_COMMIT_BRANCH") ?? envValue(env, "CI_COMMIT_TARGET_BRANCH"),
      sourceBranch: envValue(env, "CI_COMMIT_SOURCE_BRANCH"),
      tag: envValue(env, "CI_COMMIT_TAG"),
    },
    pr: envInt(env, "CI_COMMIT_PULL_REQUEST"),
    pipeline: { number: envInt(env, "CI_PIPELINE_NUMBER"), url: envValue(env, "CI_PIPELINE_URL") },
    workflow: envValue(env, "CI_WORKFLOW_NAME"),
    step: envValue(env, "CI_STEP_NAME"),
    forgeUrl: envValue(env, "CI_FORGE_URL"),
    ciUrl: envValue(env, "CI_SYSTEM_URL"),
  };
}
