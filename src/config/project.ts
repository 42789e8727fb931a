// The project config: `projects/<name>.toml` in the ops repo. One file tells every agent which
// forge repo it works on, which forge account and LLM backend each agent role uses, how CI is
// read, what the limits and schedules are and what the workflow labels are called.
//
// The `.describe()` texts are the user documentation: they go into the JSON Schema that
// editors show and into the README's config reference.
import { z } from "zod";
import { CronSyntaxError, parseCron } from "../lib/cron.ts";
import { showValue, looksLikeCredential, quotedList, formatPath, type KeyPath } from "./text.ts";

/** A problem found by a rule the schema cannot express (cross-field, secrets, …). */
export interface RuleIssue {
  path: PropertyKey[];
  message: string;
  /** Hide schema issues at or below `path`: they would only repeat the problem (or the secret). */
  supersedes?: boolean;
}

// ─── building blocks ────────────────────────────────────────────────────────────────────────

/** A string that must match `re`; the message names what was expected and shows the value. */
function matching(re: RegExp, expected: string, max = MAX_NAME): z.ZodString {
  return z.string().max(max).regex(re, { error: (iss) => `expected ${expected}, got ${showValue(iss.input)}` });
}

function httpUrl(what: string) {
  return z
    .url({ protocol: /^https?$/, error: (iss) => `expected ${what} (http:// or https://), got ${showValue(iss.input)}` })
    .max(MAX_URL)
    // Every client joins paths onto it; one canonical form avoids `//api/v1`.
    .transform((u) => u.replace(/\/+$/, ""));
}

// Upper bounds for every number and string: a config is read by every agent run, and an
// absurd value (timeout_minutes = 1e12, an 8 MiB test_command) must stop at `disinto
// validate` with the key and the bound, not crash a run later with "Invalid time value".
const MAX_NAME = 255;
const MAX_URL = 2048;
const MAX_TEXT = 4096;
const MAX_LIST = 100;

// Every agent run builds this schema first, while zod's code still runs cold (≈20 µs a
// schema, and each `.min()`, `.default()`, `.describe()` is one more): a base used in many
// places is built once and shared. Schemas are immutable; what is added to a base wraps or
// clones it.
const nonEmptyByMax = new Map<number, z.ZodString>();
const nonEmpty = (max = MAX_NAME): z.ZodString => {
  let s = nonEmptyByMax.get(max);
  if (s === undefined) nonEmptyByMax.set(max, (s = z.string().min(1).max(max)));
  return s;
};
const wholeNumber = (min: number, max: number) => z.number().int().min(min).max(max);

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envName = (what: string) => matching(ENV_NAME, `the name of ${what} (letters, digits and "_", e.g. "FORGE_DEV_TOKEN")`);

const REPO_SLUG = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const repoSlug = () => matching(REPO_SLUG, `owner/name, like "acme/widgets"`);

const LOGIN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Why Woodpecker would refuse `schedule` (its grammar: src/lib/cron.ts), or undefined. */
export function cronProblem(schedule: string): string | undefined {
  try {
    parseCron(schedule);
    return undefined;
  } catch (err) {
    if (err instanceof CronSyntaxError) return err.message;
    throw err;
  }
}

const cronText = z.string().max(MAX_NAME);
const cron = (agent: string, dflt: string) =>
  cronText
    .superRefine((s, ctx) => {
      const why = s === "off" ? undefined : cronProblem(s);
      if (why !== undefined) ctx.addIssue({ code: "custom", input: s, message: `expected a cron schedule like "${dflt}" (five fields: minute hour day-of-month month day-of-week, or @hourly, @daily, @every 30m, …) or "off", got ${showValue(s)}: ${why}` });
    })
    .default(dflt)
    .describe(`When the ${agent} agent runs: a cron schedule for the Woodpecker cron \`disinto-${agent}\`, or "off" to never schedule it. Default "${dflt}".`);

