// Loading config files: TOML text → validated, defaulted objects, or a ConfigError that lists
// every problem at once with file, line, key path, the offending value and what was expected,
// in words a person editing the TOML understands (not zod's vocabulary).
import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { parse, TomlError } from "smol-toml";
import { z } from "zod";
import { ConfigError, type ConfigIssue } from "../lib/errors.ts";
import { ProjectConfigSchema, projectRules, type ProjectConfig, type RuleIssue } from "./project.ts";
import { FormulaSchema, formulaRules, type Formula } from "./formula.ts";
import { keyLines, lineOf } from "./locate.ts";
import { closest, formatPath, quotedList, showValue } from "./text.ts";

export type ConfigKind = "project" | "formula";

/** Parse TOML; a syntax error becomes a ConfigError with the file, line and column. */
export function parseToml(text: string, file: string): Record<string, unknown> {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof TomlError) {
      // smol-toml's message repeats the location as a code excerpt after a blank line; the
      // first line is the reason.
      const reason = (err.message.split("\n")[0] ?? err.message).replace(/^Invalid TOML document:\s*/, "");
      throw new ConfigError([{ file, path: "", line: err.line, message: `TOML syntax error: ${reason} (column ${err.column})` }]);
    }
    throw err;
  }
}

// ─── zod issues in plain words ──────────────────────────────────────────────────────────────

type RawIssue = z.core.$ZodRawIssue;

function unwrap(schema: unknown): unknown {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodLazy) s = s.unwrap();
  if (s instanceof z.ZodPipe) return unwrap(s.in);
  return s;
}

function expectedWords(expected: string, inst: unknown, path: readonly PropertyKey[]): string {
  switch (expected) {
    case "string":
      return "a string";
    case "number":
      return inst instanceof z.ZodNumber && inst.format !== null && /int/.test(inst.format) ? "a whole number" : "a number";
    case "int":
      return "a whole number";
    case "boolean":
      return "true or false";
    case "object":
    case "record":
      return "a table";
    case "array": {
      const key = path[path.length - 1];
      if (inst instanceof z.ZodArray && unwrap(inst.element) instanceof z.ZodObject && typeof key === "string") return `one or more [[${key}]] tables`;
      return "a list";
    }
    default:
      return expected;
  }
}

function plural(n: number | bigint, one: string, many: string): string {
  return `${n} ${Number(n) === 1 ? one : many}`;
}

/**
 * Messages for zod's issue codes. Used as the per-parse error map, so messages a schema
 * sets itself (patterns, URLs, cron) take precedence. Unknown keys are split into one issue
 * per key afterwards; here we only remember which keys that table allows.
 */
function plainMessages(allowedKeys: Map<string, string[]>) {
  return (iss: RawIssue): string | undefined => {
    const input: unknown = iss.input;
    switch (iss.code) {
      case "invalid_type": {
        const expected = expectedWords(iss.expected, iss.inst, iss.path ?? []);
        if (input === undefined) return `missing required key (expected ${expected})`;
        return `expected ${expected}, got ${showValue(input)}`;
      }
      case "too_small": {
        const min = iss.minimum;
        if (iss.origin === "string") return Number(min) <= 1 ? "must not be empty" : `must be at least ${plural(min, "character", "characters")} long`;
        if (iss.origin === "array") return `must have at least ${plural(min, "entry", "entries")}`;
        return iss.inclusive === false ? `must be greater than ${min}, got ${showValue(input)}` : `must be at least ${min}, got ${showValue(input)}`;
      }
      case "too_big": {
        const max = iss.maximum;
        if (iss.origin === "string") return `must be at most ${plural(max, "character", "characters")} long, got ${typeof input === "string" ? input.length : "more"}`;
        if (iss.origin === "array") return `must have at most ${plural(max, "entry", "entries")}`;
        return iss.inclusive === false ? `must be less than ${max}, got ${showValue(input)}` : `must be at most ${max}, got ${showValue(input)}`;
      }
      case "invalid_value":
        return iss.values.length === 1
          ? `expected ${quotedList(iss.values)}, got ${showValue(input)}`
          : `expected one of ${quotedList(iss.values)}, got ${showValue(input)}`;
      case "invalid_union": {
        if (iss.discriminator === undefined) return undefined;
        const options = quotedList((iss.options ?? []) as unknown[]);
        const value = typeof input === "object" && input !== null ? (input as Record<string, unknown>)[iss.discriminator] : input;
        if (value === undefined) return `missing required key (expected one of ${options})`;
        return `expected one of ${options}, got ${showValue(value)}`;
      }
      case "invalid_key":
        return 'not a valid name: use letters, digits, "_" and "-"';
      case "unrecognized_keys":
        if (iss.inst instanceof z.ZodObject) allowedKeys.set(formatPath(iss.path ?? []), Object.keys(iss.inst.shape));
        return "unknown key";
      default:
        return undefined;
    }
  };
}

function unknownKeyMessage(key: string, allowed: readonly string[] | undefined): string {
  if (!allowed || allowed.length === 0) return "unknown key";
  const guess = closest(key, allowed);
  if (guess !== undefined) return `unknown key; did you mean ${JSON.stringify(guess)}?`;
  return `unknown key; expected one of: ${allowed.join(", ")}`;
}

