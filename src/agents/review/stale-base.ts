// Stale-base check (disinto-behaviour §3.11, pain point §14.15): a PR branched from an old base
// that touches a file the base has changed since can silently revert that upstream work when it
// merges. For each file both sides changed (and the PR kept), count the non-blank lines the base
// added since the merge base that the PR head's version lacks; half or more missing is a
// blocker the runner enforces, whatever the model says.
import type { FileDiff } from "./diff.ts";

export const STALE_THRESHOLD = 0.5;

export interface StaleFile {
  path: string;
  /** Upstream-added lines missing from the PR head. */
  missing: number;
  /** Non-blank lines the base added to the file since the merge base. */
  total: number;
}

export interface StaleInput {
  /** `git diff <merge-base> <base>`, parsed. */
  upstream: readonly FileDiff[];
  /** `git diff <merge-base> <head>`, parsed. */
  pr: readonly FileDiff[];
  /** The file's text at the PR head (undefined when it does not exist there). */
  headText(path: string): Promise<string | undefined>;
}

const norm = (line: string): string => line.trim();

export async function staleBaseCheck(input: StaleInput): Promise<StaleFile[]> {
  const prTouched = new Map(input.pr.map((f) => [f.path, f]));
  const flagged: StaleFile[] = [];
  for (const up of input.upstream) {
    const mine = prTouched.get(up.path);
    if (!mine || mine.status === "deleted" || up.status === "deleted") continue;
    const added = up.added.map(norm).filter((l) => l !== "");
    if (added.length === 0) continue;
    const text = await input.headText(up.path);
    if (text === undefined) continue;
    const have = new Set(text.split("\n").map(norm));
    const missing = added.filter((l) => !have.has(l)).length;
    if (missing / added.length >= STALE_THRESHOLD) flagged.push({ path: up.path, missing, total: added.length });
  }
  return flagged;
}

export function describeStale(files: readonly StaleFile[]): string {
  return files.map((f) => `- \`${f.path}\`: ${f.missing} of ${f.total} lines the base branch added since this PR branched off are missing at the PR head (${Math.round((100 * f.missing) / f.total)} %)`).join("\n");
}