// ─── roles and identities ───────────────────────────────────────────────────────────────────

export const ROLES = ["dev", "review", "gardener", "planner", "predictor", "supervisor", "architect", "vault"] as const;
export type Role = (typeof ROLES)[number];

/** Agents started by a cron schedule (the vault dispatcher runs on pushes to the ops repo). */
export const SCHEDULED_AGENTS = ["dev", "review", "supervisor", "architect", "gardener", "planner", "predictor"] as const;
export type ScheduledAgent = (typeof SCHEDULED_AGENTS)[number];

const identityFields = {
  login: matching(LOGIN, "a forge user name").describe("Forge user this agent acts as: it comments, labels, opens PRs and reviews under this account."),
  token_secret: envName("the secret holding the token").describe(
    "NAME of the CI secret / environment variable that holds this account's forge API token. Never the token itself.",
  ),
};

const IdentitySchema = z
  .strictObject({
    ...identityFields,
    backend: nonEmpty().describe("Name of the LLM backend (a key of [backends]) this agent uses."),
  })
  .describe("Forge account and LLM backend of one agent role.");

// The vault dispatcher applies approved actions; it never calls an LLM.
const VaultIdentitySchema = z
  .strictObject({
    ...identityFields,
    backend: nonEmpty().optional().describe("Name of an LLM backend; the vault dispatcher does not call an LLM, so usually omitted."),
  })
  .describe("Forge account of the vault dispatcher.");

const roleDescriptions: Record<Role, string> = {
  dev: "The dev agent: implements backlog issues and walks its PRs to merge. Its login authors the PRs.",
  review: "The review agent: reviews PRs. Must be a different forge user from dev (Forgejo refuses an approval from the PR's author).",
  gardener: "The gardener agent: grooms the backlog.",
  planner: "The planner agent: plans from the vision document.",
  predictor: "The predictor agent: looks for weaknesses and files predictions.",
  supervisor: "The supervisor agent: watches the factory's health.",
  architect: "The architect agent: pitches sprints from vision issues.",
  vault: "The vault dispatcher: applies human-approved actions from the ops repo.",
};

const IdentitiesSchema = z
  .strictObject({
    dev: IdentitySchema.optional().describe(roleDescriptions.dev),
    review: IdentitySchema.optional().describe(roleDescriptions.review),
    gardener: IdentitySchema.optional().describe(roleDescriptions.gardener),
    planner: IdentitySchema.optional().describe(roleDescriptions.planner),
    predictor: IdentitySchema.optional().describe(roleDescriptions.predictor),
    supervisor: IdentitySchema.optional().describe(roleDescriptions.supervisor),
    architect: IdentitySchema.optional().describe(roleDescriptions.architect),
    vault: VaultIdentitySchema.optional().describe(roleDescriptions.vault),
  })
  .prefault({})
  .describe("One forge identity per agent role ([identities.dev], [identities.review], …). An agent without an identity cannot run.");

// ─── LLM backends ───────────────────────────────────────────────────────────────────────────

const slots =
  wholeNumber(1, 64)
    .default(1)
    .describe("How many runs may use this backend at the same time, across all projects (a semaphore in the ops repo), at most 64. Default 1.");
const maxTurns = wholeNumber(1, 1000).default(60).describe("Most model turns in one run, at most 1000. Default 60.");
const timeoutMinutes =
  wholeNumber(1, 1440)
    .default(50)
    .describe("Longest one LLM run may take, in minutes; the run stops and checkpoints before it. Keep it under the CI workflow timeout; at most 1440 (a day). Default 50.");

const ClaudeCliBackendSchema = z
  .strictObject({
    type: z.literal("claude-cli").describe('"claude-cli": the Claude Code CLI (`claude -p`), credentials from ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN.'),
    model: nonEmpty().optional().describe('Model name or alias passed to `claude --model` (e.g. "sonnet", "opus"). Omitted: the CLI\'s default.'),
    max_turns: maxTurns,
    timeout_minutes: timeoutMinutes,
    slots,
  })
  .describe("Claude Code CLI backend.");

