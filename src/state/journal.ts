// Agent journals: one markdown file per agent per day, `journal/<agent>/YYYY-MM-DD.md`,
// appended to with compare-and-swap so parallel runs never lose an entry.
import type { StateStore } from "./store.ts";

export function journalPath(agent: string, day: Date): string {
  return `journal/${agent}/${day.toISOString().slice(0, 10)}.md`;
}

export interface JournalEntry {
  at: Date;
  title: string;
  body?: string;
  pipelineUrl?: string;
}

export function renderEntry(e: JournalEntry): string {
  const time = e.at.toISOString().slice(11, 19);
  const link = e.pipelineUrl ? ` ([pipeline](${e.pipelineUrl}))` : "";
  const body = e.body?.trim() ? `\n\n${e.body.trim()}` : "";
  return `## ${time} — ${e.title}${link}${body}\n`;
}

export async function appendJournal(store: StateStore, agent: string, entry: JournalEntry): Promise<void> {
  const path = journalPath(agent, entry.at);
  const text = renderEntry(entry);
  await store.updateText(
    path,
    (cur) => (cur === undefined ? `# ${agent} journal — ${entry.at.toISOString().slice(0, 10)}\n\n${text}` : `${cur.endsWith("\n") ? cur : `${cur}\n`}\n${text}`),
    `journal: ${entry.title}`,
  );
}
