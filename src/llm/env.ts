// The environment an LLM process and the commands its tools run receive. Built from an
// allowlist, never by deleting known-bad names from the parent's environment: a CI step holds
// forge tokens, CI netrc credentials and plugin settings under names nobody can enumerate in
// advance, and the model must see none of them (DESIGN §6).

const ALLOWED = new Set(["PATH", "HOME", "LANG", "LANGUAGE", "TMPDIR", "TERM", "TZ"]);
const ALLOWED_PREFIX = /^LC_[A-Z]+$/;

/** Names the parent may pass through. Exported for tests and documentation. */
export function isAllowedName(name: string): boolean {
  return ALLOWED.has(name) || ALLOWED_PREFIX.test(name);
}

/**
 * The allowlisted subset of `parent`, plus `extra` (the backend's own credentials and
 * settings, passed explicitly by the caller). `extra` wins over the parent.
 */
export function llmEnv(
  parent: Readonly<Record<string, string | undefined>> = process.env,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) if (v !== undefined && isAllowedName(k)) env[k] = v;
  // A child without PATH cannot find `sh`, `git` or `node`; a sane default beats a confusing ENOENT.
  env["PATH"] ??= "/usr/local/bin:/usr/bin:/bin";
  for (const [k, v] of Object.entries(extra)) env[k] = v;
  return env;
}

/** Pick `names` from the parent environment (the caller's side of "passed explicitly"). */
export function pickCredentials(
  names: readonly string[],
  parent: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = parent[n];
    if (v !== undefined && v !== "") out[n] = v;
  }
  return out;
}
