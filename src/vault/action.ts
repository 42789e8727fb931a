// A vault action: `vault/actions/<id>.toml` in the ops repo (DESIGN §11, reference §10.1). It
// names a formula, says why, and lists the secrets the formula needs — names from the project
// config's `[vault] secrets` allowlist, never values. `params` are the formula's inputs (a
// release's version, a webhook's payload), given to a script as VAULT_PARAM_<NAME>.
//
// No `mounts`: the original mounted the operator's ~/.ssh or ~/.gnupg into a container; a CI
// step has no operator's home to mount, so a key a formula needs is a secret like any other.
import { parse as parseToml, TomlError } from "smol-toml";
import { z } from "zod";
import { SCHEDULED_AGENTS } from "../config/project.ts";
import { showValue } from "../config/text.ts";
import { ConfigError, type ConfigIssue } from "../lib/errors.ts";

export const TIERS = ["low", "medium", "high"] as const;
export type Tier = (typeof TIERS)[number];
export const tierRank = (t: Tier): number => TIERS.indexOf(t);

export const ACTIONS_DIR = "vault/actions";
export const RESULTS_DIR = "vault/results";
export const RUNNING_DIR = "vault/running";
export const actionPath = (id: string): string => `${ACTIONS_DIR}/${id}.toml`;
export const resultPath = (id: string): string => `${RESULTS_DIR}/${id}.json`;
export const runningPath = (id: string): string => `${RUNNING_DIR}/${id}.json`;
export const requestBranch = (id: string): string => `vault/${id}`;
export const requestTitle = (id: string): string => `vault: ${id}`;
/** The id a PR asks the vault for, or undefined when it is not a vault request (branch and title both say so). */
export function requestIdOf(pr: { head: { ref: string }; title: string }): string | undefined {
  const prefix = requestBranch("");
  if (!pr.head.ref.startsWith(prefix)) return undefined;
  const id = pr.head.ref.slice(prefix.length);
  return pr.title === requestTitle(id) ? id : undefined;
}

const ID = /^[a-z0-9][a-z0-9._-]*$/;
export const MAX_ID = 64;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const PARAM = /^[a-z][a-z0-9_]*$/;
const MAX_CONTEXT = 4_000;
const MAX_PARAM = 4_000;

/** The action's shape, without the project's allowlists (what `disinto schema vault-action` publishes). */
export const vaultActionSchema = z
  .strictObject({
    id: z
      .string()
      .max(MAX_ID)
      .regex(ID, { error: (iss) => `expected an id of lower-case letters, digits, ".", "_" or "-" (at most ${MAX_ID}), got ${showValue(iss.input)}` })
      .describe("Unique id of the action; the file is vault/actions/<id>.toml, the request branch vault/<id>, the result vault/results/<id>.json."),
    formula: z
      .string()
      .max(100)
      .regex(/^[a-z0-9][a-z0-9_-]*$/, { error: (iss) => `expected a formula name of lower-case letters, digits, "_" or "-", got ${showValue(iss.input)}` })
      .describe("The formula to run: formulas/vault/<formula>.sh (a script) or .toml (an LLM formula), from the ops repo or shipped with disinto (release, webhook)."),
    context: z.string().trim().min(1, { error: "must not be empty: say why the action is needed" }).max(MAX_CONTEXT).describe("Why the action is needed, for the person who approves it."),
    secrets: z
      .array(z.string().max(255).regex(ENV_NAME, { error: (iss) => `expected a secret NAME like "RELEASE_TOKEN", got ${showValue(iss.input)}` }))
      .max(20)
      .refine((a) => new Set(a).size === a.length, { error: "lists a secret twice" })
      .default([])
      .describe("NAMEs of the secrets the formula gets, from the project config's [vault] secrets allowlist. Default none."),
    params: z
      .record(z.string().max(64).regex(PARAM, { error: (iss) => `expected a parameter name of lower-case letters, digits and "_", got ${showValue(iss.input)}` }), z.string().max(MAX_PARAM))
      .refine((r) => Object.keys(r).length <= 20, { error: "at most 20 parameters" })
      .default({})
      .describe("Inputs of the formula (e.g. version = \"1.2.0\"); a script gets each as VAULT_PARAM_<NAME>. Never secrets: the action file is public in the ops repo."),
    timeout_minutes: z.number().int().min(1).max(1440).default(60).describe("Longest the formula may run, in minutes (at most 1440); then its process group is killed. Default 60."),
    blast_radius: z.enum(TIERS).optional().describe("The requester's estimate of the damage: raises the formula's tier, and lowers it only where the vault policy allows."),
    requested_by: z
      .enum(SCHEDULED_AGENTS)
      .optional()
      .describe("Written by an agent's request: the agent the dispatcher wakes once the result is written (a request from the CLI has none)."),
    dispatch_mode: z.enum(["direct", "pr"]).optional().describe('Written by `request`: "direct" for a low-tier action committed straight to main. Never trusted alone: the dispatcher re-classifies.'),
  })
  .describe("A vault action (vault/actions/<id>.toml in the ops repo).");

