// GitHub, Forgejo and Gitea Actions: GITHUB_* variables and the event payload as RunMetadata,
// and the plain-text workflow commands (masks, groups, outputs) — written by hand, because
// @actions/core costs start-up time for a few lines of text.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { envInt, envValue, type Env } from "./env.ts";
import type { Platform } from "./detect.ts";
import type { RunEvent, RunMetadata } from "./metadata.ts";

// Only what the metadata needs; payloads are large and vary by event.
// z.lazy: built on first use, so an agent's start does not pay for schemas its run may not need.
const payloadSchema = z.lazy(() => z.looseObject({
  action: z.string().optional(),
  number: z.number().int().positive().optional(),
  ref_type: z.string().optional(),
  pull_request: z
    .looseObject({
      number: z.number().int().positive().optional(),
      head: z.looseObject({ sha: z.string().optional(), ref: z.string().optional() }).optional(),
    })
    .optional(),
  issue: z.looseObject({ number: z.number().int().positive().optional(), pull_request: z.unknown().optional() }).optional(),
}));

type Payload = z.output<typeof payloadSchema>;

export interface ActionsMetadataInput {
  env: Env;
  platform: Platform;
  /** Reads the event payload at GITHUB_EVENT_PATH. */
  readFile: (path: string) => string;
  /** Told when the payload cannot be read; the run goes on with the variables alone. */
  onWarning?: ((message: string) => void) | undefined;
}

export function actionsMetadata({ env, platform, readFile, onWarning }: ActionsMetadataInput): RunMetadata {
  const payload = readPayload(env, readFile, onWarning);
  const rawEvent = envValue(env, "GITHUB_EVENT_NAME") ?? "manual";
  const ref = envValue(env, "GITHUB_REF") ?? "";
  const isTag = env.GITHUB_REF_TYPE === "tag" || ref.startsWith("refs/tags/");
  const refName = envValue(env, "GITHUB_REF_NAME");
  const repo = envValue(env, "GITHUB_REPOSITORY");
  const server = envValue(env, "GITHUB_SERVER_URL")?.replace(/\/+$/, "");
  const prFromRef = /^refs\/pull\/(\d+)\//.exec(ref)?.[1];
  const issuePr = payload.issue?.pull_request !== undefined ? payload.issue.number : undefined;
  const pr = payload.pull_request?.number ?? (isPullEvent(rawEvent) ? payload.number : undefined) ?? issuePr ?? (prFromRef ? Number(prFromRef) : undefined);
  const pull = isPullEvent(rawEvent);
  // Forgejo (and Gitea before 1.26) address a run by its per-repo number, GitHub by its id.
  const runKey = platform === "forgejo_actions" ? envValue(env, "GITHUB_RUN_NUMBER") : envValue(env, "GITHUB_RUN_ID");
  return {
    event: actionsEvent(rawEvent, payload, isTag),
    rawEvent,
    repo,
    commit: {
      // On pull requests GITHUB_SHA is a merge commit the forge made; the head is what was pushed.
      sha: payload.pull_request?.head?.sha ?? envValue(env, "GITHUB_SHA"),
      branch: pull ? envValue(env, "GITHUB_BASE_REF") : isTag ? undefined : refName,
      sourceBranch: pull ? (envValue(env, "GITHUB_HEAD_REF") ?? payload.pull_request?.head?.ref) : undefined,
      tag: isTag ? refName : undefined,
    },
    pr,
    pipeline: {
      number: envInt(env, "GITHUB_RUN_NUMBER"),
      url: server && repo && runKey ? `${server}/${repo}/actions/runs/${runKey}` : undefined,
    },
    workflow: envValue(env, "GITHUB_WORKFLOW"),
    step: envValue(env, "GITHUB_JOB"),
    forgeUrl: server,
    ciUrl: server,
  };
}

function isPullEvent(name: string): boolean {
  return name.startsWith("pull_request");
}

function actionsEvent(name: string, payload: Payload, isTag: boolean): RunEvent {
  switch (name) {
    case "schedule":
      return "cron";
    case "push":
    case "create":
      return isTag || payload.ref_type === "tag" ? "tag" : "push";
    case "release":
      return "tag";
    case "pull_request":
    case "pull_request_target":
      return payload.action === "closed" ? "pull_request_closed" : "pull_request";
    case "pull_request_review":
    case "pull_request_review_comment":
      return "pull_request";
    default:
      // workflow_dispatch, repository_dispatch, issues, issue_comment, workflow_run …: a
      // nudge to look now, which agents treat like a manual start (rawEvent keeps the name).
      return "manual";
  }
}

function readPayload(env: Env, readFile: (path: string) => string, onWarning: ((m: string) => void) | undefined): Payload {
  const path = envValue(env, "GITHUB_EVENT_PATH");
  if (!path) return {};
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    onWarning?.(`cannot read the event payload ${path}: ${err instanceof Error ? err.message : String(err)}`);
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    onWarning?.(`the event payload ${path} is not JSON; using the GITHUB_* variables only`);
    return {};
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) {
    onWarning?.(`the event payload ${path} has an unexpected shape; using the GITHUB_* variables only`);
    return {};
  }
  return parsed.data;
}

/** Escapes the data part of a workflow command (`::error::<data>`). */
export function escapeCommandData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/**
 * Lines of untrusted text (a child's output, an issue title) that would be read as workflow
 * commands — `::add-path::`, `::stop-commands::` — are defused with an invisible character.
 */
export function defuseCommands(line: string): string {
  return line.replace(/^(\s*):(?=:)/, "$1:\u200b");
}

/** `name<<delimiter` blocks for the GITHUB_OUTPUT file; the delimiter cannot occur in values. */
export function outputBlock(values: Readonly<Record<string, string>>, delimiter = `disinto_${randomUUID()}`): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}<<${delimiter}\n${value}\n${delimiter}\n`)
    .join("");
}
