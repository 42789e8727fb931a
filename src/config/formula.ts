// Formulas: TOML prompts with an ordered list of steps (disinto-behaviour §6.1). They are not
// executed by an engine: an agent pastes the steps into the model's prompt. The schema keeps
// them well-formed, so a typo in a shipped or ops-repo override fails `disinto validate`
// instead of silently producing a worse prompt.
import { z } from "zod";
import { closest, quotedList, showValue } from "./text.ts";
import type { RuleIssue } from "./project.ts";

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// Upper bounds on every string, list and number: formulas are pasted into prompts, and an
// absurd value must fail `disinto validate` naming the key and the bound.
const MAX_NAME = 255;
/** A step's instructions or a formula's description: a long prompt, not a document. */
const MAX_PROSE = 64 * 1024;
const MAX_LIST = 100;
const matching = (re: RegExp, expected: string) => z.string().max(MAX_NAME).regex(re, { error: (iss) => `expected ${expected}, got ${showValue(iss.input)}` });
const text = (max = MAX_NAME) => z.string().min(1).max(max);
const names = (what: string) => z.array(text(1024).describe(what)).max(MAX_LIST);

// Built on first use (z.lazy): an agent run that reads no formula does not pay for ~140 schema
// objects at start.
const FormulaStepSchema = z.lazy(() =>
  z
    .strictObject({
      id: matching(ID, 'a step id of letters, digits, "_" or "-"').describe("Identifier of the step, unique in the formula; other steps name it in `needs`."),
      title: text(1024).describe("One-line title of the step."),
      description: text(MAX_PROSE).describe("What the model does in this step: the instructions pasted into the prompt."),
      needs: names("Id of a step that must come first.").default([]).describe("Ids of the steps this one builds on. They must exist and must not form a cycle."),
    })
    .describe("One step ([[steps]]); steps are presented to the model in file order."),
);

const FormulaVarSchema = z.lazy(() =>
  z
    .strictObject({
      description: text(MAX_PROSE).describe("What the variable is for."),
      required: z.boolean().default(false).describe("Whether a value must be given when the formula is used. Default false."),
      default: z.string().max(MAX_PROSE).optional().describe("Value used when none is given."),
    })
    .describe("A variable the formula expects ([vars.<name>])."),
);

export const FormulaSchema = z.lazy(() =>
  z
    .strictObject({
      name: matching(NAME, 'a formula name of letters, digits, ".", "_" or "-"').describe("Formula name; formulas are found as formulas/<name>.toml."),
      description: text(MAX_PROSE).describe("What the formula is for, in a sentence or two."),
      version: z.number().int().min(1).max(1_000_000).describe("Version of the formula, a whole number from 1; raise it when the steps change meaning."),
      model: text().optional().describe('Advisory model hint, e.g. "sonnet" or "opus"; the backend config decides.'),
      context: z
        .strictObject({
          files: names("A path relative to the repo root.").default([]).describe("Files the model should read first, relative to the repo root."),
        })
        .prefault({})
        .describe("Context the formula relies on."),
      steps: z
        .array(FormulaStepSchema)
        .min(1, { error: "needs at least one step: add a [[steps]] table" })
        .max(MAX_LIST)
        .describe("The steps ([[steps]] tables), at least one."),
      allowed_tools: names("A tool name.").optional().describe("Advisory: tools the model may use in this formula."),
      disallowed_commands: names("A command name.")
        .optional()
        .describe('Advisory: shell commands the model must not run (e.g. "env", "printenv", which would print secrets).'),
      timeout_minutes: z.number().int().min(1).max(1440).optional().describe("Longest a run of this formula should take, in minutes, at most 1440 (a day)."),
      vars: z
        .record(matching(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'a variable name of letters, digits, "_" or "-"'), FormulaVarSchema)
        .default({})
        .describe("Variables the formula expects, by name ([vars.<name>])."),
    })
    .describe("disinto formula: a prompt made of ordered steps."),
);

export type Formula = z.output<typeof FormulaSchema>;
export type FormulaInput = z.input<typeof FormulaSchema>;
export type FormulaStep = z.output<typeof FormulaStepSchema>;
export type FormulaVar = z.output<typeof FormulaVarSchema>;

/**
 * Step graph rules: unique ids, `needs` naming existing steps, no cycles. Like the project
 * rules they read the raw TOML, so they report alongside schema errors elsewhere in the file.
 */
export function formulaRules(raw: unknown): RuleIssue[] {
  const issues: RuleIssue[] = [];
  if (typeof raw !== "object" || raw === null || !("steps" in raw) || !Array.isArray(raw.steps)) return issues;
  const steps = raw.steps as unknown[];

  const firstIndex = new Map<string, number>();
  const needs = new Map<string, string[]>();
  steps.forEach((step, i) => {
    if (typeof step !== "object" || step === null) return;
    const { id } = step as { id?: unknown };
    if (typeof id !== "string") return;
    const first = firstIndex.get(id);
    if (first !== undefined) {
      issues.push({ path: ["steps", i, "id"], message: `duplicate step id ${JSON.stringify(id)} (already used by steps[${first}])` });
      return;
    }
    firstIndex.set(id, i);
  });
  const ids = [...firstIndex.keys()];

  steps.forEach((step, i) => {
    if (typeof step !== "object" || step === null) return;
    const s = step as { id?: unknown; needs?: unknown };
    if (!Array.isArray(s.needs)) return;
    const deps: string[] = [];
    s.needs.forEach((n: unknown, j) => {
      if (typeof n !== "string") return;
      if (firstIndex.has(n)) {
        deps.push(n);
        return;
      }
      const guess = closest(n, ids);
      const hint = guess !== undefined ? `did you mean ${JSON.stringify(guess)}?` : `the step ids are ${quotedList(ids)}`;
      issues.push({ path: ["steps", i, "needs", j], message: `no step with id ${JSON.stringify(n)}; ${hint}` });
    });
    if (typeof s.id === "string" && firstIndex.get(s.id) === i) needs.set(s.id, deps);
  });

  for (const cycle of findCycles(ids, needs)) {
    const start = cycle[0] as string;
    issues.push({ path: ["steps", firstIndex.get(start) ?? 0, "needs"], message: `dependency cycle: ${[...cycle, start].join(" → ")}` });
  }
  return issues;
}

/** Each elementary cycle reachable by depth-first search, once, starting at its earliest step. */
function findCycles(ids: string[], needs: ReadonlyMap<string, string[]>): string[][] {
  const order = new Map(ids.map((id, i) => [id, i]));
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, "open");
    stack.push(id);
    for (const dep of needs.get(id) ?? []) {
      const st = state.get(dep);
      if (st === "open") {
        const cycle = stack.slice(stack.indexOf(dep));
        // Rotate so the cycle starts at the step that comes first in the file, and report it
        // in reading order (a step, then what it needs, …).
        let at = 0;
        cycle.forEach((c, i) => {
          if ((order.get(c) ?? 0) < (order.get(cycle[at] as string) ?? 0)) at = i;
        });
        const rotated = [...cycle.slice(at), ...cycle.slice(0, at)];
        const key = rotated.join("\u0000");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(rotated);
        }
      } else if (st === undefined) {
        visit(dep);
      }
    }
    stack.pop();
    state.set(id, "done");
  };
  for (const id of ids) if (!state.has(id)) visit(id);
  return cycles;
}
