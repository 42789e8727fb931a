// The gardener's survey without tokens (disinto-behaviour §8.1): from one read of the open
// issues (and the dust ledger) pick at most one task; the first non-empty bucket in the
// original's priority wins. Pure: the tick reads, this decides. `agents-md-stale` needs the
// default branch's AGENTS.md and is decided by the tick after this returns nothing.
// `file-subissues` (and `vision-complete`) need the ops repo's pitch PRs: the tick decides them
// first, before this survey (filer.ts). `pitch-vision` is the architect's, on its own cron.
import type { Issue } from "../../forge/types.ts";
import { parseDeps } from "../../lib/deps.ts";
import { DUST_BUNDLE_MIN, DUST_TTL_MS, dustId, type DustEntry } from "./dust.ts";
import { DEFAULT_GARDENER_LABELS, type GardenerLabels } from "./labels.ts";

export type { DustEntry } from "./dust.ts";

/** The buckets this survey decides, in priority order. */
export const GARDENER_TASKS = ["blocker-starving-the-factory", "enrich-underspecified", "enrich-bug-report", "promote-tech-debt", "bundle-dust", "revisit-blocked"] as const;
/** After them: decided by the tick from the default branch (not from the issues). */
export const AGENTS_MD_TASK = "agents-md-stale";
export type GardenerTask = (typeof GARDENER_TASKS)[number];

export interface Pick {
  task: GardenerTask;
  /** The issue the task is about (for bundle-dust: none, the group's issues are in `issues`). */
  issue: number | undefined;
  /** bundle-dust: the group, its distinct open issues and every live entry of it. */
  group?: string;
  issues?: number[];
  entries?: DustEntry[];
  /** blocker-starving: the backlog issues waiting on it. */
  parents?: number[];
}

/** A blocked issue is revisited once it has not moved for this long (the original's BLOCKED_REVISIT_AGE_SECS). */
export const BLOCKED_REVISIT_MS = 4 * 3600_000;
/** An underspecified body with fewer non-whitespace characters is too thin to enrich. */
export const ENRICHABLE_MIN_CHARS = 100;

export interface SurveyInput {
  /** Open issues (PRs are ignored). */
  issues: readonly Issue[];
  dust: readonly DustEntry[];
  now: Date;
  /** Issues the gardener failed on too often lately: left alone for now. */
  skip?: ReadonlySet<number>;
  labels?: GardenerLabels;
}
const BUG_TITLE = /bug|broken|error|crash|fail|not working|reproduce/i;
const BUG_BODY = /reproduce|steps to|expected|actual|version:|environment:/i;
const DEBT_WORDS = /impact|effort|cost|slow|performance|memory|bloat|debt|refactor|cleanup/i;

const has = (i: Issue, l: string): boolean => i.labels.includes(l);

/**
 * Labels that mean a dependency is already queued, held or parked: not starving anyone. The
 * original's list plus `underspecified`: a dependency the gardener asked details for is
 * enrich-underspecified's to handle, not this bucket's again.
 */
function queued(l: GardenerLabels): string[] {
  return [l.backlog, l.inProgress, l.blocked, l.awaitingLive, l.formula, l.underspecified];
}

/** A body the dev agent can work from: at least 5 non-blank lines and a concrete signal (a path, code, a URL, a step). */
export function enrichable(body: string): boolean {
  const lines = body.split(/\r?\n/).filter((l) => l.trim() !== "");
  const signal = /`[^`]+`|https?:\/\/|(^|\s)[\w.-]+\/[\w./-]+|\b[\w-]+\.(ts|js|py|go|rs|sh|md|json|toml|ya?ml|c|h|java|rb)\b|^\s*(\d+[.)]|[-*])\s+\S/m;
  return lines.length >= 5 && signal.test(body);
}

/** The quality gate's two sections (§8.3): what a backlog issue is missing, if anything. */
export function missingSections(body: string): string[] {
  const out: string[] = [];
  if (!/^\s*[-*] \[[ xX]\] \S/m.test(body)) out.push("an acceptance-criteria checkbox (`- [ ] …`)");
  if (!/^#{1,6}\s*Affected files?\b/im.test(body)) out.push("an `## Affected files` section");
  return out;
}

/** Backlog issues that fail the quality gate (oldest first), the dev agent's left alone. */
export function gateFailures(input: SurveyInput): Issue[] {
  const l = input.labels ?? DEFAULT_GARDENER_LABELS;
  const skip = input.skip ?? new Set<number>();
  return input.issues
    .filter((i) => !i.isPull && i.state === "open" && has(i, l.backlog) && !has(i, l.inProgress) && !skip.has(i.number) && missingSections(i.body).length > 0)
    .sort((a, b) => a.number - b.number);
}
const newest = (a: Issue, b: Issue): number => b.updatedAt.getTime() - a.updatedAt.getTime() || b.number - a.number;
const oldest = (a: Issue, b: Issue): number => a.updatedAt.getTime() - b.updatedAt.getTime() || a.number - b.number;

