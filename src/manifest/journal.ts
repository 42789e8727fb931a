// A judgment run's journal entry, `journal/<agent>/YYYY-MM-DD.md` (DESIGN §10.6): the task,
// what the model was shown (names and sizes — never the text, which may hold what a user
// pasted), the model's answer, each action and its result or the policy's violations, tokens
// and cost. One entry is one ops-repo commit (src/state/journal.ts appends it).
import { appendJournal } from "../state/journal.ts";
import type { StateStore } from "../state/store.ts";
import type { Manifest } from "./actions.ts";
import type { ActionResult } from "./apply.ts";
import { describeViolations, type Violation } from "./policy.ts";

export interface Shown {
  name: string;
  chars: number;
}

export interface RunRecord {
  agent: string;
  task: string;
  /** What the task is about, e.g. `#12`. */
  subject?: string;
  /** What went into the prompt, by part. */
  shown: readonly Shown[];
  /** Model runs made (1, or 2 after an invalid answer). */
  attempts: number;
  tokens: number;
  costUsd: number;
  manifest?: Manifest;
  /** How the run ended, one line: applied, rejected by policy, invalid answer, failed. */
  result: string;
  results?: readonly ActionResult[];
  violations?: readonly Violation[];
  /** An error the run reports (invalid answer, a failed action). */
  error?: string;
}

export function renderRecord(r: RunRecord): string {
  const lines: string[] = [`- Task: ${r.task}${r.subject ? ` (${r.subject})` : ""}`, `- Result: ${r.result}`];
  const total = r.shown.reduce((n, s) => n + s.chars, 0);
  lines.push(`- Shown to the model: ${total} chars${r.shown.length > 0 ? ` — ${r.shown.map((s) => `${s.name} ${s.chars}`).join(", ")}` : ""}`);
  lines.push(`- Model runs: ${r.attempts} · ${r.tokens} tokens · $${r.costUsd.toFixed(4)}`);
  if (r.manifest) lines.push(`- Manifest: ${r.manifest.actions.length} action${r.manifest.actions.length === 1 ? "" : "s"} — ${r.manifest.summary.replace(/\s+/g, " ")}`);
  if (r.error) lines.push(`- Error: ${r.error.replace(/\s+/g, " ")}`);
  const out = [lines.join("\n")];
  if (r.results && r.results.length > 0) out.push(["### Actions", "", ...r.results.map((x) => `${x.index}. ${x.action} → **${x.result}**${x.detail ? ` (${x.detail})` : ""}`)].join("\n"));
  if (r.violations && r.violations.length > 0) out.push(["### Rejected by policy (nothing applied)", "", ...describeViolations(r.violations).map((l) => `- ${l}`)].join("\n"));
  return out.join("\n\n");
}

export async function journalRun(state: StateStore, r: RunRecord, at: Date, pipelineUrl?: string): Promise<void> {
  await appendJournal(state, r.agent, {
    at,
    title: `${r.task}${r.subject ? ` ${r.subject}` : ""}: ${r.result}`,
    body: renderRecord(r),
    ...(pipelineUrl !== undefined ? { pipelineUrl } : {}),
  });
}
