// Agent settings from every place a host can put them, through one zod schema. In increasing
// precedence: Woodpecker `settings:` (PLUGIN_*), Actions `with:` (INPUT_*), DISINTO_* env,
// CLI flags. Values arrive as strings and are decoded by the field's type the way Woodpecker
// encodes them (lists comma-joined, maps and nested lists as compact JSON).
import { z } from "zod";
import type { OptionSpec } from "../cli/command.ts";
import { ConfigError, type ConfigIssue } from "../lib/errors.ts";
import { MASK, redactPatterns, type Redactor } from "../lib/redact.ts";
import type { Env, Flags } from "./env.ts";
import { fieldInfo, type FieldInfo } from "./field.ts";
import { isSecretKey, registerSecretLeaves } from "./secrets.ts";

export const REPO_PATTERN = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

const httpUrl = () => z.url({ protocol: /^https?$/, error: "not an http(s) URL" }).max(2048, "longer than 2048 characters");
// Bounds for settings strings: names, and secrets (long-lived tokens, JWTs, PEM keys).
const NAME_MAX = 255;
const SECRET_MAX = 16 * 1024;
const tooLong = (max: number) => ({ error: (iss: { input?: unknown }) => `must be at most ${max} characters long, got ${typeof iss.input === "string" ? iss.input.length : "more"}` });

/** Settings every agent shares. Most are optional here: each agent requires what it uses. */
export const baseSettingsSchema = z.object({
  agent: z.string().min(1).max(NAME_MAX, tooLong(NAME_MAX)).optional().describe("Which agent this step runs, e.g. dev or review (`disinto run --help` lists the agents that exist)."),
  project: z.string().min(1).max(NAME_MAX, tooLong(NAME_MAX)).optional().describe("Project name; selects projects/<name>.toml in the ops repo."),
  forge_url: httpUrl().optional().meta({ description: "Root URL of the forge.", examples: ["https://git.example.com"] }),
  forge_token: z.string().min(1).max(SECRET_MAX, tooLong(SECRET_MAX)).optional().describe("Forge API token of this agent's account."),
  ops_repo: z
    .string()
    .max(NAME_MAX, tooLong(NAME_MAX))
    .regex(REPO_PATTERN, "not of the form owner/name")
    .optional()
    .meta({ description: "The factory's ops repo.", expected: "owner/name", examples: ["acme/shop-ops"] }),
  ci_url: httpUrl().optional().meta({ description: "Root URL of the Woodpecker server.", examples: ["https://ci.example.com"] }),
  ci_token: z.string().min(1).max(SECRET_MAX, tooLong(SECRET_MAX)).optional().describe("Woodpecker API token."),
  backend: z
    .string()
    .min(1)
    .max(NAME_MAX, tooLong(NAME_MAX))
    .optional()
    .meta({
      description: "The name of a backend in the project config's [backends] to use for this run instead of the identity's (e.g. a cheaper model, or a scripted one to try a config).",
      expected: "a [backends.<name>] of the project config",
      examples: ["claude"],
    }),
  timeout_minutes: z
    .number()
    .positive()
    // A deadline past what a Date can hold crashes later as "Invalid time value"; no CI step runs a day.
    .max(1440, { error: (iss) => `must be at most 1440 (a day), got ${String(iss.input)}` })
    .default(55)
    .meta({ description: "Minutes the step may run; work stops cleanly before this deadline.", expected: "minutes", examples: [55] }),
  log_format: z.enum(["text", "json"]).default("text").describe("Log lines as text or as one JSON object per line."),
  log_level: z.enum(["debug", "info", "warn", "error"]).default("info").describe("Lowest level that is logged."),
  dry_run: z.boolean().default(false).describe("Decide and log what would be done, change nothing."),
});

export type BaseSettings = z.output<typeof baseSettingsSchema>;

export interface LoadSettingsInput {
  env: Env;
  flags?: Flags | undefined;
  /** Secret settings are registered here, before validation, so no error can show them. */
  redactor?: Redactor | undefined;
  /** Told about PLUGIN_* variables no field of the schema reads (a typo in `settings:`). */
  onWarning?: ((message: string) => void) | undefined;
}

type RawValue = string | boolean | (string | boolean)[];

interface Found {
  /** Where the value came from: `PLUGIN_TIMEOUT_MINUTES`, `--timeout-minutes`. */
  source: string;
  value: RawValue;
}

/** The env and flag names a setting is read from, lowest precedence first. */
export function settingSources(key: string): { env: string[]; flag: string } {
  const upper = key.replace(/[.-]/g, "_").toUpperCase();
  // GitHub upper-cases an input's name and keeps dashes; an action.yml may spell it either way.
  const inputs = [`INPUT_${key.replace(/ /g, "_").toUpperCase()}`, `INPUT_${upper}`, `INPUT_${key.replace(/_/g, "-").toUpperCase()}`];
  return { env: [`PLUGIN_${upper}`, ...new Set(inputs), `DISINTO_${upper}`], flag: kebab(key) };
}

