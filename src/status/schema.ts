// The shape of `disinto status --json`: a stable, documented contract for scripts and
// dashboards (docs/status.md describes every field). Times are ISO 8601 UTC strings; a value
// that is unknown or absent is null, never omitted.
import { z } from "zod";
import { PHASES } from "../state/phase.ts";

/** Bumped when a field changes meaning or disappears; new fields do not bump it. */
export const STATUS_FORMAT = "disinto-status/1";

const time = z.string().nullable();

export const runSchema = z.object({
  pipeline: z.number().int().describe("Woodpecker pipeline number."),
  event: z.string().describe("cron, manual, pull_request, …"),
  status: z.string().describe("State of the agent's workflow in that pipeline: success, failure, running, pending, …"),
  started_at: time,
  finished_at: time,
  url: z.string().describe("The pipeline's page in Woodpecker."),
});

export const agentStatusSchema = z.object({
  agent: z.string().describe("dev, review, …, and tick (the light tick of the one-tick layout)."),
  login: z.string().describe("Forge account of the agent (identities.<agent>.login)."),
  backend: z.string().nullable().describe("Name of its LLM backend."),
  schedule: z.string().nullable().describe('Cron schedule from the config ("off" = none); null for agents that are not scheduled.'),
  cron: z
    .object({ name: z.string(), schedule: z.string(), enabled: z.boolean(), next_at: time })
    .nullable()
    .describe("The Woodpecker cron disinto-<agent>; null when it does not exist or CI was not read."),
  last_run: runSchema.nullable().describe("The newest pipeline that ran the disinto-<agent> workflow, among the recent ones; null when none or CI was not read."),
  configured: z.boolean().describe("The config has an identity for it (the tick: the dev identity and the one-tick layout); all eight agents and the tick are listed, those not set up with false."),
  last_outcome: z.string().nullable().describe("The outcome line its last run's step printed (`dev: #12 → PR #34 merged · …`); null when there is none or CI was not read."),
  spend_today: z
    .object({ runs: z.number().int(), tokens: z.number().int(), cost_usd: z.number() })
    .describe("LLM runs, tokens and cost the ops repo's ledger has for this agent today (UTC)."),
});

export const leaseStatusSchema = z.object({
  name: z.string().describe("Lease name, e.g. dev/<project>/<login>, review/<project>/pr-<n>, llm/<backend>/slot-<i>."),
  holder: z.string().nullable(),
  pipeline_url: z.string().nullable(),
  acquired_at: time,
  expires_at: time,
  held: z.boolean().describe("True while the lease is held and not expired."),
  fence: z.number().int(),
});

export const transitionStatusSchema = z.object({
  at: z.string(),
  from: z.enum(PHASES),
  to: z.enum(PHASES),
  note: z.string().nullable(),
  pipeline_url: z.string().nullable(),
});

export const devPhaseSchema = z.object({
  identity: z.string(),
  phase: z.enum(PHASES),
  issue: z.number().int().nullable(),
  pr: z.number().int().nullable(),
  branch: z.string().nullable(),
  head_sha: z.string().nullable(),
  ci_fix_attempts: z.number().int(),
  review_rounds: z.number().int(),
  conflict_rounds: z.number().int(),
  budget_used_usd: z.number(),
  updated_at: z.string(),
  history: z.array(transitionStatusSchema).describe("Phase changes, oldest first (the record keeps the last 50)."),
});

export const queueItemSchema = z.object({
  number: z.number().int(),
  title: z.string(),
  url: z.string(),
  labels: z.array(z.string()),
  assignees: z.array(z.string()),
  priority: z.boolean(),
  /** Open or missing issues this one depends on (empty unless it waits). */
  waits_for: z.array(z.number().int()),
  reason: z.string().nullable().describe("Why it is blocked; null for ready and in-progress issues."),
});

export const queueSchema = z.object({
  ready: z.array(queueItemSchema).describe("Backlog issues the dev agent may take, in the order it takes them."),
  blocked: z.array(queueItemSchema).describe("Open issues labelled blocked, and backlog issues waiting for dependencies or kept away by a label."),
  in_progress: z.array(queueItemSchema).describe("Issues labelled in-progress."),
});