const price = (kind: string) =>
  z.number().min(0).max(10_000).optional().describe(`Price in USD per million ${kind} tokens (at most 10000), for the cost ledger and budgets. Omitted: cost is recorded as 0.`);

const OpenAiBackendSchema = z
  .strictObject({
    type: z.literal("openai").describe('"openai": any OpenAI-compatible /v1/chat/completions endpoint (llama-server, vLLM, Ollama, gateways).'),
    base_url: httpUrl("a URL").describe('Base URL of the endpoint, up to and including /v1 (e.g. "http://llama:8080/v1").'),
    model: nonEmpty().describe("Model name sent in each request."),
    api_key_env: envName("the environment variable holding the API key")
      .optional()
      .describe("NAME of the environment variable / CI secret holding the API key. Omitted: no key is sent (local servers)."),
    max_turns: maxTurns,
    timeout_minutes: timeoutMinutes,
    slots,
    price_input_per_mtok: price("input"),
    price_output_per_mtok: price("output"),
  })
  .describe("OpenAI-compatible chat endpoint, driven by disinto's own tool loop.");

const ScriptedBackendSchema = z
  .strictObject({
    type: z.literal("scripted").describe('"scripted": replays a script of canned answers; for tests and the demo, never chosen implicitly.'),
    script: nonEmpty(1024).describe("Path of the script to replay, relative to the ops repo checkout."),
  })
  .describe("Deterministic scripted backend for tests and the demo.");

const BackendSchema = z
  .discriminatedUnion("type", [ClaudeCliBackendSchema, OpenAiBackendSchema, ScriptedBackendSchema])
  .describe("One LLM backend; `type` selects which kind.");

const BACKEND_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const BackendsSchema = z
  .record(matching(BACKEND_NAME, 'a backend name of letters, digits, "_" or "-"'), BackendSchema)
  .default({})
  .describe("LLM backends by name ([backends.<name>]); identities refer to them by that name.");

// ─── CI, limits, schedules, labels, review ──────────────────────────────────────────────────

const CiSchema = z
  .strictObject({
    woodpecker_url: httpUrl("a URL")
      .optional()
      .describe('Woodpecker server URL (e.g. "https://ci.example.org"). Set together with woodpecker_repo_id.'),
    woodpecker_repo_id: wholeNumber(1, Number.MAX_SAFE_INTEGER).optional().describe("Woodpecker's numeric id of the project repo. Set together with woodpecker_url."),
    required_contexts: z
      .array(nonEmpty().describe("A commit status context, e.g. \"ci/woodpecker/pr/test\"."))
      .max(MAX_LIST)
      .default([])
      .describe(
        "Commit status contexts that must be green: the review agent reviews only then, and the dev agent merges only then. Empty: review has no CI gate, and dev uses every status on the commit except disinto's own (disinto/*).",
      ),
    stale_minutes: wholeNumber(1, 10_080).default(60).describe("A pipeline pending longer than this many minutes counts as stuck; at most 10080 (a week). Default 60."),
  })
  .prefault({})
  .describe("How agents read the project's CI results.");

const budget = (scope: string) => z.number().positive().max(1_000_000).optional().describe(`Spend cap in USD ${scope}, at most 1000000. Omitted: no cap.`);

const LimitsSchema = z
  .strictObject({
    ci_fix_attempts: wholeNumber(0, 100).default(3).describe("How many times the dev agent tries to fix a red CI on one PR before it blocks the issue, at most 100. Default 3."),
    review_rounds: wholeNumber(1, 100).default(5).describe("How many review rounds the dev agent answers on one PR before it blocks the issue, at most 100. Default 5."),
    budget_usd_per_run: budget("for one agent run"),
    budget_usd_per_issue: budget("for all runs on one issue"),
    budget_usd_per_day: budget("per backend per day (UTC)"),
  })
  .prefault({})
  .describe("Retry limits and spend caps; reaching one stops work cleanly instead of failing late.");

