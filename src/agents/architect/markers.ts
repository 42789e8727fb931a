// The state a pitch PR carries in its own body (disinto-behaviour §4.1): the last comment the
// architect answered (`architect-last-seen`) and the sub-issues' states at the last digest
// (`architect-digest`); `## Filed: #A #B` is the gardener's filer's (../shared/sprint.ts). The
// body is the state: nothing about a pitch lives anywhere else, so a killed run reads where it
// stopped.

const LAST_SEEN = /<!-- architect-last-seen: (\S+)(?: #(\d+))? -->/;
const DIGEST = /<!-- architect-digest: ([^>]*?) -->/;

/**
 * The newest comment answered: its id (comments after it are new — ids, not times, because the
 * forge's times have a one-second grain) and its time (an older comment edited later is new too).
 */
export function lastSeen(body: string): { at: Date; id: number } | undefined {
  const m = LAST_SEEN.exec(body);
  const t = m ? Date.parse(m[1]!) : NaN;
  return Number.isNaN(t) ? undefined : { at: new Date(t), id: Number(m![2] ?? 0) };
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
