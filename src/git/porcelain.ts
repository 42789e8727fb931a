// Parsers for git's machine-readable output (-z and --porcelain forms), kept apart from the
// process code so they can be read against git's documentation line by line.

/**
 * `git status --porcelain=v1 -z`: `XY path\0`, and for renames and copies the source path
 * follows as its own NUL-terminated field. Both paths of a rename are returned: a protected
 * file moved out of its folder is a change to that folder.
 */
export function parseStatusZ(out: string): string[] {
  const fields = out.split("\0");
  const paths: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] ?? "";
    if (f.length < 4) continue;
    const x = f[0];
    paths.push(f.slice(3));
    if (x === "R" || x === "C") {
      const from = fields[i + 1];
      if (from !== undefined && from !== "") paths.push(from);
      i++;
    }
  }
  return unique(paths);
}

/** NUL-separated path lists (`diff --name-only -z`, `ls-files -z`). */
export function parseNamesZ(out: string): string[] {
  return unique(out.split("\0").filter((p) => p !== ""));
}

export interface PushRefStatus {
  /** ` ` fast-forward, `+` forced, `-` deleted, `*` new, `!` rejected, `=` up to date. */
  flag: string;
  from: string;
  to: string;
  summary: string;
  /** The parenthesised reason of a rejection, e.g. "non-fast-forward". */
  reason: string;
}

/**
 * `git push --porcelain`: one `<flag>\t<from>:<to>\t<summary> (<reason>)` line per ref,
 * between a `To <url>` line and `Done`.
 */
export function parsePushPorcelain(out: string): PushRefStatus[] {
  const refs: PushRefStatus[] = [];
  for (const line of out.split("\n")) {
    const m = /^([ +\-*!=])\t([^\t]*):([^\t]*)\t(.*)$/.exec(line);
    if (!m) continue;
    const [, flag = "", from = "", to = "", rest = ""] = m;
    const r = /^(.*?)\s*\((.*)\)\s*$/.exec(rest);
    refs.push({ flag, from, to, summary: (r ? r[1] : rest)?.trim() ?? "", reason: r?.[2]?.trim() ?? "" });
  }
  return refs;
}

/** `git ls-remote`: `<sha>\t<ref>` lines. */
export function parseLsRemote(out: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of out.split("\n")) {
    const tab = line.indexOf("\t");
    if (tab <= 0) continue;
    refs.set(line.slice(tab + 1).trim(), line.slice(0, tab).trim());
  }
  return refs;
}

export const LOG_FORMAT = "--format=%H%x1f%s";

/** `git log -z --format=%H%x1f%s`. */
export function parseLog(out: string): { sha: string; subject: string }[] {
  return out
    .split("\0")
    .filter((r) => r.trim() !== "")
    .map((r) => {
      const rec = r.replace(/^\n/, "");
      const sep = rec.indexOf("\x1f");
      return { sha: rec.slice(0, sep), subject: rec.slice(sep + 1) };
    });
}

function unique(paths: string[]): string[] {
  return [...new Set(paths)];
}
