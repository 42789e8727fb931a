// Small text helpers for config error messages: key paths as a TOML user writes them,
// offending values shown short and never in clear when they look like a credential, and
// "did you mean" suggestions for misspelt keys.
import { MASK, redactPatterns } from "../lib/redact.ts";

export type KeyPath = readonly PropertyKey[];

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** `identities.review.login`, `steps[2].needs`, `labels."prediction/unreviewed"`. */
export function formatPath(path: KeyPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else {
      const s = String(seg);
      const key = BARE_KEY.test(s) ? s : JSON.stringify(s);
      out += out ? `.${key}` : key;
    }
  }
  return out;
}

// `$NAME` and `${NAME}` are references to a secret, the opposite of a secret: a test command
// like `FORGE_TOKEN=$FORGE_TOKEN npm test` is fine. Replacing them with the mask makes the
// redaction patterns skip them, as they skip text that is already masked.
const VAR_REF = /\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g;
const WHOLE_HEX = /^[0-9a-f]{32,}$/i;
const JWT = /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./;
const AWS_KEY_ID = /\bAKIA[0-9A-Z]{16}\b/;

/** True when a string value has the shape of a credential (token, key, password in a URL…). */
export function looksLikeCredential(value: string): boolean {
  const text = value.replace(VAR_REF, MASK);
  if (redactPatterns(text) !== text) return true;
  // Forgejo, Gitea and Woodpecker tokens are bare 40+ hex strings, which redactPatterns only
  // masks next to a telling word (commit SHAs look the same). No config value is a SHA, so a
  // value that is nothing but long hex is a token.
  return WHOLE_HEX.test(value.trim()) || JWT.test(text) || AWS_KEY_ID.test(text);
}

/** The value with anything credential-shaped masked. */
export function maskCredentials(value: string): string {
  const masked = redactPatterns(value);
  if (masked !== value) return masked;
  return looksLikeCredential(value) ? MASK : value;
}

const MAX_SHOWN = 60;

/** A value as it appears in a message: strings quoted, shortened and masked; tables by kind. */
export function showValue(value: unknown): string {
  if (typeof value === "string") {
    const masked = maskCredentials(value);
    const short = masked.length > MAX_SHOWN ? `${masked.slice(0, MAX_SHOWN - 1)}…` : masked;
    return JSON.stringify(short);
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  // smol-toml's TomlDate prints itself back in TOML form.
  if (value instanceof Date) return `a date (${Number.isNaN(value.getTime()) ? "invalid" : value.toISOString()})`;
  if (typeof value === "object") return "a table";
  return typeof value;
}

/** Edit distance (insert, delete, substitute), for typo suggestions. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The closest candidate when it is close enough to be a likely typo, else undefined. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  // Short keys tolerate one or two slips; longer ones proportionally more.
  const limit = Math.max(2, Math.floor(w.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** `"a", "b" or "c"` */
export function quotedList(values: readonly unknown[]): string {
  const q = values.map((v) => (typeof v === "string" ? JSON.stringify(v) : String(v)));
  if (q.length <= 1) return q.join("");
  return `${q.slice(0, -1).join(", ")} or ${q[q.length - 1]}`;
}
