// The filer (disinto-behaviour §9.3): an approved pitch's sub-issues, created exactly once.
//
// The architect files them itself rather than a gardener bucket: the architect already reads
// the pitch PR and its approval every 15 minutes, the state lives in that PR's body, and one
// identity for the sprint keeps "who may create issues from a pitch" to one guarded step — the
// gardener would need the ops PRs, the parser and this guard too, for the same result later.
//
// Once: each sub-issue carries `<!-- decomposed-from: #<vision>, sprint: <slug>, id: <id> -->`
// (and the manifest's own mark); one read of every issue finds those already filed (by that
// marker, or by the exact title) and they are reused, never created again. Dependencies become
// a `## Dependencies` section with the real numbers, so the dev agent takes them in order. A
// run killed between two creations finds the first ones and creates the rest; `## Filed:` is
// appended to the PR body last, so its absence means "not finished".
import type { Issue, PullRequest } from "../../forge/types.ts";
import type { Outcome } from "../../host/outcome.ts";
import type { Action, Manifest } from "../../manifest/actions.ts";
import { runDecided } from "../../manifest/run.ts";
import type { AgentRuntime } from "../runtime.ts";
import { gardenerLabels } from "../gardener/labels.ts";
import { FILING_CALLS, guardRepo } from "./guard.ts";
import { withDigest, withFiled, pitchText, type ChildState } from "./markers.ts";
import { order, parseFilerBlock, type FilerEntry } from "./pitch.ts";
import { filerPolicy } from "./policy.ts";

export const decomposedMarker = (vision: number, slug: string, id: string): string => `<!-- decomposed-from: #${vision}, sprint: ${slug}, id: ${id} -->`;

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
export function filingManifest(entries: readonly FilerEntry[], existing: ReadonlyMap<string, number>, vision: Issue, slug: string, l: { backlog: string; inProgress: string }): Manifest {
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

export async function fileSubIssues(rt: AgentRuntime, pr: PullRequest, vision: number | undefined): Promise<Outcome> {
  const subject = `PR #${pr.number}`;
  if (vision === undefined) throw new Error(`ops PR #${pr.number}: no vision issue (neither its branch nor its body names one)`);
  const text = pitchText(pr.body);
  const slug = /^# Sprint: (\S+)/m.exec(text)?.[1];
  if (slug === undefined) throw new Error(`ops PR #${pr.number}: no \`# Sprint: <slug>\` line in its body`);
  const entries = parseFilerBlock(text);
  const l = gardenerLabels(rt.config);
  const repo = guardRepo(rt.repo, "filing", FILING_CALLS);
  const v = await repo.issues.get(vision);
  if (v === undefined || v.isPull) throw new Error(`ops PR #${pr.number}: vision issue #${vision} does not exist`);

  const found = async (): Promise<Map<string, number>> => {
    const all = await repo.issues.list({ state: "all", type: "issues" });
    const out = new Map<string, number>();
    for (const e of entries) {
      const i = existingFor(all, vision, slug, e);
      if (i) out.set(e.id, i.number);
    }
    return out;
  };
  const before = await found();
  const manifest = filingManifest(entries, before, v, slug, l);
  const r = await runDecided({ ...rt, repo }, { task: "file-subissues", subject, manifest, policy: filerPolicy(l) });
  if (r.outcome.outcome !== "done" || rt.dryRun) return r.outcome;

  await rt.checkpoint("architect:before-filed");
  const after = await found();
  const numbers = entries.map((e) => after.get(e.id));
  if (numbers.some((n) => n === undefined)) throw new Error(`ops PR #${pr.number}: after filing, no issue found for ${entries.filter((e) => !after.has(e.id)).map((e) => e.id).join(", ")}`);
  const filedNumbers = numbers as number[];
  const states = new Map<number, ChildState>(filedNumbers.map((n) => [n, "open"]));
  const cur = await rt.ops.pulls.get(pr.number);
  if (cur === undefined) throw new Error(`ops PR #${pr.number} no longer exists`);
  const body = withDigest(withFiled(cur.body, filedNumbers), states);
  if (body !== cur.body) await rt.ops.issues.edit(pr.number, { body });
  const created = entries.length - before.size;
  return { outcome: "done", summary: `filed the sub-issues of #${vision} from ${subject}: ${filedNumbers.map((n) => `#${n}`).join(" ")} (${created} new)`, details: { task: "file-subissues", pr: pr.number, vision, issues: filedNumbers } };
}
