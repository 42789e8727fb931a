// File tools shared by the openai and scripted backends. Every path goes through `confine`;
// outputs are bounded so a huge file or tree cannot flood the model's context.
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { confine } from "./paths.ts";

export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolError";
  }
}

export interface FsRoot {
  /** realpath of the working tree */
  real: string;
  /** the working tree as the caller named it */
  given: string;
}

const SKIP_DIRS = new Set([".git", "node_modules"]);
const MAX_READ_BYTES = 256 * 1024;
const MAX_SEARCH_FILE_BYTES = 1024 * 1024;

export async function listFiles(root: FsRoot, path: string, opts: { recursive?: boolean; limit?: number } = {}): Promise<string> {
  const { abs, rel } = await confine(root.real, path, { rootGiven: root.given });
  const limit = opts.limit ?? 500;
  const out: string[] = [];
  let truncated = false;
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (out.length >= limit) {
        truncated = true;
        return;
      }
      const p = relative(root.real, join(dir, e.name));
      if (e.isDirectory()) {
        out.push(`${p}/`);
        if (opts.recursive && !SKIP_DIRS.has(e.name)) await walk(join(dir, e.name));
      } else out.push(e.isSymbolicLink() ? `${p}@` : p);
    }
  };
  const st = await stat(abs).catch(() => undefined);
  if (!st) throw new ToolError(`no such directory: ${rel}`);
  if (!st.isDirectory()) throw new ToolError(`not a directory: ${rel}`);
  await walk(abs);
  if (truncated) out.push(`… (truncated at ${limit} entries)`);
  return out.length > 0 ? out.join("\n") : "(empty directory)";
}

export async function readTextFile(root: FsRoot, path: string, opts: { offset?: number; limit?: number } = {}): Promise<string> {
  const { abs, rel } = await confine(root.real, path, { rootGiven: root.given });
  const st = await stat(abs).catch(() => undefined);
  if (!st) throw new ToolError(`no such file: ${rel}`);
  if (st.isDirectory()) throw new ToolError(`${rel} is a directory; use list_files`);
  const buf = await readFile(abs);
  if (buf.subarray(0, 8000).includes(0)) throw new ToolError(`${rel} looks binary (${buf.length} bytes)`);
  let text = buf.toString("utf8");
  if (opts.offset !== undefined || opts.limit !== undefined) {
    const lines = text.split("\n");
    const from = Math.max(0, (opts.offset ?? 1) - 1);
    text = lines.slice(from, opts.limit !== undefined ? from + opts.limit : undefined).join("\n");
  }
  if (text.length > MAX_READ_BYTES) {
    return `${text.slice(0, MAX_READ_BYTES)}\n… (truncated: ${text.length} characters; read with offset/limit for the rest)`;
  }
  return text;
}

export async function writeTextFile(root: FsRoot, path: string, content: string): Promise<string> {
  const { abs, rel } = await confine(root.real, path, { write: true, rootGiven: root.given });
  const st = await stat(abs).catch(() => undefined);
  if (st?.isDirectory()) throw new ToolError(`${rel} is a directory`);
  await mkdir(dirname(abs), { recursive: true });
  // confine again: mkdir may have followed nothing new, but a racing symlink must not win
  await confine(root.real, path, { write: true, rootGiven: root.given });
  await writeFile(abs, content);
  return `wrote ${rel} (${Buffer.byteLength(content)} bytes)`;
}

/** Exact-match replace: the old text must occur exactly once, so an edit never lands twice or nowhere. */
export async function editTextFile(root: FsRoot, path: string, oldText: string, newText: string): Promise<string> {
  const { abs, rel } = await confine(root.real, path, { write: true, rootGiven: root.given });
  if (oldText === "") throw new ToolError("old_text is empty; use write_file to create or replace a whole file");
  const text = await readFile(abs, "utf8").catch(() => {
    throw new ToolError(`no such file: ${rel}`);
  });
  const count = text.split(oldText).length - 1;
  if (count === 0) throw new ToolError(`old_text not found in ${rel}; read the file and copy the exact text, including whitespace`);
  if (count > 1) throw new ToolError(`old_text occurs ${count} times in ${rel}; include more surrounding lines so it is unique`);
  const at = text.indexOf(oldText);
  await writeFile(abs, text.slice(0, at) + newText + text.slice(at + oldText.length));
  return `edited ${rel}`;
}

/** grep-like: regex (or literal) over text files under `path`; `file:line: text` per match. */
export async function searchFiles(
  root: FsRoot,
  pattern: string,
  opts: { path?: string; literal?: boolean; ignoreCase?: boolean; limit?: number } = {},
): Promise<string> {
  const { abs } = await confine(root.real, opts.path ?? ".", { rootGiven: root.given });
  let re: RegExp;
  try {
    const src = opts.literal ? pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : pattern;
    re = new RegExp(src, opts.ignoreCase ? "i" : "");
  } catch (err) {
    throw new ToolError(`invalid regular expression: ${(err as Error).message}`);
  }
  const limit = opts.limit ?? 200;
  const hits: string[] = [];
  const visit = async (p: string): Promise<void> => {
    if (hits.length >= limit) return;
    const st = await stat(p).catch(() => undefined);
    if (!st) return;
    if (st.isDirectory()) {
      const entries = await readdir(p, { withFileTypes: true });
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        if (SKIP_DIRS.has(e.name)) continue;
        // symlinks are not followed: they may point out of the tree
        if (e.isSymbolicLink()) continue;
        await visit(join(p, e.name));
        if (hits.length >= limit) return;
      }
      return;
    }
    if (!st.isFile() || st.size > MAX_SEARCH_FILE_BYTES) return;
    const buf = await readFile(p);
    if (buf.subarray(0, 8000).includes(0)) return;
    const lines = buf.toString("utf8").split("\n");
    for (let i = 0; i < lines.length && hits.length < limit; i++) {
      const line = lines[i] ?? "";
      if (re.test(line)) hits.push(`${relative(root.real, p)}:${i + 1}: ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`);
    }
  };
  await visit(abs);
  if (hits.length === 0) return "no matches";
  return hits.length >= limit ? `${hits.join("\n")}\n… (stopped at ${limit} matches)` : hits.join("\n");
}
