// States as Woodpecker names them, and how a workflow's state becomes a forge commit status
// (server/forge/forgejo getStatus and the default status context format).

export const STATES = ["pending", "running", "success", "failure", "killed", "skipped", "error", "blocked", "declined", "canceled", "created"] as const;
export type CiState = (typeof STATES)[number];

export type CommitStatusState = "pending" | "success" | "failure" | "error" | "warning";

export const DEFAULT_STATUS_CONTEXT = "ci/woodpecker";

export function isTerminal(state: CiState): boolean {
  return !(state === "pending" || state === "running" || state === "blocked" || state === "created");
}

/** Event segment of the context: `pull_request` is shortened to `pr`, the others stay as they are. */
export function statusEvent(event: string): string {
  return event === "pull_request" ? "pr" : event;
}

/** `ci/woodpecker/<event>/<workflow>[/<axis>]` */
export function statusContext(event: string, workflow: string, opts: { context?: string; axisId?: number } = {}): string {
  const base = `${opts.context ?? DEFAULT_STATUS_CONTEXT}/${statusEvent(event)}/${workflow}`;
  return opts.axisId ? `${base}/${opts.axisId}` : base;
}

/** Woodpecker state → Forgejo commit status state; anything unlisted reports failure. */
export function commitStatusState(state: CiState): CommitStatusState {
  switch (state) {
    case "pending":
    case "blocked":
    case "running":
      return "pending";
    case "success":
      return "success";
    case "declined":
      return "warning";
    case "error":
      return "error";
    default:
      return "failure";
  }
}

export function statusDescription(state: CiState): string {
  switch (state) {
    case "pending":
      return "Pipeline is pending";
    case "running":
      return "Pipeline is running";
    case "success":
      return "Pipeline was successful";
    case "failure":
    case "error":
      return "Pipeline failed";
    case "killed":
    case "canceled":
      return "Pipeline was canceled";
    case "declined":
      return "Pipeline was declined";
    case "blocked":
      return "Pipeline is pending approval";
    default:
      return "unknown status";
  }
}

export interface CommitStatus {
  context: string;
  state: CommitStatusState;
  description: string;
  target_url: string;
}

/** The commit status the CI posts for one workflow. */
export function workflowCommitStatus(args: { event: string; workflow: string; state: CiState; targetUrl: string; context?: string }): CommitStatus {
  const opts = args.context === undefined ? {} : { context: args.context };
  return {
    context: statusContext(args.event, args.workflow, opts),
    state: commitStatusState(args.state),
    description: statusDescription(args.state),
    target_url: args.targetUrl,
  };
}

/** A pipeline's state from its workflows' (the worst one wins; all skipped → skipped). */
export function pipelineState(workflows: readonly CiState[]): CiState {
  if (workflows.length === 0) return "skipped";
  for (const s of ["running", "pending", "error", "failure", "killed", "canceled", "declined", "success"] as const) {
    if (workflows.includes(s)) return s;
  }
  return "skipped";
}
