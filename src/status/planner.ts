// The planner's and the predictor's parts of `disinto status`: the planner's tree summary
// (objectives READY / BLOCKED / DONE, read back from prerequisites.md) and its last run; the
// predictor's open predictions and its last run. Both from what status has already read or one
// ops-repo read each, without tokens.
import type { ProjectConfig } from "../config/project.ts";
import type { Issue } from "../forge/types.ts";
import { parseTree, TREE_PATH } from "../agents/planner/tree.ts";
import type { StateStore } from "../state/index.ts";
import type { PlannerStatus, PredictorStatus } from "./schema.ts";

const HEADING = /^## (\d\d:\d\d:\d\d) — (.*?)(?: \(\[pipeline\]\(([^)\s]+)\)\))?$/;

/** The newest entry of `journal/<agent>/`: when and its title. */
export async function lastRun(store: StateStore, agent: string): Promise<PlannerStatus["last_run"]> {
  const days = (await store.list(`journal/${agent}`)).filter((e) => e.type === "file" && /^\d{4}-\d\d-\d\d\.md$/.test(e.name)).map((e) => e.name);
  const newest = days.sort().at(-1);
  if (newest === undefined) return null;
  const doc = await store.readText(`journal/${agent}/${newest}`);
  const m = (doc?.value ?? "")
    .split("\n")
    .flatMap((line) => {
      const x = HEADING.exec(line);
      return x ? [x] : [];
    })
    .at(-1);
  if (m === undefined) return null;
  return { at: `${newest.slice(0, 10)}T${m[1] ?? "00:00:00"}.000Z`, title: m[2] ?? "", pipeline_url: m[3] ?? null };
}

export async function plannerStatus(store: StateStore): Promise<PlannerStatus> {
  const [last, tree] = await Promise.all([lastRun(store, "planner"), store.readText(TREE_PATH)]);
  const t = parseTree(tree?.value ?? "");
  const count = (s: string): number => t.objectives.filter((o) => o.status === s).length;
  return {
    last_run: last,
    tree: { updated: t.updated, ready: count("READY"), blocked: count("BLOCKED"), done: count("DONE"), objectives: t.objectives.map((o) => ({ name: o.name, status: o.status, reason: o.reason ?? null })) },
  };
}

export async function predictorStatus(store: StateStore, config: ProjectConfig, open: readonly Issue[]): Promise<PredictorStatus> {
  const label = config.labels["prediction/unreviewed"];
  return {
    last_run: await lastRun(store, "predictor"),
    open: open.filter((i) => i.labels.includes(label)).map((i) => ({ number: i.number, title: i.title })),
  };
}