/**
 * Reads, decodes and validates the settings `schema` describes (the base schema, or one
 * that extends it). Throws a ConfigError (exit 2) naming the variable or flag at fault.
 */
export function loadSettings<S extends z.ZodObject>(schema: S, input: LoadSettingsInput): z.output<S> {
  const { env, flags = {}, redactor } = input;
  const raw: Record<string, unknown> = {};
  const found: Record<string, Found> = {};
  const issues: ConfigIssue[] = [];
  const shape: Record<string, z.ZodType> = schema.shape;
  const fields = Object.entries(shape);

  for (const [key, field] of fields) {
    const info = fieldInfo(field);
    const hit = lookup(key, info, env, flags);
    if (!hit) continue;
    found[key] = hit;
    const secret = info.secret || isSecretKey(key);
    if (secret && redactor) for (const v of [hit.value].flat()) if (typeof v === "string") redactor.add(v);
    const decoded = decode(info, hit.value);
    if ("problem" in decoded) {
      issues.push({ file: "settings", path: key, message: `${shown(key, info, hit, redactor)} ${decoded.problem}; expected ${expectation(info)}` });
      continue;
    }
    if (redactor) registerSecretLeaves(redactor, decoded.value, secret);
    raw[key] = decoded.value;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success && issues.length === 0) {
    warnUnknownPlugins(fields.map(([k]) => k), env, input.onWarning);
    return parsed.data;
  }
  // Every bad setting at once: a value that did not decode is reported once, not again as missing.
  const undecoded = new Set(issues.map((i) => i.path));
  const zodIssues = (parsed.error?.issues ?? []).filter((issue) => !undecoded.has(String(issue.path[0] ?? "")));
  throw new ConfigError([
    ...issues,
    ...zodIssues.map((issue) => {
      const key = String(issue.path[0] ?? "");
      const field = fields.find(([k]) => k === key)?.[1];
      const info = field ? fieldInfo(field) : undefined;
      const hit = found[key];
      const path = issue.path.map(String).join(".");
      if (!info) return { file: "settings", path, message: issue.message };
      if (!hit) return { file: "settings", path, message: `missing; set ${whereToSet(key)}` };
      if (issue.path.length > 1) return { file: "settings", path, message: `invalid in ${hit.source}: ${issue.message}` };
      return { file: "settings", path, message: `${shown(key, info, hit, redactor)} is invalid: ${issue.message}; expected ${expectation(info)}` };
    }),
  ]);
}

/** CLI flags for every field of `schema`, so commands accept the same settings as the hosts. */
export function settingsCliOptions(schema: z.ZodObject): Record<string, OptionSpec> {
  const out: Record<string, OptionSpec> = {};
  const shape: Record<string, z.ZodType> = schema.shape;
  for (const [key, field] of Object.entries(shape)) {
    const info = fieldInfo(field);
    // Secrets never come from the command line (process lists, shell history): no flag for
    // them, so the parser's unknown-option path points at the environment variable instead.
    if (info.secret || isSecretKey(key)) continue;
    const parts = [info.description ?? `The ${key.replace(/_/g, " ")} setting.`];
    if (info.hasDefault && info.defaultValue !== undefined && info.kind !== "boolean") parts.push(`Default: ${JSON.stringify(info.defaultValue)}.`);
    out[kebab(key)] = info.kind === "boolean" ? { type: "boolean", description: parts.join(" ") } : { type: "string", description: parts.join(" "), value: placeholder(info) };
  }
  return out;
}

/**
 * A setting's value before validation, for what must work even when the settings are
 * invalid (the log format and agent name of the run that reports the error).
 */
export function peekSetting(key: string, env: Env, flags: Flags = {}): string | undefined {
  const hit = lookup(key, { kind: "string", values: [], secret: false, hasDefault: false }, env, flags);
  const v = hit && [hit.value].flat().at(-1);
  return typeof v === "string" ? v : undefined;
}

function lookup(key: string, info: FieldInfo, env: Env, flags: Flags): Found | undefined {
  const { env: names, flag } = settingSources(key);
  const flagValue = flags[flag];
  if (flagValue !== undefined && !(Array.isArray(flagValue) && flagValue.length === 0)) return { source: `--${flag}`, value: flagValue };
  for (const name of names.toReversed()) {
    const v = env[name];
    if (v === undefined) continue;
    // An empty list is a real value (Woodpecker encodes `[]` as ""); an empty scalar means
    // "not given" (Actions passes unset inputs and missing secrets as "").
    if (v === "" && info.kind !== "array") continue;
    return { source: name, value: v };
  }
  return undefined;
}

type Decoded = { value: unknown } | { problem: string };

