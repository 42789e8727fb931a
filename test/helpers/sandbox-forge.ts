// Test-side helpers for the sandbox forge: a tiny fetch-based API caller (deliberately not
// the project's forge client, which is tested against the sandbox separately) and git with a
// credential helper that reads the secret from the environment (never argv or the URL).
import { spawn } from "node:child_process";
import { writeFile, chmod, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SandboxForge } from "../../src/sandbox/forge/index.ts";

export interface ApiResponse {
  status: number;
  headers: Headers;
  // Tests poke at arbitrary JSON shapes; `any` keeps them readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export type Api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse>;

/**
 * `fetch` against `base` with an Authorization header (none when undefined): an object body goes
 * as JSON, a string body as it is (to send malformed JSON); the answer is parsed when it is JSON.
 */
export function jsonApi(base: string, authorization: string | undefined): Api {
  return async (method, path, body, headers = {}) => {
    const h: Record<string, string> = { ...headers };
    if (authorization !== undefined) h.Authorization ??= authorization;
    const init: RequestInit = { method, headers: h };
    if (body !== undefined) {
      h["Content-Type"] = "application/json";
      init.body = typeof body === "string" ? body : JSON.stringify(body);
    }
    const res = await fetch(`${base}${path}`, init);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
}

/** Call the forge API as `login` (token auth), or anonymously with login undefined. */
export function api(forge: SandboxForge, login: string | undefined): Api {
  return jsonApi(`${forge.url}/api/v1`, login ? `token ${forge.users[login]?.token ?? "missing-user"}` : undefined);
}

export const b64 = (s: string): string => Buffer.from(s).toString("base64");
export const unb64 = (s: string): string => Buffer.from(s, "base64").toString("utf8");

export interface GitRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A credential helper answering `get` with SANDBOX_GIT_USER / SANDBOX_GIT_SECRET. */
export async function credentialHelper(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sandbox-cred-"));
  const file = join(dir, "git-credential-sandbox");
  await writeFile(file, '#!/bin/sh\n[ "$1" = get ] || exit 0\necho "username=$SANDBOX_GIT_USER"\necho "password=$SANDBOX_GIT_SECRET"\n');
  await chmod(file, 0o700);
  return file;
}

export function git(args: string[], opts: { cwd?: string; user?: string; secret?: string; helper?: string } = {}): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: tmpdir(),
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_TERMINAL_PROMPT: "0",
      GIT_AUTHOR_NAME: "Test",
      GIT_AUTHOR_EMAIL: "test@example.invalid",
      GIT_COMMITTER_NAME: "Test",
      GIT_COMMITTER_EMAIL: "test@example.invalid",
      ...(opts.user ? { SANDBOX_GIT_USER: opts.user } : {}),
      ...(opts.secret ? { SANDBOX_GIT_SECRET: opts.secret } : {}),
    };
    // An empty helper first resets the list, so only ours answers.
    const pre = opts.helper ? ["-c", "credential.helper=", "-c", `credential.helper=${opts.helper}`] : [];
    const child = spawn("git", [...pre, ...args], { cwd: opts.cwd ?? tmpdir(), env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
