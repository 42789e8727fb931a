// One planner run (disinto-behaviour §9.1, DESIGN §10):
//  1. Survey without tokens: the project's HEAD, the ops documents it reads and the open
//     predictions and vision issues, against its watermarks. Nothing changed → idle.
//  2. Lease `planner/<project>`; read again under it.
//  3. Context: VISION.md and AGENTS.md from a read-only checkout of the default branch (the
//     model's working tree, and the list of paths an issue may name), its tree, RESOURCES.md and
//     memory, open issues by label, recent merges, pending vault requests, bounced issues, and
//     the open predictions, fenced as data.
//  4. The answer (answer.ts) → a manifest checked against the policy and applied; then the
//     tree, the memory (every fifth run) and the watermarks in one ops-repo commit; the journal.
import type { Issue } from "../../forge/types.ts";
import type { Outcome } from "../../host/outcome.ts";
import { loadAgentFormula } from "../../config/formula-source.ts";
import { errorMessage } from "../../lib/errors.ts";
import type { Part } from "../../manifest/ask.ts";
import { runJudgment } from "../../manifest/run.ts";
import type { AgentRuntime } from "../runtime.ts";
import { wakeDevIfReady } from "../shared/wake.ts";
import { checkoutDefault } from "../gardener/tree.ts";
import { plannerManifest, plannerSchema, type PlannerAnswer } from "./answer.ts";
import { AGENT, BASE_BUDGET, issueBudget, plannerLabels, plannerPolicy, TOP, type PlannerLabels } from "./policy.ts";
import { changed, digestOf, marksOf, marksPath, MEMORY_PATH, readInputs, readMarks, RESOURCES_PATH, runNumber, withRunMark, type Inputs, type Marks } from "./survey.ts";
import { renderTree, TREE_PATH } from "./tree.ts";

export const LEASE_TTL_MS = 40 * 60_000;
export const leaseName = (project: string): string => `planner/${project}`;
/** Issues closed this recently count as filed (never file twice). */
export const CLOSED_LOOKBACK_MS = 30 * 24 * 3600_000;
const MERGES_LOOKBACK_MS = 14 * 24 * 3600_000;
/** Timelines read for bounce detection, per run. */
const BOUNCE_READS = 20;
export const CHURN = 3;

export async function runPlannerTick(rt: AgentRuntime): Promise<Outcome> {
  const l = plannerLabels(rt.config);
  const project = rt.config.name;
  const last = await readMarks(rt.state, project);
  const first = await readInputs(rt, l);
  const diff = changed(marksOf(first), last);
  if (diff.length === 0) return idle(first);
  rt.log.info(`planner: changed since the last run: ${diff.join(", ")}`);

  await rt.checkpoint("planner:before-lease");
  const name = leaseName(project);
  const got = await rt.leases.acquire(name, { ttlMs: LEASE_TTL_MS, holder: rt.holder });
  if (!got.acquired) return { outcome: "idle", summary: `another planner run holds ${name} (${got.current.holder?.id ?? "unknown"})` };
  try {
    const marks = await readMarks(rt.state, project);
    const inputs = await readInputs(rt, l);
    if (changed(marksOf(inputs), marks).length === 0) return idle(inputs);
    return await plan(rt, l, inputs, marks);
  } finally {
    await rt.leases.release(got.lease).catch((err: unknown) => rt.log.warn(`lease ${name}: release failed (${errorMessage(err)}); it expires on its own`));
  }
}

function idle(i: Inputs): Outcome {
  return {
    outcome: "idle",
    summary: `nothing changed since the last plan (HEAD ${i.head.slice(0, 7)}, ${i.predictions.length} open prediction${i.predictions.length === 1 ? "" : "s"}, ${i.vision.length} vision issue${i.vision.length === 1 ? "" : "s"})`,
    details: { head: i.head, predictions: i.predictions.length, vision: i.vision.length },
  };
}

