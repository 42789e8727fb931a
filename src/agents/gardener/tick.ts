// One gardener tick (disinto-behaviour §8.1, DESIGN §10): one focused task per run.
//
//  1. Survey without tokens: one listing of every open issue (PRs are in it), the open PRs of
//     the ops repo (for the sprint steps), the gardener's memory (watermarks) and the dust
//     ledger; the reviews of each pitch PR not filed yet; AGENTS.md (two reads) at most once a
//     day; our own AGENTS.md PR's review and CI when there is one. Nothing to do → idle: no git,
//     no LLM.
//  2. Lease `gardener/<project>`, then survey again under it: what another run did meanwhile
//     is seen, and the task is the one that is still there.
//  3. The task: decided in code (quality gate, starving blocker, tech debt, blocked issues, a
//     body too thin to enrich) or written by the model (enriched issues, bug-report plans, the
//     dust bundle, AGENTS.md); either way a manifest checked against the task's policy,
//     applied idempotently and journaled (src/manifest/run.ts).
//  4. Memory: a failed task counts against its issue (three in a day and it is left alone for
//     the day); a decision to wait rests the issue until someone changes it.
import { keepAlive } from "../shared/keep-alive.ts";
import type { Issue, PullRequest } from "../../forge/types.ts";
import type { Outcome } from "../../host/outcome.ts";
import { errorMessage } from "../../lib/errors.ts";
import { loadAgentFormula } from "../../config/formula-source.ts";
import type { Part, TaskPrompt } from "../../manifest/ask.ts";
import { journalRun } from "../../manifest/journal.ts";
import { findMarked, withMarker } from "../../manifest/marker.ts";
import { policy } from "../../manifest/policy.ts";
import { runDecided, runJudgment, type JudgmentResult } from "../../manifest/run.ts";
import type { AgentRuntime } from "../runtime.ts";
import { wakeDevIfReady } from "../shared/wake.ts";
import { AGENTS_MD, agentsMdDue, ownAgentsPr, ownPrState, proposeAgentsMd, staleAgentsMd, withWatermark, type PrState } from "./agents-md.ts";
import { blockedDeps, decideBlocked, decideGate, decidePromote, decideStarving, decideTooThin, depStates, type Decision } from "./decide.ts";
import { dropDust, dustId, markDust, readDust, type DustEntry } from "./dust.ts";
import { completeVision, fileSubIssues, openPitches, sprintBots, sprintWork, type SprintPick } from "./filer.ts";
import { gardenerLabels, type GardenerLabels } from "./labels.ts";
import { readMemory, remember, skipped, type MemoryChange, type MemoryDoc } from "./memory.ts";
import { agentsMdSchema, bugManifest, bugSchema, bundleKey, bundleManifest, bundleSchema, enrichManifest, enrichSchema } from "./model.ts";
import { AGENT, gardenerPolicy, type PolicyTask } from "./policy.ts";
import { enrichable, gateFailures, survey, AGENTS_MD_TASK, type Pick } from "./survey.ts";
import { checkoutDefault, type Tree } from "./tree.ts";

export const LEASE_TTL_MS = 20 * 60_000;
const RENEW_EVERY_MS = 4 * 60_000;

export const leaseName = (project: string): string => `gardener/${project}`;

export type Plan =
  | { task: "quality-gate"; issues: Issue[] }
  | { task: "pick"; pick: Pick }
  | { task: "sprint"; sprint: SprintPick }
  | { task: "agents-md-pr"; state: PrState }
  | { task: typeof AGENTS_MD_TASK; head: string; watermark: string | undefined };

export interface View {
  open: Issue[];
  /** Open `architect:` pitch PRs of the ops repo. */
  pitches: PullRequest[];
  memory: MemoryDoc;
  dust: DustEntry[];
  skip: Set<number>;
}

export async function look(rt: AgentRuntime): Promise<View> {
  const now = new Date(rt.now());
  const [open, pitches, memory, dust] = await Promise.all([rt.repo.issues.list({ state: "open", sort: "oldest" }), openPitches(rt.ops), readMemory(rt.state, rt.config.name), readDust(rt.state, now)]);
  return { open, pitches, memory, dust, skip: skipped(memory, open, now.getTime()) };
}

