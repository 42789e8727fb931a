// Issue dependencies, read from an issue body the way the original factory's `parse-deps`
// did (disinto-behaviour §3.3), so issues written for it keep their meaning here.
//
// * Section form: a `#` or `##` heading starting with "Dependencies", "Depends on" or
//   "Blocked by" (any case) opens a section that runs to the next `#`/`##` heading (`###`
//   sub-headings stay inside). Every `#N` in it is a dependency, code fences included.
// * Inline form: any line outside fenced code blocks that says "depends on" or "blocked by"
//   (any case) contributes every `#N` on it.
// * `## Related` lists siblings, never dependencies — siblings that listed each other as
//   dependencies deadlocked the original. Its lines are not read by the inline form either.

const SECTION_START = /^##? *(?:depends on|blocked by|dependencies)/i;
const SECTION_END = /^##? /;
const RELATED_START = /^##? *related\b/i;
const INLINE = /depends on|blocked by/i;
const FENCE = /^```/;
const REF = /#(\d+)/g;

/** Issue numbers the body depends on: sorted, unique, positive. */
export function parseDeps(body: string): number[] {
  const found = new Set<number>();
  let section: "deps" | "related" | undefined;
  let fenced = false;
  for (const line of body.split(/\r?\n/)) {
    // The heading line itself opens the section; its own references count only inline.
    let opened = false;
    if (SECTION_START.test(line)) {
      section = "deps";
      opened = true;
    } else if (RELATED_START.test(line)) {
      section = "related";
      opened = true;
    } else if (section !== undefined && SECTION_END.test(line)) {
      section = undefined;
    }
    if (section === "deps" && !opened) addRefs(line, found);
    if (FENCE.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (!fenced && section !== "related" && INLINE.test(line)) addRefs(line, found);
  }
  return [...found].sort((a, b) => a - b);
}

function addRefs(line: string, into: Set<number>): void {
  for (const m of line.matchAll(REF)) {
    const n = Number(m[1]);
    if (Number.isSafeInteger(n) && n > 0) into.add(n);
  }
}
