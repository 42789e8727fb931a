// `disinto demo --backend claude` runs the agents on the Claude Code CLI: before starting
// anything, the CLI must answer `--version` and a credential must be in the environment.
import { execFile } from "node:child_process";
import type { Env } from "../host/env.ts";
import { envValue } from "../host/env.ts";
import { UsageError } from "../lib/errors.ts";

/** Credentials the CLI can log in with (init stores them as Woodpecker secrets). */
export const CLAUDE_LOGIN_NAMES = ["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_AUTH_TOKEN"] as const;

function version(bin: string, env: Env): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    execFile(bin, ["--version"], { env: { PATH: env.PATH ?? "", HOME: env.HOME ?? "" }, timeout: 15_000 }, (err, stdout) => {
      if (err === null) return resolve({ ok: true, version: stdout.trim().split("\n")[0] ?? "" });
      const code = (err as NodeJS.ErrnoException).code;
      resolve({ ok: false, reason: code === "ENOENT" ? `\`${bin}\` was not found on PATH` : `\`${bin} --version\` failed: ${err.message.split("\n")[0] ?? ""}` });
    });
  });
}

/** The CLI's version line; a UsageError (exit 2) naming everything that is missing. */
export async function checkClaude(env: Env, bin = "claude"): Promise<string> {
  const problems: string[] = [];
  const v = await version(bin, env);
  if (!v.ok) problems.push(`${v.reason}: install Claude Code (npm install -g @anthropic-ai/claude-code)`);
  if (!CLAUDE_LOGIN_NAMES.some((n) => envValue(env, n) !== undefined)) {
    problems.push("no credential in the environment: set ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN (`claude setup-token` makes one)");
  }
  if (problems.length > 0 || !v.ok) {
    throw new UsageError(`demo --backend claude needs the Claude Code CLI and a credential:\n${problems.map((p) => `  - ${p}`).join("\n")}\nThe default scripted backend needs neither: run \`disinto demo\` without --backend.`);
  }
  return v.version;
}
