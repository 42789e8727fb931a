// Line numbers for schema errors. smol-toml returns plain values without positions, so this
// scans the text for table headers and `key =` lines and remembers where each key path starts.
// It is deliberately approximate (inline tables and keys inside multi-line arrays resolve to
// their parent's line): a near line is still far better than none, and a miss costs nothing.
import { formatPath, type KeyPath } from "./text.ts";

export type KeyLines = ReadonlyMap<string, number>;

const BARE = /^[A-Za-z0-9_-]+/;

/** Parse a dotted TOML key at the start of `s`: its segments and the rest of the text. */
function parseKey(s: string): { keys: string[]; rest: string } | undefined {
  const keys: string[] = [];
  let rest = s.trimStart();
  for (;;) {
    let m: RegExpMatchArray | null;
    if ((m = BARE.exec(rest))) {
      keys.push(m[0]);
    } else if ((m = /^"((?:[^"\\]|\\.)*)"/.exec(rest))) {
      try {
        keys.push(JSON.parse(m[0]) as string);
      } catch {
        keys.push(m[1] ?? "");
      }
    } else if ((m = /^'([^']*)'/.exec(rest))) {
      keys.push(m[1] ?? "");
    } else {
      return undefined;
    }
    rest = rest.slice(m[0].length).trimStart();
    if (!rest.startsWith(".")) return { keys, rest };
    rest = rest.slice(1).trimStart();
  }
}

/** Map from formatted key path (as `formatPath` writes it) to its 1-based line. */
export function keyLines(text: string): KeyLines {
  const lines = new Map<string, number>();
  const record = (path: KeyPath, line: number): void => {
    const k = formatPath(path);
    if (!lines.has(k)) lines.set(k, line);
  };
  // Index of the latest element of each array of tables, keyed by its (resolved) path.
  const arrayIndex = new Map<string, number>();
  const resolve = (keys: string[], lastIsArray: boolean): PropertyKey[] => {
    const out: PropertyKey[] = [];
    keys.forEach((k, i) => {
      out.push(k);
      const isLast = i === keys.length - 1;
      if (isLast && lastIsArray) return;
      const idx = arrayIndex.get(formatPath(out));
      if (idx !== undefined) out.push(idx);
    });
    return out;
  };

  let table: PropertyKey[] = [];
  let inString: '"""' | "'''" | undefined;
  const src = text.split(/\r?\n/);
  src.forEach((raw, i) => {
    const lineNo = i + 1;
    let line = raw;
    if (inString) {
      const end = line.indexOf(inString);
      if (end < 0) return;
      line = line.slice(end + 3);
      inString = undefined;
      if (!line.includes("=")) return;
    }
    const trimmed = line.trimStart();
    if (trimmed.startsWith("#") || trimmed === "") return;
    if (trimmed.startsWith("[[")) {
      const k = parseKey(trimmed.slice(2));
      if (!k || !k.rest.startsWith("]]")) return;
      const base = resolve(k.keys, true);
      const key = formatPath(base);
      const idx = (arrayIndex.get(key) ?? -1) + 1;
      arrayIndex.set(key, idx);
      table = [...base, idx];
      record(base, lineNo);
      record(table, lineNo);
      return;
    }
    if (trimmed.startsWith("[")) {
      const k = parseKey(trimmed.slice(1));
      if (!k || !k.rest.startsWith("]")) return;
      table = resolve(k.keys, false);
      record(table, lineNo);
      return;
    }
    const k = parseKey(trimmed);
    if (!k || !k.rest.startsWith("=")) return;
    record([...table, ...k.keys], lineNo);
    // A multi-line string opened on this line and not closed on it hides the lines below.
    const value = k.rest.slice(1);
    for (const delim of ['"""', "'''"] as const) {
      const at = value.indexOf(delim);
      if (at >= 0 && value.indexOf(delim, at + 3) < 0) {
        inString = delim;
        break;
      }
    }
  });
  return lines;
}

/** The line of `path`, or of its nearest ancestor that has one (a missing key → its table). */
export function lineOf(lines: KeyLines, path: KeyPath): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const line = lines.get(formatPath(path.slice(0, n)));
    if (line !== undefined) return line;
  }
  return undefined;
}
