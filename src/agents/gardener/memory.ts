// What the gardener remembers between runs, in its watermarks document
// (`state/<project>/watermarks/gardener.json`, src/state/watermark.ts's layout), read once per
// run with the rest of the survey:
//  - `fail/<n>` = `<count> <iso>`: tasks on issue #n that failed; at MAX_FAILURES the issue is
//    left alone for a day, so one bad issue cannot starve the rest of its bucket;
//  - `rest/<n>` = `<until iso> <at iso>`: the gardener decided to wait on #n (it asked for
//    more detail, or the dependency is still open); the issue is left alone until then, or
//    until someone changes it (its updated_at passes `at`);
//  - `agents-md` = `<iso>`: when AGENTS.md was last looked at (at most once per interval).
import { z } from "zod";
import type { Issue } from "../../forge/types.ts";
import type { StateStore } from "../../state/store.ts";
import { watermarkPath } from "../../state/watermark.ts";

export const MAX_FAILURES = 3;
export const FAILURE_SKIP_MS = 24 * 3600_000;
/** Slack for our own writes bumping an issue's updated_at just after we recorded the rest. */
const OWN_WRITE_SLACK_MS = 60_000;

const docSchema = z.record(z.string(), z.string());
export type MemoryDoc = Record<string, string>;

export const memoryPath = (project: string): string => watermarkPath(project, "gardener");

export async function readMemory(state: StateStore, project: string): Promise<MemoryDoc> {
  return (await state.readJson(memoryPath(project), docSchema))?.value ?? {};
}

function parseFail(v: string | undefined): { count: number; at: number } | undefined {
  const m = v === undefined ? null : /^(\d+) (\S+)$/.exec(v);
  return m ? { count: Number(m[1]), at: Date.parse(m[2]!) } : undefined;
}

function parseRest(v: string | undefined): { until: number; at: number } | undefined {
  const m = v === undefined ? null : /^(\S+) (\S+)$/.exec(v);
  return m ? { until: Date.parse(m[1]!), at: Date.parse(m[2]!) } : undefined;
}

/** Issues the gardener leaves alone right now: failed too often lately, or resting unchanged. */
export function skipped(doc: MemoryDoc, issues: readonly Issue[], now: number): Set<number> {
  const out = new Set<number>();
  for (const i of issues) {
    const f = parseFail(doc[`fail/${i.number}`]);
    if (f && f.count >= MAX_FAILURES && now - f.at < FAILURE_SKIP_MS) out.add(i.number);
    const r = parseRest(doc[`rest/${i.number}`]);
    if (r && now < r.until && i.updatedAt.getTime() <= r.at + OWN_WRITE_SLACK_MS) out.add(i.number);
  }
  return out;
}

export type MemoryChange = { kind: "failed"; issue: number } | { kind: "succeeded"; issue: number } | { kind: "rest"; issue: number; ms: number } | { kind: "agents-md" };

/** Apply changes in one write; expired entries are dropped on the way. */
export async function remember(state: StateStore, project: string, changes: readonly MemoryChange[], now: number): Promise<void> {
  if (changes.length === 0) return;
  const iso = new Date(now).toISOString();
  await state.updateJson(
    memoryPath(project),
    docSchema,
    (cur) => {
      const next: MemoryDoc = {};
      for (const [k, v] of Object.entries(cur ?? {})) {
        const f = k.startsWith("fail/") ? parseFail(v) : undefined;
        const r = k.startsWith("rest/") ? parseRest(v) : undefined;
        if (f && now - f.at >= FAILURE_SKIP_MS) continue;
        if (r && now >= r.until) continue;
        next[k] = v;
      }
      for (const c of changes) {
        if (c.kind === "failed") next[`fail/${c.issue}`] = `${(parseFail(next[`fail/${c.issue}`])?.count ?? 0) + 1} ${iso}`;
        else if (c.kind === "succeeded") delete next[`fail/${c.issue}`];
        else if (c.kind === "rest") next[`rest/${c.issue}`] = `${new Date(now + c.ms).toISOString()} ${iso}`;
        else next["agents-md"] = iso;
      }
      return JSON.stringify(next) === JSON.stringify(cur ?? {}) ? undefined : next;
    },
    { why: `gardener memory: ${changes.map((c) => ("issue" in c ? `${c.kind} #${c.issue}` : c.kind)).join(", ")}` },
  );
}