export const DEFAULT_SCHEDULES: Readonly<Record<ScheduledAgent, string>> = {
  dev: "*/5 * * * *",
  review: "*/5 * * * *",
  supervisor: "*/20 * * * *",
  architect: "*/15 * * * *",
  // One small task per run (not the original's 6-hourly sweep), and an idle run costs no tokens.
  gardener: "*/30 * * * *",
  // Weekly, as the original's site (not its code's 12 h): a plan files at most 4 issues, which
  // take the dev agent days; opus is the dearest model; a week of predictions is triaged at
  // once. A run with nothing new costs no tokens, so a manual run between is cheap.
  planner: "0 3 * * 1",
  // Daily: the evidence moves with each day's CI and spend; unchanged evidence costs no tokens.
  predictor: "0 4 * * *",
};

/** The light tick's default cadence: the shortest of the agents' own. */
export const DEFAULT_TICK_SCHEDULE = "*/5 * * * *";
export const SCHEDULE_LAYOUTS = ["tick", "per-agent"] as const;
export type ScheduleLayout = (typeof SCHEDULE_LAYOUTS)[number];

const SchedulesSchema = z
  .strictObject({
    dev: cron("dev", DEFAULT_SCHEDULES.dev),
    review: cron("review", DEFAULT_SCHEDULES.review),
    supervisor: cron("supervisor", DEFAULT_SCHEDULES.supervisor),
    architect: cron("architect", DEFAULT_SCHEDULES.architect),
    gardener: cron("gardener", DEFAULT_SCHEDULES.gardener),
    planner: cron("planner", DEFAULT_SCHEDULES.planner),
    predictor: cron("predictor", DEFAULT_SCHEDULES.predictor),
    tick: cron("tick", DEFAULT_TICK_SCHEDULE).describe(
      `How often the light \`disinto-tick\` cron surveys every agent (layout "tick"): one pipeline that wakes only the agents with work whose own schedule is due. Default "${DEFAULT_TICK_SCHEDULE}".`,
    ),
    layout: z
      .enum(SCHEDULE_LAYOUTS)
      .default("tick")
      .describe(
        'Which crons `disinto init` enables: "tick" (default) one `disinto-tick` cron, every agent\'s own cron kept but disabled and started by the tick (or another agent) when it has work; "per-agent" every agent on its own enabled cron, as before (more idle pipelines, no survey step).',
      ),
  })
  .prefault({})
  .describe("Cron schedule per agent; `disinto init` registers them as Woodpecker crons. Forge events only add runs on top.");

/** The workflow label catalogue (disinto-behaviour §4): key = role of the label, value = its default name. */
export const DEFAULT_LABELS = {
  backlog: "backlog",
  priority: "priority",
  "in-progress": "in-progress",
  blocked: "blocked",
  underspecified: "underspecified",
  "tech-debt": "tech-debt",
  vision: "vision",
  "bug-report": "bug-report",
  "in-triage": "in-triage",
  reproduced: "reproduced",
  rejected: "rejected",
  "needs-triage": "needs-triage",
  "cannot-reproduce": "cannot-reproduce",
  "prediction/unreviewed": "prediction/unreviewed",
  "prediction/actioned": "prediction/actioned",
  "prediction/dismissed": "prediction/dismissed",
  action: "action",
  formula: "formula",
  "awaiting-live-verification": "awaiting-live-verification",
  deployed: "deployed",
  "allow-protected-paths": "allow-protected-paths",
  vault: "vault",
  "pending-approval": "pending-approval",
  incident: "incident",
} as const;
export type LabelKey = keyof typeof DEFAULT_LABELS;
export const LABEL_KEYS = Object.keys(DEFAULT_LABELS) as LabelKey[];