export function nonWhitespace(text: string): number {
  return text.replace(/\s+/g, "").length;
}

export function survey(input: SurveyInput): Pick | undefined {
  const l = input.labels ?? DEFAULT_GARDENER_LABELS;
  const skip = input.skip ?? new Set<number>();
  const open = input.issues.filter((i) => !i.isPull && i.state === "open" && !has(i, l.inProgress) && !skip.has(i.number));
  const byNumber = new Map(open.map((i) => [i.number, i]));

  // 1. An open issue outside the queue that a backlog issue depends on: the factory starves.
  // A parent already blocked (on something external) waits for a person, not for the gardener.
  const parents = new Map<number, number[]>();
  const parked = queued(l);
  for (const i of open.filter((x) => has(x, l.backlog) && !has(x, l.blocked))) {
    for (const d of parseDeps(i.body)) {
      const dep = byNumber.get(d);
      if (dep && !parked.some((q) => has(dep, q))) parents.set(d, [...(parents.get(d) ?? []), i.number]);
    }
  }
  const starving = [...parents.keys()].map((n) => byNumber.get(n)!).sort(newest)[0];
  if (starving) return { task: "blocker-starving-the-factory", issue: starving.number, parents: parents.get(starving.number)!.sort((a, b) => a - b) };

  const first = (task: GardenerTask, pred: (i: Issue) => boolean, order = newest): Pick | undefined => {
    const hit = open.filter(pred).sort(order)[0];
    return hit ? { task, issue: hit.number } : undefined;
  };
  const pick =
    first("enrich-underspecified", (i) => has(i, l.underspecified) && nonWhitespace(i.body) >= ENRICHABLE_MIN_CHARS) ??
    first("enrich-bug-report", (i) => i.labels.length === 0 && (BUG_TITLE.test(i.title) || BUG_BODY.test(i.body))) ??
    first("promote-tech-debt", (i) => has(i, l.techDebt) && ![l.backlog, l.underspecified, l.blocked].some((x) => has(i, x)) && DEBT_WORDS.test(`${i.title}\n${i.body}`));
  if (pick) return pick;

  const dust = dustGroup(input.dust, input.now, byNumber);
  if (dust) return { task: "bundle-dust", issue: undefined, group: dust.group, issues: dust.issues, entries: dust.entries };

  return first("revisit-blocked", (i) => has(i, l.blocked) && input.now.getTime() - i.updatedAt.getTime() >= BLOCKED_REVISIT_MS, oldest);
}

/**
 * The largest group of live dust (30-day TTL, one entry per issue or key) with at least 3
 * entries. An entry about an issue counts while the issue is open (and not skipped or held);
 * an entry without an issue (a review finding) counts as it is.
 */
export function dustGroup(entries: readonly DustEntry[], now: Date, open: ReadonlyMap<number, Issue>): { group: string; issues: number[]; entries: DustEntry[] } | undefined {
  // A bundle a killed run started is finished first, whatever became of its sources.
  const pending = entries.filter((e) => e.bundle !== undefined && now.getTime() - Date.parse(e.ts) <= DUST_TTL_MS);
  if (pending.length > 0) {
    const key = pending[0]!.bundle;
    const es = pending.filter((e) => e.bundle === key).sort((a, b) => (a.issue ?? Infinity) - (b.issue ?? Infinity) || dustId(a).localeCompare(dustId(b)));
    return { group: es[0]!.group, issues: es.flatMap((e) => (e.issue !== undefined ? [e.issue] : [])), entries: es };
  }
  const latest = new Map<string, DustEntry>();
  for (const e of entries) {
    if (now.getTime() - Date.parse(e.ts) > DUST_TTL_MS || (e.issue !== undefined && !open.has(e.issue))) continue;
    const cur = latest.get(dustId(e));
    if (!cur || Date.parse(e.ts) >= Date.parse(cur.ts)) latest.set(dustId(e), e);
  }
  const groups = new Map<string, DustEntry[]>();
  for (const e of latest.values()) groups.set(e.group, [...(groups.get(e.group) ?? []), e]);
  const best = [...groups.entries()].filter(([, es]) => es.length >= DUST_BUNDLE_MIN).sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))[0];
  if (!best) return undefined;
  const sorted = best[1].sort((a, b) => (a.issue ?? Infinity) - (b.issue ?? Infinity) || dustId(a).localeCompare(dustId(b)));
  return {
    group: best[0],
    issues: sorted.flatMap((e) => (e.issue !== undefined ? [e.issue] : [])),
    entries: sorted,
  };
}
