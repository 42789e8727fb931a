// AGENTS.md kept current (disinto-behaviour §8.1 agents-md-stale): line 1 of the file is the
// watermark `<!-- last-reviewed: <sha> -->`. When the default branch has moved past it — looked
// at no more than once a day, two reads — the gardener checks the default branch out, and if
// more than AGENTS.md changed, the model rewrites the file; the runner puts the new watermark
// on line 1 and proposes it on a branch of the project repo as a PR, which goes through CI and
// review like any other. A later run merges it once it is approved and green (the dev agent's
// verdict and CI reading), or closes it when changes were requested or CI failed; the next
// day's look tries again.
import type { Issue, PullRequest } from "../../forge/types.ts";
import { marker } from "../../manifest/marker.ts";
import { readHeadCi } from "../shared/head-ci.ts";
import { readVerdict } from "../shared/pr-verdict.ts";
import type { AgentRuntime } from "../runtime.ts";
import type { MemoryDoc } from "./memory.ts";
import { AGENT } from "./policy.ts";

export const AGENTS_MD = "AGENTS.md";
export const PR_TITLE = "chore: refresh AGENTS.md";
export const BRANCH_PREFIX = "chore/agents-md-";
/** AGENTS.md is looked at no more often than this. */
export const AGENTS_MD_EVERY_MS = 24 * 3600_000;
const WATERMARK = /^<!-- last-reviewed: ([0-9a-f]{7,64}) -->[ \t]*(?:\r?\n|$)/;

export function watermarkOf(text: string): string | undefined {
  return WATERMARK.exec(text)?.[1];
}

export function withWatermark(text: string, sha: string): string {
  const body = text.replace(WATERMARK, "").replace(/^\s*\n/, "");
  return `<!-- last-reviewed: ${sha} -->\n${body.endsWith("\n") ? body : `${body}\n`}`;
}

export function agentsMdDue(memory: MemoryDoc, now: number): boolean {
  const at = memory["agents-md"] === undefined ? Number.NaN : Date.parse(memory["agents-md"]);
  return !(now - at < AGENTS_MD_EVERY_MS);
}

/** Our own open AGENTS.md PR, from the open issues listing (PRs are in it). */
export function ownAgentsPr(open: readonly Issue[], login: string): Issue | undefined {
  return open.find((i) => i.isPull && i.author.toLowerCase() === login.toLowerCase() && i.title.startsWith(PR_TITLE));
}

/** The default branch's head and AGENTS.md's watermark, when the file exists and the watermark is not the head. */
export async function staleAgentsMd(rt: AgentRuntime): Promise<{ head: string; watermark: string | undefined } | undefined> {
  const primary = rt.config.primary_branch;
  const [branch, file] = await Promise.all([rt.repo.branches.get(primary), rt.repo.contents.get(AGENTS_MD, { ref: primary })]);
  if (branch === undefined || file === undefined) return undefined;
  const watermark = watermarkOf(file.text);
  return watermark !== undefined && branch.commitSha.startsWith(watermark) ? undefined : { head: branch.commitSha, watermark };
}

export type PrState = { kind: "merge" | "close" | "wait"; pr: PullRequest; why: string };

/** Where our AGENTS.md PR stands: approved and green (merge), rejected or red (close), or waiting. */
export async function ownPrState(rt: AgentRuntime, number: number): Promise<PrState | undefined> {
  const pr = await rt.repo.pulls.get(number);
  if (pr === undefined || pr.state !== "open") return undefined;
  const [verdict, ci] = await Promise.all([readVerdict(rt, pr.number, pr.head.sha, pr.author), readHeadCi(rt, pr.head.sha)]);
  if (verdict.kind === "changes") return { kind: "close", pr, why: `${verdict.by} requested changes` };
  if (ci.state === "failure") return { kind: "close", pr, why: "CI failed" };
  if (verdict.kind === "approved" && ci.state === "success") return { kind: "merge", pr, why: `approved by ${verdict.by}, CI green` };
  return { kind: "wait", pr, why: verdict.kind === "approved" ? `CI ${ci.state}` : "waiting for review" };
}

export const branchFor = (head: string): string => `${BRANCH_PREFIX}${head.slice(0, 12)}`;

/** Put `text` on a new branch from `head` and open the PR; every step is skipped when already done. */
export async function proposeAgentsMd(rt: AgentRuntime, input: { head: string; text: string; summary: string; changed: readonly string[] }): Promise<{ pr: number; created: boolean }> {
  const branch = branchFor(input.head);
  const repo = rt.repo;
  const existing = await repo.pulls.findByHead(branch, { state: "all" });
  if (existing !== undefined && existing.author.toLowerCase() === rt.login.toLowerCase()) return { pr: existing.number, created: false };
  if ((await repo.branches.get(branch)) === undefined) await repo.branches.create(branch, input.head);
  await rt.checkpoint("gardener:agents-md-branch");
  const cur = await repo.contents.get(AGENTS_MD, { ref: branch });
  if (cur === undefined) throw new Error(`${AGENTS_MD} is missing on ${branch}`);
  if (cur.text !== input.text) await repo.contents.update(AGENTS_MD, { text: input.text, message: `${PR_TITLE}\n\n${input.summary}`, branch, sha: cur.sha });
  await rt.checkpoint("gardener:agents-md-commit");
  const body = [
    `The gardener brought AGENTS.md up to date with \`${rt.config.primary_branch}\` at \`${input.head.slice(0, 12)}\`.`,
    "",
    input.summary,
    "",
    input.changed.length > 0 ? `Changes since it was last reviewed (${input.changed.length} path${input.changed.length === 1 ? "" : "s"}):\n\n${input.changed.slice(0, 50).map((p) => `- \`${p}\``).join("\n")}` : "No earlier watermark: the whole file was reviewed.",
    "",
    marker(AGENT, `agents-md-${input.head.slice(0, 12)}`),
  ].join("\n");
  const pr = await repo.pulls.create({ head: branch, base: rt.config.primary_branch, title: PR_TITLE, body });
  return { pr: pr.number, created: true };
}