/** The one task of this run, or why there is none. Forge and ops-repo reads only. */
export async function plan(rt: AgentRuntime, v: View, l: GardenerLabels, seen: { agentsMdCurrent?: boolean } = {}): Promise<Plan | undefined> {
  // First: a person's approval (or a finished sprint) waits for nothing. Both steps are decided
  // in code, happen once per sprint and cost a few requests, so they never starve the others.
  const sprint = await sprintWork(rt.ops, v.pitches, v.open, sprintBots(rt));
  if (sprint) return { task: "sprint", sprint };
  const input = { issues: v.open, dust: v.dust, now: new Date(rt.now()), skip: v.skip, labels: l };
  const gate = gateFailures(input);
  if (gate.length > 0) return { task: "quality-gate", issues: gate };
  const pick = survey(input);
  if (pick) return { task: "pick", pick };
  const own = ownAgentsPr(v.open, rt.login);
  if (own !== undefined) {
    const state = await ownPrState(rt, own.number);
    if (state && state.kind !== "wait") return { task: "agents-md-pr", state };
    rt.log.info(`gardener: AGENTS.md PR #${own.number}: ${state?.why ?? "gone"}`);
    return undefined;
  }
  if (!agentsMdDue(v.memory, rt.now())) return undefined;
  const stale = await staleAgentsMd(rt);
  if (stale === undefined) {
    seen.agentsMdCurrent = true;
    return undefined;
  }
  return { task: AGENTS_MD_TASK, ...stale };
}

function describePlan(p: Plan): string {
  switch (p.task) {
    case "quality-gate":
      return `quality-gate ${p.issues.map((i) => `#${i.number}`).join(", ")}`;
    case "pick":
      return `${p.pick.task}${p.pick.issue !== undefined ? ` #${p.pick.issue}` : ` ${p.pick.group ?? ""}`}`;
    case "agents-md-pr":
      return `${p.state.kind} AGENTS.md PR #${p.state.pr.number}`;
    case "sprint":
      return `${p.sprint.task} #${p.sprint.vision} (ops PR #${p.sprint.pr.number})`;
    default:
      return `${AGENTS_MD_TASK} (${p.watermark?.slice(0, 7) ?? "no watermark"} → ${p.head.slice(0, 7)})`;
  }
}

export async function runGardenerTick(rt: AgentRuntime): Promise<Outcome> {
  const l = gardenerLabels(rt.config);
  const first = await look(rt);
  const seen: { agentsMdCurrent?: boolean } = {};
  const planned = await plan(rt, first, l, seen);
  if (planned === undefined) {
    // Looking at AGENTS.md found it current: not again today. One memory write a day keeps the
    // other idle runs at the issue pages and three reads.
    if (seen.agentsMdCurrent) await remember(rt.state, rt.config.name, [{ kind: "agents-md" }], rt.now());
    return idle(first);
  }
  rt.log.info(`gardener: candidate: ${describePlan(planned)}`);

  await rt.checkpoint("gardener:before-lease");
  const name = leaseName(rt.config.name);
  const got = await rt.leases.acquire(name, { ttlMs: LEASE_TTL_MS, holder: rt.holder });
  if (!got.acquired) return { outcome: "idle", summary: `another gardener run holds ${name} (${got.current.holder?.id ?? "unknown"})` };
  const heartbeat = keepAlive(rt, got.lease, LEASE_TTL_MS, RENEW_EVERY_MS);
  try {
    await rt.checkpoint("gardener:after-lease");
    const view = await look(rt);
    const todo = await plan(rt, view, l);
    if (todo === undefined) return idle(view);
    if (describePlan(todo) !== describePlan(planned)) rt.log.info(`gardener: under the lease the task is ${describePlan(todo)}`);
    return await act(rt, todo, view, l);
  } finally {
    const held = await heartbeat.stop();
    await rt.leases.release(held).catch((err: unknown) => rt.log.warn(`lease ${name}: release failed (${errorMessage(err)}); it expires on its own`));
  }
}

function idle(v: View): Outcome {
  const skipped = v.skip.size > 0 ? `; ${v.skip.size} left alone for now` : "";
  const issues = v.open.filter((i) => !i.isPull).length;
  return { outcome: "idle", summary: `nothing to groom (${issues} open issue${issues === 1 ? "" : "s"}${skipped})`, details: { open_issues: issues, skipped: [...v.skip] } };
}

