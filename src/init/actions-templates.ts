// Workflow templates for Forgejo Actions and GitHub Actions: the same agents as the Woodpecker
// pipelines, one workflow per agent, started by the forge's own events as well as a schedule —
// so on Actions the hand-offs need no cron wake at all: a `backlog` label starts dev, a review
// starts dev, a pull request starts review. Each workflow has a concurrency group per agent
// (one run at a time; a queued run waits, none is cancelled — the agents' leases would make a
// second run a no-op anyway) and reads its tokens from repository secrets.
//
// What each needs from the forge (README "Actions"):
//  * Forgejo: Actions enabled on the repository and a forgejo-runner ≥ 9.1 (node24 actions)
//    with a `docker` label; the job runs in node:24-bookworm. Actions are fetched by full URL
//    from codeberg.org. `schedule` runs only on the default branch.
//  * GitHub: the disinto plugin image (a `docker://` step) on an ubuntu runner. GitHub as the
//    *forge* the agents talk to is not supported: forge_url must be a Forgejo/Gitea.
import { stringify } from "yaml";
import type { ProjectConfig, ScheduledAgent } from "../config/project.ts";
import { DESCRIPTORS } from "../lib/cron.ts";
import { PLUGIN_IMAGE } from "../lib/plugin-image.ts";
import { VERSION } from "../lib/version.ts";
import { disintoName } from "./agents.ts";

export const ACTIONS_HOSTS = ["forgejo", "github"] as const;
export type ActionsHost = (typeof ACTIONS_HOSTS)[number];

type Labels = ProjectConfig["labels"];

/** The forge events that start an agent on Actions, and the label an `issues` event must carry. */
interface Triggers {
  on: Record<string, unknown>;
  /** `issues: labeled` runs only for this label (the others are no work for the agent). */
  label?: (l: Labels) => string[];
}

const TRIGGERS: Readonly<Record<ScheduledAgent, Triggers>> = {
  // A backlog label is new work; a review (approval or changes) and a comment on its PR are
  // what a waiting PR waits for.
  dev: { on: { issues: { types: ["labeled"] }, pull_request_review: { types: ["submitted"] }, issue_comment: { types: ["created"] } }, label: (l) => [l.backlog, l.priority] },
  review: { on: { pull_request: { types: ["opened", "synchronize", "reopened"] } } },
  gardener: { on: { issues: { types: ["opened", "labeled"] } }, label: (l) => [l.underspecified, l["bug-report"], l["tech-debt"]] },
  architect: { on: { issues: { types: ["labeled"] } }, label: (l) => [l.vision] },
  supervisor: { on: {} },
  planner: { on: {} },
  predictor: { on: {} },
};

export interface ActionsWorkflowInput {
  host: ActionsHost;
  agent: ScheduledAgent;
  project: string;
  opsRepo: string;
  forgeUrl: string;
  /** NAME of the agent's forge token (`identities.<agent>.token_secret`): a repository secret. */
  tokenSecret: string;
  /** NAMEs of the backend's credentials: repository secrets too. */
  credentials: readonly string[];
  /** The config's schedule for the agent, or "off" (events only). */
  schedule: string;
  labels: Labels;
  timeoutMinutes?: number;
}

export function actionsWorkflowPath(host: ActionsHost, agent: string): string {
  return `${host === "forgejo" ? ".forgejo" : ".github"}/workflows/${disintoName(agent)}.yml`;
}

/**
 * A Woodpecker schedule as the POSIX five fields Actions takes: descriptors are spelled out,
 * `@every Nm` / `@every Nh` become steps that divide the hour / day.
 */
export function actionsCron(schedule: string): string {
  const s = schedule.trim();
  const d = DESCRIPTORS[s];
  if (d !== undefined) return d;
  const every = /^@every\s+(\d+)([mh])$/.exec(s);
  if (every) {
    const n = Number(every[1]);
    if (every[2] === "m" && n >= 1 && 60 % n === 0) return n === 60 ? "0 * * * *" : `*/${n} * * * *`;
    if (every[2] === "h" && n >= 1 && 24 % n === 0) return n === 24 ? "0 0 * * *" : `0 */${n} * * *`;
    throw new Error(`schedule ${JSON.stringify(schedule)}: Actions takes five cron fields; an @every that does not divide the hour or the day has no equivalent — write it as a cron expression`);
  }
  if (s.startsWith("@") || s.split(/\s+/).length !== 5) throw new Error(`schedule ${JSON.stringify(schedule)}: Actions takes five cron fields (minute hour day-of-month month day-of-week)`);
  return s;
}

