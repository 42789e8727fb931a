// One architect tick (disinto-behaviour §9.3, DESIGN §10, issue 18).
//
//  1. Survey without tokens: the open `architect:` PRs of the ops repo and their states (one read
//     of each one's comments and reviews), and — when none has anything to do — the vision issue
//     to pitch. Nothing to do → idle: no git, no model.
//  2. Lease `architect/<project>`, survey again under it, act on one thing:
//     * a `REJECT:` comment → reply, close the pitch;
//     * new comments → the model answers (and may revise the sub-issues);
//     * filed → track: a digest comment when a sub-issue changed state; once the vision issue
//       is closed, merge the sprint PR;
//     * else pitch the oldest un-pitched vision issue.
//  A person's approval is not the architect's to act on: the gardener's filer files the
//  sub-issues (`file-subissues`) and closes the vision issue when they are done
//  (`vision-complete`). The architect writes to the ops repo only: it reads the project repo
//  through a guard (guard.ts) that refuses every write.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Comment, Issue, PullRequest } from "../../forge/types.ts";
import type { Outcome } from "../../host/outcome.ts";
import { errorMessage } from "../../lib/errors.ts";
import { loadAgentFormula } from "../../config/formula-source.ts";
import type { Part, TaskPrompt } from "../../manifest/ask.ts";
import { journalRun } from "../../manifest/journal.ts";
import { findMarked, withMarker } from "../../manifest/marker.ts";
import { runJudgment } from "../../manifest/run.ts";
import type { AgentRuntime } from "../runtime.ts";
import { gardenerLabels } from "../gardener/labels.ts";
import { branchOf, FILER_BEGIN, FILER_END, pitchText, renderFilerBlock, sprintSlug, type FilerEntry } from "../shared/sprint.ts";
import { guardRepo } from "./guard.ts";
import { withDigest, withLastSeen, type ChildState } from "./markers.ts";
import { entriesOf, pitchSchema, renderPitch, REPLY_FOOTER, subIssuesSchema, type Vision } from "./pitch.ts";
import { AGENT, opsOnlyPolicy, pitchPolicy } from "./policy.ts";
import { actionable, ACCEPT_ONLY, disintoLogins, MAX_OPEN_PITCHES, surveyPitches, visionToPitch, type PitchView, type Survey } from "./survey.ts";

const LEASE_MIN_MS = 20 * 60_000;
const MAX_RELATED = 20;
const MAX_PATHS = 10;
const MAX_PATH_LINES = 200;
const MAX_RELATED_CHARS = 2_000;

export const leaseName = (project: string): string => `architect/${project}`;

type Plan = { kind: "pitch-pr"; view: PitchView } | { kind: "pitch"; vision: Issue; earlier: number };

export async function plan(rt: AgentRuntime, bots: readonly string[]): Promise<{ plan: Plan | undefined; survey: Survey }> {
  const repo = guardRepo(rt.repo, "the survey");
  const survey = await surveyPitches(rt.ops, repo, rt.login, bots);
  const view = survey.pitches.find((p) => actionable(p.state));
  if (view) return { plan: { kind: "pitch-pr", view }, survey };
  if (survey.openCount >= MAX_OPEN_PITCHES) return { plan: undefined, survey };
  const l = gardenerLabels(rt.config);
  const next = await visionToPitch(rt.ops, repo, { vision: l.vision, inProgress: l.inProgress });
  return { plan: next ? { kind: "pitch", ...next } : undefined, survey };
}

const describe = (p: Plan): string => (p.kind === "pitch" ? `pitch #${p.vision.number}` : `${p.view.state.kind} PR #${p.view.pr.number}`);

function idle(s: Survey): Outcome {
  const n = s.pitches.length;
  const why = s.openCount >= MAX_OPEN_PITCHES ? `${s.openCount} pitches open (at most ${MAX_OPEN_PITCHES})` : "no vision issue to pitch";
  return { outcome: "idle", summary: `nothing to do: ${n} open pitch${n === 1 ? "" : "es"} waiting for a person or the gardener, ${why}`, details: { open_pitches: s.pitches.map((p) => p.pr.number) } };
}

