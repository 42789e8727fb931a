// A sprint pitch (disinto-behaviour §9.3): what the model answers (sections and sub-issues as
// data), the markdown the runner renders from it — `sprints/<slug>.md` and the PR body — and
// the strict parser of the filer block. The block is always rendered by the runner from
// validated data, so what the filer parses is what was validated; the parser still refuses
// anything else (a person may edit the PR body) with the line it could not read.
import { z } from "zod";

// Bounds keep the rendered pitch (and so the PR body) well under Forgejo's 65,535 characters.
export const MAX_SUB_ISSUES = 10;
const ID = /^[a-z0-9][a-z0-9-]{0,39}$/;
const SLUG = /^[a-z0-9][a-z0-9-]{0,59}$/;
export const FILER_BEGIN = "<!-- filer:begin -->";
export const FILER_END = "<!-- filer:end -->";
export const REPLY_FOOTER = "Reply `ACCEPT` with your questions answered and **approve this pull request** (a review: Approve) to file the sub-issues, `REJECT: <reason>` to decline, or ask a question in a comment: the architect answers it.";

const line = (max: number, what: string) =>
  z
    .string()
    .trim()
    .min(1, { error: `${what} must not be empty` })
    .max(max, { error: `${what} is longer than ${max} characters` })
    .refine((s) => !s.includes("\n"), { error: `${what} must be one line` });
const prose = (max: number, what: string) => z.string().trim().min(1, { error: `${what} must not be empty` }).max(max, { error: `${what} is longer than ${max} characters` });

export const subIssueSchema = z.strictObject({
  id: z.string().regex(ID, { error: (iss) => `expected a kebab-case id (a-z, 0-9, -; at most 40), got ${JSON.stringify(iss.input)}` }).describe("Short kebab-case id, unique in the pitch; depends_on names these."),
  title: line(200, "a sub-issue title").describe("The issue title, without the `vision(#N):` prefix the runner adds."),
  depends_on: z.array(z.string()).max(MAX_SUB_ISSUES).default([]).describe("Ids of sub-issues of this pitch that must be done first."),
  body: prose(3_000, "a sub-issue body").describe("Markdown: ## Goal, ## Affected files, ## Acceptance criteria with `- [ ]` checkboxes. No `## Dependencies` section: the runner writes it."),
});
export type SubIssue = z.output<typeof subIssueSchema>;

/** Every depends_on names another sub-issue, and they do not depend on each other in a circle. */
function checkGraph(subs: readonly SubIssue[], ctx: z.RefinementCtx): void {
  const ids = new Set<string>();
  for (const [i, s] of subs.entries()) {
    if (ids.has(s.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `id ${s.id} is used twice` });
    ids.add(s.id);
  }
  for (const [i, s] of subs.entries()) {
    for (const d of s.depends_on) {
      if (d === s.id) ctx.addIssue({ code: "custom", path: [i, "depends_on"], message: `${s.id} depends on itself` });
      else if (!ids.has(d)) ctx.addIssue({ code: "custom", path: [i, "depends_on"], message: `${JSON.stringify(d)} is not the id of a sub-issue of this pitch (ids: ${[...ids].join(", ")})` });
    }
  }
  if (order(subs) === undefined) ctx.addIssue({ code: "custom", path: [], message: "the sub-issues depend on each other in a circle" });
}

export const subIssuesSchema = z.array(subIssueSchema).min(1).max(MAX_SUB_ISSUES).superRefine(checkGraph);