const labelMeanings: Record<LabelKey, string> = {
  backlog: "ready for the dev agent",
  priority: "the tier above plain backlog (together with backlog)",
  "in-progress": "the dev agent owns the issue",
  blocked: "stuck; the reason is in a comment",
  underspecified: "too large or vague for one session",
  "tech-debt": "pre-existing problem found in review",
  vision: "goal-sized objective",
  "bug-report": "user-facing bug with reproduction steps",
  "in-triage": "reproduced, cause unclear",
  reproduced: "reproduced with an obvious cause",
  rejected: "cannot reproduce or invalid",
  "needs-triage": "waiting for triage",
  "cannot-reproduce": "reproduction failed",
  "prediction/unreviewed": "new predictor finding",
  "prediction/actioned": "planner agreed and filed work",
  "prediction/dismissed": "planner disagreed",
  action: "operational task, not for the dev agent",
  formula: "task run by a formula, not for the dev agent",
  "awaiting-live-verification": "merged, acceptance not yet verified live",
  deployed: "deployed",
  "allow-protected-paths": "lets the dev agent change protected_paths in this issue",
  vault: "ops repo: vault request PR",
  "pending-approval": "ops repo: waiting for a human's approval",
  incident: "ops repo: incident PR",
};

const LabelsSchema = z
  .strictObject(
    Object.fromEntries(
      LABEL_KEYS.map((k) => [k, nonEmpty().default(DEFAULT_LABELS[k]).describe(`Forge label for "${k}" (${labelMeanings[k]}). Default "${DEFAULT_LABELS[k]}".`)]),
    ) as Record<LabelKey, z.ZodDefault<z.ZodString>>,
  )
  .prefault({})
  .describe("Forge label names, when a project uses other names than the defaults. Keys are the label's role.");

const ReviewSchema = z
  .strictObject({
    diff_max_bytes: wholeNumber(1, 1_000_000).default(25000).describe("The PR diff shown to the reviewer is cut at this many bytes, at most 1000000. Default 25000."),
    max_per_tick: wholeNumber(1, 50).default(3).describe("Most PRs reviewed in one run, at most 50. Default 3."),
    followups_max: wholeNumber(0, 50)
      .default(5)
      .describe("Most tech-debt follow-up issues one review may file for pre-existing problems, at most 50. 0 disables them. Default 5."),
  })
  .prefault({})
  .describe("Review agent settings.");

const VaultSchema = z
  .strictObject({
    secrets: z
      .array(envName("a secret"))
      .max(MAX_LIST)
      .default([])
      .describe(
        'NAMEs of the secrets vault actions may ask for (e.g. ["RELEASE_TOKEN", "WEBHOOK_URL"]): the vault dispatcher gets them as CI secrets of the ops repo, and a formula run receives only the ones its action lists. Empty: actions can ask for none.',
      ),
  })
  .prefault({})
  .describe("The vault: actions that run only after a person approves them (README, Vault).");

// ─── the project config ─────────────────────────────────────────────────────────────────────

