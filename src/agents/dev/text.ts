// What the dev agent writes on the forge: comment bodies with their dedup markers, PR titles
// and bodies, commit messages, and how it recognises its own branches and PRs. Pure.
import type { PullRequest } from "../../forge/types.ts";
import { fenced } from "../../lib/fence.ts";

const MARKER = (kind: string, key: string): string => `<!-- disinto-dev: ${kind} ${key} -->`;

/** The marker a comment carries, so a retried tick can tell it was already posted. */
export function markerOf(kind: string, key: string): string {
  return MARKER(kind, key.replace(/--+/g, "-"));
}

function utc(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The original's `issue_block` comment: `### Blocked — issue #N`, exit reason and time. */
export function blockedComment(input: { issue: number; reason: string; at: Date; details?: string; key: string }): string {
  const lines = [
    `### Blocked — issue #${input.issue}`,
    "",
    "| Field | Value |",
    "| --- | --- |",
    `| Exit reason | \`${input.reason}\` |`,
    `| Timestamp | ${utc(input.at)} |`,
  ];
  if (input.details?.trim()) lines.push("", "<details><summary>Details</summary>", "", fenced(input.details.trim()), "", "</details>");
  lines.push("", "The dev agent stopped working on this issue. Remove the `blocked` label (and put it back in the backlog) to let it try again.", "", markerOf("blocked", input.key));
  return lines.join("\n");
}

export type RefusalKind = "unmet_dependency" | "too_large" | "already_done";

const REFUSAL_TITLE: Record<RefusalKind, { emoji: string; title: string }> = {
  unmet_dependency: { emoji: "🚧", title: "Unmet dependency" },
  too_large: { emoji: "📏", title: "Too large for single session" },
  already_done: { emoji: "✅", title: "Already implemented" },
};

/** The original's refusal comments (`Dev-agent: <title>` is their dedup key there, the marker here). */
export function refusalComment(input: { kind: RefusalKind; body: string; at: Date; key: string }): string {
  const { emoji, title } = REFUSAL_TITLE[input.kind];
  return [`${emoji} **Dev-agent: ${title}**`, "", input.body.trim(), "", "---", `*Automated assessment by dev-agent · ${utc(input.at)}*`, "", markerOf(input.kind, input.key)].join("\n");
}

export function pausedComment(input: { issue: number; reason: string; at: Date; key: string }): string {
  return [
    `⏸️ **Dev-agent: Paused**`,
    "",
    `Work on #${input.issue} is paused: ${input.reason}.`,
    "It resumes by itself once the budget allows (a new day, or a raised cap in the project config).",
    "",
    `*dev-agent · ${utc(input.at)}*`,
    "",
    markerOf("paused", input.key),
  ].join("\n");
}

/** The backend could not run after the claim: posted once per issue and failure. */
export function backendFailedComment(input: { issue: number; backend: string; reason: string; at: Date; key: string; released: boolean; retryMinutes: number }): string {
  return [
    `### LLM backend failed — issue #${input.issue}`,
    "",
    "| Field | Value |",
    "| --- | --- |",
    "| Exit reason | `backend_failed` |",
    `| Backend | \`${input.backend}\` |`,
    `| Timestamp | ${utc(input.at)} |`,
    "",
    fenced(input.reason.trim()),
    "",
    input.released
      ? `The dev agent claimed this issue but its LLM backend did not start, so the issue is back in the backlog. No issue is claimed for ${input.retryMinutes} minutes; then the dev agent tries again.`
      : "The dev agent's LLM backend did not start; the work stays where it is and the next tick tries again.",
    "",
    "What to do: check the backend's entry in the project config, its credentials (the step's secrets) and that the endpoint or CLI works (`disinto llm try`). This comment is not repeated for the same failure.",
    "",
    markerOf("backend_failed", input.key),
  ].join("\n");
}

export function orphanComment(input: { issue: number; at: Date; key: string; graceSeconds: number }): string {
  return [
    "### Stale in-progress issue released",
    "",
    "| Field | Value |",
    "| --- | --- |",
    "| Reason | `no_assignee_no_open_pr_no_lease` |",
    `| Timestamp | ${utc(input.at)} |`,
    "",
    `Labelled in-progress for more than ${input.graceSeconds} s with no assignee, no open PR and no dev agent working on it: back to the backlog.`,
    "",
    markerOf("orphan", input.key),
  ].join("\n");
}

export function prTitle(issueTitle: string, issue: number): string {
  return `fix: ${issueTitle.replace(/\s+/g, " ").trim()} (#${issue})`;
}

export function prBody(issue: number, summary: string): string {
  const s = summary.trim();
  return `Fixes #${issue}\n\n## Changes\n\n${s === "" ? "(no summary)" : s}\n`;
}

/** Commit messages: a finished step's subject starts `fix:`; an interrupted one's `wip:`. */
export function commitMessage(kind: "implement" | "ci_fix" | "review_fix" | "conflict_fix" | "wip", issueTitle: string, issue: number, summary = ""): string {
  const subject =
    kind === "implement"
      ? prTitle(issueTitle, issue)
      : kind === "ci_fix"
        ? `fix: make CI pass (#${issue})`
        : kind === "review_fix"
          ? `fix: address review (#${issue})`
          : kind === "conflict_fix"
            ? `fix: merge the primary branch, resolving conflicts (#${issue})`
            : `wip: ${issueTitle.replace(/\s+/g, " ").trim()} (#${issue}) [work in progress]`;
  const body = summary.trim();
  return body === "" ? subject : `${subject}\n\n${body}`;
}

export function isWipSubject(subject: string): boolean {
  return /^wip:/i.test(subject.trim());
}

export function branchName(issue: number, attempt: number): string {
  return attempt === 0 ? `fix/issue-${issue}` : `fix/issue-${issue}-${attempt}`;
}

/** `fix/issue-12` or `fix/issue-12-3` → 12. */
export function issueOfBranch(branch: string): number | undefined {
  const m = /^fix\/issue-(\d+)(?:-\d+)?$/.exec(branch);
  return m ? Number(m[1]) : undefined;
}

/** The issue a PR works on (§2.1 `extract_issue_from_pr`): branch, else last `#N` of the title, else `Fixes #N`. */
export function issueOfPull(pr: Pick<PullRequest, "title" | "body" | "head">): number | undefined {
  const fromBranch = issueOfBranch(pr.head.ref);
  if (fromBranch !== undefined) return fromBranch;
  const inTitle = [...pr.title.matchAll(/#(\d+)/g)].at(-1);
  if (inTitle) return Number(inTitle[1]);
  const inBody = /\b(?:closes|fixes|resolves)\s+#(\d+)/i.exec(pr.body);
  return inBody ? Number(inBody[1]) : undefined;
}

/** Whether `pr` is a PR for `issue` by its branch or its `Fixes #N`. */
export function pullIsFor(pr: Pick<PullRequest, "title" | "body" | "head">, issue: number): boolean {
  return issueOfBranch(pr.head.ref) === issue || new RegExp(`\\b(?:closes|fixes|resolves)\\s+#${issue}\\b`, "i").test(pr.body);
}
