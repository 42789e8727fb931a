// File tools shared by the openai and scripted backends. Every path goes through `confine`;
// outputs are bounded so a huge file or tree cannot flood the model's context.
// They run in the runner's process, with its privileges, while the model (or a process it left
// running) may be changing the tree: a checked path may be swapped for a symlink to
// /proc/self/environ before it is opened. So files are opened without following a final
// symlink for writing, and the opened descriptor's real path is checked again before a byte is read
// or written.
import { constants } from "node:fs";
import { lchown, lstat, mkdir, open, readdir, readlink, stat } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { confine, inside, PathError } from "./paths.ts";

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
  /** Who files and folders the tools create belong to (the model user, when it owns the tree). */
  owner?: { uid: number; gid: number };
}

/** Open `abs` and prove the descriptor is inside the tree. */
async function openInside(root: FsRoot, abs: string, rel: string, flags: number, mode?: number): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    // Writes never follow a final symlink (O_CREAT would make its target before any check);
    // reads may, the descriptor is checked before a byte is read.
    const nofollow = (flags & constants.O_WRONLY) !== 0 ? constants.O_NOFOLLOW : 0;
    fh = await open(abs, flags | nofollow | constants.O_NONBLOCK, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP") throw new PathError(`path ${rel} is a symlink; refusing to follow it`);
    if (code === "ENOENT") throw new ToolError(`no such file: ${rel}`);
    if (code === "EISDIR") throw new ToolError(`${rel} is a directory`);
    throw new ToolError(`cannot open ${rel}: ${code ?? (err as Error).message}`);
  }
  try {
    const real = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => undefined);
    if (real !== undefined && !inside(root.real, real)) throw new PathError(`path ${rel} resolves outside the working tree`);
    const st = await fh.stat();
    if (!st.isFile()) throw new ToolError(`${rel} is not a regular file`);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

async function readInside(root: FsRoot, abs: string, rel: string): Promise<Buffer> {
  const fh = await openInside(root, abs, rel, constants.O_RDONLY);
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

async function writeInside(root: FsRoot, abs: string, rel: string, content: string): Promise<void> {
  const fh = await openInside(root, abs, rel, constants.O_WRONLY | constants.O_CREAT, 0o644);
  try {
    // truncate only now that the file is known to be the tree's
    await fh.truncate(0);
    await fh.writeFile(content);
    if (root.owner) await fh.chown(root.owner.uid, root.owner.gid);
  } finally {
    await fh.close();
  }
}

/** mkdir -p, the new folders given to the tree's owner. */
async function makeDirs(root: FsRoot, dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined || !root.owner) return;
  const { uid, gid } = root.owner;
  for (let d = dir; inside(first, d); d = dirname(d)) {
    if ((await lstat(d)).isDirectory()) await lchown(d, uid, gid);
    if (d === first) break;
  }
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
  const buf = await readInside(root, abs, rel);
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
  await makeDirs(root, dirname(abs));
  // confine again: mkdir may have followed nothing new, but a racing symlink must not win
  await confine(root.real, path, { write: true, rootGiven: root.given });
  await writeInside(root, abs, rel, content);
  return `wrote ${rel} (${Buffer.byteLength(content)} bytes)`;
}

/** Exact-match replace: the old text must occur exactly once, so an edit never lands twice or nowhere. */
export async function editTextFile(root: FsRoot, path: string, oldText: string, newText: string): Promise<string> {
  const { abs, rel } = await confine(root.real, path, { write: true, rootGiven: root.given });
  if (oldText === "") throw new ToolError("old_text is empty; use write_file to create or replace a whole file");
  const text = (await readInside(root, abs, rel)).toString("utf8");
  const count = text.split(oldText).length - 1;
  if (count === 0) throw new ToolError(`old_text not found in ${rel}; read the file and copy the exact text, including whitespace`);
  if (count > 1) throw new ToolError(`old_text occurs ${count} times in ${rel}; include more surrounding lines so it is unique`);
  const at = text.indexOf(oldText);
  await writeInside(root, abs, rel, text.slice(0, at) + newText + text.slice(at + oldText.length));
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
    // lstat: a symlink (even one swapped in since the listing) is never followed
    const st = await lstat(p).catch(() => undefined);
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
    const buf = await readInside(root, p, relative(root.real, p)).catch(() => undefined);
    if (!buf) return;
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