export async function runArchitectTick(rt: AgentRuntime): Promise<Outcome> {
  const bots = disintoLogins(rt.config, rt.login);
  const first = await plan(rt, bots);
  if (first.plan === undefined) return idle(first.survey);
  rt.log.info(`architect: candidate: ${describe(first.plan)}`);
  await rt.checkpoint("architect:before-lease");
  const name = leaseName(rt.config.name);
  const got = await rt.leases.acquire(name, { ttlMs: Math.max(LEASE_MIN_MS, rt.deadline - rt.now()), holder: rt.holder });
  if (!got.acquired) return { outcome: "idle", summary: `another architect run holds ${name} (${got.current.holder?.id ?? "unknown"})` };
  try {
    await rt.checkpoint("architect:after-lease");
    const again = await plan(rt, bots);
    if (again.plan === undefined) return idle(again.survey);
    return await act(rt, again.plan);
  } finally {
    await rt.leases.release(got.lease).catch((err: unknown) => rt.log.warn(`lease ${name}: release failed (${errorMessage(err)}); it expires on its own`));
  }
}

async function act(rt: AgentRuntime, p: Plan): Promise<Outcome> {
  if (p.kind === "pitch") return pitch(rt, p.vision, p.earlier);
  const { pr, state } = p.view;
  switch (state.kind) {
    case "reject":
      return reject(rt, pr, state.reason);
    case "track":
      return state.visionClosed ? finish(rt, pr, p.view.vision, state.children) : digest(rt, pr, p.view.vision, state.children);
    case "answer":
      return answer(rt, pr, p.view.vision, state.comments);
    case "file":
      // The filing is the gardener's; a question asked beside the approval is still answered.
      return state.comments.length > 0 ? answer(rt, pr, p.view.vision, state.comments, true) : { outcome: "idle", summary: `PR #${pr.number}: approved; the gardener files the sub-issues` };
    default:
      return { outcome: "idle", summary: `PR #${pr.number}: ${state.why}` };
  }
}

async function formula(rt: AgentRuntime, task: string): Promise<TaskPrompt["formula"]> {
  return (await loadAgentFormula(rt.ops, `architect/${task}`)).formula;
}

/** An ops-repo comment posted once: looked for by its marker first. */
async function opsComment(rt: AgentRuntime, pr: number, key: string, text: string, comments?: readonly Comment[]): Promise<boolean> {
  const have = comments ?? (await rt.ops.comments.list(pr));
  if (findMarked(have, rt.login, AGENT, key)) return false;
  await rt.ops.comments.create(pr, withMarker(text, AGENT, key));
  return true;
}

async function editBody(rt: AgentRuntime, pr: number, edit: (body: string) => string): Promise<void> {
  const cur = await rt.ops.pulls.get(pr);
  if (cur === undefined) throw new Error(`ops PR #${pr} no longer exists`);
  const body = edit(cur.body);
  if (body !== cur.body) await rt.ops.issues.edit(pr, { body });
}

async function journal(rt: AgentRuntime, task: string, subject: string, result: string): Promise<void> {
  await journalRun(rt.state, { agent: AGENT, task, subject, shown: [], attempts: 0, tokens: 0, costUsd: 0, result }, new Date(rt.now()), rt.ctx.pipeline.url);
}

// ── reject ──────────────────────────────────────────────────────────────────────────────────

async function reject(rt: AgentRuntime, pr: PullRequest, reason: string): Promise<Outcome> {
  await opsComment(rt, pr.number, `reject-${pr.number}`, `Rejected: ${reason}\n\nClosing this pitch. The vision issue stays open; edit it and the architect pitches it again.`);
  await rt.checkpoint("architect:after-reject-comment");
  await rt.ops.issues.close(pr.number);
  await journal(rt, "reject", `PR #${pr.number}`, `closed: ${reason.replace(/\s+/g, " ").slice(0, 200)}`);
  return { outcome: "done", summary: `pitch PR #${pr.number} rejected and closed`, details: { task: "reject", pr: pr.number } };
}

// ── pitch ───────────────────────────────────────────────────────────────────────────────────

/** Words of the title worth matching paths with (the original's ≥4 characters). */
const keywords = (title: string): string[] => [...new Set(title.toLowerCase().match(/[a-z0-9_-]{4,}/g) ?? [])];