export const pitchSchema = z.strictObject({
  slug: z.string().regex(SLUG, { error: (iss) => `expected a kebab-case slug (a-z, 0-9, -; at most 60), got ${JSON.stringify(iss.input)}` }).describe("Kebab-case name of the sprint: the file is sprints/<slug>.md."),
  enables: prose(3_000, "what this enables").describe("## What this enables: what a user can do once the sprint is done."),
  exists: prose(3_000, "what exists today").describe("## What exists today: only paths you were shown or read in the checkout."),
  complexity: prose(1_500, "the complexity"),
  risks: prose(1_500, "the risks"),
  cost: prose(1_500, "the cost").describe("## Cost — new infra to maintain."),
  open_questions: z.array(line(500, "an open question")).min(1).max(5).describe("2 to 5 crisp choices the person must make."),
  recommendation: prose(1_500, "the recommendation"),
  sub_issues: subIssuesSchema.describe("What the dev agent will take, each small enough for one session, in an order the dependencies allow."),
});
export type Pitch = z.output<typeof pitchSchema>;

/** The sub-issues in an order where every dependency comes first; undefined on a circle. */
export function order<T extends { id: string; depends_on: readonly string[] }>(subs: readonly T[]): T[] | undefined {
  const out: T[] = [];
  const done = new Set<string>();
  const known = new Set(subs.map((s) => s.id));
  let left = [...subs];
  while (left.length > 0) {
    const ready = left.filter((s) => s.depends_on.every((d) => done.has(d) || !known.has(d)));
    if (ready.length === 0) return undefined;
    for (const s of ready) {
      out.push(s);
      done.add(s.id);
    }
    left = left.filter((s) => !done.has(s.id));
  }
  return out;
}

export interface Vision {
  number: number;
  title: string;
}

export interface FilerEntry {
  id: string;
  title: string;
  labels: string[];
  depends_on: string[];
  body: string;
}

export const subIssueTitle = (v: Vision, title: string): string => `vision(#${v.number}): ${title}`;

export function renderFilerBlock(entries: readonly FilerEntry[]): string {
  const lines = [FILER_BEGIN];
  for (const e of entries) {
    lines.push(`- id: ${e.id}`, `  title: ${JSON.stringify(e.title)}`, `  labels: [${e.labels.join(", ")}]`, `  depends_on: [${e.depends_on.join(", ")}]`, "  body: |");
    for (const l of e.body.trimEnd().split(/\r?\n/)) lines.push(l.trim() === "" ? "" : `    ${l}`);
  }
  lines.push(FILER_END);
  return lines.join("\n");
}

export function entriesOf(v: Vision, subs: readonly SubIssue[], backlog: string): FilerEntry[] {
  return subs.map((s) => ({ id: s.id, title: subIssueTitle(v, s.title), labels: [backlog], depends_on: [...s.depends_on], body: s.body.trim() }));
}

/** The sprint document: `sprints/<slug>.md`, and the PR body above the footer. */
export function renderPitch(v: Vision, p: Pitch, entries: readonly FilerEntry[]): string {
  return [
    `# Sprint: ${p.slug}`,
    "",
    "## Vision issues",
    "",
    `- #${v.number} — ${v.title}`,
    "",
    "## What this enables",
    "",
    p.enables.trim(),
    "",
    "## What exists today",
    "",
    p.exists.trim(),
    "",
    "## Complexity",
    "",
    p.complexity.trim(),
    "",
    "## Risks",
    "",
    p.risks.trim(),
    "",
    "## Cost — new infra to maintain",
    "",
    p.cost.trim(),
    "",
    "## Open questions",
    "",
    ...p.open_questions.map((q, i) => `${i + 1}. ${q}`),
    "",
    "## Recommendation",
    "",
    p.recommendation.trim(),
    "",
    "## Sub-issues",
    "",
    renderFilerBlock(entries),
    "",
  ].join("\n");
}

export class FilerBlockError extends Error {
  constructor(message: string) {
    super(`filer block: ${message}`);
    this.name = "FilerBlockError";
  }
}