async function act(rt: AgentRuntime, p: Plan, v: View, l: GardenerLabels): Promise<Outcome> {
  const changes: MemoryChange[] = [];
  const subject = p.task === "pick" ? p.pick.issue : undefined;
  let out: Outcome;
  try {
    out = await doTask(rt, p, v, l, changes);
  } catch (err) {
    if (subject !== undefined) await remember(rt.state, rt.config.name, [{ kind: "failed", issue: subject }], rt.now()).catch(() => undefined);
    throw err;
  }
  if (subject !== undefined) changes.push(out.outcome === "failed" ? { kind: "failed", issue: subject } : { kind: "succeeded", issue: subject });
  const relevant = changes.filter((c) => c.kind !== "succeeded" || v.memory[`fail/${c.issue}`] !== undefined);
  await remember(rt.state, rt.config.name, relevant, rt.now());
  await rt.checkpoint("gardener:after-memory");
  return out;
}

/** A judgment's outcome; an issue it made ready wakes the dev agent now. */
async function judged(rt: AgentRuntime, r: JudgmentResult): Promise<Outcome> {
  await wakeDevIfReady(rt, r, "the gardener");
  return r.outcome;
}

async function decided(rt: AgentRuntime, task: PolicyTask, subject: string | undefined, d: Decision, l: GardenerLabels, changes: MemoryChange[]): Promise<Outcome> {
  if (d.rest) changes.push({ kind: "rest", issue: d.rest.issue, ms: d.rest.ms });
  if (d.kind === "wait") {
    rt.log.info(`gardener: ${task}: ${d.reason}`);
    return { outcome: "idle", summary: `${task}: ${d.reason}`, details: { task } };
  }
  return judged(rt, await runDecided(rt, { task, ...(subject !== undefined ? { subject } : {}), manifest: d.manifest, policy: gardenerPolicy(task, l) }));
}

async function doTask(rt: AgentRuntime, p: Plan, v: View, l: GardenerLabels, changes: MemoryChange[]): Promise<Outcome> {
  if (p.task === "quality-gate") return decided(rt, "quality-gate", p.issues.map((i) => `#${i.number}`).join(" "), decideGate(p.issues, l), l, changes);
  if (p.task === "agents-md-pr") return walkOwnPr(rt, p.state, changes);
  if (p.task === "sprint") return p.sprint.task === "file-subissues" ? fileSubIssues(rt, p.sprint.pr, p.sprint.vision, l) : completeVision(rt, p.sprint.pr, p.sprint.vision, p.sprint.children);
  if (p.task === AGENTS_MD_TASK) return refreshAgentsMd(rt, p.head, p.watermark, changes);
  const pick = p.pick;
  const byNumber = new Map(v.open.map((i) => [i.number, i]));
  const issue = pick.issue !== undefined ? byNumber.get(pick.issue) : undefined;
  const subject = pick.issue !== undefined ? `#${pick.issue}` : undefined;
  switch (pick.task) {
    case "blocker-starving-the-factory":
      return decided(rt, pick.task, subject, decideStarving(issue!, pick.parents ?? [], l), l, changes);
    case "promote-tech-debt":
      return decided(rt, pick.task, subject, decidePromote(issue!, l), l, changes);
    case "revisit-blocked":
      return revisitBlocked(rt, issue!, v.open, l, changes);
    case "enrich-underspecified":
      if (!enrichable(issue!.body)) return decided(rt, pick.task, subject, decideTooThin(issue!), l, changes);
      return withTree(rt, async (tree) =>
        judged(
          rt,
          await runJudgment(rt, {
            prompt: await issuePrompt(rt, pick.task, issue!, tree, l),
            schema: enrichSchema(tree.paths),
            toManifest: (a) => enrichManifest(issue!, a, l),
            policy: gardenerPolicy(pick.task, l),
            subject: subject!,
            budgetKey: `gardener/${pick.task}/${issue!.number}`,
            cwd: tree.dir,
          }),
        ),
      );
    case "enrich-bug-report":
      return withTree(rt, async (tree) =>
        judged(
          rt,
          await runJudgment(rt, {
            prompt: await issuePrompt(rt, pick.task, issue!, tree, l),
            schema: bugSchema,
            toManifest: (a) => bugManifest(issue!, a, l),
            policy: gardenerPolicy(pick.task, l),
            subject: subject!,
            budgetKey: `gardener/${pick.task}/${issue!.number}`,
            cwd: tree.dir,
          }),
        ),
      );
    case "bundle-dust":
      return bundleDust(rt, pick, byNumber, l);
  }
}

