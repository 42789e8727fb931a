// Which settings and variables hold secrets, and registering them with the Redactor. The
// rule is by name, because Woodpecker `from_secret` and Actions `secrets.*` values arrive
// as ordinary values: nothing else marks them.
import type { Redactor } from "../lib/redact.ts";
import type { Env } from "./env.ts";

const SECRET_SUFFIX = /(token|key|password|passwd|passphrase|secret|authorization|credentials)$/i;

/**
 * `forge_token`, `api-key`, `apiKey`, `password`: the name ends in a secret word that starts
 * a word of its own (so `monkey` and `turnkey` are not secrets).
 */
export function isSecretKey(key: string): boolean {
  const m = SECRET_SUFFIX.exec(key);
  if (!m) return false;
  // A bare `key` is usually a map entry's name (`{key: …, value: …}`), not a credential.
  if (m.index === 0) return key.toLowerCase() !== "key";
  const before = key[m.index - 1] ?? "";
  const first = key[m.index] ?? "";
  return before === "_" || before === "-" || before === "." || (first !== first.toLowerCase() && before === before.toLowerCase());
}

/**
 * Registers every string or number under a secret key, at any depth of a decoded setting
 * (a JSON map of backends with an `api_key`, a list of credentials); everything below a
 * secret key counts, whatever its own name.
 */
export function registerSecretLeaves(redactor: Redactor, value: unknown, underSecret = false): void {
  if (typeof value === "string") {
    if (underSecret) redactor.add(value);
  } else if (typeof value === "number" || typeof value === "bigint") {
    if (underSecret) redactor.add(String(value));
  } else if (Array.isArray(value)) {
    for (const v of value) registerSecretLeaves(redactor, v, underSecret);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) registerSecretLeaves(redactor, v, underSecret || isSecretKey(k));
  }
}

// Env values this short under a secret-looking name are flags (`*_KEY=true`), not secrets;
// masking them would blank ordinary words in every line.
const MIN_ENV_SECRET_LENGTH = 8;

/**
 * Registers the values of variables named like secrets (GITHUB_TOKEN, CI_NETRC_PASSWORD,
 * ANTHROPIC_API_KEY, …): the run knows them, so no line it writes may show them.
 */
export function registerEnvSecrets(redactor: Redactor, env: Env): void {
  for (const [name, value] of Object.entries(env)) {
    if (value && value.trim().length >= MIN_ENV_SECRET_LENGTH && isSecretKey(name)) redactor.add(value);
  }
}

/**
 * The value of a secret the project config refers to by NAME (a token's `token_secret`, an
 * API key's `api_key_env`): from a Woodpecker setting (`PLUGIN_<NAME>`, given with
 * `from_secret`), an Actions input (`INPUT_<NAME>`), `DISINTO_<NAME>`, or the variable itself.
 * Whatever is found is registered for masking before it is returned.
 */
export function lookupSecret(env: Env, name: string, redactor?: Redactor): string | undefined {
  const upper = name.toUpperCase();
  for (const candidate of [`PLUGIN_${upper}`, `INPUT_${upper}`, `DISINTO_${upper}`, name]) {
    const v = env[candidate];
    if (v !== undefined && v !== "") {
      redactor?.add(v);
      return v;
    }
  }
  return undefined;
}
