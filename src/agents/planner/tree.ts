// The planner's prerequisite tree, `prerequisites.md` in the ops repo, in the original's format
// (disinto-behaviour §9.1): one section per objective, its prerequisites as checkboxes with
// their refs, and a status line. The model answers with the tree's structure; the runner
// renders it (so the format never drifts) and `disinto status` parses it back for its summary.
import { z } from "zod";

export const TREE_PATH = "prerequisites.md";
export const STATUSES = ["READY", "BLOCKED", "DONE"] as const;
export type ObjectiveStatus = (typeof STATUSES)[number];

const line = (max: number, what: string) =>
  z
    .string()
    .trim()
    .min(1, { error: `${what} must not be empty` })
    .max(max)
    .refine((s) => !s.includes("\n"), { error: `${what} must be one line` });

export const treeItemSchema = z.strictObject({
  done: z.boolean().describe("True when the prerequisite is resolved (`[x]`)."),
  text: line(300, "a prerequisite"),
  ref: line(200, "a ref").optional().describe("Where it is tracked: `#12`, a file, or a vault request id."),
});

export const objectiveSchema = z.strictObject({
  name: line(200, "the objective's name"),
  ref: line(200, "a ref").optional().describe("The objective's issue (`#12`) or a short description."),
  items: z.array(treeItemSchema).max(30),
  status: z.enum(STATUSES),
  reason: line(300, "the reason").optional().describe("Why it is BLOCKED (required then): the first unresolved prerequisite, or the person it waits for."),
});
export type Objective = z.output<typeof objectiveSchema>;

export const treeSchema = z
  .array(objectiveSchema)
  .min(1)
  .max(30)
  .superRefine((os, ctx) => {
    os.forEach((o, i) => {
      if (o.status === "BLOCKED" && o.reason === undefined) ctx.addIssue({ code: "custom", path: [i, "reason"], message: `objective ${JSON.stringify(o.name)} is BLOCKED: say why in reason` });
      if (o.status === "DONE" && o.items.some((x) => !x.done)) ctx.addIssue({ code: "custom", path: [i, "status"], message: `objective ${JSON.stringify(o.name)} is DONE but has unresolved prerequisites` });
    });
  })
  .describe("The whole prerequisite tree, rewritten: every objective from VISION.md, in order of importance.");

/** Issues a person must look at (bounced or churning): items naming them say so. */
export function renderTree(objectives: readonly Objective[], day: string, humanBlocked: ReadonlyMap<number, string> = new Map()): string {
  const out = ["# Prerequisite Tree", `<!-- Last updated: ${day} -->`, ""];
  for (const o of objectives) {
    out.push(`## Objective: ${o.name}${o.ref ? ` (${o.ref})` : ""}`);
    for (const x of o.items) {
      const n = /^#(\d+)$/.exec(x.ref ?? "");
      const why = n ? humanBlocked.get(Number(n[1])) : undefined;
      out.push(`- [${x.done ? "x" : " "}] ${x.text}${x.ref ? ` (${x.ref})` : ""}${why && !x.done ? ` — HUMAN_BLOCKED: ${why}` : ""}`);
    }
    out.push(`Status: ${o.status}${o.status === "BLOCKED" ? ` — ${o.reason ?? "unresolved prerequisites"}` : ""}`, "");
  }
  return `${out.join("\n").trimEnd()}\n`;
}

export interface TreeSummary {
  updated: string | null;
  objectives: { name: string; status: ObjectiveStatus; reason?: string }[];
}

/** The objectives and their status lines, read back from a rendered (or hand-edited) tree. */
export function parseTree(text: string): TreeSummary {
  const updated = /<!--\s*Last updated:\s*(\S+)\s*-->/.exec(text)?.[1] ?? null;
  const objectives: TreeSummary["objectives"] = [];
  let name: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const l = raw.trim();
    const o = /^##\s+Objective:\s*(.+)$/.exec(l);
    if (o) {
      name = o[1]!.trim();
      continue;
    }
    const s = /^Status:\s*(READY|BLOCKED|DONE)\b\s*(?:[—-]+\s*(.*))?$/.exec(l);
    if (s && name !== undefined) {
      objectives.push({ name, status: s[1] as ObjectiveStatus, ...(s[2] ? { reason: s[2].trim() } : {}) });
      name = undefined;
    }
  }
  return { updated, objectives };
}