const ProjectConfigObject = z
  .strictObject({
    name: matching(NAME, 'a project name of letters, digits, ".", "_" or "-"').describe(
      "Project name; the config lives at projects/<name>.toml in the ops repo and names the project's state there.",
    ),
    forge_url: httpUrl("the forge's base URL").describe('Base URL of the Forgejo/Gitea server, without /api/v1 (e.g. "https://forge.example.org").'),
    repo: repoSlug().describe('The code repository the agents work on, as owner/name (e.g. "acme/widgets").'),
    ops_repo: repoSlug()
      .optional()
      .describe('The ops repo (config, locks, state, journals, vault), as owner/name. Default "<repo>-ops", e.g. "acme/widgets-ops".'),
    primary_branch: matching(/^[^\s~^:?*\x5B\\]+$/, "a branch name").default("main").describe('Branch PRs target and merge into. Default "main".'),
    test_command: nonEmpty(MAX_TEXT).optional().describe('Command the dev agent runs in the repo before it hands work back (e.g. "npm test"). Omitted: none.'),
    protected_paths: z
      .array(nonEmpty(1024).describe('A glob relative to the repo root, e.g. ".woodpecker/**".'))
      .max(MAX_LIST)
      .default([".woodpecker/**"])
      .describe('Paths the dev agent must not change unless the issue has the "allow-protected-paths" label. Default [".woodpecker/**"].'),
    ci: CiSchema,
    identities: IdentitiesSchema,
    backends: BackendsSchema,
    limits: LimitsSchema,
    schedules: SchedulesSchema,
    labels: LabelsSchema,
    review: ReviewSchema,
    vault: VaultSchema,
  })
  .describe("disinto project config (projects/<name>.toml in the ops repo).");

export const ProjectConfigSchema = ProjectConfigObject.transform((c) => ({ ...c, ops_repo: c.ops_repo ?? `${c.repo}-ops` }));

/** The project config with every default applied. */
export type ProjectConfig = z.output<typeof ProjectConfigSchema>;
/** The project config as written in TOML (defaults optional). */
export type ProjectConfigInput = z.input<typeof ProjectConfigSchema>;
export type Identity = z.output<typeof IdentitySchema>;
export type VaultIdentity = z.output<typeof VaultIdentitySchema>;
export type Backend = z.output<typeof BackendSchema>;
export type ClaudeCliBackend = z.output<typeof ClaudeCliBackendSchema>;
export type OpenAiBackend = z.output<typeof OpenAiBackendSchema>;
export type ScriptedBackend = z.output<typeof ScriptedBackendSchema>;
export type CiConfig = z.output<typeof CiSchema>;
export type Limits = z.output<typeof LimitsSchema>;
export type Schedules = z.output<typeof SchedulesSchema>;
export type Labels = z.output<typeof LabelsSchema>;
export type ReviewConfig = z.output<typeof ReviewSchema>;
export type VaultConfig = z.output<typeof VaultSchema>;

// ─── rules beyond the schema ────────────────────────────────────────────────────────────────

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

// Keys whose very name says they hold a secret. The schema's own reference keys
// (`token_secret`, `api_key_env`) hold names, and are exempt.
const SECRET_KEY = /^(?:.*[_-])?(?:token|password|passwd|pass|secret|api[_-]?key|apikey|private[_-]?key|access[_-]?key|credentials?)$/i;
const SECRET_REFERENCE_KEYS = new Set(["token_secret", "api_key_env"]);

function secretAdvice(path: KeyPath): string {
  const key = path[path.length - 1];
  if (typeof key === "string" && key.endsWith("_url")) {
    return "remove the credentials from the URL: config files are committed to the ops repo, and agents authenticate with their identities' token_secret";
  }
  const where =
    path[0] === "identities" && typeof path[1] === "string"
      ? `token_secret = "FORGE_${path[1].toUpperCase()}_TOKEN" in [identities.${path[1]}]`
      : path[0] === "backends" && typeof path[1] === "string"
        ? `api_key_env = "LLM_API_KEY" in [backends.${formatPath([path[1]])}]`
        : `token_secret (identities) or api_key_env (backends)`;
  return `secrets never go in config files (they are committed to the ops repo): store it as a CI secret or environment variable and name it instead, with ${where}`;
}

