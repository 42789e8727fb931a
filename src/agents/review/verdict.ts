// The reviewer's structured result: what the model must return and the runner validates before
// anything is posted. A result that does not parse is an error the run reports on the PR (one
// `review-error` comment per attempt); it is never half-applied.
import { z } from "zod";

export const VERDICTS = ["APPROVE", "REQUEST_CHANGES", "DISCUSS"] as const;
export type VerdictKind = (typeof VERDICTS)[number];

/** Most severe first. Follow-up issues are filed from `medium` up. */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

// Models write `request-changes`, `Approve`, `High`: normalise before checking the enum.
const verdictField = z.preprocess(
  (v) => (typeof v === "string" ? v.trim().toUpperCase().replace(/[-\s]+/g, "_") : v),
  z.enum(VERDICTS, { error: (iss) => `expected APPROVE, REQUEST_CHANGES or DISCUSS, got ${JSON.stringify(iss.input)}` }),
);
const severityField = z.preprocess(
  (v) => (typeof v === "string" ? v.trim().toLowerCase() : v),
  z.enum(SEVERITIES, { error: (iss) => `expected one of ${SEVERITIES.join(", ")}, got ${JSON.stringify(iss.input)}` }),
);

// Comments on Forgejo hold 65,535 characters; the review must leave room for the header,
// the verdict line and the footer.
export const MAX_MARKDOWN = 50_000;

export const findingSchema = z.object({
  severity: severityField,
  /** Path relative to the repo root; "" for a finding about the PR as a whole. */
  file: z.string().default(""),
  /** 1-based line in the PR head; null when the finding is about a whole file. */
  line: z.number().int().nonnegative().nullable().default(null),
  message: z.string().trim().min(1),
  /** false: the problem was already there before this PR (a follow-up, not a blocker). */
  introduced_by_pr: z.boolean(),
});
export type Finding = z.output<typeof findingSchema>;

export const verdictSchema = z.object({
  verdict: verdictField,
  reason: z
    .string()
    .trim()
    .min(1)
    .transform((s) => s.split("\n")[0]!.trim()),
  findings: z.array(findingSchema).default([]),
  review_markdown: z.string().trim().min(1).max(MAX_MARKDOWN),
});
export type Verdict = z.output<typeof verdictSchema>;

/** APPROVED for APPROVE; REQUEST_CHANGES for REQUEST_CHANGES and DISCUSS (a human must decide). */
export function reviewEventOf(v: VerdictKind): "APPROVED" | "REQUEST_CHANGES" {
  return v === "APPROVE" ? "APPROVED" : "REQUEST_CHANGES";
}

export function atLeast(severity: Severity, floor: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(floor);
}

/** Pre-existing problems worth an issue of their own. */
export function followUpFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => !f.introduced_by_pr && atLeast(f.severity, "medium"));
}
