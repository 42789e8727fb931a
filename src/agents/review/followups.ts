// Pre-existing problems the reviewer found become `tech-debt` issues instead of blockers
// (disinto-behaviour §2.4 step 7): deduplicated by title against the open tech-debt issues,
// at most `review.followups_max` per review. Trivial ones — dust, by the gardener's rule
// (isDustFinding: one file, medium or low, cosmetic words and nothing behavioural) — go to the
// gardener's dust ledger instead, which bundles them once a group holds three.
import type { Issue, RepoForge } from "../../forge/types.ts";
import { findingDust, isDustFinding, type DustEntry } from "../gardener/dust.ts";
import { followUpFindings, type Finding } from "./verdict.ts";

export const TECH_DEBT_COLOR = "#6B7280";
const MAX_TITLE = 100;

const key = (title: string): string => title.trim().replace(/\s+/g, " ").toLowerCase();

/** A stable, readable title: the finding's first sentence (clipped) and its file. */
export function followUpTitle(f: Finding): string {
  const first = (f.message.split("\n")[0] ?? "").trim();
  const sentence = /^(.+?[.!?])(\s|$)/.exec(first)?.[1] ?? first;
  const where = f.file !== "" ? ` (${f.file})` : "";
  const room = MAX_TITLE - where.length;
  const text = sentence.length <= room ? sentence : `${sentence.slice(0, room - 1).trimEnd()}…`;
  return `${text.replace(/[.!?]$/, "")}${where}`;
}

export function followUpBody(f: Finding, pr: number, sha: string): string {
  const where = f.file === "" ? "the code base as a whole" : f.line !== null && f.line > 0 ? `\`${f.file}:${f.line}\`` : `\`${f.file}\``;
  return [
    `Flagged by the AI reviewer in PR #${pr} (at \`${sha.slice(0, 7)}\`). The problem was there before that PR, so it was not a reason to block it.`,
    "",
    "## Problem",
    "",
    f.message.trim(),
    "",
    "## Where",
    "",
    where,
    "",
    `Severity: ${f.severity}.`,
    "",
    "*Auto-created from an AI review.*",
    "",
  ].join("\n");
}

export interface FollowUpResult {
  created: Issue[];
  /** Titles already open as tech-debt issues. */
  duplicates: string[];
  /** Findings left out because the per-review limit was reached. */
  overLimit: number;
  /** Titles of the trivial findings written to the dust ledger. */
  dust: string[];
}

export async function fileFollowUps(
  repo: RepoForge,
  opts: { label: string; pr: number; sha: string; findings: readonly Finding[]; max: number; redact: (s: string) => string; dust?: { add: (entries: DustEntry[]) => Promise<unknown>; now: Date } },
): Promise<FollowUpResult> {
  const result: FollowUpResult = { created: [], duplicates: [], overLimit: 0, dust: [] };
  const sink = opts.dust;
  if (sink) {
    const dust = opts.findings.filter(isDustFinding).map((f) => {
      const e = findingDust(f, opts.redact(followUpTitle(f)), opts.pr, sink.now);
      return { ...e, reason: opts.redact(e.reason) };
    });
    if (dust.length > 0) await sink.add(dust);
    result.dust = dust.map((d) => d.title);
  }
  const wanted = followUpFindings(opts.findings).filter((f) => !sink || !isDustFinding(f));
  if (wanted.length === 0 || opts.max <= 0) return { ...result, overLimit: opts.max <= 0 ? wanted.length : 0 };
  await repo.labels.ensure([{ name: opts.label, color: TECH_DEBT_COLOR, description: "Pre-existing problem found in review" }]);
  const open = await repo.issues.list({ state: "open", type: "issues", labels: [opts.label] });
  const seen = new Set(open.map((i) => key(i.title)));
  for (const f of wanted) {
    const title = opts.redact(followUpTitle(f));
    if (seen.has(key(title))) {
      result.duplicates.push(title);
      continue;
    }
    if (result.created.length >= opts.max) {
      result.overLimit++;
      continue;
    }
    const issue = await repo.issues.create({ title, body: opts.redact(followUpBody(f, opts.pr, opts.sha)), labels: [opts.label] });
    seen.add(key(title));
    result.created.push(issue);
  }
  return result;
}