async function pitchContext(rt: AgentRuntime, vision: Issue): Promise<{ instructions: Part[]; data: Part[]; facts: string[] }> {
  const repo = rt.repo;
  const agentsMd = (await repo.contents.get("AGENTS.md"))?.text;
  const instructions: Part[] = agentsMd === undefined ? [] : [{ name: "AGENTS.md", text: agentsMd }];
  const data: Part[] = [
    { name: `vision issue #${vision.number} title`, text: vision.title },
    { name: `vision issue #${vision.number} body`, text: vision.body },
  ];
  const related = [...new Set([...vision.body.matchAll(/#(\d+)\b/g)].map((m) => Number(m[1])))].filter((n) => n !== vision.number).slice(0, MAX_RELATED);
  for (const n of related) {
    const i = await repo.issues.get(n);
    if (i) data.push({ name: `related ${i.isPull ? "PR" : "issue"} #${n} (${i.state})`, text: `${i.title}\n\n${i.body.slice(0, MAX_RELATED_CHARS)}` });
  }
  const words = keywords(vision.title);
  const paths = [...new Set([...(agentsMd ?? "").matchAll(/`([\w./-]+\/[\w./-]*|[\w-]+\.[a-z]{1,5})`/g)].map((m) => m[1]!))].filter((p) => words.some((w) => p.toLowerCase().includes(w))).slice(0, MAX_PATHS);
  const shown: string[] = [];
  for (const path of paths) {
    const f = await repo.contents.get(path);
    if (f === undefined) continue;
    const lines = f.text.replace(/\n$/, "").split("\n");
    instructions.push({ name: `${path} (first ${Math.min(lines.length, MAX_PATH_LINES)} lines)`, text: lines.slice(0, MAX_PATH_LINES).join("\n") });
    shown.push(path);
  }
  const facts = [`- Vision issue: #${vision.number}, labels: ${vision.labels.join(", ") || "none"}`, `- Related issues shown: ${related.length > 0 ? related.map((n) => `#${n}`).join(", ") : "none"}`, `- Code paths shown (from AGENTS.md, matching the title): ${shown.length > 0 ? shown.map((p) => `\`${p}\``).join(", ") : "none"}`];
  return { instructions, data, facts };
}

export function prBody(text: string, at: Date): string {
  return withLastSeen(`${text.trimEnd()}\n\n---\n\n${REPLY_FOOTER}\n`, at, 0);
}

/** `earlier`: the vision's past pitches, counted by the plan under the lease. */
async function pitch(rt: AgentRuntime, vision: Issue, earlier: number): Promise<Outcome> {
  const l = gardenerLabels(rt.config);
  const guarded = { ...rt, repo: guardRepo(rt.repo, "the pitch") };
  const ctx = await pitchContext(guarded, vision);
  const v: Vision = { number: vision.number, title: vision.title };
  const title = `architect: ${vision.title}`.slice(0, 250);
  const branch = branchOf(vision.number, earlier);
  let pr: number | undefined;
  const r = await runJudgment(guarded, {
    prompt: { agent: AGENT, task: "pitch", formula: await formula(rt, "pitch"), instructions: ctx.instructions, documents: [], data: ctx.data, facts: ctx.facts.join("\n") },
    schema: pitchSchema,
    toManifest: (p) => {
      const text = renderPitch(v, p, entriesOf(v, p.sub_issues, l.backlog));
      return {
        summary: `pitch #${vision.number} as sprint ${p.slug} (${p.sub_issues.length} sub-issues)`,
        actions: [{ kind: "ops_pr", key: `pitch-${vision.number}`, branch, title, body: prBody(text, new Date(rt.now())), files: [{ path: `sprints/${p.slug}.md`, text }] }],
      };
    },
    after: async () => {
      pr = (await rt.ops.pulls.findByHead(branch, { state: "open" }))?.number;
      return pr !== undefined ? `pitch PR #${pr}` : "no pitch PR (dry run)";
    },
    policy: pitchPolicy(),
    subject: `#${vision.number}`,
    budgetKey: `architect/pitch/${vision.number}`,
  });
  if (r.outcome.outcome !== "done") return r.outcome;
  return { outcome: "done", summary: `pitched #${vision.number}${pr !== undefined ? ` in ops PR #${pr}` : ""}`, details: { task: "pitch", vision: vision.number, ...(pr !== undefined ? { pr } : {}) } };
}

// ── answer ──────────────────────────────────────────────────────────────────────────────────

const answerSchema = z.strictObject({
  reply: z.string().trim().min(1).max(20_000).describe("Your answer, posted as a comment on the pitch PR (markdown)."),
  sub_issues: subIssuesSchema.optional().describe("The whole revised list of sub-issues, only when your answer changes them."),
});

const stamp = (cs: readonly Comment[]): [Date, number] => [new Date(Math.max(...cs.map((c) => c.updatedAt.getTime()))), Math.max(...cs.map((c) => c.id))];
const answerKey = (cs: readonly Comment[]): string => `answer-${createHash("sha256").update(cs.map((c) => `${c.id}@${c.updatedAt.toISOString()}`).join(",")).digest("hex").slice(0, 12)}`;

/** Replace the filer block of a pitch text (the sprint file or the PR body) with `entries`. */
export function withEntries(text: string, entries: readonly FilerEntry[]): string {
  const b = text.indexOf(FILER_BEGIN);
  const e = text.indexOf(FILER_END, b);
  if (b < 0 || e < 0) throw new Error("the pitch has no filer block to revise");
  return `${text.slice(0, b)}${renderFilerBlock(entries)}${text.slice(e + FILER_END.length)}`;
}

async function answer(rt: AgentRuntime, pr: PullRequest, vision: number | undefined, fresh: Comment[], approved = false): Promise<Outcome> {
  const key = answerKey(fresh);
  const at = stamp(fresh);
  const all = await rt.ops.comments.list(pr.number);
  if (findMarked(all, rt.login, AGENT, key) !== undefined) {
    // Answered by a run killed before it moved the marker: only the marker is left to do.
    await editBody(rt, pr.number, (b) => withLastSeen(b, ...at));
    return { outcome: "done", summary: `PR #${pr.number}: already answered; last-seen moved`, details: { task: "answer", pr: pr.number } };
  }
  if (fresh.every((c) => ACCEPT_ONLY.test(c.body))) {
    // No question to answer, and a comment is not the approval: say what is (unless it is there).
    const text = approved ? "Thanks! The pull request is approved: the gardener files the sub-issues on its next run." : "Thanks! A comment does not file anything: **approve this pull request** (Review → Approve) and the gardener files the sub-issues on its next run.";
    await opsComment(rt, pr.number, key, text, all);
    await editBody(rt, pr.number, (b) => withLastSeen(b, ...at));
    await journal(rt, "answer", `PR #${pr.number}`, approved ? "ACCEPT comment on an approved pitch" : "ACCEPT comment: told how to approve");
    return { outcome: "done", summary: approved ? `PR #${pr.number}: ACCEPT on an approved pitch; the gardener files it` : `PR #${pr.number}: ACCEPT without approval; told how to approve`, details: { task: "answer", pr: pr.number } };
  }
  const l = gardenerLabels(rt.config);
  const v: Vision = { number: vision ?? 0, title: "" };
  const guarded = { ...rt, repo: guardRepo(rt.repo, "an answer") };
  const r = await runJudgment(guarded, {
    prompt: {
      agent: AGENT,
      task: "answer",
      formula: await formula(rt, "answer"),
      instructions: [],
      documents: [{ name: `the pitch (PR #${pr.number})`, text: pitchText(pr.body) }],
      data: fresh.map((c) => ({ name: `comment by ${c.author}`, text: c.body })),
      facts: `- Pitch PR #${pr.number} on the ops repo, vision issue #${vision ?? "?"}; ${fresh.length} new comment${fresh.length === 1 ? "" : "s"} since the last answer.`,
    },
    schema: answerSchema,
    toManifest: () => ({ summary: `answer ${fresh.length} comment(s) on PR #${pr.number}`, actions: [] }),
    policy: opsOnlyPolicy(),
    subject: `PR #${pr.number}`,
    budgetKey: `architect/answer/${pr.number}`,
    after: async (a) => {
      let revised = "";
      if (a.sub_issues !== undefined) {
        // The sprint file and the PR body change together, before the reply says so.
        const cur = await rt.ops.pulls.get(pr.number);
        const entries = entriesOf(v, a.sub_issues, l.backlog);
        const file = sprintSlug(pitchText(cur?.body ?? ""));
        if (file !== undefined) {
          const path = `sprints/${file}.md`;
          const f = await rt.ops.contents.get(path, { ref: pr.head.ref });
          if (f !== undefined) {
            const text = withEntries(f.text, entries);
            if (text !== f.text) await rt.ops.contents.update(path, { text: rt.state.redact(text), message: rt.state.message(`architect: revise the sub-issues of ${file}`), sha: f.sha, branch: pr.head.ref });
          }
        }
        await editBody(rt, pr.number, (b) => withEntries(b, entries));
        revised = `; sub-issues revised (${entries.length})`;
      }
      await opsComment(rt, pr.number, key, a.reply);
      await rt.checkpoint("architect:after-answer");
      await editBody(rt, pr.number, (b) => withLastSeen(b, ...at));
      return `answered on PR #${pr.number}${revised}`;
    },
  });
  return r.outcome;
}

// ── track ───────────────────────────────────────────────────────────────────────────────────

const digestSchema = z.strictObject({ comment: z.string().trim().min(1).max(10_000).describe("The digest, posted on the pitch PR (markdown).") });

async function digest(rt: AgentRuntime, pr: PullRequest, vision: number | undefined, children: Map<number, ChildState>): Promise<Outcome> {
  const key = `digest-${createHash("sha256").update([...children].map(([n, s]) => `${n}:${s}`).join(",")).digest("hex").slice(0, 12)}`;
  const comments = await rt.ops.comments.list(pr.number);
  if (findMarked(comments, rt.login, AGENT, key)) {
    await editBody(rt, pr.number, (b) => withDigest(b, children));
    return { outcome: "done", summary: `PR #${pr.number}: digest already posted; marker moved`, details: { task: "digest", pr: pr.number } };
  }
  const repo = guardRepo(rt.repo, "a digest");
  const lines: string[] = [];
  const titles: Part[] = [];
  for (const [n, s] of children) {
    const i = await repo.issues.get(n);
    lines.push(`- #${n}: ${s}`);
    if (i) titles.push({ name: `sub-issue #${n} title`, text: i.title });
  }
  const r = await runJudgment({ ...rt, repo }, {
    prompt: { agent: AGENT, task: "digest", formula: await formula(rt, "digest"), instructions: [], documents: [], data: titles, facts: [`- Sprint PR #${pr.number}, vision issue #${vision ?? "?"}; sub-issue states now:`, ...lines].join("\n") },
    schema: digestSchema,
    toManifest: () => ({ summary: `digest of PR #${pr.number}`, actions: [] }),
    policy: opsOnlyPolicy(),
    subject: `PR #${pr.number}`,
    budgetKey: `architect/digest/${pr.number}`,
    after: async (a) => {
      await opsComment(rt, pr.number, key, a.comment, comments);
      await rt.checkpoint("architect:after-digest");
      await editBody(rt, pr.number, (b) => withDigest(b, children));
      return `digest on PR #${pr.number}`;
    },
  });
  return r.outcome;
}

/** The gardener closed the vision issue (every sub-issue done): the sprint document lands on the ops repo's main. */
async function finish(rt: AgentRuntime, pr: PullRequest, vision: number | undefined, children: Map<number, ChildState>): Promise<Outcome> {
  await rt.checkpoint("architect:before-sprint-merge");
  await editBody(rt, pr.number, (b) => withDigest(b, children));
  const cur = await rt.ops.pulls.get(pr.number);
  if (cur && !cur.merged && cur.state === "open") await rt.ops.pulls.merge(pr.number, { style: "merge", headCommitId: cur.head.sha, deleteBranchAfterMerge: true });
  await journal(rt, "sprint-done", `PR #${pr.number}`, `vision #${vision ?? "?"} closed, every sub-issue closed (${[...children.keys()].map((n) => `#${n}`).join(" ")}); sprint PR merged`);
  return { outcome: "done", summary: `sprint PR #${pr.number} merged: vision #${vision ?? "?"} is closed`, details: { task: "sprint-done", pr: pr.number, ...(vision !== undefined ? { vision } : {}) } };
}
