// A sprint pitch's conventions, shared by the architect (which writes pitches and tracks them)
// and the gardener (whose `file-subissues` step files an approved pitch's sub-issues and whose
// `vision-complete` step closes the vision issue): the pitch PR's title and branch, the vision
// issue it is about, the filer block (rendered by the architect from validated data, parsed
// strictly by the filer: a person may edit the PR body), `## Filed: #A #B` in the PR body, the
// marker each sub-issue carries, and whose approval counts. Pure: no forge calls.
import type { ProjectConfig } from "../../config/project.ts";
import type { Review } from "../../forge/types.ts";

export const TITLE_PREFIX = "architect:";
export const BRANCH_PREFIX = "architect/sprint-vision-";
// Bounds keep the rendered pitch (and so the PR body) well under Forgejo's 65,535 characters.
export const MAX_SUB_ISSUES = 10;
export const ID = /^[a-z0-9][a-z0-9-]{0,39}$/;
export const FILER_BEGIN = "<!-- filer:begin -->";
export const FILER_END = "<!-- filer:end -->";

const FILED = /^## Filed:((?: +#\d+)+) *$/m;

/** The pitch's branch; `earlier` pitches of the same vision (rejected ones) each took one before. */
export const branchOf = (vision: number, earlier = 0): string => `${BRANCH_PREFIX}${vision}${earlier > 0 ? `-${earlier + 1}` : ""}`;

/** The vision issue a pitch PR is about: from its branch, else the first `#N` of `## Vision issues`. */
export function visionOf(pr: { head: { ref: string }; body: string }): number | undefined {
  // architect/sprint-vision-<N>, or …-<N>-<k> for the k-th pitch after a rejection.
  const b = /^(\d+)(?:-\d+)?$/.exec(pr.head.ref.startsWith(BRANCH_PREFIX) ? pr.head.ref.slice(BRANCH_PREFIX.length) : "");
  if (b && Number(b[1]) > 0) return Number(b[1]);
  const m = /## Vision issues\s+- #(\d+)/.exec(pr.body);
  return m ? Number(m[1]) : undefined;
}

export const isPitch = (pr: { title: string }): boolean => pr.title.trim().toLowerCase().startsWith(TITLE_PREFIX);

