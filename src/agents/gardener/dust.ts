// The dust ledger, `gardener/dust.jsonl` in the ops repo (disinto-behaviour §8.2): trivial
// problems — a typo, a rename, a comment, whitespace, no behaviour change — that are not worth
// an issue each. One JSON object a line; one entry per issue (or, for a finding the review
// agent wrote down without filing an issue, per key); entries older than 30 days drop out.
// When a group holds at least 3, the gardener bundles it into one backlog issue.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { StateStore } from "../../state/store.ts";

export const DUST_PATH = "gardener/dust.jsonl";
export const DUST_TTL_MS = 30 * 24 * 3600_000;
export const DUST_BUNDLE_MIN = 3;

export const dustEntrySchema = z
  .object({
    /** The issue this dust is (closed with "Bundled into #B" when bundled). */
    issue: z.number().int().positive().optional(),
    /** For dust with no issue of its own (a review finding): what makes it one entry. */
    key: z.string().min(1).max(100).optional(),
    /** The file or subsystem: entries of one group are bundled together. */
    group: z.string().min(1).max(200),
    title: z.string().max(500).default(""),
    reason: z.string().max(2000).default(""),
    /** Where it was found, e.g. `PR #12`. */
    source: z.string().max(200).optional(),
    /**
     * The key of the bundle this entry is going into: set just before the bundle is applied,
     * so a run killed half way finishes that bundle next time (even with its sources closed)
     * instead of leaving the entries behind.
     */
    bundle: z.string().max(100).optional(),
    ts: z.iso.datetime(),
  })
  .refine((e) => e.issue !== undefined || e.key !== undefined, { error: "a dust entry needs an issue or a key" });
export type DustEntry = z.output<typeof dustEntrySchema>;

/** What makes an entry one: its issue, else its key. */
export const dustId = (e: DustEntry): string => (e.issue !== undefined ? `#${e.issue}` : `key:${e.key ?? ""}`);

/** The ledger's live entries: valid lines within the TTL, the newest per id. Bad lines are skipped. */
export function parseDust(text: string, now: Date): { entries: DustEntry[]; invalid: number } {
  const latest = new Map<string, DustEntry>();
  let invalid = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      invalid++;
      continue;
    }
    const r = dustEntrySchema.safeParse(raw);
    if (!r.success) {
      invalid++;
      continue;
    }
    const e = r.data;
    if (now.getTime() - Date.parse(e.ts) > DUST_TTL_MS) continue;
    const cur = latest.get(dustId(e));
    if (!cur || Date.parse(e.ts) >= Date.parse(cur.ts)) latest.set(dustId(e), e);
  }
  return { entries: [...latest.values()], invalid };
}

export function renderDust(entries: readonly DustEntry[]): string {
  return entries.map((e) => JSON.stringify(e)).join("\n") + (entries.length > 0 ? "\n" : "");
}

export async function readDust(state: StateStore, now: Date): Promise<DustEntry[]> {
  const doc = await state.readText(DUST_PATH);
  return doc === undefined ? [] : parseDust(doc.value, now).entries;
}

/** Add entries (an entry replaces an older one with the same id); expired ones drop out. */
export async function addDust(state: StateStore, add: readonly DustEntry[], now: Date): Promise<boolean> {
  if (add.length === 0) return false;
  const ids = new Set(add.map(dustId));
  const r = await state.updateText(
    DUST_PATH,
    (cur) => {
      const kept = parseDust(cur ?? "", now).entries.filter((e) => !ids.has(dustId(e)));
      return renderDust([...kept, ...add]);
    },
    `gardener dust: ${add.map((e) => `${e.group}: ${e.issue !== undefined ? `#${e.issue}` : e.title}`).join("; ")}`.slice(0, 200),
  );
  return r.changed;
}

/** Mark entries as going into the bundle `key` (see `bundle`). */
export async function markDust(state: StateStore, ids: readonly string[], key: string, now: Date): Promise<boolean> {
  const mark = new Set(ids);
  const r = await state.updateText(
    DUST_PATH,
    (cur) => {
      if (cur === undefined) return undefined;
      const next = renderDust(parseDust(cur, now).entries.map((e) => (mark.has(dustId(e)) ? { ...e, bundle: key } : e)));
      return next === cur ? undefined : next;
    },
    `gardener dust: bundling ${key}`,
  );
  return r.changed;
}

/** Drop entries by id (after they were bundled). */
export async function dropDust(state: StateStore, ids: readonly string[], now: Date, why: string): Promise<boolean> {
  const drop = new Set(ids);
  const r = await state.updateText(
    DUST_PATH,
    (cur) => {
      if (cur === undefined) return undefined;
      const next = renderDust(parseDust(cur, now).entries.filter((e) => !drop.has(dustId(e))));
      return next === cur ? undefined : next;
    },
    why,
  );
  return r.changed;
}

// ─── the review agent's findings ────────────────────────────────────────────────────────────

/** What a review finding must have (one spot in one file) and say to be dust rather than an issue. */
const DUST_WORDS = /\b(typos?|spelling|misspel\w*|wording|rename[ds]?|renaming|naming|comments?|docstrings?|whitespace|indentation|formatting|unused (?:import|variable)s?|dead code|stale comment|nit)\b/i;
/** Words that make a finding "ore" (behaviour, security, several files) whatever else it says. */
const ORE_WORDS = /\b(security|secret|token|password|inject\w*|race|deadlock|leak\w*|crash\w*|data loss|corrupt\w*|bug|broken|wrong|incorrect|fails?|exception|behaviou?r)\b/i;

export interface FindingLike {
  severity: string;
  file: string;
  line: number | null;
  message: string;
  introduced_by_pr: boolean;
}

/**
 * The rule that decides whether a pre-existing review finding is dust: it is in one file, of
 * severity medium or lower, and its message names a cosmetic change (a typo, a rename, a
 * comment, whitespace, formatting, an unused import, dead code) and nothing behavioural or
 * security-related. Everything else stays a `tech-debt` issue.
 */
export function isDustFinding(f: FindingLike): boolean {
  if (f.introduced_by_pr || f.file === "") return false;
  if (!["medium", "low"].includes(f.severity)) return false;
  return DUST_WORDS.test(f.message) && !ORE_WORDS.test(f.message);
}

/** A finding's group: the directory of its file (`.` for the root). */
export function dustGroupOf(file: string): string {
  const i = file.lastIndexOf("/");
  return i <= 0 ? "." : file.slice(0, i);
}

/** The ledger entry for a review finding; its key is stable for the same file and message. */
export function findingDust(f: FindingLike, title: string, pr: number, now: Date): DustEntry {
  const key = `review-${createHash("sha256").update(`${f.file}\0${f.message.trim()}`).digest("hex").slice(0, 16)}`;
  return {
    key,
    group: dustGroupOf(f.file),
    title,
    reason: `${f.file}${f.line !== null && f.line > 0 ? `:${f.line}` : ""}: ${(f.message.split("\n")[0] ?? "").trim()}`.slice(0, 2000),
    source: `PR #${pr}`,
    ts: now.toISOString(),
  };
}