export const pullStatusSchema = z.object({
  number: z.number().int(),
  title: z.string(),
  author: z.string(),
  branch: z.string(),
  head_sha: z.string(),
  url: z.string(),
  draft: z.boolean(),
  mergeable: z.boolean(),
  ci: z.object({
    state: z.enum(["success", "failure", "pending", "none"]),
    contexts: z.array(z.object({ context: z.string(), state: z.string(), url: z.string() })),
    missing: z.array(z.string()).describe("Required contexts (ci.required_contexts) with no status yet."),
  }),
  review: z.object({
    state: z.enum(["approved", "changes_requested", "none"]).describe("The verdict on the head commit, as the dev agent reads it."),
    by: z.string().nullable(),
  }),
});

export const budgetSchema = z.object({
  day: z.string().describe("UTC day, YYYY-MM-DD."),
  backends: z.array(
    z.object({
      backend: z.string(),
      type: z.string().nullable(),
      runs: z.number().int(),
      tokens: z.number().int(),
      cost_usd: z.number(),
      cap_usd: z.number().nullable().describe("limits.budget_usd_per_day; null when there is no cap."),
    }),
  ).describe("Every backend this project's agents use, with what all projects of the ops repo spent on it today (caps are per backend)."),
});

export const gardenerCandidateSchema = z.object({
  task: z.string().describe("quality-gate, or the survey's bucket: blocker-starving-the-factory, enrich-underspecified, enrich-bug-report, promote-tech-debt, bundle-dust or revisit-blocked."),
  issue: z.number().int().nullable().describe("The issue the task is about; null for quality-gate and bundle-dust (their issues are in `issues`)."),
  title: z.string().nullable().describe("That issue's title."),
  issues: z.array(z.number().int()).describe("quality-gate: the backlog issues missing a section; bundle-dust: the group's issues; blocker-starving-the-factory: the backlog issues waiting on it; otherwise empty."),
  group: z.string().nullable().describe("bundle-dust: the dust group."),
});

export const gardenerStatusSchema = z.object({
  last_task: z
    .object({
      at: z.string(),
      task: z.string().nullable().describe("The task's name, from the journal entry's title."),
      title: z.string().describe("The journal entry's title: the task, its subject and how it ended."),
      pipeline_url: z.string().nullable(),
    })
    .nullable()
    .describe("The newest entry of the gardener's journal (journal/gardener/YYYY-MM-DD.md); null before its first task. Idle runs write no entry: the agent's last_run shows them."),
  left_alone: z.array(z.number().int()).describe("Issues the gardener leaves alone for now: it failed on them 3 times within a day, or decided to wait until someone changes them."),
  next: z.array(gardenerCandidateSchema).describe("What the next runs would pick, in order (the gardener's own survey, no tokens): at most 5; agents-md-stale needs git and is not listed."),
});

const lastRunSchema = z
  .object({ at: z.string(), title: z.string().describe("The journal entry's title: the task and how it ended."), pipeline_url: z.string().nullable() })
  .nullable()
  .describe("The newest entry of the agent's journal; null before its first run that did something. Idle runs write no entry: the agent's last_run shows them.");

export const plannerStatusSchema = z.object({
  last_run: lastRunSchema,
  tree: z
    .object({
      updated: z.string().nullable().describe("The tree's `Last updated` date."),
      ready: z.number().int(),
      blocked: z.number().int(),
      done: z.number().int(),
      objectives: z.array(z.object({ name: z.string(), status: z.enum(["READY", "BLOCKED", "DONE"]), reason: z.string().nullable() })),
    })
    .describe("The prerequisite tree (prerequisites.md in the ops repo), objective by objective."),
});

export const predictorStatusSchema = z.object({
  last_run: lastRunSchema,
  open: z.array(z.object({ number: z.number().int(), title: z.string() })).describe("Open `prediction/unreviewed` issues, waiting for the planner's triage."),
});

export const vaultStatusSchema = z.object({
  pending: z
    .array(z.object({ id: z.string(), pr: z.number(), url: z.string(), age_minutes: z.number() }))
    .describe("Requests waiting for an admin's approval (open `vault: <id>` PRs), oldest first."),
  queued: z.array(z.string()).describe("Actions on the ops repo's main without a result: the dispatcher runs them next."),
  last_results: z
    .array(z.object({ id: z.string(), status: z.string(), exit_code: z.number().nullable(), finished: z.string(), reason: z.string().nullable() }))
    .describe("The newest results (vault/results/<id>.json), at most 5."),
});

