// What the vault holds, for `disinto vault list|show` and `disinto status`: requests waiting
// for approval (open `vault/<id>` PRs, with their age), actions on main without a result
// (approved or direct, not yet run), running markers, and results newest first.
import type { RepoForge } from "../forge/types.ts";
import { ACTIONS_DIR, RESULTS_DIR, RUNNING_DIR, actionPath, requestBranch, requestIdOf, resultPath, runningPath } from "./action.ts";
import { idsOf, parseResult, type VaultResult } from "./results.ts";

export interface PendingRequest {
  id: string;
  pr: number;
  title: string;
  author: string;
  url: string;
  createdAt: string;
  ageMinutes: number;
}

export interface VaultOverview {
  pending: PendingRequest[];
  /** On main, no result yet. */
  queued: string[];
  running: string[];
  results: VaultResult[];
}

/** The vault's state; `lastResults` bounds how many result files are read (newest by `finished`). */
export async function vaultOverview(ops: RepoForge, opts: { now?: number; lastResults?: number } = {}): Promise<VaultOverview> {
  const now = opts.now ?? Date.now();
  const [actions, results, running, open] = await Promise.all([
    ops.contents.list(ACTIONS_DIR),
    ops.contents.list(RESULTS_DIR),
    ops.contents.list(RUNNING_DIR),
    ops.pulls.list({ state: "open" }),
  ]);
  const done = new Set(idsOf(results, ".json"));
  const pending = open
    .flatMap((p) => {
      const id = requestIdOf(p);
      return id === undefined ? [] : [{ id, pr: p.number, title: p.title, author: p.author, url: p.htmlUrl, createdAt: p.createdAt.toISOString(), ageMinutes: Math.max(0, Math.floor((now - p.createdAt.getTime()) / 60_000)) }];
    })
    .sort((a, b) => b.ageMinutes - a.ageMinutes);
  const ids = [...done].sort();
  const wanted = opts.lastResults === undefined ? ids : ids.slice(-Math.max(opts.lastResults * 3, opts.lastResults));
  const read = await Promise.all(wanted.map(async (id) => parseResult((await ops.contents.get(resultPath(id)))?.text ?? "")));
  const all = read.filter((r): r is VaultResult => r !== undefined).sort((a, b) => b.finished.localeCompare(a.finished));
  return {
    pending,
    queued: idsOf(actions, ".toml").filter((id) => !done.has(id)).sort(),
    running: idsOf(running, ".json").sort(),
    results: opts.lastResults === undefined ? all : all.slice(0, opts.lastResults),
  };
}

export interface VaultItem {
  id: string;
  action: string | undefined;
  where: "main" | "branch" | "none";
  pr: { number: number; state: string; merged: boolean; url: string } | undefined;
  running: boolean;
  result: VaultResult | undefined;
}

/** One id: its action file (main, else the request branch), its PR, marker and result. */
export async function vaultItem(ops: RepoForge, id: string): Promise<VaultItem> {
  const [onMain, pr, marker, result] = await Promise.all([
    ops.contents.get(actionPath(id)),
    ops.pulls.findByHead(requestBranch(id), { state: "all" }),
    ops.contents.get(runningPath(id)),
    ops.contents.get(resultPath(id)),
  ]);
  const onBranch = onMain === undefined && pr !== undefined && !pr.merged ? await ops.contents.get(actionPath(id), { ref: pr.head.sha }) : undefined;
  return {
    id,
    action: onMain?.text ?? onBranch?.text,
    where: onMain !== undefined ? "main" : onBranch !== undefined ? "branch" : "none",
    pr: pr ? { number: pr.number, state: pr.state, merged: pr.merged, url: pr.htmlUrl } : undefined,
    running: marker !== undefined,
    result: result ? parseResult(result.text) : undefined,
  };
}

export function formatAge(minutes: number): string {
  if (minutes < 60) return `${minutes}m`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h${minutes % 60 > 0 ? `${minutes % 60}m` : ""}`;
  return `${Math.floor(minutes / 1440)}d`;
}
