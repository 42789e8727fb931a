// Confinement of every path a tool touches to the working tree. Three ways out are closed:
// `..` segments, absolute paths elsewhere, and symlinks (inside the tree) that resolve outside
// it — the last one is checked on the real path, after the link is followed.
import { lstat, realpath } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";

export class PathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PathError";
  }
}

/** Whether `p` is `root` itself or lies under it (both absolute, lexical: no symlink is followed). */
export function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

export interface Confined {
  /** Absolute path (lexical, inside the real root). */
  abs: string;
  /** Relative to the root, `.` for the root itself: what the model and the log see. */
  rel: string;
}

/**
 * Resolve `p` (relative to the tree, or absolute inside it) and prove it stays inside.
 * `rootReal` must already be a realpath. For writes the target may not exist yet: its nearest
 * existing ancestor is resolved instead, and `.git/` is refused (hooks there would run with
 * the runner's credentials at commit time).
 */
export async function confine(rootReal: string, p: string, opts: { write?: boolean; rootGiven?: string } = {}): Promise<Confined> {
  if (p.includes("\0")) throw new PathError("path contains a NUL byte");
  const raw = p.trim() === "" ? "." : p.trim();
  let abs: string;
  if (isAbsolute(raw)) {
    // The caller may know the tree by a non-canonical name (/tmp vs /private/tmp): accept both.
    const given = opts.rootGiven !== undefined ? resolve(opts.rootGiven) : undefined;
    if (inside(rootReal, resolve(raw))) abs = resolve(raw);
    else if (given !== undefined && inside(given, resolve(raw))) abs = resolve(rootReal, relative(given, resolve(raw)));
    else throw new PathError(`absolute path ${raw} is outside the working tree`);
  } else {
    abs = resolve(rootReal, raw);
    if (!inside(rootReal, abs)) throw new PathError(`path ${raw} escapes the working tree`);
  }
  const rel = relative(rootReal, abs) || ".";
  if (opts.write && (rel === ".git" || rel.startsWith(`.git${sep}`))) throw new PathError(`writing under .git/ is not allowed (${rel})`);

  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    // Missing target. A dangling symlink would be followed by a write: refuse it outright.
    const isLink = await lstat(abs).then((s) => s.isSymbolicLink(), () => false);
    if (isLink) throw new PathError(`path ${rel} is a symlink to a missing target`);
    real = await realAncestor(abs);
  }
  if (!inside(rootReal, real)) throw new PathError(`path ${rel} resolves outside the working tree (symlink)`);
  return { abs, rel };
}

async function realAncestor(abs: string): Promise<string> {
  let cur = dirname(abs);
  for (;;) {
    try {
      return await realpath(cur);
    } catch {
      const up = dirname(cur);
      if (up === cur) return cur;
      cur = up;
    }
  }
}
