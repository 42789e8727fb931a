// What the sandbox CI knows about one pipeline: the same facts Woodpecker keeps in its
// `metadata.Metadata` (system, forge, repo, current and previous pipeline). Everything the
// `CI_*` environment and the `when:` filters need is derived from this one value.

/** Pipeline events Woodpecker 3.x knows (`server/model/const.go`). */
export const EVENTS = [
  "push",
  "pull_request",
  "pull_request_closed",
  "pull_request_metadata",
  "tag",
  "release",
  "deployment",
  "cron",
  "manual",
] as const;
export type PipelineEvent = (typeof EVENTS)[number];

export function isPullRequestEvent(event: string): boolean {
  return event === "pull_request" || event === "pull_request_closed" || event === "pull_request_metadata";
}

export interface SystemInfo {
  /** CI server URL, e.g. `http://127.0.0.1:8000`; pipeline URLs are built from it. */
  url: string;
  name?: string;
  version?: string;
  /** `linux/amd64`; defaults to the local machine. */
  platform?: string;
  /** Agent hostname (`CI_MACHINE`). */
  machine?: string;
}

export interface ForgeInfo {
  type: string;
  url: string;
}

export interface RepoInfo {
  /** Woodpecker repo id (part of `CI_PIPELINE_URL`), not the forge's id. */
  id: number;
  /** The forge's repo id (`CI_REPO_REMOTE_ID`). */
  remoteId?: string;
  owner: string;
  name: string;
  /** Forge web URL of the repo. */
  url?: string;
  cloneUrl?: string;
  cloneSshUrl?: string;
  defaultBranch?: string;
  private?: boolean;
  trusted?: { network: boolean; volumes: boolean; security: boolean };
}

export interface CommitInfo {
  sha: string;
  /** `refs/heads/main`, `refs/pull/3/head`, `refs/tags/v1`; manual pipelines: the branch as sent. */
  ref: string;
  /** `source:target` for pull requests. */
  refspec?: string;
  /** Branch; for pull requests the target branch. */
  branch: string;
  message?: string;
  /** Unix seconds. */
  timestamp?: number;
  author?: string;
  authorEmail?: string;
  authorAvatar?: string;
  /** Pull request facts (PR events only). */
  pullRequestLabels?: string[];
  pullRequestMilestone?: string;
  pullRequestDraft?: boolean;
  isPrerelease?: boolean;
}

export interface PipelineInfo {
  number: number;
  parent?: number;
  event: PipelineEvent;
  /** PR metadata events: what changed (`label_updated`, …). */
  eventReason?: string[];
  /** Forge link to the commit or tag. */
  forgeUrl?: string;
  deployTarget?: string;
  deployTask?: string;
  /** Unix seconds. */
  created: number;
  started?: number;
  finished?: number;
  status?: string;
  author?: string;
  avatar?: string;
  reruns?: number;
  releaseTitle?: string;
  /** Changed files; `undefined` when unknown. */
  changedFiles?: string[];
  /** Cron job name (cron events): used by `when: cron:`, never exported as a variable. */
  cron?: string;
  commit: CommitInfo;
}

export interface PipelineMetadata {
  system: SystemInfo;
  forge: ForgeInfo;
  repo: RepoInfo;
  pipeline: PipelineInfo;
  /** The previous pipeline on the same branch, when there is one. */
  prev?: PipelineInfo;
}
