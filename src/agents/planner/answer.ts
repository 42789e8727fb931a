// The planner's answer (disinto-behaviour §9.1), in its own terms: Part A triages every open
// prediction, Part B rewrites the prerequisite tree, Part C files the few issues for the top
// constraints, syncs `priority` and asks a person for what only a person can provide. The
// schema's refinements are the runner's checks — every open prediction triaged, the issue
// budget, affected files that exist, the size of a backlog issue — so an answer failing one is
// rejected whole (asked for once more, then nothing is applied). The runner builds the
// manifest: the bodies' sections, labels, which predictions close, and never an issue whose
// title an open or recently closed issue already has.
import { z } from "zod";
import type { Issue } from "../../forge/types.ts";
import { KEY, MAX_KEY, type Action, type Manifest } from "../../manifest/actions.ts";
import { normalisePath } from "../gardener/tree.ts";
import { HUMAN_FORMULA, issueBudget, TOP, type PlannerLabels } from "./policy.ts";
import { treeSchema } from "./tree.ts";

export const MEMORY_MAX_LINES = 100;
export const MAX_BACKLOG_FILES = 3;
export const MAX_CRITERIA = 5;

const text = (max: number, what: string) => z.string().trim().min(1, { error: `${what} must not be empty` }).max(max, { error: `${what} is longer than ${max} characters` });
const line = (max: number, what: string) => text(max, what).refine((s) => !s.includes("\n"), { error: `${what} must be one line` });
const key = z
  .string()
  .max(MAX_KEY - 10)
  .regex(KEY, { error: (iss) => `expected a key of lower-case letters, digits, ".", "_" or "-", got ${JSON.stringify(iss.input)}` });

export interface AnswerContext {
  /** Open `prediction/unreviewed` issues: each must be triaged. */
  predictions: ReadonlySet<number>;
  /** Files and directories of the default branch. */
  paths: ReadonlySet<string>;
  /** This run rewrites the memory (every fifth run). */
  memoryDue: boolean;
}

function issueSchema(ctx: AnswerContext) {
  return z
    .strictObject({
      key: key.describe("Idempotency key of the new issue, unique in the answer, e.g. `ci-cache`."),
      kind: z.enum(["backlog", "vision"]).describe("backlog: one approach, at most 3 files and 5 criteria, ready for the dev agent; vision: too large or open, for the architect."),
      title: line(200, "the title"),
      problem: text(4_000, "the problem"),
      proposed_solution: text(4_000, "the proposed solution"),
      affected_files: z.array(line(300, "a path")).max(20).describe("Paths that exist on the default branch; at most 3 for a backlog issue."),
      acceptance_criteria: z.array(line(300, "a criterion")).min(1).max(MAX_CRITERIA).describe(`1 to ${MAX_CRITERIA} checkable criteria ("CI green" is added by the runner).`),
      why_vision: text(2_000, "why vision").optional().describe("Required for a vision issue: why it cannot be one backlog issue."),
    })
    .superRefine((i, c) => {
      const missing = i.affected_files.filter((p) => !ctx.paths.has(normalisePath(p)));
      if (missing.length > 0) c.addIssue({ code: "custom", path: ["affected_files"], message: `not in the repository's default branch: ${missing.map((p) => JSON.stringify(p)).join(", ")}; name only paths that exist` });
      if (i.kind === "backlog" && i.affected_files.length === 0) c.addIssue({ code: "custom", path: ["affected_files"], message: "a backlog issue names the files it changes" });
      if (i.kind === "backlog" && i.affected_files.length > MAX_BACKLOG_FILES) c.addIssue({ code: "custom", path: ["affected_files"], message: `a backlog issue touches at most ${MAX_BACKLOG_FILES} files; file a vision issue for larger work` });
      if (i.kind === "vision" && i.why_vision === undefined) c.addIssue({ code: "custom", path: ["why_vision"], message: "a vision issue says why it is vision" });
    });
}
export type NewIssue = z.output<ReturnType<typeof issueSchema>>;

