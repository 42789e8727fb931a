// Test-side helpers for the sandbox CI: a fetch-based Woodpecker API caller (not the project's
// CI client, which is tested against this server separately), commits through the forge's
// contents API, commit statuses, and bounded polling.
import type { SandboxForge } from "../../src/sandbox/forge/index.ts";
import { api, b64, jsonApi, type Api } from "../helpers/sandbox-forge.ts";

export type CiApi = Api;

/** Calls `<ciUrl><path>` with `Authorization: Bearer <token>` (none when token is undefined). */
export function ciApi(ciUrl: string, token: string | undefined): CiApi {
  return jsonApi(ciUrl, token === undefined ? undefined : `Bearer ${token}`);
}

/** One commit on `branch` (created from `from` when given) through the contents API; returns its sha. */
export async function commitFiles(forge: SandboxForge, login: string, repo: string, opts: { branch: string; from?: string; message: string; files: Record<string, string> }): Promise<string> {
  const f = api(forge, login);
  const ref = opts.from ?? opts.branch;
  const files = [];
  for (const [path, content] of Object.entries(opts.files)) {
    const existing = await f("GET", `/repos/${repo}/contents/${path}?ref=${encodeURIComponent(ref)}`);
    const sha = existing.status === 200 ? (existing.body as { sha: string }).sha : undefined;
    files.push(sha ? { operation: "update", path, content: b64(content), sha } : { operation: "create", path, content: b64(content) });
  }
  const body = opts.from ? { branch: opts.from, new_branch: opts.branch, message: opts.message, files } : { branch: opts.branch, message: opts.message, files };
  const res = await f("POST", `/repos/${repo}/contents`, body);
  if (res.status !== 201) throw new Error(`commit to ${repo}@${opts.branch} failed: ${res.status} ${res.text}`);
  return (res.body as { commit: { sha: string } }).commit.sha;
}

export interface StatusView {
  context: string;
  status: string;
  description: string;
  target_url: string;
}

/** Statuses on a sha, newest first (the forge's order). */
export async function statusesOf(forge: SandboxForge, repo: string, sha: string): Promise<StatusView[]> {
  const res = await api(forge, "admin")("GET", `/repos/${repo}/statuses/${sha}?limit=50`);
  if (res.status !== 200) throw new Error(`statuses of ${sha}: ${res.status} ${res.text}`);
  return (res.body as StatusView[]).map((s) => ({ context: s.context, status: s.status, description: s.description, target_url: s.target_url }));
}

/** The latest status of one context, as the forge's combined status would use it. */
export async function latestStatus(forge: SandboxForge, repo: string, sha: string, context: string): Promise<StatusView | undefined> {
  return (await statusesOf(forge, repo, sha)).find((s) => s.context === context);
}

/** Polls `check` every 50 ms until it returns a value, failing after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const unb64 = (s: string): string => Buffer.from(s, "base64").toString("utf8");

/** A step's log as text, through the API. */
export async function stepLog(ci: CiApi, repoId: number, number: number, stepId: number): Promise<string> {
  const res = await ci("GET", `/api/repos/${repoId}/logs/${number}/${stepId}`);
  if (res.status !== 200) throw new Error(`log of step ${stepId}: ${res.status} ${res.text}`);
  return (res.body as { data: string }[]).map((e) => unb64(e.data)).join("\n");
}
