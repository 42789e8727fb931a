// A sprint pitch (disinto-behaviour §9.3): what the model answers (sections and sub-issues as
// data), the markdown the runner renders from it — `sprints/<slug>.md` and the PR body — and
// the filer block (its grammar and strict parser are shared with the gardener's filer:
// ../shared/sprint.ts). The block is always rendered by the runner from validated data, so what
// the filer parses is what was validated.
import { z } from "zod";
import { ID, MAX_SUB_ISSUES, order, renderFilerBlock, type FilerEntry } from "../shared/sprint.ts";

const SLUG = /^[a-z0-9][a-z0-9-]{0,59}$/;
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


export interface Vision {
  number: number;
  title: string;
}


export const subIssueTitle = (v: Vision, title: string): string => `vision(#${v.number}): ${title}`;


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

