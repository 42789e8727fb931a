// The state a pitch PR carries in its own body (disinto-behaviour §4.1): the last comment the
// architect answered (`architect-last-seen`), the sub-issues' states at the last digest
// (`architect-digest`) and the filed sub-issues (`## Filed: #A #B`). The body is the state:
// nothing about a pitch lives anywhere else, so a killed run reads where it stopped.

export const TITLE_PREFIX = "architect:";
export const BRANCH_PREFIX = "architect/sprint-vision-";

const LAST_SEEN = /<!-- architect-last-seen: (\S+)(?: #(\d+))? -->/;
const DIGEST = /<!-- architect-digest: ([^>]*?) -->/;
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

/**
 * The newest comment answered: its id (comments after it are new — ids, not times, because the
 * forge's times have a one-second grain) and its time (an older comment edited later is new too).
 */
export function lastSeen(body: string): { at: Date; id: number } | undefined {
  const m = LAST_SEEN.exec(body);
  const t = m ? Date.parse(m[1]!) : NaN;
  return Number.isNaN(t) ? undefined : { at: new Date(t), id: Number(m![2] ?? 0) };
}

export function filed(body: string): number[] | undefined {
  const m = FILED.exec(body);
  return m ? [...m[1]!.matchAll(/#(\d+)/g)].map((x) => Number(x[1])) : undefined;
}

export type ChildState = "open" | "closed";

export function digestOf(body: string): Map<number, ChildState> | undefined {
  const m = DIGEST.exec(body);
  if (!m) return undefined;
  const out = new Map<number, ChildState>();
  for (const x of m[1]!.matchAll(/#(\d+):(open|closed)/g)) out.set(Number(x[1]), x[2] as ChildState);
  return out;
}

export const renderDigest = (states: ReadonlyMap<number, ChildState>): string => [...states].map(([n, s]) => `#${n}:${s}`).join(" ");

function setMarker(body: string, re: RegExp, line: string): string {
  return re.test(body) ? body.replace(re, line) : `${body.trimEnd()}\n${line}`;
}

export const withLastSeen = (body: string, at: Date, id: number): string => setMarker(body, LAST_SEEN, `<!-- architect-last-seen: ${at.toISOString()} #${id} -->`);
export const withDigest = (body: string, states: ReadonlyMap<number, ChildState>): string => setMarker(body, DIGEST, `<!-- architect-digest: ${renderDigest(states)} -->`);

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
