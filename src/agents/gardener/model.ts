// The tasks where the model writes prose (disinto-behaviour §8.1): it answers in the task's
// own terms (sections, criteria, paths) and the runner builds the manifest, so what the code
// decides — the original text kept verbatim, the labels, the title, which issues close — is
// never the model's to get wrong. Paths the model names are checked against the default
// branch's tree; an answer naming one that does not exist is invalid (asked for once more).
import { z } from "zod";
import type { Issue } from "../../forge/types.ts";
import { fenced } from "../../lib/fence.ts";
import type { Manifest } from "../../manifest/actions.ts";
import type { DustEntry } from "./dust.ts";
import type { GardenerLabels } from "./labels.ts";
import { normalisePath } from "./tree.ts";

const line = (max: number, what: string) => z.string().trim().min(1, { error: `${what} must not be empty` }).max(max);
const summary = line(2_000, "the summary").describe("One or two sentences: what you did and why.");
const criteria = (min: number, max: number) =>
  z
    .array(line(300, "a criterion").refine((s) => !s.includes("\n"), { error: "one line per criterion" }))
    .min(min)
    .max(max)
    .describe(`${min} to ${max} short imperative sentences; each becomes a \`- [ ]\` checkbox.`);

function existing(paths: ReadonlySet<string>) {
  return z
    .array(line(300, "a path"))
    .min(1)
    .max(20)
    .superRefine((ps, ctx) => {
      const missing = ps.filter((p) => !paths.has(normalisePath(p)));
      if (missing.length > 0) ctx.addIssue({ code: "custom", message: `not in the repository's default branch: ${missing.map((p) => JSON.stringify(p)).join(", ")}; name only paths that exist` });
    })
    .describe("Paths relative to the repository root, of files or directories that exist on the default branch.");
}

// ─── enrich-underspecified ──────────────────────────────────────────────────────────────────

export const enrichSchema = (paths: ReadonlySet<string>) => z.strictObject({ summary, affected_files: existing(paths), acceptance_criteria: criteria(2, 5) });
export type EnrichAnswer = z.output<ReturnType<typeof enrichSchema>>;

export function enrichedBody(original: string, a: EnrichAnswer): string {
  return [
    "## Problem",
    "",
    original.trim(),
    "",
    "## Affected files",
    "",
    ...[...new Set(a.affected_files.map(normalisePath))].map((p) => `- \`${p}\``),
    "",
    "## Acceptance criteria",
    "",
    ...a.acceptance_criteria.map((c) => `- [ ] ${c}`),
    "",
  ].join("\n");
}

export function enrichManifest(issue: Issue, a: EnrichAnswer, l: GardenerLabels): Manifest {
  return {
    summary: a.summary,
    actions: [
      { kind: "edit_body", issue: issue.number, body: enrichedBody(issue.body, a) },
      { kind: "add_label", issue: issue.number, label: l.backlog },
      { kind: "remove_label", issue: issue.number, label: l.underspecified },
    ],
  };
}

// ─── enrich-bug-report ──────────────────────────────────────────────────────────────────────

export const bugSchema = z.strictObject({
  summary,
  what_was_reported: line(4_000, "what was reported").describe("Two or three sentences: what the reporter saw, expected, and where."),
  known_context: line(8_000, "the known context").describe("What the code says about it (markdown; name files by their paths)."),
  reproduction_plan: z.array(line(500, "a step")).min(1).max(10).describe("Steps to reproduce, in order."),
  verification: criteria(3, 5),
});
export type BugAnswer = z.output<typeof bugSchema>;

export const BUG_SECTIONS = "## What was reported";

export function bugBody(original: string, a: BugAnswer): string {
  return [
    original.trimEnd(),
    "",
    "---",
    "",
    BUG_SECTIONS,
    "",
    a.what_was_reported,
    "",
    "## Known context",
    "",
    a.known_context,
    "",
    "## Reproduction plan",
    "",
    ...a.reproduction_plan.map((s, i) => `${i + 1}. ${s}`),
    "",
    "## What needs verification",
    "",
    ...a.verification.map((c) => `- [ ] ${c}`),
    "",
  ].join("\n");
}

export function bugManifest(issue: Issue, a: BugAnswer, l: GardenerLabels): Manifest {
  return {
    summary: a.summary,
    actions: [
      { kind: "edit_body", issue: issue.number, body: bugBody(issue.body, a) },
      { kind: "add_label", issue: issue.number, label: l.bugReport },
    ],
  };
}

// ─── bundle-dust ────────────────────────────────────────────────────────────────────────────

export const bundleSchema = z.strictObject({ summary, overview: line(4_000, "the overview").describe("Two or three sentences: what the items share and why doing them together is safe."), acceptance_criteria: criteria(2, 5) });
export type BundleAnswer = z.output<typeof bundleSchema>;

export const bundleTitle = (group: string): string => `fix: bundled dust cleanup — ${group}`.slice(0, 255);

/** The bundle's idempotency key: the same group and items, the same key (and the same issue). */
export function bundleKey(group: string, entries: readonly DustEntry[]): string {
  let h = 0;
  for (const c of `${group}\0${entries.map((e) => (e.issue !== undefined ? `#${e.issue}` : (e.key ?? ""))).join(",")}`) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  const slug = group.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "root";
  return `dust-${slug}-${h.toString(16)}`;
}

export function bundleBody(group: string, entries: readonly DustEntry[], titles: ReadonlyMap<number, Issue>, a: BundleAnswer): string {
  const item = (e: DustEntry): string => {
    const title = e.issue !== undefined ? (titles.get(e.issue)?.title ?? e.title) : e.title;
    return `- [ ] ${e.issue !== undefined ? `#${e.issue} ` : ""}${title.replace(/\s+/g, " ").trim()}${e.reason ? ` — ${e.reason.split("\n")[0]!.trim()}` : ""}${e.source ? ` (${e.source})` : ""}`;
  };
  const details = entries
    .filter((e) => e.issue !== undefined)
    .map((e) => {
      const src = titles.get(e.issue!);
      return ["<details><summary>#" + String(e.issue) + " " + (src?.title ?? e.title).replace(/[<>]/g, "") + "</summary>", "", fenced(src?.body.trim() || "(empty)", "text"), "", "</details>"].join("\n");
    });
  return [
    "## Problem",
    "",
    a.overview,
    "",
    "## Affected files",
    "",
    `- \`${group}\``,
    "",
    "## Items",
    "",
    ...entries.map(item),
    "",
    "## Acceptance criteria",
    "",
    ...a.acceptance_criteria.map((c) => `- [ ] ${c}`),
    ...(details.length > 0 ? ["", "## Sources", "", ...details] : []),
    "",
  ].join("\n");
}

export function bundleManifest(group: string, entries: readonly DustEntry[], titles: ReadonlyMap<number, Issue>, a: BundleAnswer, l: GardenerLabels): Manifest {
  const key = bundleKey(group, entries);
  return {
    summary: a.summary,
    actions: [
      { kind: "create_issue", key, title: bundleTitle(group), body: bundleBody(group, entries, titles, a), labels: [l.backlog] },
      ...entries.flatMap((e) => (e.issue !== undefined ? [{ kind: "close_issue" as const, issue: e.issue, reason: `Bundled into {{issue:${key}}}.` }] : [])),
    ],
  };
}

// ─── agents-md-stale ────────────────────────────────────────────────────────────────────────

export const agentsMdSchema = z.strictObject({ summary, agents_md: line(60_000, "the new AGENTS.md").describe("The whole new AGENTS.md, without the last-reviewed watermark line.") });
export type AgentsMdAnswer = z.output<typeof agentsMdSchema>;