function isWithin(path: readonly PropertyKey[], ancestor: readonly PropertyKey[]): boolean {
  return ancestor.length <= path.length && ancestor.every((seg, i) => seg === path[i]);
}

export interface ValidateOptions {
  file: string;
  /** The TOML text, to attach line numbers to issues. */
  text?: string;
  /** Issues from rules outside the schema; those marked `supersedes` hide schema issues at or below their key. */
  rules?: RuleIssue[];
}

/** Validate `raw` against `schema`; return the parsed value or throw a ConfigError with every problem. */
export function validate<S extends z.ZodType>(schema: S, raw: unknown, opts: ValidateOptions): z.output<S> {
  const allowedKeys = new Map<string, string[]>();
  const result = schema.safeParse(raw, { error: plainMessages(allowedKeys) });
  const found: { path: PropertyKey[]; message: string }[] = [...(opts.rules ?? [])];
  // A secret found at a key says more than "unknown key" or "wrong format" at the same place
  // (and the schema's message would show the value again).
  const claimed = (opts.rules ?? []).filter((r) => r.supersedes).map((r) => r.path);
  if (!result.success) {
    for (const iss of result.error.issues) {
      const paths: { path: PropertyKey[]; message: string }[] =
        iss.code === "unrecognized_keys"
          ? iss.keys.map((k) => ({ path: [...iss.path, k], message: unknownKeyMessage(k, allowedKeys.get(formatPath(iss.path))) }))
          : [{ path: [...iss.path], message: iss.message }];
      for (const p of paths) if (!claimed.some((c) => isWithin(p.path, c))) found.push(p);
    }
  }
  if (found.length === 0 && result.success) return result.data;
  if (found.length === 0) throw new Error("validation failed without issues"); // unreachable: zod always reports why
  const lines = opts.text !== undefined ? keyLines(opts.text) : undefined;
  const issues: ConfigIssue[] = found.map((f) => {
    const line = lines ? lineOf(lines, f.path) : undefined;
    return { file: opts.file, path: formatPath(f.path), ...(line !== undefined ? { line } : {}), message: f.message };
  });
  // Reading order: by line, keys without a line (missing top-level keys) first.
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  throw new ConfigError(issues);
}

// ─── project configs and formulas ───────────────────────────────────────────────────────────

export interface ParseOptions {
  /** Where the file really is, when `file` is only a display name (for the file-name rule). */
  location?: string;
}

/** Parse and validate a project config's TOML text. `file` names it in messages. */
export function parseProjectConfig(text: string, file: string, opts: ParseOptions = {}): ProjectConfig {
  const raw = parseToml(text, file);
  const rules = [...projectRules(raw), ...fileNameRule(raw, opts.location ?? file, "projects")];
  return validate(ProjectConfigSchema, raw, { file, text, rules });
}

/** Parse and validate a formula's TOML text. `file` names it in messages. */
export function parseFormula(text: string, file: string, opts: ParseOptions = {}): Formula {
  const raw = parseToml(text, file);
  const rules = [...formulaRules(raw), ...fileNameRule(raw, opts.location ?? file, "formulas")];
  return validate(FormulaSchema, raw, { file, text, rules });
}

// Agents find a project config as projects/<name>.toml and a formula as formulas/<name>.toml,
// so inside those folders a name that differs from the file name makes the file unreachable.
function fileNameRule(raw: Record<string, unknown>, location: string, folder: string): RuleIssue[] {
  if (basename(dirname(resolve(location))) !== folder || typeof raw.name !== "string") return [];
  const stem = basename(location).replace(/\.toml$/, "");
  if (raw.name === stem) return [];
  return [{ path: ["name"], message: `must match the file name (expected ${JSON.stringify(stem)}, got ${JSON.stringify(raw.name)}): agents look for ${folder}/<name>.toml` }];
}

/** Read, parse and validate a project config file. */
export async function loadProjectConfig(path: string): Promise<ProjectConfig> {
  return parseProjectConfig(await readConfigFile(path), path);
}

/** Read, parse and validate a formula file. */
export async function loadFormula(path: string): Promise<Formula> {
  return parseFormula(await readConfigFile(path), path);
}

async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory, not a file" : (err as Error).message;
    throw new ConfigError([{ file: path, path: "", message: `cannot read: ${why}` }]);
  }
}

/** The kind a file's folder implies: projects/*.toml and formulas/*.toml; else undefined. */
export function kindByLocation(path: string): ConfigKind | undefined {
  const folder = basename(dirname(resolve(path)));
  return folder === "projects" ? "project" : folder === "formulas" ? "formula" : undefined;
}

/** The kind a parsed file's keys imply: steps make a formula, forge keys a project config. */
export function kindByContent(raw: Record<string, unknown>): ConfigKind | undefined {
  if ("steps" in raw) return "formula";
  if (["repo", "forge_url", "identities", "backends"].some((k) => k in raw)) return "project";
  return undefined;
}
