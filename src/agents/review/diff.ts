// Unified diffs as the review needs them: which files a diff touches and how, the lines it
// adds per file, and a byte-bounded excerpt for the prompt that says when it was cut.
import { fenced } from "../../lib/fence.ts";

export interface FileDiff {
  /** Path after the change (before it, for a deletion). */
  path: string;
  status: "added" | "modified" | "deleted" | "renamed";
  /** Added lines, without the leading `+`. */
  added: string[];
  removedCount: number;
}

const HEADER = /^diff --git a\/(.+?) b\/(.+)$/;

function unquote(p: string): string {
  // git quotes unusual paths ("a/na\"me"); the review only needs a readable name.
  return p.startsWith('"') && p.endsWith('"') ? p.slice(1, -1) : p;
}

/** Splits `git diff` output into files, in order. */
export function parseDiff(text: string): FileDiff[] {
  const files: FileDiff[] = [];
  let cur: FileDiff | undefined;
  let inHunk = false;
  for (const line of text.split("\n")) {
    const h = HEADER.exec(line);
    if (h) {
      cur = { path: unquote(h[2]!), status: "modified", added: [], removedCount: 0 };
      files.push(cur);
      inHunk = false;
      continue;
    }
    if (!cur) continue;
    if (!inHunk) {
      if (line.startsWith("new file mode")) cur.status = "added";
      else if (line.startsWith("deleted file mode")) {
        cur.status = "deleted";
      } else if (line.startsWith("rename to ")) {
        cur.status = "renamed";
        cur.path = unquote(line.slice("rename to ".length));
      } else if (line.startsWith("--- a/") && cur.status === "deleted") cur.path = unquote(line.slice(6));
      else if (line.startsWith("@@")) inHunk = true;
      continue;
    }
    if (line.startsWith("@@")) continue;
    if (line.startsWith("+")) cur.added.push(line.slice(1));
    else if (line.startsWith("-")) cur.removedCount++;
  }
  return files;
}

export interface Excerpt {
  text: string;
  /** Size of the whole diff in bytes. */
  bytes: number;
  truncated: boolean;
}

/** The diff cut at `maxBytes` (on a line boundary, never inside a UTF-8 sequence). */
export function excerpt(diff: string, maxBytes: number): Excerpt {
  const buf = Buffer.from(diff, "utf8");
  if (buf.length <= maxBytes) return { text: diff, bytes: buf.length, truncated: false };
  let cut = maxBytes;
  // Step back to the start of a UTF-8 sequence, then to the last whole line.
  while (cut > 0 && (buf[cut]! & 0xc0) === 0x80) cut--;
  const head = buf.subarray(0, cut).toString("utf8");
  const nl = head.lastIndexOf("\n");
  return { text: nl > 0 ? head.slice(0, nl + 1) : head, bytes: buf.length, truncated: true };
}

/** The diff as a prompt section body, with the truncation said in words. */
export function renderExcerpt(e: Excerpt, what: string): string {
  if (e.text === "") return "(empty)";
  const body = fenced(e.text, "diff");
  return e.truncated ? `${body}\n\n(${what} truncated: showing ${Buffer.byteLength(e.text)} of ${e.bytes} bytes. Read the changed files in the working tree for the rest.)` : body;
}