/** Open issues a person must look at: bounced back to `underspecified`, or relabelled ≥ CHURN times. */
async function humanBlocked(rt: AgentRuntime, l: PlannerLabels, tree: string | undefined, open: ReadonlyMap<number, Issue>): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const refs = [...new Set([...(tree ?? "").matchAll(/#(\d+)/g)].map((m) => Number(m[1])))].filter((n) => open.has(n)).slice(0, BOUNCE_READS);
  for (const n of refs) {
    const issue = open.get(n)!;
    if (issue.labels.includes(l.underspecified)) {
      out.set(n, "bounced (underspecified or too large)");
      continue;
    }
    const events = await rt.repo.issues.timeline(n);
    const churn = events.filter((e) => e.label !== undefined && [l.backlog, l.underspecified].includes(e.label.name)).length;
    if (churn >= CHURN) out.set(n, `label churn (${churn} relabels)`);
  }
  return out;
}

const oneLine = (s: string): string => s.replace(/\s+/g, " ").trim();

async function plan(rt: AgentRuntime, l: PlannerLabels, inputs: Inputs, marks: Marks): Promise<Outcome> {
  const now = rt.now();
  const day = new Date(now).toISOString().slice(0, 10);
  const [openAll, closed, pulls, opsPulls] = await Promise.all([
    rt.repo.issues.list({ state: "open", type: "issues" }),
    rt.repo.issues.list({ state: "closed", type: "issues", since: new Date(now - CLOSED_LOOKBACK_MS) }),
    rt.repo.pulls.list({ state: "closed", page: 1, limit: 50 }),
    rt.ops.pulls.list({ state: "open" }),
  ]);
  const recentClosed = closed.filter((i) => i.closedAt === undefined || now - i.closedAt.getTime() <= CLOSED_LOOKBACK_MS);
  const open = new Map(openAll.map((i) => [i.number, i]));
  const merges = pulls.filter((p) => p.merged && (p.mergedAt === undefined || now - p.mergedAt.getTime() <= MERGES_LOOKBACK_MS)).slice(0, 20);
  const pendingVault = opsPulls.filter((p) => p.head.ref.startsWith("vault/"));
  const bounced = await humanBlocked(rt, l, inputs.tree, open);
  // A run killed between a prediction's relabel and its close left it open without
  // `prediction/unreviewed`: it is still to triage, so this run finishes it.
  const halfDone = openAll.filter((i) => !i.labels.includes(l.unreviewed) && (i.labels.includes(l.actioned) || i.labels.includes(l.dismissed)));
  const toTriage = [...inputs.predictions, ...halfDone];
  const predictions = new Set(toTriage.map((p) => p.number));
  const { run, memoryDue } = runNumber(marks);
  const maxBudget = predictions.size > 0 ? issueBudget(predictions.size, predictions.size) : BASE_BUDGET;

  const tree = await checkoutDefault(rt);
  try {
    const [vision, agentsMd] = await Promise.all([tree.text("VISION.md"), tree.text("AGENTS.md")]);
    const instructions: Part[] = [
      ...(vision !== undefined ? [{ name: "VISION.md", text: vision }] : []),
      ...(agentsMd !== undefined ? [{ name: "AGENTS.md", text: agentsMd }] : []),
    ];
    const documents: Part[] = [
      { name: TREE_PATH, text: inputs.tree ?? "(none yet)" },
      { name: RESOURCES_PATH, text: inputs.resources ?? "(none)" },
      { name: MEMORY_PATH, text: inputs.memory ?? "(none yet)" },
    ];
    const byLabel = new Map<string, Issue[]>();
    for (const i of openAll) for (const k of i.labels.length > 0 ? i.labels : ["(no label)"]) byLabel.set(k, [...(byLabel.get(k) ?? []), i]);
    const data: Part[] = [
      ...toTriage.map((p) => ({ name: `prediction #${p.number}: ${oneLine(p.title).slice(0, 80)}`, text: p.body })),
      { name: `open issues by label (${openAll.length})`, text: [...byLabel].map(([k, is]) => `${k} (${is.length}):\n${is.slice(0, 30).map((i) => `  #${i.number} ${oneLine(i.title)}`).join("\n")}`).join("\n") || "(none)" },
      { name: `merged in the last 14 days (${merges.length})`, text: merges.map((p) => `!${p.number} ${oneLine(p.title)}`).join("\n") || "(none)" },
    ];
    const facts = [
      `- Today: ${day}. This is the planner's run ${run}${memoryDue ? `: it rewrites the memory — give \`memory\` (at most 100 lines)` : "; leave `memory` out"}.`,
      `- Default branch \`${rt.config.primary_branch}\` at \`${tree.head.slice(0, 12)}\` is checked out in your working directory${vision === undefined ? "; it has no VISION.md" : ""}.`,
      `- Open predictions to triage (every one): ${[...predictions].map((n) => `#${n}`).join(", ") || "none"}.`,
      `- New-issue budget: ${predictions.size > 0 ? `one per prediction actioned + 1 (at most ${maxBudget})` : `at most ${BASE_BUDGET}`}, counting the issues of actioned predictions.`,
      `- \`priority\` goes on exactly the open issues you list (at most ${TOP}); now on: ${openAll.filter((i) => i.labels.includes(l.priority)).map((i) => `#${i.number}`).join(", ") || "none"}.`,
      `- Issues a person must look at (bounced or churning): ${[...bounced].map(([n, why]) => `#${n} ${why}`).join("; ") || "none"}.`,
      `- Pending vault requests (ask again only with the same id): ${pendingVault.map((p) => `${p.head.ref.slice("vault/".length)} (PR #${p.number})`).join(", ") || "none"}.`,
    ].join("\n");

    let duplicates = new Map<number | string, number>();
    let answer: PlannerAnswer | undefined;
    const r = await runJudgment(rt, {
      prompt: { agent: AGENT, task: "run-planner", formula: (await loadAgentFormula(rt.ops, "planner/run-planner")).formula, instructions, documents, data, facts },
      schema: plannerSchema({ predictions, paths: tree.paths, memoryDue }),
      toManifest: (a) => {
        answer = a;
        const built = plannerManifest(a, [...openAll, ...recentClosed], predictions, l);
        duplicates = built.duplicates;
        for (const [k, n] of built.duplicates) rt.log.info(`planner: not filing ${k}: #${n} has that title`);
        return built.manifest;
      },
      policy: plannerPolicy(l, maxBudget),
      budgetKey: `planner/${rt.config.name}`,
      cwd: tree.dir,
      after: async (a) => {
        await rt.checkpoint("planner:before-commit");
        const treeText = renderTree(a.tree, day, bounced);
        const memory = a.memory !== undefined && memoryDue ? withRunMark(a.memory, run) : undefined;
        const after = await readInputs(rt, l);
        const next: Marks = { ...marksOf({ ...after, tree: rt.state.redact(treeText), memory: memory !== undefined ? rt.state.redact(memory) : after.memory }), runs: String(run) };
        const files = [
          { path: TREE_PATH, text: treeText },
          ...(memory !== undefined ? [{ path: MEMORY_PATH, text: memory }] : []),
          { path: marksPath(rt.config.name), text: JSON.stringify(next) },
        ];
        const changes = [];
        for (const f of files) {
          const cur = await rt.ops.contents.get(f.path);
          if (cur === undefined) changes.push({ operation: "create" as const, path: f.path, text: f.text });
          else if (cur.text !== rt.state.redact(f.text)) changes.push({ operation: "update" as const, path: f.path, text: f.text, sha: cur.sha });
        }
        await rt.state.commit(changes, `planner run ${run}: ${TREE_PATH}${memory !== undefined ? ", memory" : ""}, watermarks`);
        const dup = duplicates.size > 0 ? `; not filed (exists): ${[...duplicates].map(([k, n]) => `${k} → #${n}`).join(", ")}` : "";
        return `tree: ${a.tree.length} objective${a.tree.length === 1 ? "" : "s"} (${digestOf(treeText).slice(0, 7)})${memory !== undefined ? "; memory rewritten" : ""}${dup}`;
      },
    });
    await wakeDevIfReady(rt, r, "the planner");
    if (r.outcome.outcome !== "done" || answer === undefined) return r.outcome;
    const counts = { READY: 0, BLOCKED: 0, DONE: 0 };
    for (const o of answer.tree) counts[o.status]++;
    return { ...r.outcome, summary: `planned: ${counts.READY} ready, ${counts.BLOCKED} blocked, ${counts.DONE} done; ${r.outcome.summary}` };
  } finally {
    await tree.dispose();
  }
}
