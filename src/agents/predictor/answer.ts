// The predictor's answer (disinto-behaviour §9.2): at most MAX_ACTIONS actions a run — a
// prediction counts one, a prediction with a vault request two — each prediction an observation
// with its theory, confidence, the evidence checked (numbers) and a suggested action. The
// runner builds the issues and drops what it filed before: a title an open prediction has, or
// one the planner dismissed unless the answer names the new evidence.
import { z } from "zod";
import type { Issue } from "../../forge/types.ts";
import { KEY, type Action, type Manifest } from "../../manifest/actions.ts";
import { duplicateOf } from "../planner/answer.ts";

export const MAX_ACTIONS = 5;
/** What a prediction may ask the vault for: a person to test the theory. */
export const PREDICTOR_VAULT_FORMULAS = ["human"] as const;

const text = (max: number, what: string) => z.string().trim().min(1, { error: `${what} must not be empty` }).max(max, { error: `${what} is longer than ${max} characters` });
const line = (max: number, what: string) => text(max, what).refine((s) => !s.includes("\n"), { error: `${what} must be one line` });

export const predictionSchema = z.strictObject({
  key: z.string().max(40).regex(KEY, { error: "expected lower-case letters, digits, '.', '_' or '-'" }).describe("Short stable id, e.g. `flaky-parse-test`: the same finding, the same key."),
  title: line(200, "the title"),
  observation: text(3_000, "the observation").describe("What the evidence shows, with its numbers."),
  theory: text(2_000, "the theory").describe("Why it happens, and what it will lead to."),
  confidence: z.enum(["low", "medium"]),
  evidence_checked: z.array(line(300, "a piece of evidence")).min(1).max(10).describe("Each with its number, e.g. `ci/test: 4 of 20 red, 3 flaky`."),
  suggested_action: text(1_000, "the suggested action"),
  new_evidence: text(1_000, "the new evidence").optional().describe("Only when re-filing a theory the planner dismissed: what is new since."),
  vault: z
    .strictObject({ formula: z.enum(PREDICTOR_VAULT_FORMULAS), context: text(3_000, "the context").describe("What a person should do to test the theory, and why.") })
    .optional()
    .describe("A vault request to test the theory (counts as a second action)."),
});
export type Prediction = z.output<typeof predictionSchema>;

export const predictorSchema = z
  .strictObject({
    summary: text(2_000, "the summary"),
    predictions: z.array(predictionSchema).max(MAX_ACTIONS).describe("Nothing is a fine answer: file only what the evidence supports. Never feature work."),
  })
  .superRefine((a, c) => {
    const n = a.predictions.reduce((k, p) => k + (p.vault ? 2 : 1), 0);
    if (n > MAX_ACTIONS) c.addIssue({ code: "custom", path: ["predictions"], message: `${n} actions; at most ${MAX_ACTIONS} a run (a prediction with a vault request counts 2)` });
    const keys = a.predictions.map((p) => p.key);
    if (new Set(keys).size !== keys.length) c.addIssue({ code: "custom", path: ["predictions"], message: "a key is used twice" });
  });
export type PredictorAnswer = z.output<typeof predictorSchema>;

export function predictionBody(p: Prediction): string {
  return [
    p.observation,
    "",
    `**Theory:** ${p.theory}`,
    "",
    `**Confidence:** ${p.confidence}`,
    "",
    "**Evidence checked:**",
    ...p.evidence_checked.map((e) => `- ${e}`),
    ...(p.new_evidence ? ["", `**New since the last dismissal:** ${p.new_evidence}`] : []),
    "",
    `**Suggested action:** ${p.suggested_action}`,
    "",
  ].join("\n");
}

export interface History {
  open: readonly Pick<Issue, "number" | "title">[];
  dismissed: readonly Pick<Issue, "number" | "title">[];
}

export function predictorManifest(a: PredictorAnswer, h: History, unreviewed: string): { manifest: Manifest; dropped: string[] } {
  const actions: Action[] = [];
  const dropped: string[] = [];
  for (const p of a.predictions) {
    const open = duplicateOf(p.title, h.open);
    if (open !== undefined) {
      dropped.push(`${p.key}: open prediction #${open}`);
      continue;
    }
    const dismissed = duplicateOf(p.title, h.dismissed);
    if (dismissed !== undefined && p.new_evidence === undefined) {
      dropped.push(`${p.key}: dismissed as #${dismissed}, no new evidence`);
      continue;
    }
    const key = `predict-${p.key}`;
    actions.push({ kind: "create_issue", key, title: p.title, body: predictionBody(p), labels: [unreviewed] });
    if (p.vault) actions.push({ kind: "vault_request", id: `${key}-${p.vault.formula}`.slice(0, 64), formula: p.vault.formula, context: p.vault.context, secrets: [], params: {} });
  }
  return { manifest: { summary: a.summary, actions }, dropped };
}
