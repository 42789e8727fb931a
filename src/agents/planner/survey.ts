// The planner's survey without tokens (DESIGN §10.1): it skips when nothing it reads has
// changed since its last run — the project's default-branch HEAD, the ops-repo documents it
// reads (RESOURCES.md, its tree, its memory: the rest of the ops repo is other agents' journals
// and state, which are not its input), and the open `prediction/unreviewed` and `vision` issues.
// The watermarks live in `state/<project>/watermarks/planner.json`; its own writes are
// recorded as they were written, so they do not wake it again.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Issue } from "../../forge/types.ts";
import type { StateStore } from "../../state/store.ts";
import { watermarkPath } from "../../state/watermark.ts";
import type { AgentRuntime } from "../runtime.ts";
import type { PlannerLabels } from "./policy.ts";
import { TREE_PATH } from "./tree.ts";

export const RESOURCES_PATH = "RESOURCES.md";
export const MEMORY_PATH = "knowledge/planner-memory.md";
/** The memory is rewritten on every MEMORY_EVERY-th run. */
export const MEMORY_EVERY = 5;

const docSchema = z.record(z.string(), z.string());
export type Marks = Record<string, string>;

export const marksPath = (project: string): string => watermarkPath(project, "planner");

export interface Inputs {
  head: string;
  resources: string | undefined;
  tree: string | undefined;
  memory: string | undefined;
  predictions: Issue[];
  vision: Issue[];
}

export const digestOf = (text: string | undefined): string => (text === undefined ? "-" : createHash("sha256").update(text).digest("hex").slice(0, 16));
const issuesMark = (is: readonly Issue[]): string =>
  [...is]
    .sort((a, b) => a.number - b.number)
    .map((i) => `${i.number}@${i.updatedAt.toISOString()}`)
    .join(",") || "-";

/** The watermarks of what the planner read (runs is kept apart). */
export function marksOf(i: Inputs): Marks {
  return { head: i.head, resources: digestOf(i.resources), tree: digestOf(i.tree), memory: digestOf(i.memory), predictions: issuesMark(i.predictions), vision: issuesMark(i.vision) };
}

/** What changed since the last run; empty: skip. */
export function changed(now: Marks, last: Marks): string[] {
  return Object.keys(now).filter((k) => now[k] !== last[k]);
}

export async function readMarks(state: StateStore, project: string): Promise<Marks> {
  return (await state.readJson(marksPath(project), docSchema))?.value ?? {};
}

export async function readInputs(rt: AgentRuntime, l: PlannerLabels): Promise<Inputs> {
  const [branch, resources, tree, memory, predictions, vision] = await Promise.all([
    rt.repo.branches.get(rt.config.primary_branch),
    rt.state.readText(RESOURCES_PATH),
    rt.state.readText(TREE_PATH),
    rt.state.readText(MEMORY_PATH),
    rt.repo.issues.list({ state: "open", type: "issues", labels: [l.unreviewed] }),
    rt.repo.issues.list({ state: "open", type: "issues", labels: [l.vision] }),
  ]);
  if (branch === undefined) throw new Error(`the project repo ${rt.config.repo} has no branch ${rt.config.primary_branch}`);
  return { head: branch.commitSha, resources: resources?.value, tree: tree?.value, memory: memory?.value, predictions, vision };
}

/** This run's number (1-based) and whether it rewrites the memory. */
export function runNumber(last: Marks): { run: number; memoryDue: boolean } {
  const run = (Number(last["runs"] ?? "0") || 0) + 1;
  return { run, memoryDue: run % MEMORY_EVERY === 0 };
}

/** The `summarized-through-run` mark on top of a memory the model wrote. */
export function withRunMark(memory: string, run: number): string {
  return `<!-- summarized-through-run: ${run} -->\n${memory.replace(/^<!--\s*summarized-through-run:[^>]*-->\s*\n?/, "").trimEnd()}\n`;
}
