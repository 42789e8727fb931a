// What a run is about, in host-neutral terms. Each host module maps its variables to this.

/** Normalised trigger: agents branch on these, never on a host's own event names. */
export type RunEvent = "cron" | "manual" | "push" | "pull_request" | "pull_request_closed" | "tag" | "local";

export interface RunMetadata {
  event: RunEvent;
  /** The event as the host named it (`pull_request_metadata`, `workflow_dispatch`, …). */
  rawEvent: string;
  /** `owner/name` of the repository the pipeline runs for. */
  repo: string | undefined;
  commit: {
    sha: string | undefined;
    /** The branch the run is for; for pull requests the target branch. */
    branch: string | undefined;
    /** Head branch of a pull request. */
    sourceBranch: string | undefined;
    tag: string | undefined;
  };
  pr: number | undefined;
  pipeline: { number: number | undefined; url: string | undefined };
  workflow: string | undefined;
  step: string | undefined;
  /** Root URL of the forge as the host reports it (a default, never a setting). */
  forgeUrl: string | undefined;
  /** Root URL of the CI as the host reports it. */
  ciUrl: string | undefined;
}

export function localMetadata(): RunMetadata {
  return {
    event: "local",
    rawEvent: "local",
    repo: undefined,
    commit: { sha: undefined, branch: undefined, sourceBranch: undefined, tag: undefined },
    pr: undefined,
    pipeline: { number: undefined, url: undefined },
    workflow: undefined,
    step: undefined,
    forgeUrl: undefined,
    ciUrl: undefined,
  };
}
