// The supervisor's recipes (DESIGN §12, disinto-behaviour §7.3): TOML that maps a probe and a
// threshold to a severity and an action. Shipped as formulas/supervisor/recipes.toml; an ops
// repo's formulas/supervisor/recipes.toml replaces it whole. `disinto validate` checks both.
//
// The probe and fix names are this vocabulary, so a recipe naming a probe that does not exist
// (the original's dead recipes matched preflight text nothing printed) fails validation
// instead of silently never firing.
import { z } from "zod";
import { ConfigError } from "../lib/errors.ts";
import { parseToml, validate } from "./load.ts";
import { showValue } from "./text.ts";

export const SEVERITIES = ["P0", "P1", "P2", "P3", "P4"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What each probe looks at, and what its value (compared with `threshold`) counts. */
export const PROBES = {
  ci_running: "pipelines of the project and ops repo running; value: minutes running (default threshold: ci.stale_minutes)",
  ci_pending: "pipelines of the project and ops repo waiting for an agent; value: minutes pending (default 30)",
  lease_dead: "leases whose holder's pipeline has finished, or that expired unreleased; value: minutes since (default 0)",
  phase_stuck: "dev phase records unchanged; value: minutes since the last change (default per phase: implementing 120, awaiting_ci 2×ci.stale_minutes, awaiting_review 1440, merging 60, paused 1440)",
  orphan_in_progress: "in-progress issues with no dev lease and no phase record naming them; value: minutes since the issue changed (default 60)",
  pr_stale: "open PRs with green CI and no push or review; value: minutes since the PR changed (default 1440)",
  deps_cycle: "backlog issues that depend on each other in a circle; value: issues in the circle",
  deps_stale: "backlog issues waiting for a dependency that is open; value: minutes the dependency has been open (default 43200, 30 days)",
  blocked_ci_exhausted: "issues blocked with exit reason ci_exhausted; value: minutes since the block (default 30)",
  blocked_dep_closed: "blocked issues whose dependencies are all closed now; value: closed dependencies",
  escalation_unanswered: "issues the dev agent blocked (not ci_exhausted) with no answer since; value: minutes since the block (default 1440)",
  spend: "today's spend per backend against limits.budget_usd_per_day; value: percent of the cap (default 80)",
  ops_sessions: "LLM session files kept in the ops repo (its growing folder); value: files (default 200)",
  probe_error: "a probe that could not read what it needs (403, timeout); value: 1",
} as const;
export type ProbeName = keyof typeof PROBES;
export const PROBE_NAMES = Object.keys(PROBES) as ProbeName[];

/** Direct fixes (code, no tokens) and the probe whose findings each one takes. */
export const FIXES = {
  "release-lease": { probe: "lease_dead", does: "deletes the dead lease document" },
  "restart-pipeline": { probe: "ci_running", does: "cancels the stuck pipeline and restarts it, once (never a restarted one)" },
  "restart-pending": { probe: "ci_pending", does: "cancels the pending pipeline and restarts it, once (never a restarted one)" },
  "close-stuck-pr": { probe: "blocked_ci_exhausted", does: "closes the issue's open PR with a comment" },
  "sweep-ci-exhausted": { probe: "blocked_ci_exhausted", does: "puts the issue back in the backlog, unassigned, with a recovery comment (once)" },
  "unassign-orphan": { probe: "orphan_in_progress", does: "unassigns the issue and puts it back in the backlog with a comment" },
  "prune-sessions": { probe: "ops_sessions", does: "deletes session files not saved for 7 days" },
} as const satisfies Record<string, { probe: ProbeName; does: string }>;
export type FixName = keyof typeof FIXES;
export const FIX_NAMES = Object.keys(FIXES) as FixName[];

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const FORMULA = /^[a-z0-9][a-z0-9._-]*$/;

export type RecipeAction = { kind: "direct"; fix: FixName } | { kind: "incident" } | { kind: "llm" } | { kind: "vault"; formula: string };

function parseAction(s: string): RecipeAction | undefined {
  if (s === "incident" || s === "llm") return { kind: s };
  if (s.startsWith("direct:")) {
    const fix = s.slice(7);
    return (FIX_NAMES as string[]).includes(fix) ? { kind: "direct", fix: fix as FixName } : undefined;
  }
  if (s.startsWith("vault:")) {
    const formula = s.slice(6);
    return FORMULA.test(formula) && formula.length <= 100 ? { kind: "vault", formula } : undefined;
  }
  return undefined;
}

const ActionSchema = z
  .string()
  .max(120)
  .transform((s, ctx) => {
    const a = parseAction(s);
    if (a === undefined) {
      ctx.addIssue({ code: "custom", message: `expected "direct:<fix>" (${FIX_NAMES.join(", ")}), "incident", "llm" or "vault:<formula>", got ${showValue(s)}` });
      return z.NEVER;
    }
    return a;
  });

export const RecipeSchema = z
  .strictObject({
    name: z
      .string()
      .max(64)
      .regex(NAME, { error: (iss) => `expected a recipe name of lower-case letters, digits and "-", got ${showValue(iss.input)}` })
      .describe("Recipe name, unique in the file: it names the incident (incidents/<date>-<name>.md) and the cooldown."),
    severity: z.enum(SEVERITIES).describe("P0 (the factory is down) to P4 (housekeeping). P0–P2 open an incident document while the recipe fires."),
    probe: z.enum(PROBE_NAMES).describe("The probe whose findings this recipe reads."),
    threshold: z.number().min(0).max(10_000_000).optional().describe("A finding fires when its value reaches this; omitted: the probe's default (see the probe)."),
    action: ActionSchema.describe('"direct:<fix>" (code, no tokens), "incident" or "llm" (the model judges and answers with a manifest), "vault:<formula>" (a request a person approves).'),
    cooldown_minutes: z.number().int().min(0).max(525_600).default(60).describe("After acting on a finding, the same recipe leaves it alone this long. Default 60."),
    description: z.string().max(2000).optional().describe("What the recipe is for, for people and the model."),
  })
  .describe("One recipe ([[recipes]]).");

export const RecipesFileSchema = z
  .strictObject({
    recipes: z.array(RecipeSchema).min(1, { error: "needs at least one [[recipes]] table" }).max(100),
  })
  .describe("The supervisor's recipes (formulas/supervisor/recipes.toml).");

export type Recipe = z.output<typeof RecipeSchema>;

/** Parse and validate a recipes file; ConfigError naming file, line and key on any problem. */
export function parseRecipes(text: string, file: string): Recipe[] {
  const raw = parseToml(text, file);
  const parsed = validate(RecipesFileSchema, raw, { file, text });
  const issues = [];
  const seen = new Set<string>();
  for (const [i, r] of parsed.recipes.entries()) {
    if (seen.has(r.name)) issues.push({ file, path: `recipes[${i}].name`, message: `${showValue(r.name)} is used by an earlier recipe; names must be unique` });
    seen.add(r.name);
    if (r.action.kind === "direct" && FIXES[r.action.fix].probe !== r.probe) {
      issues.push({ file, path: `recipes[${i}].action`, message: `direct:${r.action.fix} fixes findings of probe ${FIXES[r.action.fix].probe}, not ${r.probe}` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return parsed.recipes;
}

export const RECIPES_FILE = "formulas/supervisor/recipes.toml";

export function actionText(a: RecipeAction): string {
  return a.kind === "direct" ? `direct:${a.fix}` : a.kind === "vault" ? `vault:${a.formula}` : a.kind;
}
