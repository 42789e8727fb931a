// The gardener's survey without tokens (disinto-behaviour §8.1): from one read of the open
// issues (and the dust ledger) pick at most one task; the first non-empty bucket in the
// original's priority wins. Pure: the tick reads, this decides. `agents-md-stale` needs git and
// is decided by the tick after this returns nothing; `file-subissues` and `pitch-vision` belong
// to the architect (they would come after it).
import { z } from "zod";
import type { Issue } from "../../forge/types.ts";
import { parseDeps } from "../../lib/deps.ts";

export const GARDENER_TASKS = ["blocker-starving-the-factory", "enrich-underspecified", "enrich-bug-report", "promote-tech-debt", "bundle-dust", "revisit-blocked"] as const;
export type GardenerTask = (typeof GARDENER_TASKS)[number];

export interface Pick {
  task: GardenerTask;
  /** The issue the task is about (for bundle-dust: none, the group's issues are in `issues`). */
  issue: number | undefined;
  /** bundle-dust: the group and its distinct issues. */
  group?: string;
  issues?: number[];
  /** blocker-starving: the backlog issues waiting on it. */
  parents?: number[];
}

export const dustEntrySchema = z.object({
  issue: z.number().int().positive(),
  group: z.string().min(1).max(200),
  title: z.string().max(500).default(""),
  reason: z.string().max(2000).default(""),
  ts: z.iso.datetime(),
});
export type DustEntry = z.output<typeof dustEntrySchema>;

export const DUST_TTL_MS = 30 * 24 * 3600_000;
export const DUST_BUNDLE_MIN = 3;
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
}

/** Labels that mean a dependency is already queued, held or parked: not starving anyone. */
const QUEUED = ["backlog", "in-progress", "blocked", "awaiting-live-verification", "formula"];
const BUG_TITLE = /bug|broken|error|crash|fail|not working|reproduce/i;
const BUG_BODY = /reproduce|steps to|expected|actual|version:|environment:/i;
const DEBT_WORDS = /impact|effort|cost|slow|performance|memory|bloat|debt|refactor|cleanup/i;

const has = (i: Issue, l: string): boolean => i.labels.includes(l);
const newest = (a: Issue, b: Issue): number => b.updatedAt.getTime() - a.updatedAt.getTime() || b.number - a.number;
const oldest = (a: Issue, b: Issue): number => a.updatedAt.getTime() - b.updatedAt.getTime() || a.number - b.number;

export function nonWhitespace(text: string): number {
  return text.replace(/\s+/g, "").length;
}

export function survey(input: SurveyInput): Pick | undefined {
  const skip = input.skip ?? new Set<number>();
  const open = input.issues.filter((i) => !i.isPull && i.state === "open" && !has(i, "in-progress") && !skip.has(i.number));
  const byNumber = new Map(open.map((i) => [i.number, i]));

  // 1. An open issue outside the queue that a backlog issue depends on: the factory starves.
  const parents = new Map<number, number[]>();
  for (const i of open.filter((x) => has(x, "backlog"))) {
    for (const d of parseDeps(i.body)) {
      const dep = byNumber.get(d);
      if (dep && !QUEUED.some((l) => has(dep, l))) parents.set(d, [...(parents.get(d) ?? []), i.number]);
    }
  }
  const starving = [...parents.keys()].map((n) => byNumber.get(n)!).sort(newest)[0];
  if (starving) return { task: "blocker-starving-the-factory", issue: starving.number, parents: parents.get(starving.number)!.sort((a, b) => a - b) };

  const first = (task: GardenerTask, pred: (i: Issue) => boolean, order = newest): Pick | undefined => {
    const hit = open.filter(pred).sort(order)[0];
    return hit ? { task, issue: hit.number } : undefined;
  };
  const pick =
    first("enrich-underspecified", (i) => has(i, "underspecified") && nonWhitespace(i.body) >= ENRICHABLE_MIN_CHARS) ??
    first("enrich-bug-report", (i) => i.labels.length === 0 && (BUG_TITLE.test(i.title) || BUG_BODY.test(i.body))) ??
    first("promote-tech-debt", (i) => has(i, "tech-debt") && !["backlog", "underspecified", "blocked"].some((l) => has(i, l)) && DEBT_WORDS.test(`${i.title}\n${i.body}`));
  if (pick) return pick;

  const dust = dustGroup(input.dust, input.now, byNumber);
  if (dust) return { task: "bundle-dust", issue: undefined, group: dust.group, issues: dust.issues };

  return first("revisit-blocked", (i) => has(i, "blocked") && input.now.getTime() - i.updatedAt.getTime() >= BLOCKED_REVISIT_MS, oldest);
}

/** The largest group of live dust (30-day TTL, one entry per issue, issue still open) with at least 3 issues. */
export function dustGroup(entries: readonly DustEntry[], now: Date, open: ReadonlyMap<number, Issue>): { group: string; issues: number[] } | undefined {
  const latest = new Map<number, DustEntry>();
  for (const e of entries) {
    if (now.getTime() - Date.parse(e.ts) > DUST_TTL_MS || !open.has(e.issue)) continue;
    const cur = latest.get(e.issue);
    if (!cur || Date.parse(e.ts) >= Date.parse(cur.ts)) latest.set(e.issue, e);
  }
  const groups = new Map<string, number[]>();
  for (const e of latest.values()) groups.set(e.group, [...(groups.get(e.group) ?? []), e.issue]);
  const best = [...groups.entries()].filter(([, is]) => is.length >= DUST_BUNDLE_MIN).sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))[0];
  return best ? { group: best[0], issues: best[1].sort((a, b) => a - b) } : undefined;
}
