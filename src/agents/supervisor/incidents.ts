// The incident documents the supervisor keeps (src/state/incident.ts has their format): one
// per problem while it lasts — opened the first run a P0–P2 recipe fires, its findings section
// rewritten when they change (and only then: no commit per run), closed with a `Resolution:`
// line once the probe is clean again. What the model adds (`## Analysis`) is kept.
import { incidentPath, isClosed, latestIncident } from "../../state/incident.ts";
import type { StateStore } from "../../state/store.ts";

export interface IncidentInput {
  slug: string;
  severity: string;
  summary: string;
  /** Finding lines, one per finding. */
  lines: readonly string[];
}

/** `text`: the document as stored now, so the model's prompt needs no read of its own. */
export type Kept = { path: string; change: "opened" | "updated" | "unchanged"; text: string };

const FINDINGS = "## Findings";

function render(i: IncidentInput, opened: string): string {
  return [
    `# Incident: ${i.slug}`,
    "",
    `Severity: ${i.severity}`,
    `Summary: ${oneLine(i.summary)}`,
    `Opened: ${opened}`,
    `Last changed: ${opened}`,
    "",
    FINDINGS,
    "",
    ...i.lines.map((l) => `- ${oneLine(l)}`),
    "",
  ].join("\n");
}

const oneLine = (s: string): string => s.replace(/\s+/g, " ").trim();

/** `text` with its findings section (and summary) replaced; undefined when nothing changed. */
function rewrite(text: string, i: IncidentInput, at: string): string | undefined {
  const start = text.indexOf(`\n${FINDINGS}\n`);
  const wanted = i.lines.map((l) => `- ${oneLine(l)}`).join("\n");
  if (start < 0) return `${text.trimEnd()}\n\n${FINDINGS}\n\n${wanted}\n`;
  const bodyStart = start + FINDINGS.length + 2;
  const next = text.indexOf("\n## ", bodyStart);
  const current = text.slice(bodyStart, next < 0 ? undefined : next).trim();
  const summaryLine = `Summary: ${oneLine(i.summary)}`;
  if (current === wanted && text.includes(`\n${summaryLine}\n`)) return undefined;
  const head = text.slice(0, start).replace(/^Summary: .*$/m, summaryLine).replace(/^Last changed: .*$/m, `Last changed: ${at}`);
  const tail = next < 0 ? "" : text.slice(next);
  return `${head}\n${FINDINGS}\n\n${wanted}\n${tail}`;
}

export class IncidentKeeper {
  private readonly store: StateStore;
  private readonly now: Date;
  /** slug → path of the open incident, as the last run recorded it. */
  readonly open: Record<string, string>;

  constructor(store: StateStore, now: Date, open: Record<string, string>) {
    this.store = store;
    this.now = now;
    this.open = { ...open };
  }

  /** The path of the open incident of `slug`, checked against the document itself. */
  private async current(slug: string): Promise<string | undefined> {
    const known = this.open[slug];
    if (known !== undefined) {
      const doc = await this.store.readText(known);
      if (doc !== undefined && !isClosed(doc.value)) return known;
    }
    // Not recorded (a lost health record, a breaker opened by hand): the documents decide.
    const latest = await latestIncident(this.store, slug);
    return latest?.open ? latest.path : undefined;
  }

  async keep(i: IncidentInput): Promise<Kept> {
    const at = this.now.toISOString();
    const path = await this.current(i.slug);
    if (path === undefined) {
      const fresh = incidentPath(this.now, i.slug);
      const r = await this.store.updateText(fresh, (cur) => (cur === undefined || isClosed(cur) ? render(i, at) : rewrite(cur, i, at)), `incident ${i.slug}: ${oneLine(i.summary)}`);
      this.open[i.slug] = fresh;
      return { path: fresh, change: r.changed ? "opened" : "unchanged", text: r.doc?.value ?? "" };
    }
    const r = await this.store.updateText(path, (cur) => (cur === undefined ? render(i, at) : rewrite(cur, i, at)), `incident ${i.slug}: findings changed`);
    this.open[i.slug] = path;
    return { path, change: r.changed ? "updated" : "unchanged", text: r.doc?.value ?? "" };
  }

  /** Close the open incident of `slug` with a resolution line; false when none was open. */
  async close(slug: string, why: string): Promise<string | undefined> {
    const path = await this.current(slug);
    delete this.open[slug];
    if (path === undefined) return undefined;
    const line = `Resolution: ${this.now.toISOString()} — ${oneLine(why)}`;
    await this.store.updateText(path, (cur) => (cur === undefined || isClosed(cur) ? undefined : `${cur.trimEnd()}\n\n${line}\n`), `incident ${slug}: resolved`);
    return path;
  }
}
