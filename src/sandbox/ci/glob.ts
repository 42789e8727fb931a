// Glob matching with doublestar semantics, the matcher Woodpecker uses for `branch`, `ref`,
// `cron`, `repo`, `path` and friends: `*` and `?` stop at `/`, `**` as a whole path segment
// crosses directories (also none), `[...]` classes, `{a,b}` alternatives, `\` escapes.

const cache = new Map<string, RegExp | null>();

/** True when `value` matches `pattern`. An invalid pattern matches nothing (as doublestar reports an error). */
export function globMatch(pattern: string, value: string): boolean {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = compile(pattern);
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re !== null && re.test(value);
}

function compile(pattern: string): RegExp | null {
  try {
    return new RegExp(`^${translate(pattern, 0, pattern.length)}$`, "s");
  } catch {
    return null;
  }
}

function escapeRe(ch: string): string {
  return /[.*+?^${}()|[\]\\]/.test(ch) ? `\\${ch}` : ch;
}

function translate(p: string, from: number, to: number): string {
  let out = "";
  let i = from;
  while (i < to) {
    const c = p[i] ?? "";
    if (c === "\\") {
      out += escapeRe(p[i + 1] ?? "\\");
      i += 2;
    } else if (c === "*") {
      if (p[i + 1] === "*") {
        const atSegmentStart = i === from || p[i - 1] === "/";
        const end = i + 2;
        const atSegmentEnd = end === to || p[end] === "/";
        if (atSegmentStart && atSegmentEnd) {
          if (end === to) {
            // `a/**` matches `a` and everything below; a lone `**` matches everything
            if (out.endsWith("/")) out = `${out.slice(0, -1)}(?:/.*)?`;
            else out += ".*";
            i = end;
          } else {
            // `**/` matches zero or more whole directories
            out += "(?:[^/]*/)*";
            i = end + 1;
          }
          continue;
        }
        // `**` inside a segment behaves like `*`
        out += "[^/]*";
        i = end;
        while (p[i] === "*") i++;
        continue;
      }
      out += "[^/]*";
      i++;
    } else if (c === "?") {
      out += "[^/]";
      i++;
    } else if (c === "[") {
      const close = findClassEnd(p, i, to);
      if (close < 0) throw new Error(`unterminated class in ${p}`);
      let body = p.slice(i + 1, close);
      let negate = false;
      if (body.startsWith("!") || body.startsWith("^")) {
        negate = true;
        body = body.slice(1);
      }
      const cls = body.replace(/\\(.)/g, "$1").replace(/[\]\\^]/g, "\\$&");
      out += negate ? `[^/${cls}]` : `[${cls}]`;
      i = close + 1;
    } else if (c === "{") {
      const close = findBraceEnd(p, i, to);
      if (close < 0) throw new Error(`unterminated alternatives in ${p}`);
      const alts = splitAlternatives(p, i + 1, close).map(([a, b]) => translate(p, a, b));
      out += `(?:${alts.join("|")})`;
      i = close + 1;
    } else {
      out += escapeRe(c);
      i++;
    }
  }
  return out;
}

function findClassEnd(p: string, open: number, to: number): number {
  let i = open + 1;
  if (p[i] === "!" || p[i] === "^") i++;
  if (p[i] === "]") i++;
  for (; i < to; i++) {
    if (p[i] === "\\") i++;
    else if (p[i] === "]") return i;
  }
  return -1;
}

function findBraceEnd(p: string, open: number, to: number): number {
  let depth = 0;
  for (let i = open; i < to; i++) {
    const c = p[i];
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return -1;
}

function splitAlternatives(p: string, from: number, to: number): [number, number][] {
  const parts: [number, number][] = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < to; i++) {
    const c = p[i];
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (c === "," && depth === 0) {
      parts.push([start, i]);
      start = i + 1;
    }
  }
  parts.push([start, to]);
  return parts;
}