export const architectStatusSchema = z.object({
  pitches: z
    .array(
      z.object({
        pr: z.number().int().describe("The pitch PR on the ops repo."),
        vision: z.number().int().nullable().describe("The vision issue it pitches."),
        title: z.string(),
        state: z.enum(["waiting", "question", "approved", "filed", "rejected"]).describe("waiting for the person; a question the next run answers; approved (the next run files the sub-issues); filed (tracked until every sub-issue is closed); rejected (closed on the next run)."),
        detail: z.string(),
        age_minutes: z.number().int(),
        url: z.string(),
      }),
    )
    .describe("The architect's open pitch PRs, the one its next run looks at first leading."),
});

export const healthStatusSchema = z.object({
  updated_at: z.string().nullable().describe("When the supervisor's health record last changed; null before its first run."),
  breaker: z.enum(["closed", "open", "unknown"]).describe("The CI circuit breaker: open while the ci-untrusted incident is open (the dev agent takes no new issue)."),
  findings: z
    .array(z.object({ severity: z.string(), recipe: z.string(), summary: z.string(), action: z.string() }))
    .describe("The findings of the supervisor's last run that fired a recipe, most severe first."),
  incidents: z
    .array(z.object({ slug: z.string(), path: z.string(), severity: z.string().nullable(), summary: z.string() }))
    .describe("Open incidents in the ops repo (incidents/<date>-<slug>.md without a Resolution line)."),
  not_read: z.array(z.string()).describe("What the supervisor could not look at, in its words (no CI token, a failing probe, the Woodpecker queue and agents)."),
});

export const projectStatusSchema = z.object({
  name: z.string(),
  repo: z.string(),
  ops_repo: z.string(),
  forge_url: z.string(),
  agents: z.array(agentStatusSchema),
  leases: z.array(leaseStatusSchema).describe("Leases of this project: names whose second part is the project."),
  dev: z.array(devPhaseSchema).describe("The dev agent's phase record per dev identity (empty before its first run)."),
  queue: queueSchema,
  pulls: z.array(pullStatusSchema).describe("Open pull requests, oldest first."),
  gardener: gardenerStatusSchema.nullable().describe("The gardener's last task and next picks; null when the config gives it no identity."),
  planner: plannerStatusSchema.nullable().describe("The planner's tree summary and last run; null when the config gives it no identity."),
  predictor: predictorStatusSchema.nullable().describe("The predictor's open predictions and last run; null when the config gives it no identity."),
  vault: vaultStatusSchema.nullable().describe("Vault requests waiting for approval and the last results; null when the config gives the vault no identity."),
  architect: architectStatusSchema.nullable().describe("The architect's open pitches with their state and age; null when the config gives it no identity."),
  health: healthStatusSchema.nullable().describe("The supervisor's last findings, open incidents and the CI breaker; null when the config gives it no identity."),
  budget: budgetSchema,
  warnings: z.array(z.string()).describe("What could not be read, e.g. CI without a token."),
});

export const statusReportSchema = z.object({
  format: z.literal(STATUS_FORMAT),
  generated_at: z.string(),
  ops_repo: z.string(),
  projects: z.array(projectStatusSchema),
  other_leases: z.array(leaseStatusSchema).describe("Leases of no single project, e.g. LLM backend slots."),
  warnings: z.array(z.string()).describe("Project configs that could not be read."),
});

export type StatusReport = z.infer<typeof statusReportSchema>;
export type ProjectStatus = z.infer<typeof projectStatusSchema>;
export type AgentStatus = z.infer<typeof agentStatusSchema>;
export type LeaseStatus = z.infer<typeof leaseStatusSchema>;
export type QueueItem = z.infer<typeof queueItemSchema>;
export type PullStatus = z.infer<typeof pullStatusSchema>;
export type DevPhase = z.infer<typeof devPhaseSchema>;
export type GardenerStatus = z.infer<typeof gardenerStatusSchema>;
export type PlannerStatus = z.infer<typeof plannerStatusSchema>;
export type PredictorStatus = z.infer<typeof predictorStatusSchema>;
export type VaultStatus = z.infer<typeof vaultStatusSchema>;
export type HealthStatus = z.infer<typeof healthStatusSchema>;
export type ArchitectStatus = z.infer<typeof architectStatusSchema>;
