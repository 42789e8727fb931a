// Incidents: `incidents/<YYYY-MM-DD>-<slug>.md` in the ops repo, written by the supervisor
// (DESIGN §12). One document per problem while it lasts: the day it opened names the file, the
// same document is updated while the problem persists and closed with a `Resolution:` line
// when it is gone. The document is the state — the dev agent reads the `ci-untrusted` one to
// know whether the circuit breaker is open — so a missed supervisor run leaves the last state.
import type { StateStore } from "./store.ts";

export const INCIDENTS_DIR = "incidents";
/** The circuit breaker's incident: main's CI is red, the dev agent takes no new issue. */
export const CI_UNTRUSTED = "ci-untrusted";

const SLUG = /^[a-z0-9][a-z0-9-]*$/;
const RESOLUTION = /^Resolution: /m;

export function incidentPath(day: Date, slug: string): string {
  if (!SLUG.test(slug)) throw new Error(`invalid incident slug ${JSON.stringify(slug)}: use lower-case letters, digits and "-"`);
  return `${INCIDENTS_DIR}/${day.toISOString().slice(0, 10)}-${slug}.md`;
}

/** The slug of an incident file name (`2026-12-05-ci-untrusted.md` → `ci-untrusted`). */
export function slugOf(name: string): string | undefined {
  return /^\d{4}-\d{2}-\d{2}-([a-z0-9][a-z0-9-]*)\.md$/.exec(name)?.[1];
}

export function isClosed(text: string): boolean {
  return RESOLUTION.test(text);
}

export interface IncidentDoc {
  path: string;
  slug: string;
  text: string;
  open: boolean;
}

/**
 * The newest incident document of `slug` (one listing and one read), open or closed;
 * undefined when there never was one. Names sort by the day they opened.
 */
export async function latestIncident(store: StateStore, slug: string): Promise<IncidentDoc | undefined> {
  const names = (await store.list(INCIDENTS_DIR)).filter((e) => e.type === "file" && slugOf(e.name) === slug).map((e) => e.path);
  const path = names.sort().at(-1);
  if (path === undefined) return undefined;
  const doc = await store.readText(path);
  if (doc === undefined) return undefined;
  return { path, slug, text: doc.value, open: !isClosed(doc.value) };
}

/** Every open incident, by slug (one listing and one read per incident file that might be open). */
export async function openIncidents(store: StateStore): Promise<IncidentDoc[]> {
  const newest = new Map<string, string>();
  for (const e of await store.list(INCIDENTS_DIR)) {
    const slug = e.type === "file" ? slugOf(e.name) : undefined;
    if (slug !== undefined && (newest.get(slug) ?? "") < e.path) newest.set(slug, e.path);
  }
  const out: IncidentDoc[] = [];
  for (const [slug, path] of [...newest].sort(([a], [b]) => a.localeCompare(b))) {
    const doc = await store.readText(path);
    if (doc !== undefined && !isClosed(doc.value)) out.push({ path, slug, text: doc.value, open: true });
  }
  return out;
}

/** The first line after the title that says what the incident is (`Summary: …`), for status lines. */
export function summaryOf(text: string): string {
  return /^Summary: (.*)$/m.exec(text)?.[1]?.trim() ?? "";
}

export function severityOf(text: string): string | undefined {
  return /^Severity: (P[0-4])$/m.exec(text)?.[1];
}
