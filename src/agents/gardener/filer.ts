// The filer (disinto-behaviour §9.3, issue 18): the gardener's `file-subissues` and
// `vision-complete` steps, both decided in code, without a model.
//
// The gardener files, not the architect: the architect writes only to the ops repo (a pitch is
// a proposal; turning it into project-repo issues is a separate identity's step, as in the
// original), and the gardener already creates issues (bundled dust) under its own policy.
//
// file-subissues: an open `architect:` PR of the ops repo with a person's APPROVED review (not
// a disinto identity's) and no `## Filed:` line. The filer block is parsed strictly, each
// sub-issue created once through the manifest: it carries `<!-- decomposed-from: #<vision>,
// sprint: <slug>, id: <id> -->` (and the manifest's own mark), and one read of every issue
// finds those already filed (by that marker, or by the exact title), reused, never created
// again. Dependencies become a `## Dependencies` section with the real numbers, so the dev
// agent takes them in order. A run killed between two creations finds the first ones and
// creates the rest; `## Filed:` is appended to the PR body last, so its absence means "not
// finished" (the defensive re-check under the lease reads the body again).
//
// vision-complete: a filed pitch whose vision issue is open and none of whose sub-issues is
// open: a summary comment on the vision issue, then the close. The architect merges the sprint
// PR once it sees the vision closed.
import type { Issue, PullRequest, RepoForge } from "../../forge/types.ts";
import type { Outcome } from "../../host/outcome.ts";
import type { Action, Manifest } from "../../manifest/actions.ts";
import { journalRun } from "../../manifest/journal.ts";
import { findMarked, withMarker } from "../../manifest/marker.ts";
import { runDecided } from "../../manifest/run.ts";
import type { AgentRuntime } from "../runtime.ts";
import { wakeDevIfReady } from "../shared/wake.ts";
import { approvedByPerson, decomposedMarker, disintoLogins, filed, isPitch, order, parseFilerBlock, pitchText, sprintSlug, visionOf, withFiled, type FilerEntry } from "../shared/sprint.ts";
import type { GardenerLabels } from "./labels.ts";
import { AGENT, gardenerPolicy } from "./policy.ts";

export type SprintPick = { task: "file-subissues"; pr: PullRequest; vision: number } | { task: "vision-complete"; pr: PullRequest; vision: number; children: number[] };

/** The open pitch PRs of the ops repo: one listing, part of every survey. */
export async function openPitches(ops: RepoForge): Promise<PullRequest[]> {
  return (await ops.pulls.list({ state: "open" })).filter(isPitch).sort((a, b) => a.number - b.number);
}

/**
 * The sprint step of this run, if any. vision-complete needs no request (the open issues are
 * already read); file-subissues reads the reviews of each pitch not filed yet (at most the
 * architect's 3 open pitches).
 */
export async function sprintWork(ops: RepoForge, pitches: readonly PullRequest[], open: readonly Issue[], bots: readonly string[]): Promise<SprintPick | undefined> {
  const openNumbers = new Set(open.map((i) => i.number));
  for (const pr of pitches) {
    const children = filed(pr.body);
    const vision = visionOf(pr);
    if (children === undefined || vision === undefined) continue;
    if (open.some((i) => i.number === vision && !i.isPull) && !children.some((n) => openNumbers.has(n))) return { task: "vision-complete", pr, vision, children };
  }
  for (const pr of pitches) {
    const vision = visionOf(pr);
    if (filed(pr.body) !== undefined || vision === undefined) continue;
    if (approvedByPerson(await ops.reviews.list(pr.number), bots)) return { task: "file-subissues", pr, vision };
  }
  return undefined;
}

export const sprintBots = (rt: Pick<AgentRuntime, "config" | "login">): string[] => disintoLogins(rt.config, rt.login);

const keyOf = (vision: number, id: string): string => `sprint-${vision}-${id}`;

/** The sub-issue already filed for `e`: by its marker, else by its exact title. */
export function existingFor(issues: readonly Issue[], vision: number, slug: string, e: FilerEntry): Issue | undefined {
  const mark = decomposedMarker(vision, slug, e.id);
  return issues.find((i) => !i.isPull && i.body.includes(mark)) ?? issues.find((i) => !i.isPull && i.title === e.title);
}

export function subIssueBody(e: FilerEntry, deps: readonly string[], vision: number, slug: string): string {
  const parts = [e.body.trim(), `Decomposed from #${vision} (sprint \`${slug}\`).\n\n${decomposedMarker(vision, slug, e.id)}`];
  // Last: the section runs to the next heading, and every #N in it is a dependency.
  if (deps.length > 0) parts.push(`## Dependencies\n\n${deps.map((d) => `- ${d}`).join("\n")}`);
  return parts.join("\n\n");
}

