// Protected paths (`protected_paths` in the project config): globs relative to the repo root
// that the dev agent may not change without the permission label. `*` and `?` stay
// inside one path segment, `**` crosses segments (and `**/` may match no folder at all),
// `{a,b}` is an alternation — Forgejo's reading of protected file patterns. A pattern that
// matches a folder protects everything inside it, so `.woodpecker` means `.woodpecker/**`.
// Matching errs on the side of protecting: a false positive costs a label, a false negative
// lets a change to CI through.
import type { Git } from "./git.ts";

const cache = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  // Folders protect their contents anyway, so `dir/**` is `dir` (which also covers a file
  // that replaced the folder).
  const p = normalize(pattern).replace(/(?:\/+\*\*)+\/*$/, "").replace(/\/+$/, "") || "**";
  let re = "";
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i] as string;
    if (ch === "*") {
      if (p[i + 1] === "*") {
        const atStart = i === 0 || p[i - 1] === "/";
        i++;
        if (atStart && p[i + 1] === "/") {
          // `**/`: zero or more whole folders
          re += "(?:[^/]*/)*";
          i++;
        } else {
          re += ".*";
        }
      } else {
        re += "[^/]*";
      }
    } else if (ch === "?") {
      re += "[^/]";
    } else if (ch === "{") {
      re += "(?:";
      depth++;
    } else if (ch === "}" && depth > 0) {
      re += ")";
      depth--;
    } else if (ch === "," && depth > 0) {
      re += "|";
    } else {
      re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  re += ")".repeat(depth);
  const compiled = new RegExp(`^${re}$`, "s");
  cache.set(pattern, compiled);
  return compiled;
}

function normalize(path: string): string {
  return path.replace(/^(?:\.\/)+/, "").replace(/^\/+/, "");
}

/** True when `path` (repo-relative, `/`-separated) or a folder containing it matches `pattern`. */
export function matchesProtected(path: string, patterns: string[] | string): boolean {
  const list = typeof patterns === "string" ? [patterns] : patterns;
  const p = normalize(path);
  if (p === "") return false;
  const candidates = [p];
  for (let i = p.indexOf("/"); i > 0; i = p.indexOf("/", i + 1)) candidates.push(p.slice(0, i));
  return list.some((pat) => pat.trim() !== "" && candidates.some((c) => compile(pat.trim()).test(c)));
}

/** The paths among `paths` that touch a protected pattern, in order, without duplicates. */
export function protectedChanges(paths: string[], patterns: string[]): string[] {
  if (patterns.length === 0) return [];
  return [...new Set(paths.filter((p) => matchesProtected(p, patterns)))];
}

/**
 * What a push of `head` would change, by path, judged only from commit ids the caller recorded
 * or read from the forge — never from refs inside the tree, which whatever ran there (the
 * model) may have moved with `git update-ref`. Two views, both counted:
 *   - `since`: the commit the branch stood at before the model started — what this push adds;
 *   - `primary`: the forge's head of the primary branch — what merging the branch would change
 *     (against their merge base; against `primary` itself when the histories share no commit).
 * Replace refs and grafts are ignored: they could make git see another history.
 */
export async function pathsChangedSince(git: Git, head: string, bases: { since: string; primary: string }): Promise<string[]> {
  const names = async (from: string): Promise<string[]> => {
    const r = await git.run(["--no-replace-objects", "diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", from, head, "--"]);
    return r.stdout.split("\0").filter((p) => p !== "");
  };
  const mb = await git.run(["--no-replace-objects", "merge-base", bases.primary, head], { allowFail: true });
  if (mb.code !== 0 && mb.code !== 1) throw new Error(`git merge-base ${bases.primary.slice(0, 12)} ${head.slice(0, 12)} failed (exit ${mb.code}): ${mb.stderr.trim().slice(0, 300)}`);
  const mergeBase = mb.code === 0 ? mb.stdout.trim() : bases.primary;
  return [...new Set([...(await names(bases.since)), ...(await names(mergeBase))])].sort();
}