/** A step input reading a repository secret. */
const secret = (name: string): string => `\${{ secrets.${name} }}`;

export function actionsWorkflowDoc(input: ActionsWorkflowInput): Record<string, unknown> {
  const t = TRIGGERS[input.agent];
  const on: Record<string, unknown> = { ...t.on };
  if (input.schedule !== "off") on.schedule = [{ cron: actionsCron(input.schedule) }];
  on.workflow_dispatch = {};

  const settings: Record<string, unknown> = {
    project: input.project,
    ops_repo: input.opsRepo,
    forge_url: input.forgeUrl,
    forge_token: secret(input.tokenSecret),
  };
  for (const name of [...new Set(input.credentials)].sort()) settings[name.toLowerCase()] = secret(name);
  const timeout = input.timeoutMinutes ?? 60;
  // The agent stops cleanly a few minutes before the job's own limit.
  settings.timeout_minutes = String(Math.max(1, timeout - 5));

  const step: Record<string, unknown> =
    input.host === "forgejo"
      ? { name: input.agent, uses: `https://codeberg.org/disinto/disinto/actions/${input.agent}@v${VERSION}`, with: settings }
      : { name: input.agent, uses: `docker://${PLUGIN_IMAGE}:${VERSION}`, with: { args: input.agent, ...settings } };
  const job: Record<string, unknown> = {
    "runs-on": input.host === "forgejo" ? "docker" : "ubuntu-latest",
    ...(input.host === "forgejo" ? { container: { image: "node:24-bookworm" } } : {}),
    "timeout-minutes": timeout,
    steps: [step],
  };
  const labels = t.label?.(input.labels);
  if (labels !== undefined) {
    // Another label on an issue is no work for this agent: the job is skipped, not started.
    job.if = `github.event_name != 'issues' || github.event.action == 'opened' || contains(fromJSON('${JSON.stringify(labels)}'), github.event.label.name)`;
  }
  return {
    name: `disinto ${input.agent}`,
    on,
    // One run of an agent at a time; a new trigger queues behind it instead of cancelling it.
    concurrency: { group: `${disintoName(input.agent)}-\${{ github.repository }}`, "cancel-in-progress": false },
    // The agents act with their own accounts' tokens, never the workflow's.
    permissions: { contents: "read" },
    jobs: { [input.agent]: job },
  };
}

export function actionsWorkflowYaml(input: ActionsWorkflowInput): string {
  const events = Object.keys(actionsWorkflowDoc(input).on as Record<string, unknown>).join(", ");
  const header = [
    `# disinto ${input.agent} agent on ${input.host === "forgejo" ? "Forgejo" : "GitHub"} Actions — written by \`disinto init --host actions\`.`,
    `# Runs on: ${events}. Secrets: ${[input.tokenSecret, ...input.credentials].join(", ")} (repository secrets).`,
    "",
  ].join("\n");
  return header + stringify(actionsWorkflowDoc(input), { lineWidth: 0 });
}

/** Every agent's workflow for a config: path → text. Agents without an identity are left out. */
export function actionsWorkflows(cfg: ProjectConfig, host: ActionsHost, credentials: (agent: ScheduledAgent) => readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const agent of Object.keys(TRIGGERS) as ScheduledAgent[]) {
    const id = cfg.identities[agent];
    if (id === undefined) continue;
    out[actionsWorkflowPath(host, agent)] = actionsWorkflowYaml({
      host,
      agent,
      project: cfg.name,
      opsRepo: cfg.ops_repo,
      forgeUrl: cfg.forge_url.replace(/\/+$/, ""),
      tokenSecret: id.token_secret,
      credentials: credentials(agent),
      schedule: cfg.schedules[agent],
      labels: cfg.labels,
    });
  }
  return out;
}
