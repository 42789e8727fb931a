// The gardener's part of `disinto status`: its last task from its journal, and what its next
// runs would pick — the gardener's own survey, run on the open issues status has already read
// and the dust ledger, without tokens or git. Each candidate is the survey's pick once the
// picks before it are set aside, so the list is in the order the runs would take them (as long
// as nothing changes). `agents-md-stale` needs git and is never listed here.
import type { Issue } from "../forge/types.ts";
import { dustEntrySchema, survey, type DustEntry } from "../agents/gardener/survey.ts";
import type { StateStore } from "../state/index.ts";
import type { GardenerStatus } from "./schema.ts";

/** The dust ledger in the ops repo (disinto-behaviour §8.2). */
export const DUST_PATH = "gardener/dust.jsonl";
/** How many next picks status shows. */
export const NEXT_CANDIDATES = 5;

const HEADING = /^## (\d\d:\d\d:\d\d) — (.*?)(?: \(\[pipeline\]\(([^)\s]+)\)\))?$/;

export async function gardenerStatus(store: StateStore, open: readonly Issue[], now: Date, warnings: string[]): Promise<GardenerStatus> {
  const [last, dust] = await Promise.all([lastTask(store), readDust(store, warnings)]);
  return { last_task: last, next: candidates(open, dust, now) };
}

async function lastTask(store: StateStore): Promise<GardenerStatus["last_task"]> {
  const days = (await store.list("journal/gardener")).filter((e) => e.type === "file" && /^\d{4}-\d\d-\d\d\.md$/.test(e.name)).map((e) => e.name);
  const newest = days.sort().at(-1);
  if (newest === undefined) return null;
  const doc = await store.readText(`journal/gardener/${newest}`);
  const entries = (doc?.value ?? "").split("\n").flatMap((line) => {
    const m = HEADING.exec(line);
    return m ? [m] : [];
  });
  const m = entries.at(-1);
  if (m === undefined) return null;
  const title = m[2] ?? "";
  return { at: `${newest.slice(0, 10)}T${m[1] ?? "00:00:00"}.000Z`, task: /^[a-z][a-z-]*/.exec(title)?.[0] ?? null, title, pipeline_url: m[3] ?? null };
}

/** The ledger's valid lines; a line that does not parse is reported, not fatal. */
async function readDust(store: StateStore, warnings: string[]): Promise<DustEntry[]> {
  const doc = await store.readText(DUST_PATH);
  const out: DustEntry[] = [];
  let bad = 0;
  for (const line of (doc?.value ?? "").split("\n")) {
    if (line.trim() === "") continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      bad++;
      continue;
    }
    const r = dustEntrySchema.safeParse(raw);
    if (r.success) out.push(r.data);
    else bad++;
  }
  if (bad > 0) warnings.push(`${DUST_PATH}: ${bad} line${bad === 1 ? "" : "s"} that ${bad === 1 ? "is" : "are"} not a dust entry, left out`);
  return out;
}

function candidates(open: readonly Issue[], dust: readonly DustEntry[], now: Date): GardenerStatus["next"] {
  const skip = new Set<number>();
  const titles = new Map(open.map((i) => [i.number, i.title]));
  const out: GardenerStatus["next"] = [];
  while (out.length < NEXT_CANDIDATES) {
    const pick = survey({ issues: open, dust, now, skip });
    if (pick === undefined) break;
    const issues = pick.issues ?? pick.parents ?? [];
    out.push({ task: pick.task, issue: pick.issue ?? null, title: pick.issue !== undefined ? (titles.get(pick.issue) ?? null) : null, issues, group: pick.group ?? null });
    const aside = pick.issue !== undefined ? [pick.issue] : issues;
    if (aside.length === 0) break;
    for (const n of aside) skip.add(n);
  }
  return out;
}
