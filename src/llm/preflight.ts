// Checks a backend runs before an agent takes work (Backend.preflight): a missing executable,
// credential or endpoint must stop the run before it claims anything, with the fix, instead of
// surfacing as a failed model run on every tick.
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { completionsUrl } from "./openai/client.ts";
import type { BackendEnv } from "./types.ts";

/** Credentials the Claude Code CLI can log in with (ANTHROPIC_BASE_URL alone is not one). */
const CLAUDE_LOGINS = ["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_AUTH_TOKEN"] as const;

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** `binary` as a path, or looked up on PATH the way the process spawn will. */
async function findExecutable(binary: string, path = process.env.PATH ?? ""): Promise<boolean> {
  if (binary.includes("/")) return executable(binary);
  for (const dir of path.split(delimiter)) if (dir !== "" && (await executable(join(dir, binary)))) return true;
  return false;
}

export async function claudePreflight(binary: string, env: BackendEnv): Promise<string | undefined> {
  const problems: string[] = [];
  if (!(await findExecutable(binary))) problems.push(`the Claude Code CLI \`${binary}\` is not on PATH or not executable: install it (npm install -g @anthropic-ai/claude-code) or set \`claude_bin\` to its path`);
  if (!CLAUDE_LOGINS.some((n) => (env[n] ?? "") !== "")) problems.push("no credential for it: add the secret ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN (`claude setup-token` makes one) to the step");
  return problems.length > 0 ? problems.join("; ") : undefined;
}

/** The endpoint answers `GET …/models` at all, and does not refuse the key. */
export async function openaiPreflight(cfg: { baseUrl: string; apiKeyEnv?: string | undefined; headers: Readonly<Record<string, string>> }, env: BackendEnv, timeoutMs = 10_000): Promise<string | undefined> {
  const key = cfg.apiKeyEnv !== undefined ? env[cfg.apiKeyEnv] : undefined;
  if (cfg.apiKeyEnv !== undefined && (key ?? "") === "") return `no API key: add the secret ${cfg.apiKeyEnv} to the step (the backend's apiKeyEnv names it)`;
  const url = completionsUrl(cfg.baseUrl).replace(/\/chat\/completions$/, "/models");
  try {
    const res = await fetch(url, { headers: { ...cfg.headers, ...(key ? { authorization: `Bearer ${key}` } : {}) }, signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    if (res.status === 401 || res.status === 403) return `the endpoint ${cfg.baseUrl} refused the API key${cfg.apiKeyEnv ? ` in ${cfg.apiKeyEnv}` : ""} (HTTP ${res.status}): check the secret`;
    return undefined;
  } catch (err) {
    const why = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    return `the endpoint ${cfg.baseUrl} does not answer (${why}): check baseUrl in the backend's config and that the server is up`;
  }
}
