// The gardener's part of `disinto status`: its last task from its journal, and what its next
// runs would pick — the gardener's own survey, run on the open issues status has already read
// and the dust ledger, without tokens or git. Each candidate is the survey's pick once the
// picks before it are set aside, so the list is in the order the runs would take them (as long
// as nothing changes). `agents-md-stale` needs git and is never listed here.
import type { ProjectConfig } from "../config/project.ts";
import type { Issue } from "../forge/types.ts";
import { readDust, type DustEntry } from "../agents/gardener/dust.ts";
import { gardenerLabels, type GardenerLabels } from "../agents/gardener/labels.ts";
import { readMemory, skipped } from "../agents/gardener/memory.ts";
import { gateFailures, survey } from "../agents/gardener/survey.ts";
import type { StateStore } from "../state/index.ts";
import type { GardenerStatus } from "./schema.ts";

/** How many next picks status shows. */
export const NEXT_CANDIDATES = 5;

const HEADING = /^## (\d\d:\d\d:\d\d) — (.*?)(?: \(\[pipeline\]\(([^)\s]+)\)\))?$/;

export async function gardenerStatus(store: StateStore, config: ProjectConfig, open: readonly Issue[], now: Date): Promise<GardenerStatus> {
  const [last, dust, memory] = await Promise.all([lastTask(store), readDust(store, now), readMemory(store, config.name)]);
  const skip = skipped(memory, open, now.getTime());
  return { last_task: last, left_alone: [...skip].sort((a, b) => a - b), next: candidates(open, dust, now, skip, gardenerLabels(config)) };
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

function candidates(open: readonly Issue[], dust: readonly DustEntry[], now: Date, left: ReadonlySet<number>, labels: GardenerLabels): GardenerStatus["next"] {
  const out: GardenerStatus["next"] = [];
  // The quality gate comes before the buckets, as in the tick.
  const gate = gateFailures({ issues: open, dust, now, skip: left, labels });
  if (gate.length > 0) out.push({ task: "quality-gate", issue: null, title: null, issues: gate.map((i) => i.number), group: null });
  const skip = new Set(left);
  const titles = new Map(open.map((i) => [i.number, i.title]));
  while (out.length < NEXT_CANDIDATES) {
    const pick = survey({ issues: open, dust, now, skip, labels });
    if (pick === undefined) break;
    const issues = pick.issues ?? pick.parents ?? [];
    out.push({ task: pick.task, issue: pick.issue ?? null, title: pick.issue !== undefined ? (titles.get(pick.issue) ?? null) : null, issues, group: pick.group ?? null });
    const aside = pick.issue !== undefined ? [pick.issue] : issues;
    if (aside.length === 0) break;
    for (const n of aside) skip.add(n);
  }
  return out;
}
