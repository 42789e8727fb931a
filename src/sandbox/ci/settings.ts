// `settings:` → `PLUGIN_*` and `environment:` → step variables, encoded as Woodpecker's
// ParamsToEnv does: scalars as text, lists of scalars comma-joined, maps and nested lists as
// compact JSON with sorted keys, null → not set, `{from_secret: name}` resolved at any depth.
import { SecretError, type SecretLookup } from "./secrets.ts";

/** `dry-run`, `dry.run`, `dry_Run` → `PLUGIN_DRY_RUN`; camelCase is not split. */
export function settingKey(key: string): string {
  return `PLUGIN_${key.replace(/[.-]/g, "_").toUpperCase()}`;
}

export function encodeSettings(settings: Readonly<Record<string, unknown>>, lookup: SecretLookup): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(settings)) {
    if (v === null || v === undefined || k === "") continue;
    out[settingKey(k)] = encodeValue(v, lookup);
  }
  return out;
}

/** Step `environment:` uses the same value encoding; keys are kept verbatim. */
export function encodeEnvironment(environment: Readonly<Record<string, unknown>>, lookup: SecretLookup): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(environment)) {
    if (v === null || v === undefined || k === "") continue;
    out[k] = encodeValue(v, lookup);
  }
  return out;
}

export function encodeValue(v: unknown, lookup: SecretLookup): string {
  if (isScalar(v)) return scalar(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return "";
    if (v.every((e) => e === null || e === undefined || isScalar(e))) {
      return v.map((e) => (e === null || e === undefined ? "" : scalar(e as string | number | boolean))).join(",");
    }
    return toJson(resolveSecrets(v, lookup));
  }
  if (isMap(v)) {
    const secret = fromSecret(v, lookup);
    if (secret !== undefined) return secret;
    return toJson(resolveSecrets(v, lookup));
  }
  throw new SecretError(`could not encode value ${String(v)}`);
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function scalar(v: string | number | boolean): string {
  if (typeof v === "number") return goNumber(v);
  return String(v);
}

/**
 * Numbers as Go prints them: integers in decimal, floats with `%v` (shortest digits,
 * exponent form below 1e-4 or from 1e6 up: `1.2`, `1.5e+06`).
 */
export function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "+Inf" : "-Inf";
  const [mant = "", expText = "0"] = n.toExponential().split("e");
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? "-" : "+";
    return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return String(n);
}

function fromSecret(m: Record<string, unknown>, lookup: SecretLookup): string | undefined {
  if (!("from_secret" in m)) return undefined;
  const name = m.from_secret;
  if (typeof name !== "string") throw new SecretError("from_secret has to be a string");
  return lookup(name);
}

function resolveSecrets(v: unknown, lookup: SecretLookup): unknown {
  if (Array.isArray(v)) return v.map((e) => resolveSecrets(e, lookup));
  if (isMap(v)) {
    const secret = fromSecret(v, lookup);
    if (secret !== undefined) return secret;
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) out[k] = resolveSecrets(e, lookup);
    return out;
  }
  return v;
}

/**
 * Compact JSON with object keys sorted bytewise at every level, as Go marshals maps. Written
 * by hand because JS objects put integer-like keys first whatever the insertion order.
 */
export function toJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(toJson).join(",")}]`;
  if (isMap(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${toJson(v[k])}`).join(",")}}`;
  }
  if (v === undefined || v === null) return "null";
  return JSON.stringify(v);
}