/** Secret values anywhere in the raw TOML: by key name or by the shape of the value. */
export function findSecrets(raw: unknown, path: PropertyKey[] = []): RuleIssue[] {
  const found: RuleIssue[] = [];
  const visit = (value: unknown, at: PropertyKey[]): void => {
    const key = at[at.length - 1];
    if (typeof key === "string" && SECRET_KEY.test(key) && !SECRET_REFERENCE_KEYS.has(key) && value !== "" && value !== undefined) {
      found.push({ path: at, message: `holds a secret; ${secretAdvice(at)}`, supersedes: true });
      return;
    }
    if (typeof value === "string") {
      if (looksLikeCredential(value)) found.push({ path: at, message: `looks like a credential (${showValue(value)}); ${secretAdvice(at)}`, supersedes: true });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, [...at, i]));
    } else if (isTable(value)) {
      for (const [k, v] of Object.entries(value)) visit(v, [...at, k]);
    }
  };
  visit(raw, path);
  return found;
}

/**
 * Rules that span fields or need the whole document. They run on the raw TOML, next to the
 * schema, so one pass reports every problem; each rule looks only at values of the right type
 * and leaves wrong types to the schema.
 */
export function projectRules(raw: unknown): RuleIssue[] {
  const issues = findSecrets(raw);
  if (!isTable(raw)) return issues;
  const identities = isTable(raw.identities) ? raw.identities : {};
  const backends = isTable(raw.backends) ? raw.backends : undefined;
  const backendNames = backends ? Object.keys(backends) : [];

  for (const role of ROLES) {
    const id = identities[role];
    if (!isTable(id) || typeof id.backend !== "string" || id.backend === "") continue;
    if (!backendNames.includes(id.backend)) {
      const known = backendNames.length > 0 ? `defined: ${quotedList(backendNames)}` : "none is defined";
      issues.push({ path: ["identities", role, "backend"], message: `no backend named ${JSON.stringify(id.backend)} in [backends] (${known})` });
    }
  }

  const dev = identities.dev;
  const review = identities.review;
  if (isTable(dev) && isTable(review) && typeof dev.login === "string" && typeof review.login === "string") {
    // Forgejo user names are case-insensitive.
    if (dev.login.toLowerCase() === review.login.toLowerCase()) {
      issues.push({
        path: ["identities", "review", "login"],
        message: `must differ from identities.dev.login (${JSON.stringify(dev.login)}): Forgejo refuses an approval from the PR's author, and the dev identity authors the PRs`,
      });
    }
  }

  if (typeof raw.repo === "string" && typeof raw.ops_repo === "string" && raw.repo.toLowerCase() === raw.ops_repo.toLowerCase()) {
    issues.push({ path: ["ops_repo"], message: `must differ from repo (both are ${JSON.stringify(raw.repo)}): the ops repo holds the factory's state, apart from the code` });
  }

  if (isTable(raw.ci)) {
    const hasUrl = raw.ci.woodpecker_url !== undefined;
    const hasId = raw.ci.woodpecker_repo_id !== undefined;
    if (hasUrl && !hasId) issues.push({ path: ["ci", "woodpecker_repo_id"], message: "missing required key (expected a whole number): needed because ci.woodpecker_url is set" });
    if (hasId && !hasUrl) issues.push({ path: ["ci", "woodpecker_url"], message: "missing required key (expected the Woodpecker server URL): needed because ci.woodpecker_repo_id is set" });
  }

  if (isTable(raw.labels)) {
    const overrides = raw.labels;
    const byName = new Map<string, LabelKey>();
    for (const key of LABEL_KEYS) {
      const v = overrides[key];
      const name = typeof v === "string" ? v : DEFAULT_LABELS[key];
      const other = byName.get(name.toLowerCase());
      if (other !== undefined) {
        const culprit = key in overrides ? key : other;
        const first = culprit === key ? other : key;
        issues.push({ path: ["labels", culprit], message: `label ${JSON.stringify(name)} is also used for labels.${formatPath([first])}; each role needs its own label` });
      } else byName.set(name.toLowerCase(), key);
    }
  }
  return issues;
}

/** The backend an identity names, resolved (the schema rules guarantee it exists). */
export function backendOf(config: ProjectConfig, role: Role): Backend | undefined {
  const name = config.identities[role]?.backend;
  return name === undefined ? undefined : config.backends[name];
}