/** The manifest that files what is not filed yet, in dependency order. */
export function filingManifest(entries: readonly FilerEntry[], existing: ReadonlyMap<string, number>, vision: Issue, slug: string, l: Pick<GardenerLabels, "backlog" | "inProgress">): Manifest {
  const actions: Action[] = [];
  for (const e of order(entries) ?? []) {
    if (existing.has(e.id)) continue;
    const deps = e.depends_on.map((d) => {
      const n = existing.get(d);
      return n !== undefined ? `#${n}` : `{{issue:${keyOf(vision.number, d)}}}`;
    });
    // Requested labels are ignored: a sub-issue joins the backlog, nothing else.
    actions.push({ kind: "create_issue", key: keyOf(vision.number, e.id), title: e.title, body: subIssueBody(e, deps, vision.number, slug), labels: [l.backlog] });
  }
  if (!vision.labels.includes(l.inProgress)) actions.push({ kind: "add_label", issue: vision.number, label: l.inProgress });
  return { summary: `file ${actions.filter((a) => a.kind === "create_issue").length} of ${entries.length} sub-issues of #${vision.number} (sprint ${slug})`, actions };
}

export async function fileSubIssues(rt: AgentRuntime, pr: PullRequest, vision: number, l: GardenerLabels): Promise<Outcome> {
  const subject = `PR #${pr.number}`;
  const text = pitchText(pr.body);
  const slug = sprintSlug(text);
  if (slug === undefined) throw new Error(`ops PR #${pr.number}: no \`# Sprint: <slug>\` line in its body`);
  const entries = parseFilerBlock(text);
  const v = await rt.repo.issues.get(vision);
  if (v === undefined || v.isPull) throw new Error(`ops PR #${pr.number}: vision issue #${vision} does not exist`);

  const found = async (): Promise<Map<string, number>> => {
    const all = await rt.repo.issues.list({ state: "all", type: "issues" });
    const out = new Map<string, number>();
    for (const e of entries) {
      const i = existingFor(all, vision, slug, e);
      if (i) out.set(e.id, i.number);
    }
    return out;
  };
  const before = await found();
  const manifest = filingManifest(entries, before, v, slug, l);
  const r = await runDecided(rt, { task: "file-subissues", subject, manifest, policy: gardenerPolicy("file-subissues", l) });
  await wakeDevIfReady(rt, r, "the gardener's filer");
  if (r.outcome.outcome !== "done" || rt.dryRun) return r.outcome;

  await rt.checkpoint("gardener:before-filed");
  const after = await found();
  const missing = entries.filter((e) => !after.has(e.id));
  if (missing.length > 0) throw new Error(`ops PR #${pr.number}: after filing, no issue found for ${missing.map((e) => e.id).join(", ")}`);
  const numbers = entries.map((e) => after.get(e.id)!);
  const cur = await rt.ops.pulls.get(pr.number);
  if (cur === undefined) throw new Error(`ops PR #${pr.number} no longer exists`);
  const body = withFiled(cur.body, numbers);
  if (body !== cur.body) await rt.ops.issues.edit(pr.number, { body });
  const created = entries.length - before.size;
  return { outcome: "done", summary: `filed the sub-issues of #${vision} from ${subject}: ${numbers.map((n) => `#${n}`).join(" ")} (${created} new)`, details: { task: "file-subissues", pr: pr.number, vision, issues: numbers } };
}

/**
 * Every filed sub-issue closed: the vision issue gets a summary comment (once: by its marker)
 * and is closed. Direct calls, not a manifest: the vision issue is `in-progress` (the filer
 * marked it), which the manifest's policy reserves to the dev agent.
 */
export async function completeVision(rt: AgentRuntime, pr: PullRequest, vision: number, children: readonly number[]): Promise<Outcome> {
  const subject = `#${vision}`;
  const states = await Promise.all(children.map(async (n) => ({ n, issue: await rt.repo.issues.get(n) })));
  const stillOpen = states.filter((s) => s.issue?.state === "open").map((s) => s.n);
  if (stillOpen.length > 0) return { outcome: "idle", summary: `vision-complete #${vision}: ${stillOpen.map((n) => `#${n}`).join(" ")} still open`, details: { task: "vision-complete" } };
  const v = await rt.repo.issues.get(vision);
  if (v === undefined || v.isPull || v.state !== "open") return { outcome: "idle", summary: `vision-complete #${vision}: not an open issue`, details: { task: "vision-complete" } };
  const list = states.map((s) => `- #${s.n} ${s.issue?.title ?? ""}`.trimEnd()).join("\n");
  const text = `## Vision issue completed\n\nEvery sub-issue of the sprint (ops PR ${rt.config.ops_repo}#${pr.number}) is closed:\n\n${list}`;
  const key = `vision-done-${vision}`;
  if (!findMarked(await rt.repo.comments.list(vision), rt.login, AGENT, key)) await rt.repo.comments.create(vision, withMarker(text, AGENT, key));
  await rt.checkpoint("gardener:after-vision-comment");
  await rt.repo.issues.close(vision);
  await journalRun(rt.state, { agent: AGENT, task: "vision-complete", subject, shown: [], attempts: 0, tokens: 0, costUsd: 0, result: `closed: every sub-issue closed (${children.map((n) => `#${n}`).join(" ")}), sprint PR #${pr.number}` }, new Date(rt.now()), rt.ctx.pipeline.url);
  return { outcome: "done", summary: `vision #${vision} complete: closed with a summary of ${children.length} sub-issues`, details: { task: "vision-complete", vision, pr: pr.number } };
}