function decode(info: FieldInfo, value: RawValue): Decoded {
  if (Array.isArray(value)) {
    if (info.kind !== "array") return decode(info, value.at(-1) ?? "");
    return decodeElements(info, value.map(String));
  }
  if (typeof value === "boolean") return info.kind === "boolean" ? { value } : decode(info, String(value));
  switch (info.kind) {
    case "boolean":
      if (/^(true|1|yes|on)$/i.test(value.trim())) return { value: true };
      if (/^(false|0|no|off)$/i.test(value.trim())) return { value: false };
      return { problem: "is not a boolean" };
    case "number":
      return isNumeric(value) ? { value: Number(value.trim()) } : { problem: "is not a number" };
    case "enum": {
      const v = value.trim();
      return { value: info.values.includes(v) ? v : (info.values.find((x) => x.toLowerCase() === v.toLowerCase()) ?? v) };
    }
    case "array": {
      const v = value.trim();
      if (v.startsWith("[")) {
        const json = parseJson(v);
        return Array.isArray(json) ? { value: json } : { problem: "is not a valid JSON array" };
      }
      return decodeElements(info, v === "" ? [] : v.split(",").map((s) => s.trim()).filter((s) => s !== ""));
    }
    case "object": {
      const json = parseJson(value.trim());
      return json !== null && typeof json === "object" && !Array.isArray(json) ? { value: json } : { problem: "is not a valid JSON object" };
    }
    case "unknown": {
      const v = value.trim();
      if (v.startsWith("{") || v.startsWith("[")) {
        const json = parseJson(v);
        if (json !== undefined) return { value: json };
      }
      return { value };
    }
    case "string":
      return { value };
  }
}

function decodeElements(info: FieldInfo, items: string[]): Decoded {
  const element = info.element;
  if (!element || !["number", "boolean", "enum"].includes(element.kind)) return { value: items };
  const out: unknown[] = [];
  for (const [i, item] of items.entries()) {
    const d = decode(element, item);
    if ("problem" in d) return { problem: `has an element (#${i + 1}) that ${d.problem}` };
    out.push(d.value);
  }
  return { value: out };
}

function isNumeric(s: string): boolean {
  return /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(s.trim());
}

// JSON.parse's own messages quote the input, and the input may hold secrets: callers get
// only "it did not parse".
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

// The value as an error may show it: never a secret, never a structured value (it may carry
// secrets under any name), and never long.
function shown(key: string, info: FieldInfo, hit: Found, redactor: Redactor | undefined): string {
  const v = [hit.value].flat().at(-1);
  if (info.secret || isSecretKey(key)) return `${hit.source}="${MASK}"`;
  if (info.kind === "array" || info.kind === "object" || info.kind === "unknown") return hit.source;
  if (typeof v === "boolean") return `${hit.source}`;
  const text = v === undefined ? "" : v.length > 60 ? `${v.slice(0, 57)}...` : v;
  const masked = redactor ? redactor.redact(text) : redactPatterns(text);
  return `${hit.source}=${JSON.stringify(masked)}`;
}

function expectation(info: FieldInfo): string {
  const base =
    info.expected ??
    {
      boolean: "true or false",
      number: "a number",
      enum: `one of ${info.values.join(", ")}`,
      array: "a comma-separated list or a JSON array",
      object: 'a JSON object, e.g. {"key":"value"}',
      unknown: "a value",
      string: info.format === "url" ? "a URL" : "text",
    }[info.kind];
  return info.example === undefined ? base : `${base}, e.g. ${typeof info.example === "string" ? info.example : JSON.stringify(info.example)}`;
}

function placeholder(info: FieldInfo): string {
  if (info.expected && /^[\w/.-]+$/.test(info.expected)) return info.expected.toUpperCase();
  if (info.kind === "enum") return info.values.join("|");
  if (info.kind === "number") return "N";
  if (info.kind === "array") return "LIST";
  if (info.kind === "object") return "JSON";
  return info.format === "url" ? "URL" : "VALUE";
}

function whereToSet(key: string): string {
  const { env, flag } = settingSources(key);
  return `the \`${key}\` setting (${env[0]}), the \`${key}\` input (${env[1]}), ${env.at(-1)} or --${flag}`;
}

function warnUnknownPlugins(keys: string[], env: Env, onWarning: ((m: string) => void) | undefined): void {
  if (!onWarning) return;
  const known = new Set(keys.map((k) => settingSources(k).env[0]));
  for (const name of Object.keys(env).sort()) {
    if (name.startsWith("PLUGIN_") && !known.has(name)) {
      const setting = name.slice("PLUGIN_".length).toLowerCase();
      // Secrets the project config names (`api_key_env`, `token_secret`) arrive as settings too
      // and are looked up by name when needed: not unknown, just not part of the schema.
      if (isSecretKey(setting)) continue;
      onWarning(`settings: \`${setting}\` (${name}) is not a setting of this agent; ignored`);
    }
  }
}

function kebab(key: string): string {
  return key.replace(/_/g, "-");
}