const LIST = /^\[(.*)\]$/;
function list(value: string, n: number, field: string): string[] {
  const m = LIST.exec(value.trim());
  if (!m) throw new FilerBlockError(`line ${n}: ${field} must be a list like [a, b], got ${JSON.stringify(value)}`);
  return m[1]!
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * The entries of the block between FILER_BEGIN and FILER_END in `text`: `- id:` starts an entry;
 * `title`, `labels`, `depends_on` on 2-space lines; `body: |` then 4-space lines (blank lines
 * allowed). Anything else is an error naming its line.
 */
export function parseFilerBlock(text: string): FilerEntry[] {
  const lines = text.split(/\r?\n/);
  const begin = lines.findIndex((l) => l.trim() === FILER_BEGIN);
  const end = lines.findIndex((l, i) => i > begin && l.trim() === FILER_END);
  if (begin < 0) throw new FilerBlockError(`no ${FILER_BEGIN} line`);
  if (end < 0) throw new FilerBlockError(`no ${FILER_END} line after ${FILER_BEGIN}`);
  const out: FilerEntry[] = [];
  let cur: (Partial<FilerEntry> & { id: string; bodyLines?: string[] }) | undefined;
  const finish = (): void => {
    if (!cur) return;
    for (const f of ["title", "labels", "depends_on"] as const) if (cur[f] === undefined) throw new FilerBlockError(`entry ${cur.id}: no ${f}`);
    if (cur.bodyLines === undefined) throw new FilerBlockError(`entry ${cur.id}: no body`);
    const body = cur.bodyLines.join("\n").trim();
    if (body === "") throw new FilerBlockError(`entry ${cur.id}: the body is empty`);
    out.push({ id: cur.id, title: cur.title!, labels: cur.labels!, depends_on: cur.depends_on!, body });
    cur = undefined;
  };
  for (let i = begin + 1; i < end; i++) {
    const raw = lines[i]!;
    const n = i + 1;
    const entry = /^- id: *(\S+)\s*$/.exec(raw);
    if (entry) {
      finish();
      if (!ID.test(entry[1]!)) throw new FilerBlockError(`line ${n}: id ${JSON.stringify(entry[1])} is not kebab-case`);
      if (out.some((e) => e.id === entry[1])) throw new FilerBlockError(`line ${n}: id ${entry[1]} is used twice`);
      cur = { id: entry[1]! };
      continue;
    }
    if (cur?.bodyLines !== undefined && (raw.startsWith("    ") || raw.trim() === "")) {
      cur.bodyLines.push(raw.slice(4));
      continue;
    }
    if (raw.trim() === "" && cur === undefined) continue;
    const field = /^ {2}(title|labels|depends_on|body): ?(.*)$/.exec(raw);
    if (!field || cur === undefined) throw new FilerBlockError(`line ${n}: expected \`- id: <id>\`, a 2-space \`title:\`, \`labels:\`, \`depends_on:\` or \`body: |\`, or a 4-space body line, got ${JSON.stringify(raw)}`);
    const [, name, value] = field as unknown as [string, string, string];
    if (cur.bodyLines !== undefined) throw new FilerBlockError(`line ${n}: ${name} after the body of ${cur.id}`);
    if (name === "title") {
      let t: unknown;
      try {
        t = value.trim().startsWith('"') ? JSON.parse(value.trim()) : value.trim();
      } catch {
        throw new FilerBlockError(`line ${n}: the title is not a valid quoted string: ${value}`);
      }
      if (typeof t !== "string" || t.trim() === "") throw new FilerBlockError(`line ${n}: the title is empty`);
      cur.title = t.trim();
    } else if (name === "labels") cur.labels = list(value, n, "labels");
    else if (name === "depends_on") cur.depends_on = list(value, n, "depends_on");
    else {
      if (value.trim() !== "|") throw new FilerBlockError(`line ${n}: expected \`body: |\`, got ${JSON.stringify(raw)}`);
      cur.bodyLines = [];
    }
  }
  finish();
  if (out.length === 0) throw new FilerBlockError("no entries");
  const ids = new Set(out.map((e) => e.id));
  for (const e of out) for (const d of e.depends_on) if (!ids.has(d)) throw new FilerBlockError(`entry ${e.id}: depends_on ${d} is no entry of the block`);
  if (order(out) === undefined) throw new FilerBlockError("the entries depend on each other in a circle");
  return out;
}