async function withTree<T>(rt: AgentRuntime, fn: (tree: Tree) => Promise<T>): Promise<T> {
  const tree = await checkoutDefault(rt);
  try {
    return await fn(tree);
  } finally {
    await tree.dispose();
  }
}

async function formulaOf(rt: AgentRuntime, task: string): Promise<TaskPrompt["formula"]> {
  return (await loadAgentFormula(rt.ops, `gardener/${task}`)).formula;
}

async function instructions(tree: Tree | undefined): Promise<Part[]> {
  const text = tree ? await tree.text(AGENTS_MD) : undefined;
  return text === undefined ? [] : [{ name: AGENTS_MD, text }];
}

async function issuePrompt(rt: AgentRuntime, task: string, issue: Issue, tree: Tree, l: GardenerLabels): Promise<TaskPrompt> {
  return {
    agent: AGENT,
    task,
    formula: await formulaOf(rt, task),
    instructions: await instructions(tree),
    documents: [],
    data: [
      { name: `issue #${issue.number} title`, text: issue.title },
      { name: `issue #${issue.number} body`, text: issue.body },
    ],
    facts: [`- Issue: #${issue.number}, labels: ${issue.labels.join(", ") || "none"}`, `- The repository's default branch \`${rt.config.primary_branch}\` is checked out at \`${tree.head.slice(0, 12)}\` in your working directory.`, `- Label names: backlog is \`${l.backlog}\`.`].join("\n"),
  };
}

