// What every git child gets: an environment built from an allowlist (a CI step holds tokens
// under names nobody can enumerate, and git would pass them on to anything it spawns), and
// `-c` overrides that neutralise what the LLM may have written into `.git/` — hooks, a
// credential helper, an askpass program, an fsmonitor, a proxy or resolve entry that would
// send the forge credentials elsewhere. Command-line config is read last, so it wins.
import type { GitIdentity } from "./types.ts";

// Certificates for a self-hosted forge behind a private CA are not secrets.
const PASS = ["PATH", "TZ", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR", "GIT_SSL_CAINFO", "GIT_SSL_CAPATH"];

/** Environment variables the credential helper reads; set only on git children that talk to the remote. */
export const USERNAME_VAR = "DISINTO_GIT_USERNAME";
export const SECRET_VAR = "DISINTO_GIT_SECRET";

export function gitEnv(home: string, parent: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASS) {
    const v = parent[k];
    if (v !== undefined && v !== "") env[k] = v;
  }
  env["PATH"] ??= "/usr/local/bin:/usr/bin:/bin";
  return {
    ...env,
    HOME: home,
    // English messages: errors are classified by their text (non-fast-forward, not found).
    LC_ALL: "C",
    LANG: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_EDITOR: ":",
    GIT_PAGER: "cat",
    GIT_OPTIONAL_LOCKS: "0",
  };
}

/** `-c` pairs for every command. */
export function baseConfig(identity: GitIdentity): string[] {
  const pairs: [string, string][] = [
    // The LLM may have written .git/hooks/*; the runner's commits and pushes never run them.
    ["core.hooksPath", "/dev/null"],
    ["core.fsmonitor", "false"],
    ["core.askPass", ""],
    // An empty helper resets the list: only the one added per network command answers.
    ["credential.helper", ""],
    ["commit.gpgSign", "false"],
    ["tag.gpgSign", "false"],
    ["user.name", identity.name],
    ["user.email", identity.email],
    ["user.useConfigOnly", "true"],
    ["gc.auto", "0"],
    ["maintenance.auto", "false"],
    ["color.ui", "false"],
    ["core.pager", "cat"],
    ["advice.detachedHead", "false"],
    ["advice.pushUpdateRejected", "false"],
    ["protocol.allow", "never"],
    ["protocol.http.allow", "always"],
    ["protocol.https.allow", "always"],
    ["http.proxy", ""],
    ["http.curloptResolve", ""],
    ["submodule.recurse", "false"],
    ["fetch.recurseSubmodules", "false"],
    ["push.recurseSubmodules", "no"],
  ];
  return pairs.flatMap(([k, v]) => ["-c", `${k}=${v}`]);
}

/**
 * The credential helper for one remote: an inline shell function (no file on disk) that
 * prints the user and secret from this process's environment. Scoped to the forge's origin,
 * so a URL rewritten elsewhere (`url.*.insteadOf`) gets no answer.
 */
export function credentialConfig(origin: string, fullUrl: string): string[] {
  const helper = `!f() { test "$1" = get || exit 0; printf 'username=%s\\npassword=%s\\n' "$${USERNAME_VAR}" "$${SECRET_VAR}"; }; f`;
  // A more specific http.<url>.proxy in .git/config would beat the unscoped reset above;
  // the same key for the full URL ties and, coming last, wins.
  return ["-c", `credential.${origin}.helper=${helper}`, "-c", `http.${fullUrl}.proxy=`, "-c", `http.${origin}/.proxy=`];
}
