// What happens to a JSON request body before it leaves: every string in it goes through the
// run's Redactor (titles, bodies, comments, review texts, status descriptions — whatever an
// agent or a model wrote), and a dry run describes it in one line instead of sending it.
import { MASK, type Redactor } from "../lib/redact.ts";

// The contents API carries file text base64-encoded in `content`. The writer (the state store,
// init) redacts the text before encoding it; here only the values the run registered as
// secrets are masked in it, and only when it decodes to text: pattern-based masking could
// change a byte inside data that merely looks like a credential (a base64 session blob inside
// a JSON document), and binary files are left exactly as they are.
const BASE64_FIELDS = new Set(["content"]);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A copy of `body` with every string value redacted. `unredacted` names top-level fields sent
 * exactly as given: a secret the request exists to deliver (a CI secret's value).
 */
export function redactBody(body: unknown, redactor: Redactor, unredacted: readonly string[] = []): unknown {
  const keep = new Set(unredacted);
  // `depth` 1 is a top-level field of the body.
  const walk = (v: unknown, key: string | undefined, depth: number): unknown => {
    if (typeof v === "string") {
      if (depth === 1 && key !== undefined && keep.has(key)) return v;
      if (key !== undefined && BASE64_FIELDS.has(key) && BASE64.test(v)) return redactBase64(v, redactor);
      return redactor.redact(v);
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, undefined, depth + 1));
    if (v !== null && typeof v === "object" && !(v instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, k, depth + 1);
      return out;
    }
    return v;
  };
  return walk(body, undefined, 0);
}

function redactBase64(encoded: string, redactor: Redactor): string {
  const bytes = Buffer.from(encoded, "base64");
  const text = bytes.toString("utf8");
  // Not UTF-8 text (a round trip changes it): binary content is not ours to rewrite.
  if (!Buffer.from(text, "utf8").equals(bytes)) return encoded;
  let out = text;
  for (const value of redactor.values) {
    for (const form of [value, JSON.stringify(value).slice(1, -1)]) if (out.includes(form)) out = out.split(form).join(MASK);
  }
  return out === text ? encoded : Buffer.from(out, "utf8").toString("base64");
}

const VALUE_CHARS = 60;
const LINE_CHARS = 200;

/** One line about a request body for a dry run's log: `labels=[5] body="### Blocked…"`. */
export function summarizeBody(body: unknown): string {
  if (body === undefined) return "";
  if (body === null || typeof body !== "object" || Array.isArray(body)) return value(body, undefined);
  // Undefined fields are not sent (JSON leaves them out), so they are not described either.
  const parts = Object.entries(body)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${value(v, k)}`);
  const line = parts.join(" ");
  return line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS - 1)}…` : line;
}

function value(v: unknown, key: string | undefined): string {
  if (typeof v === "string") {
    if (key !== undefined && BASE64_FIELDS.has(key) && BASE64.test(v)) return `<${Buffer.byteLength(v, "base64")} bytes>`;
    const first = v.split("\n")[0] ?? "";
    const cut = first.length > VALUE_CHARS ? `${first.slice(0, VALUE_CHARS - 1)}…` : first !== v ? `${first}…` : first;
    return JSON.stringify(cut);
  }
  if (Array.isArray(v)) {
    const json = JSON.stringify(v);
    return json.length <= VALUE_CHARS ? json : `[${v.length} items]`;
  }
  if (v !== null && typeof v === "object") {
    const json = JSON.stringify(v);
    return json.length <= VALUE_CHARS ? json : "{…}";
  }
  return String(v);
}