async function bundleDust(rt: AgentRuntime, pick: Pick, byNumber: ReadonlyMap<number, Issue>, l: GardenerLabels): Promise<Outcome> {
  const group = pick.group!;
  const entries = pick.entries ?? [];
  const data: Part[] = entries.map((e) => {
    const src = e.issue !== undefined ? byNumber.get(e.issue) : undefined;
    return { name: `item ${e.issue !== undefined ? `#${e.issue}` : (e.key ?? "")}`, text: [src?.title ?? e.title, e.reason, src?.body ?? ""].filter((s) => s.trim() !== "").join("\n\n") };
  });
  const r = await runJudgment(rt, {
    prompt: {
      agent: AGENT,
      task: "bundle-dust",
      formula: await formulaOf(rt, "bundle-dust"),
      instructions: [],
      documents: [],
      data,
      facts: `- Group: \`${group}\`, ${entries.length} items (${pick.issues?.length ?? 0} with an issue of their own, closed into the bundle).`,
    },
    schema: bundleSchema,
    toManifest: (a) => bundleManifest(group, entries, byNumber, a, l),
    before: async () => {
      await markDust(rt.state, entries.map(dustId), bundleKey(group, entries), new Date(rt.now()));
      await rt.checkpoint("gardener:after-dust-mark");
    },
    policy: gardenerPolicy("bundle-dust", l),
    subject: group,
    budgetKey: `gardener/bundle-dust/${group}`,
  });
  if (r.outcome.outcome === "done") {
    // The ledger follows the forge: a kill before this line leaves the group in it, and the
    // next run finds the bundle by its key and the sources closed, and drops it then.
    await rt.checkpoint("gardener:before-dust-drop");
    await dropDust(rt.state, entries.map(dustId), new Date(rt.now()), `gardener dust: ${group} bundled`);
  }
  return judged(rt, r);
}

/** `open` is the listing re-read under the lease: it answers every dependency, however many. */
async function revisitBlocked(rt: AgentRuntime, issue: Issue, open: readonly Issue[], l: GardenerLabels, changes: MemoryChange[]): Promise<Outcome> {
  const [comments, timeline] = await Promise.all([rt.repo.comments.list(issue.number), rt.repo.issues.timeline(issue.number)]);
  const depState = depStates(blockedDeps(issue, comments), open);
  const d = decideBlocked({ issue, comments, timeline, depState, login: rt.login, now: rt.now() }, l);
  return decided(rt, "revisit-blocked", `#${issue.number}`, d, l, changes);
}

async function walkOwnPr(rt: AgentRuntime, s: PrState, changes: MemoryChange[]): Promise<Outcome> {
  const n = s.pr.number;
  const task = "agents-md-pr";
  const at = new Date(rt.now());
  if (s.kind === "merge") {
    await rt.repo.pulls.merge(n, { style: "merge", headCommitId: s.pr.head.sha, deleteBranchAfterMerge: true });
    await journalRun(rt.state, { agent: AGENT, task, subject: `PR #${n}`, shown: [], attempts: 0, tokens: 0, costUsd: 0, result: `merged (${s.why})` }, at, rt.ctx.pipeline.url);
    return { outcome: "done", summary: `AGENTS.md PR #${n} merged (${s.why})`, details: { task, pr: n } };
  }
  const existing = await rt.repo.comments.list(n);
  const key = `agents-md-close-${n}`;
  if (!findMarked(existing, rt.login, AGENT, key)) await rt.repo.comments.create(n, withMarker(`Closing: ${s.why}. The gardener will look at AGENTS.md again tomorrow.`, AGENT, key));
  await rt.repo.issues.close(n);
  changes.push({ kind: "agents-md" });
  await journalRun(rt.state, { agent: AGENT, task, subject: `PR #${n}`, shown: [], attempts: 0, tokens: 0, costUsd: 0, result: `closed (${s.why})` }, at, rt.ctx.pipeline.url);
  return { outcome: "done", summary: `AGENTS.md PR #${n} closed (${s.why})`, details: { task, pr: n } };
}

async function refreshAgentsMd(rt: AgentRuntime, head: string, watermark: string | undefined, changes: MemoryChange[]): Promise<Outcome> {
  changes.push({ kind: "agents-md" });
  return withTree(rt, async (tree) => {
    const current = (await tree.text(AGENTS_MD)) ?? "";
    let changed: string[] = [];
    const known = watermark !== undefined && (await tree.git.revParse(`${watermark}^{commit}`)) !== undefined;
    if (known) {
      const out = (await tree.git.run(["diff", "--name-only", `${watermark}..${tree.head}`])).stdout;
      changed = out.split("\n").filter((p) => p !== "" && p !== AGENTS_MD && !p.endsWith(`/${AGENTS_MD}`));
      if (changed.length === 0) {
        rt.log.info(`gardener: AGENTS.md: only AGENTS.md changed since ${watermark.slice(0, 7)}; nothing to review`);
        return { outcome: "idle", summary: `${AGENTS_MD_TASK}: nothing but AGENTS.md changed since ${watermark.slice(0, 7)}`, details: { task: AGENTS_MD_TASK } };
      }
    }
    const facts = [
      `- Default branch \`${rt.config.primary_branch}\` at \`${tree.head.slice(0, 12)}\` is checked out in your working directory.`,
      known ? `- AGENTS.md was last reviewed at \`${watermark.slice(0, 12)}\`; changed since: ${changed.slice(0, 100).map((p) => `\`${p}\``).join(", ")}` : "- AGENTS.md has no valid last-reviewed watermark: review all of it.",
    ].join("\n");
    let proposed: { pr: number; created: boolean } | undefined;
    const r = await runJudgment(rt, {
      prompt: { agent: AGENT, task: AGENTS_MD_TASK, formula: await formulaOf(rt, AGENTS_MD_TASK), instructions: [{ name: AGENTS_MD, text: current }], documents: [], data: [], facts },
      schema: agentsMdSchema,
      // Nothing for the issue tracker: the new text goes out as a PR below, once it is valid.
      toManifest: (a) => ({ summary: a.summary, actions: [] }),
      policy: policy({ agent: AGENT, kinds: [], maxActions: 0 }),
      subject: AGENTS_MD,
      budgetKey: `gardener/${AGENTS_MD_TASK}`,
      cwd: tree.dir,
      after: async (a) => {
        proposed = await proposeAgentsMd(rt, { head: tree.head, text: withWatermark(a.agents_md, tree.head), summary: a.summary, changed });
        return `PR #${proposed.pr}${proposed.created ? " opened" : " exists"}`;
      },
    });
    if (r.outcome.outcome !== "done" || proposed === undefined) return r.outcome;
    return { outcome: "done", summary: `${AGENTS_MD_TASK}: AGENTS.md refresh proposed in PR #${proposed.pr}`, details: { task: AGENTS_MD_TASK, pr: proposed.pr } };
  });
}

