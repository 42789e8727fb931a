// The `CI_*` environment Woodpecker 3.x gives a step (metadata/environment.go plus what the
// agent and runtime add), with the Drone compatibility aliases. Variables whose value is
// empty are not set at all. There is deliberately no `CI_PIPELINE_CRON`: Woodpecker has none.
import { isPullRequestEvent, type PipelineInfo, type PipelineMetadata } from "./metadata.ts";
import { localPlatform } from "./when.ts";

export { encodeSettings, encodeEnvironment, settingKey } from "./settings.ts";

/** Woodpecker drops CI_PIPELINE_FILES beyond this many changed files. */
export const MAX_CHANGED_FILES = 500;
export const DEFAULT_SYSTEM_VERSION = "3.17.0";

export interface WorkflowRef {
  name: string;
  /** Workflow pid within the pipeline. */
  number: number;
}

export type StepType = "commands" | "plugin" | "clone" | "service" | "cache";

export interface StepRef {
  name: string;
  /** Step pid within the pipeline. */
  number: number;
  type: StepType;
  /** Unix seconds. */
  started: number;
}

export interface RuntimeFacts {
  /** Workflow state before this step. */
  pipelineStatus: "success" | "failure";
  /** Absolute path of the checkout (`CI_WORKSPACE`). */
  workspace: string;
}

/** `<ci url>/repos/<repo id>/pipeline/<number>[/<step number>]` */
export function pipelineUrl(meta: PipelineMetadata, number = meta.pipeline.number, stepNumber?: number): string {
  const base = `${meta.system.url.replace(/\/+$/, "")}/repos/${meta.repo.id}/pipeline/${number}`;
  return stepNumber === undefined ? base : `${base}/${stepNumber}`;
}

function splitRefspec(refspec: string | undefined): [string, string] {
  const parts = (refspec ?? "").split(":");
  return parts.length === 2 ? [parts[0] ?? "", parts[1] ?? ""] : ["", ""];
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}

const str = (v: string | number | boolean | undefined): string => (v === undefined ? "" : String(v));

/** Pull request number from a ref such as `refs/pull/12/head` (the first run of digits). */
export function pullRequestNumber(ref: string): string {
  return /\d+/.exec(ref)?.[0] ?? "";
}

/**
 * The metadata environment: what `when` expressions and `${VAR}` substitution see, and what
 * every step receives before the runtime additions. Pass the workflow once it is known.
 */