export function plannerSchema(ctx: AnswerContext) {
  const issue = issueSchema(ctx);
  const n = z.number().int().positive();
  return z
    .strictObject({
      summary: text(2_000, "the summary").describe("Two or three sentences: what changed in the plan and why."),
      triage: z
        .array(
          z.discriminatedUnion("verdict", [
            z.strictObject({ prediction: n, verdict: z.literal("actioned"), issue: issue.describe("The backlog issue that acts on it.") }),
            z.strictObject({ prediction: n, verdict: z.literal("dismissed"), reason: text(2_000, "the reason") }),
          ]),
        )
        .max(30)
        .describe("Part A: one entry per open prediction, none left out."),
      tree: treeSchema,
      new_issues: z.array(issue).max(10).describe("Part C: issues for the top constraints only, within the budget the runner states."),
      priority: z
        .array(n)
        .max(TOP)
        .refine((a) => new Set(a).size === a.length, { error: "lists an issue twice" })
        .describe(`The open issues that are the top ${TOP} constraints now, most important first: exactly these carry \`priority\`.`),
      resources: z
        .array(
          z.strictObject({
            id: key.describe("Stable id of the request, e.g. `domain-name`: asking again with the same id finds the first request."),
            what: line(300, "what"),
            why: text(2_000, "why"),
            steps: z.array(line(500, "a step")).min(1).max(10).describe("Concrete steps the person takes, in order."),
            factory_will_then: text(1_000, "what the factory does then"),
            unblocks: line(300, "what it unblocks").describe("The objective or issue it unblocks."),
          }),
        )
        .max(3)
        .default([])
        .describe("What only a person can provide (accounts, keys, decisions), blocking an objective: each becomes a vault request."),
      memory: text(20_000, "the memory")
        .refine((m) => m.split("\n").length <= MEMORY_MAX_LINES, { error: `the memory is at most ${MEMORY_MAX_LINES} lines` })
        .optional()
        .describe("Only when the runner says this run rewrites the memory: what to remember across runs."),
    })
    .superRefine((a, c) => {
      const seen = new Map<number, number>();
      for (const t of a.triage) seen.set(t.prediction, (seen.get(t.prediction) ?? 0) + 1);
      const untouched = [...ctx.predictions].filter((p) => !seen.has(p));
      if (untouched.length > 0) c.addIssue({ code: "custom", path: ["triage"], message: `every open prediction is actioned or dismissed; missing: ${untouched.map((p) => `#${p}`).join(", ")}` });
      const twice = [...seen].filter(([, k]) => k > 1).map(([p]) => p);
      if (twice.length > 0) c.addIssue({ code: "custom", path: ["triage"], message: `triaged twice: ${twice.map((p) => `#${p}`).join(", ")}` });
      for (const t of a.triage) if (t.verdict === "actioned" && t.issue.kind !== "backlog") c.addIssue({ code: "custom", path: ["triage"], message: `prediction #${t.prediction}: an actioned prediction becomes a backlog issue` });
      const triaged = a.triage.filter((t) => ctx.predictions.has(t.prediction));
      const actioned = triaged.filter((t) => t.verdict === "actioned").length;
      const creates = a.triage.filter((t) => t.verdict === "actioned").length + a.new_issues.length;
      const budget = issueBudget(triaged.length, actioned);
      if (creates > budget) c.addIssue({ code: "custom", path: ["new_issues"], message: `${creates} new issues is over this run's budget of ${budget} (${triaged.length > 0 ? `${actioned} prediction(s) actioned + 1` : "no prediction triaged"})` });
      const keys = [...a.triage.flatMap((t) => (t.verdict === "actioned" ? [t.issue.key] : [])), ...a.new_issues.map((i) => i.key)];
      const dup = keys.filter((k, i) => keys.indexOf(k) !== i);
      if (dup.length > 0) c.addIssue({ code: "custom", path: ["new_issues"], message: `keys used twice: ${[...new Set(dup)].join(", ")}` });
      if (ctx.memoryDue && a.memory === undefined) c.addIssue({ code: "custom", path: ["memory"], message: "this run rewrites the memory: give it" });
    });
}
export type PlannerAnswer = z.output<ReturnType<typeof plannerSchema>>;

// ─── never file twice ──────────────────────────────────────────────────────────────────────

/** A title as compared for duplicates: case, punctuation, spacing and a conventional prefix ignored. */
export function titleKey(title: string): string {
  return title
    .toLowerCase()
    .replace(/^\s*(feat|fix|chore|refactor|docs|test|perf|ci|build)(\([^)]*\))?!?:\s*/, "")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

/** The existing issue a new title duplicates: the same title key, or one edit apart on a long title. */
export function duplicateOf(title: string, existing: readonly Pick<Issue, "number" | "title">[]): number | undefined {
  const k = titleKey(title);
  for (const e of existing) {
    const o = titleKey(e.title);
    if (o === k || (k.length >= 20 && editDistance(o, k) <= 2)) return e.number;
  }
  return undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

// ─── the manifest ──────────────────────────────────────────────────────────────────────────

export function issueBody(i: NewIssue, origin?: string): string {
  const files = [...new Set(i.affected_files.map(normalisePath))];
  return [
    ...(origin ? [origin, ""] : []),
    "## Problem",
    "",
    i.problem,
    "",
    "## Proposed solution",
    "",
    i.proposed_solution,
    "",
    "## Affected files",
    "",
    ...(files.length > 0 ? files.map((p) => `- \`${p}\``) : ["- (to be decided)"]),
    "",
    "## Acceptance criteria",
    "",
    ...i.acceptance_criteria.map((c) => `- [ ] ${c}`),
    ...(i.acceptance_criteria.some((c) => /\bci\b.*\bgreen\b/i.test(c)) ? [] : ["- [ ] CI green"]),
    ...(i.kind === "vision" ? ["", "## Why vision", "", i.why_vision ?? ""] : []),
    "",
  ].join("\n");
}

export function requestContext(r: PlannerAnswer["resources"][number]): string {
  const body = [
    `# Request: ${r.what}`,
    "",
    "## What",
    "",
    r.what,
    "",
    "## Why",
    "",
    r.why,
    "",
    "## Human action",
    "",
    ...r.steps.map((s, i) => `${i + 1}. ${s}`),
    "",
    "## Factory will then",
    "",
    r.factory_will_then,
    "",
    "## Unblocks",
    "",
    r.unblocks,
  ].join("\n");
  return body.length <= 4_000 ? body : `${body.slice(0, 3_990)}\n…`;
}

export const requestId = (id: string): string => `planner-${id}`.slice(0, MAX_KEY);

export interface Built {
  manifest: Manifest;
  /** New issues not filed because an issue with (nearly) the same title exists: key → #N. */
  duplicates: Map<string, number>;
}

/**
 * The manifest of an answer. `existing` are the open issues and those closed in the last 30
 * days; `open` the open prediction numbers (a prediction closed meanwhile is left as it is).
 */
export function plannerManifest(a: PlannerAnswer, existing: readonly Pick<Issue, "number" | "title">[], open: ReadonlySet<number>, l: PlannerLabels): Built {
  const actions: Action[] = [];
  const duplicates = new Map<string, number>();
  const filed: { number: number; title: string }[] = [...existing];
  const create = (i: NewIssue, label: string, origin?: string): string => {
    const dup = duplicateOf(i.title, filed);
    if (dup !== undefined) {
      duplicates.set(i.key, dup);
      return `#${dup}`;
    }
    actions.push({ kind: "create_issue", key: i.key, title: i.title, body: issueBody(i, origin), labels: [label] });
    // A later new issue with the same title in this answer is a duplicate of this one too.
    filed.push({ number: -1, title: i.title });
    return `{{issue:${i.key}}}`;
  };
  for (const t of a.triage) {
    if (!open.has(t.prediction)) continue;
    if (t.verdict === "actioned") {
      const ref = create(t.issue, l.backlog, `From prediction #${t.prediction}.`);
      actions.push({ kind: "add_label", issue: t.prediction, label: l.actioned }, { kind: "remove_label", issue: t.prediction, label: l.unreviewed }, { kind: "close_issue", issue: t.prediction, reason: `Actioned: ${ref} acts on this prediction.` });
    } else {
      actions.push({ kind: "add_label", issue: t.prediction, label: l.dismissed }, { kind: "remove_label", issue: t.prediction, label: l.unreviewed }, { kind: "close_issue", issue: t.prediction, reason: `Dismissed: ${t.reason}` });
    }
  }
  for (const i of a.new_issues) create(i, i.kind === "vision" ? l.vision : l.backlog);
  actions.push({ kind: "sync_priority", issues: a.priority });
  for (const r of a.resources) actions.push({ kind: "vault_request", id: requestId(r.id), formula: HUMAN_FORMULA, context: requestContext(r), secrets: [], params: {} });
  return { manifest: { summary: a.summary, actions }, duplicates };
}
