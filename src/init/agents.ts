// The agents that ship as a Woodpecker plugin step and an Actions action, and what each needs
// from the CI: the events its secrets must be readable on and whether pull requests start it.
// One table, read by the pipeline templates, `disinto init`, the action.yml and docs.md
// generators and `disinto status`; an agent lands here once its bundle exists.
import type { ScheduledAgent } from "../config/project.ts";

export interface PluginAgent {
  name: ScheduledAgent;
  /** One line for docs and action.yml. */
  summary: string;
  /**
   * Woodpecker events whose pipelines run this agent, and so the events its secrets must be
   * available to (Woodpecker hides a secret from cron and manual pipelines unless it lists them).
   */
  events: readonly ("cron" | "manual" | "pull_request")[];
  /**
   * A config init writes includes this agent only when its token is given: dev and review are
   * the factory, the others can join later (with their own account) without blocking a setup.
   */
  optional?: true;
}

export const PLUGIN_AGENTS: readonly PluginAgent[] = [
  {
    name: "dev",
    summary: "Takes backlog issues to merged pull requests: implements, pushes, walks CI and review, merges.",
    events: ["cron", "manual"],
  },
  {
    name: "review",
    summary: "Reviews open pull requests once their CI is green: a formal approval or a request for changes, follow-up issues for pre-existing problems.",
    // Pull requests start it right after the project's CI; the cron catches what events miss.
    events: ["cron", "manual", "pull_request"],
  },
  {
    name: "gardener",
    summary: "Grooms the backlog, one small task a run: enriches vague issues and bug reports, promotes tech debt, bundles dust, unblocks issues, keeps AGENTS.md current.",
    events: ["cron", "manual"],
    optional: true,
  },
  {
    name: "supervisor",
    summary: "Watches the factory's health every 20 minutes: probes the forge, the CI and the ops repo, fixes what a recipe knows in code, keeps incidents, trips the CI circuit breaker; the model only for judgment.",
    events: ["cron", "manual"],
    optional: true,
  },
  {
    name: "planner",
    summary: "Plans from VISION.md once a week: keeps the prerequisite tree, triages predictions, files the few issues for the top constraints, syncs priority, asks a person through the vault; skips without tokens when nothing it reads changed.",
    events: ["cron", "manual"],
    optional: true,
  },
  {
    name: "predictor",
    summary: "Reads the factory's own numbers daily (CI failure rates, escalations, review rounds, spend, incidents) and files evidence-backed predictions for the planner; skips without tokens when the evidence is unchanged.",
    events: ["cron", "manual"],
    optional: true,
  },
  {
    name: "architect",
    summary: "Turns a vision issue into a sprint pitch on the ops repo that a person answers (questions, ACCEPT by approving, REJECT), then files its sub-issues once, in dependency order, and closes the vision issue when they are done.",
    events: ["cron", "manual"],
    optional: true,
  },
];

export type PluginAgentName = (typeof PLUGIN_AGENTS)[number]["name"];

export function pluginAgent(name: string): PluginAgent | undefined {
  return PLUGIN_AGENTS.find((a) => a.name === name);
}

/** The light tick's workflow: it runs on its cron and on manual pipelines. */
export const TICK = "tick";

/** The workflow file, Woodpecker workflow and cron share one name per agent. */
export function disintoName(agent: string): string {
  return `disinto-${agent}`;
}