export function metadataEnv(meta: PipelineMetadata, workflow?: WorkflowRef): Record<string, string> {
  const p = meta.pipeline;
  const c = p.commit;
  const name = meta.system.name ?? "woodpecker";
  const trusted = meta.repo.trusted ?? { network: false, volumes: false, security: false };
  const [source, target] = splitRefspec(c.refspec);
  const env: Record<string, string> = {
    CI: name,
    CI_SYSTEM_NAME: name,
    CI_SYSTEM_URL: meta.system.url,
    CI_SYSTEM_HOST: hostOf(meta.system.url),
    CI_SYSTEM_VERSION: meta.system.version ?? DEFAULT_SYSTEM_VERSION,
    CI_FORGE_TYPE: meta.forge.type,
    CI_FORGE_URL: meta.forge.url,

    CI_REPO: `${meta.repo.owner}/${meta.repo.name}`,
    CI_REPO_NAME: meta.repo.name,
    CI_REPO_OWNER: meta.repo.owner,
    CI_REPO_REMOTE_ID: str(meta.repo.remoteId),
    CI_REPO_URL: str(meta.repo.url),
    CI_REPO_CLONE_URL: str(meta.repo.cloneUrl),
    CI_REPO_CLONE_SSH_URL: str(meta.repo.cloneSshUrl),
    CI_REPO_DEFAULT_BRANCH: str(meta.repo.defaultBranch),
    CI_REPO_PRIVATE: String(meta.repo.private ?? false),
    CI_REPO_TRUSTED_NETWORK: String(trusted.network),
    CI_REPO_TRUSTED_VOLUMES: String(trusted.volumes),
    CI_REPO_TRUSTED_SECURITY: String(trusted.security),
    CI_REPO_TRUSTED: String(trusted.network && trusted.volumes && trusted.security),

    CI_COMMIT_SHA: c.sha,
    CI_COMMIT_REF: c.ref,
    CI_COMMIT_REFSPEC: str(c.refspec),
    CI_COMMIT_BRANCH: c.branch,
    CI_COMMIT_SOURCE_BRANCH: source,
    CI_COMMIT_TARGET_BRANCH: target,
    CI_COMMIT_MESSAGE: str(c.message),
    CI_COMMIT_TIMESTAMP: str(c.timestamp),
    CI_COMMIT_AUTHOR: str(c.author),
    CI_COMMIT_AUTHOR_EMAIL: str(c.authorEmail),
    CI_COMMIT_AUTHOR_AVATAR: str(c.authorAvatar),

    ...pipelineVars("CI_PIPELINE", meta, p),
    CI_PIPELINE_EVENT_REASON: (p.eventReason ?? []).join(","),
    CI_PIPELINE_RERUNS: p.reruns ? String(p.reruns) : "",
  };
  if (p.event === "tag" || p.event === "release" || c.ref.startsWith("refs/tags/")) env.CI_COMMIT_TAG = c.ref.replace(/^refs\/tags\//, "");
  if (p.event === "release") {
    env.CI_COMMIT_PRERELEASE = String(c.isPrerelease ?? false);
    env.CI_PIPELINE_RELEASE_PRE = String(c.isPrerelease ?? false);
    env.CI_PIPELINE_RELEASE_TITLE = str(p.releaseTitle);
  }
  if (isPullRequestEvent(p.event)) {
    env.CI_COMMIT_PULL_REQUEST = pullRequestNumber(c.ref);
    env.CI_COMMIT_PULL_REQUEST_LABELS = (c.pullRequestLabels ?? []).join(",");
    env.CI_COMMIT_PULL_REQUEST_MILESTONE = str(c.pullRequestMilestone);
    env.CI_COMMIT_PULL_REQUEST_DRAFT = String(c.pullRequestDraft ?? false);
  }
  const files = p.changedFiles ?? [];
  if (files.length <= MAX_CHANGED_FILES) env.CI_PIPELINE_FILES = JSON.stringify(files);

  if (meta.prev) {
    const prev = meta.prev;
    const [ps, pt] = splitRefspec(prev.commit.refspec);
    Object.assign(env, pipelineVars("CI_PREV_PIPELINE", meta, prev), {
      CI_PREV_PIPELINE_EVENT_REASON: (prev.eventReason ?? []).join(","),
      CI_PREV_PIPELINE_STATUS: str(prev.status),
      CI_PREV_PIPELINE_FINISHED: str(prev.finished),
      CI_PREV_COMMIT_SHA: prev.commit.sha,
      CI_PREV_COMMIT_REF: prev.commit.ref,
      CI_PREV_COMMIT_REFSPEC: str(prev.commit.refspec),
      CI_PREV_COMMIT_BRANCH: prev.commit.branch,
      CI_PREV_COMMIT_MESSAGE: str(prev.commit.message),
      CI_PREV_COMMIT_TIMESTAMP: str(prev.commit.timestamp),
      CI_PREV_COMMIT_AUTHOR: str(prev.commit.author),
      CI_PREV_COMMIT_AUTHOR_EMAIL: str(prev.commit.authorEmail),
      CI_PREV_COMMIT_URL: str(prev.forgeUrl),
      CI_PREV_COMMIT_SOURCE_BRANCH: ps,
      CI_PREV_COMMIT_TARGET_BRANCH: pt,
    });
  }
  if (workflow) {
    env.CI_WORKFLOW_NAME = workflow.name;
    env.CI_WORKFLOW_NUMBER = String(workflow.number);
  }
  return dropEmpty(env);
}

function pipelineVars(prefix: string, meta: PipelineMetadata, p: PipelineInfo): Record<string, string> {
  return {
    [`${prefix}_NUMBER`]: String(p.number),
    [`${prefix}_PARENT`]: String(p.parent ?? 0),
    [`${prefix}_EVENT`]: p.event,
    [`${prefix}_URL`]: pipelineUrl(meta, p.number),
    [`${prefix}_FORGE_URL`]: str(p.forgeUrl),
    [`${prefix}_DEPLOY_TARGET`]: str(p.deployTarget),
    [`${prefix}_DEPLOY_TASK`]: str(p.deployTask),
    [`${prefix}_CREATED`]: String(p.created),
    [`${prefix}_STARTED`]: str(p.started),
    [`${prefix}_AUTHOR`]: str(p.author),
    [`${prefix}_AVATAR`]: str(p.avatar),
  };
}

/** Everything a step process receives from the CI: metadata, runtime additions, Drone aliases. */
export function stepEnv(meta: PipelineMetadata, workflow: WorkflowRef, step: StepRef, runtime: RuntimeFacts): Record<string, string> {
  const env = metadataEnv(meta, workflow);
  Object.assign(
    env,
    dropEmpty({
      CI_STEP_NAME: step.name,
      CI_STEP_NUMBER: String(step.number),
      CI_STEP_URL: pipelineUrl(meta, meta.pipeline.number, step.number),
      CI_STEP_STARTED: String(step.started),
      CI_STEP_TYPE: step.type,
      CI_PIPELINE_STATUS: runtime.pipelineStatus,
      CI_WORKSPACE: runtime.workspace,
      CI_SYSTEM_PLATFORM: meta.system.platform ?? localPlatform(),
      CI_MACHINE: str(meta.system.machine),
    }),
  );
  return { ...env, ...droneEnv(env) };
}

const DRONE_ALIASES: readonly [string, string][] = [
  ["CI_COMMIT_BRANCH", "DRONE_BRANCH"],
  ["CI_COMMIT_PULL_REQUEST", "DRONE_PULL_REQUEST"],
  ["CI_COMMIT_PULL_REQUEST", "PULLREQUEST_DRONE_PULL_REQUEST"],
  ["CI_COMMIT_TAG", "DRONE_TAG"],
  ["CI_COMMIT_SOURCE_BRANCH", "DRONE_SOURCE_BRANCH"],
  ["CI_COMMIT_TARGET_BRANCH", "DRONE_TARGET_BRANCH"],
  ["CI_PIPELINE_NUMBER", "DRONE_BUILD_NUMBER"],
  ["CI_PIPELINE_PARENT", "DRONE_BUILD_PARENT"],
  ["CI_PIPELINE_EVENT", "DRONE_BUILD_EVENT"],
  ["CI_PIPELINE_URL", "DRONE_BUILD_LINK"],
  ["CI_PIPELINE_CREATED", "DRONE_BUILD_CREATED"],
  ["CI_PIPELINE_STARTED", "DRONE_BUILD_STARTED"],
  ["CI_COMMIT_SHA", "DRONE_COMMIT"],
  ["CI_COMMIT_SHA", "DRONE_COMMIT_SHA"],
  ["CI_PREV_COMMIT_SHA", "DRONE_COMMIT_BEFORE"],
  ["CI_COMMIT_REF", "DRONE_COMMIT_REF"],
  ["CI_COMMIT_BRANCH", "DRONE_COMMIT_BRANCH"],
  ["CI_PIPELINE_FORGE_URL", "DRONE_COMMIT_LINK"],
  ["CI_COMMIT_MESSAGE", "DRONE_COMMIT_MESSAGE"],
  ["CI_COMMIT_AUTHOR", "DRONE_COMMIT_AUTHOR"],
  ["CI_COMMIT_AUTHOR", "DRONE_COMMIT_AUTHOR_NAME"],
  ["CI_COMMIT_AUTHOR_EMAIL", "DRONE_COMMIT_AUTHOR_EMAIL"],
  ["CI_COMMIT_AUTHOR_AVATAR", "DRONE_COMMIT_AUTHOR_AVATAR"],
  ["CI_REPO", "DRONE_REPO"],
  ["CI_REPO_OWNER", "DRONE_REPO_OWNER"],
  ["CI_REPO_NAME", "DRONE_REPO_NAME"],
  ["CI_REPO_URL", "DRONE_REPO_LINK"],
  ["CI_REPO_DEFAULT_BRANCH", "DRONE_REPO_BRANCH"],
  ["CI_REPO_PRIVATE", "DRONE_REPO_PRIVATE"],
  ["CI_REPO_CLONE_URL", "DRONE_REMOTE_URL"],
  ["CI_REPO_CLONE_URL", "DRONE_GIT_HTTP_URL"],
  ["CI_SYSTEM_HOST", "DRONE_SYSTEM_HOST"],
  ["CI_STEP_NUMBER", "DRONE_STEP_NUMBER"],
];

function droneEnv(ci: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [from, to] of DRONE_ALIASES) {
    const v = ci[from];
    if (v !== undefined) out[to] = v;
  }
  out.DRONE_BUILD_STATUS = "success";
  out.DRONE_REPO_SCM = "git";
  // plugins that parse the PR number as an integer need something on push events too
  if (ci.CI_COMMIT_PULL_REQUEST === undefined) out.PULLREQUEST_DRONE_PULL_REQUEST = "0";
  return out;
}

function dropEmpty(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== "") out[k] = v;
  return out;
}