export type VaultAction = z.output<typeof vaultActionSchema>;
export type VaultActionInput = z.input<typeof vaultActionSchema>;

export interface ActionRules {
  /** Formula names that exist (shipped and ops-repo). */
  formulas: readonly string[];
  /** The project config's `[vault] secrets`. */
  secrets: readonly string[];
  /** Formulas that run through an LLM backend: they may ask for no secret. */
  llmFormulas?: readonly string[];
}

export type ParseResult = { ok: true; action: VaultAction } | { ok: false; issues: ConfigIssue[] };

/**
 * Parse and validate an action's TOML; every problem names the file and key. Without `rules`
 * only the shape is checked (classify: an unknown formula is a tier question, not an error).
 */
export function parseAction(text: string, file: string, rules?: ActionRules): ParseResult {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    const line = err instanceof TomlError ? err.line : undefined;
    return { ok: false, issues: [{ file, path: "", ...(line !== undefined ? { line } : {}), message: `not valid TOML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}` }] };
  }
  return checkAction(raw, file, rules);
}

export function checkAction(raw: unknown, file: string, rules?: ActionRules): ParseResult {
  const r = vaultActionSchema.safeParse(raw);
  const issues: ConfigIssue[] = r.success
    ? []
    : r.error.issues.map((i) => {
        const path = i.path.map(String).join(".");
        if (i.code === "unrecognized_keys") return { file, path, message: `unknown key${i.keys.length > 1 ? "s" : ""} ${i.keys.map((k) => JSON.stringify(k)).join(", ")} (allowed: ${Object.keys(vaultActionSchema.shape).join(", ")})` };
        return { file, path, message: i.message };
      });
  // The project's rules run on whatever has the right type, so one pass names every problem.
  const o = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const formula = typeof o.formula === "string" ? o.formula : undefined;
  const secrets = Array.isArray(o.secrets) ? o.secrets : [];
  if (rules !== undefined) {
    if (formula !== undefined && !rules.formulas.includes(formula)) issues.push({ file, path: "formula", message: `unknown formula ${JSON.stringify(formula)} (known: ${rules.formulas.join(", ") || "none"})` });
    secrets.forEach((s, i) => {
      if (typeof s === "string" && !rules.secrets.includes(s)) issues.push({ file, path: `secrets.${i}`, message: `${s} is not in the project config's [vault] secrets allowlist (${rules.secrets.join(", ") || "empty"})` });
    });
    if (formula !== undefined && rules.llmFormulas?.includes(formula) && secrets.length > 0) issues.push({ file, path: "secrets", message: `${formula} is an LLM formula: it runs like an agent and gets no secret` });
  }
  const base = file.slice(file.lastIndexOf("/") + 1);
  if (typeof o.id === "string" && base.endsWith(".toml") && base !== `${o.id}.toml` && file.startsWith(`${ACTIONS_DIR}/`)) issues.push({ file, path: "id", message: `is ${JSON.stringify(o.id)} but the file is ${base}` });
  if (issues.length > 0 || !r.success) return { ok: false, issues };
  return { ok: true, action: r.data };
}

/** Parse, or throw ConfigError (exit 2) listing every problem. */
export function mustParseAction(text: string, file: string, rules?: ActionRules): VaultAction {
  const r = parseAction(text, file, rules);
  if (!r.ok) throw new ConfigError(r.issues);
  return r.action;
}

const tomlString = (s: string): string => JSON.stringify(s);

/** The action as the TOML file the vault stores: fixed key order, one key a line. */
export function renderAction(a: VaultAction): string {
  const lines = [`id = ${tomlString(a.id)}`, `formula = ${tomlString(a.formula)}`, `context = ${tomlString(a.context)}`, `secrets = [${a.secrets.map(tomlString).join(", ")}]`];
  lines.push(`timeout_minutes = ${a.timeout_minutes}`);
  if (a.blast_radius !== undefined) lines.push(`blast_radius = ${tomlString(a.blast_radius)}`);
  if (a.requested_by !== undefined) lines.push(`requested_by = ${tomlString(a.requested_by)}`);
  if (a.dispatch_mode !== undefined) lines.push(`dispatch_mode = ${tomlString(a.dispatch_mode)}`);
  const params = Object.entries(a.params).sort(([x], [y]) => x.localeCompare(y));
  if (params.length > 0) {
    lines.push("", "[params]");
    for (const [k, v] of params) lines.push(`${k} = ${tomlString(v)}`);
  }
  return `${lines.join("\n")}\n`;
}