/** The sub-issues `## Filed:` lists, or undefined while they are not (all) filed. */
export function filed(body: string): number[] | undefined {
  const m = FILED.exec(body);
  return m ? [...m[1]!.matchAll(/#(\d+)/g)].map((x) => Number(x[1])) : undefined;
}

/** `## Filed:` goes right after the pitch text, above the footer's hidden markers. */
export function withFiled(body: string, numbers: readonly number[]): string {
  const line = `## Filed: ${numbers.map((n) => `#${n}`).join(" ")}`;
  if (FILED.test(body)) return body.replace(FILED, line);
  const marks = body.search(/\n<!-- (?:architect-|disinto:)/);
  return marks < 0 ? `${body.trimEnd()}\n\n${line}\n` : `${body.slice(0, marks).trimEnd()}\n\n${line}\n${body.slice(marks)}`;
}

/** The pitch text of a body: what precedes the reply footer. */
export function pitchText(body: string): string {
  const i = body.indexOf("\n---\n");
  return i < 0 ? body : body.slice(0, i);
}

/** The sprint's slug: the `# Sprint: <slug>` line of the pitch text. */
export const sprintSlug = (text: string): string | undefined => /^# Sprint: (\S+)/m.exec(text)?.[1];

/** What each filed sub-issue carries: how the filer finds it again, and the vision it belongs to. */
export const decomposedMarker = (vision: number, slug: string, id: string): string => `<!-- decomposed-from: #${vision}, sprint: ${slug}, id: ${id} -->`;

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Every login a disinto agent of this project uses: their comments and reviews are not a person's. */
export function disintoLogins(config: ProjectConfig, own: string): string[] {
  const out = new Set<string>([own.toLowerCase()]);
  for (const i of Object.values(config.identities)) if (i?.login) out.add(i.login.toLowerCase());
  return [...out];
}

/** A person approved the pitch as it stands: an APPROVED review on the current head, not dismissed. */
export function approvedByPerson(reviews: readonly Review[], bots: readonly string[]): Review | undefined {
  return reviews.find((r) => r.state === "APPROVED" && !r.dismissed && !r.stale && !bots.some((b) => same(b, r.author)));
}

export interface FilerEntry {
  id: string;
  title: string;
  labels: string[];
  depends_on: string[];
  body: string;
}

/** The sub-issues in an order where every dependency comes first; undefined on a circle. */
export function order<T extends { id: string; depends_on: readonly string[] }>(subs: readonly T[]): T[] | undefined {
  const out: T[] = [];
  const done = new Set<string>();
  const known = new Set(subs.map((s) => s.id));
  let left = [...subs];
  while (left.length > 0) {
    const ready = left.filter((s) => s.depends_on.every((d) => done.has(d) || !known.has(d)));
    if (ready.length === 0) return undefined;
    for (const s of ready) {
      out.push(s);
      done.add(s.id);
    }
    left = left.filter((s) => !done.has(s.id));
  }
  return out;
}

export function renderFilerBlock(entries: readonly FilerEntry[]): string {
  const lines = [FILER_BEGIN];
  for (const e of entries) {
    lines.push(`- id: ${e.id}`, `  title: ${JSON.stringify(e.title)}`, `  labels: [${e.labels.join(", ")}]`, `  depends_on: [${e.depends_on.join(", ")}]`, "  body: |");
    for (const l of e.body.trimEnd().split(/\r?\n/)) lines.push(l.trim() === "" ? "" : `    ${l}`);
  }
  lines.push(FILER_END);
  return lines.join("\n");
}

export class FilerBlockError extends Error {
  constructor(message: string) {
    super(`filer block: ${message}`);
    this.name = "FilerBlockError";
  }
}

const LIST = /^\[(.*)\]$/;
function list(value: string, n: number, field: string): string[] {
  const m = LIST.exec(value.trim());
  if (!m) throw new FilerBlockError(`line ${n}: ${field} must be a list like [a, b], got ${JSON.stringify(value)}`);
  return m[1]!
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * The entries of the block between FILER_BEGIN and FILER_END in `text`: `- id:` starts an entry;
 * `title`, `labels`, `depends_on` on 2-space lines; `body: |` then 4-space lines (blank lines
 * allowed). Anything else is an error naming its line.
 */
export function parseFilerBlock(text: string): FilerEntry[] {
  const lines = text.split(/\r?\n/);
  const begin = lines.findIndex((l) => l.trim() === FILER_BEGIN);
  const end = lines.findIndex((l, i) => i > begin && l.trim() === FILER_END);
  if (begin < 0) throw new FilerBlockError(`no ${FILER_BEGIN} line`);
  if (end < 0) throw new FilerBlockError(`no ${FILER_END} line after ${FILER_BEGIN}`);
  const out: FilerEntry[] = [];
  let cur: (Partial<FilerEntry> & { id: string; bodyLines?: string[] }) | undefined;
  const finish = (): void => {
    if (!cur) return;
    for (const f of ["title", "labels", "depends_on"] as const) if (cur[f] === undefined) throw new FilerBlockError(`entry ${cur.id}: no ${f}`);
    if (cur.bodyLines === undefined) throw new FilerBlockError(`entry ${cur.id}: no body`);
    const body = cur.bodyLines.join("\n").trim();
    if (body === "") throw new FilerBlockError(`entry ${cur.id}: the body is empty`);
    out.push({ id: cur.id, title: cur.title!, labels: cur.labels!, depends_on: cur.depends_on!, body });
    cur = undefined;
  };
  for (let i = begin + 1; i < end; i++) {
    const raw = lines[i]!;
    const n = i + 1;
    const entry = /^- id: *(\S+)\s*$/.exec(raw);
    if (entry) {
      finish();
      if (!ID.test(entry[1]!)) throw new FilerBlockError(`line ${n}: id ${JSON.stringify(entry[1])} is not kebab-case`);
      if (out.some((e) => e.id === entry[1])) throw new FilerBlockError(`line ${n}: id ${entry[1]} is used twice`);
      cur = { id: entry[1]! };
      continue;
    }
    if (cur?.bodyLines !== undefined && (raw.startsWith("    ") || raw.trim() === "")) {
      cur.bodyLines.push(raw.slice(4));
      continue;
    }
    if (raw.trim() === "" && cur === undefined) continue;
    const field = /^ {2}(title|labels|depends_on|body): ?(.*)$/.exec(raw);
    if (!field || cur === undefined) throw new FilerBlockError(`line ${n}: expected \`- id: <id>\`, a 2-space \`title:\`, \`labels:\`, \`depends_on:\` or \`body: |\`, or a 4-space body line, got ${JSON.stringify(raw)}`);
    const [, name, value] = field as unknown as [string, string, string];
    if (cur.bodyLines !== undefined) throw new FilerBlockError(`line ${n}: ${name} after the body of ${cur.id}`);
    if (name === "title") {
      let t: unknown;
      try {
        t = value.trim().startsWith('"') ? JSON.parse(value.trim()) : value.trim();
      } catch {
        throw new FilerBlockError(`line ${n}: the title is not a valid quoted string: ${value}`);
      }
      if (typeof t !== "string" || t.trim() === "") throw new FilerBlockError(`line ${n}: the title is empty`);
      cur.title = t.trim();
    } else if (name === "labels") cur.labels = list(value, n, "labels");
    else if (name === "depends_on") cur.depends_on = list(value, n, "depends_on");
    else {
      if (value.trim() !== "|") throw new FilerBlockError(`line ${n}: expected \`body: |\`, got ${JSON.stringify(raw)}`);
      cur.bodyLines = [];
    }
  }
  finish();
  if (out.length === 0) throw new FilerBlockError("no entries");
  const ids = new Set(out.map((e) => e.id));
  for (const e of out) for (const d of e.depends_on) if (!ids.has(d)) throw new FilerBlockError(`entry ${e.id}: depends_on ${d} is no entry of the block`);
  if (order(out) === undefined) throw new FilerBlockError("the entries depend on each other in a circle");
  return out;
}
