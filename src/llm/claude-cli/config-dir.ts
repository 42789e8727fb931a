// A fresh CLAUDE_CONFIG_DIR per run. Nothing is shared between runs or containers, so there is
// no OAuth refresh race (the original's worst auth bug, behaviour §14.9) and no stale state.
// The CLI keeps a session's transcript at
//   $CLAUDE_CONFIG_DIR/projects/<cwd with "/" → "-">/<session_id>.jsonl   (contract §7)
// so resuming in a new runner means putting that file back where the CLI will look.
import { constants } from "node:fs";
import { lstat, mkdir, open, readdir, realpath, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

/** Directory names the CLI may use for a cwd: the contract's rule and the stricter one some builds use. */
export function projectDirNames(cwd: string): string[] {
  return [...new Set([cwd.replace(/\//g, "-"), cwd.replace(/[^A-Za-z0-9]/g, "-")])];
}

const payloadSchema = z.object({ sessionId: z.string().min(1), jsonl: z.string() });
export type ClaudeSessionPayload = z.infer<typeof payloadSchema>;

export function parsePayload(text: string): ClaudeSessionPayload | string {
  try {
    const r = payloadSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : `claude session payload malformed: ${z.prettifyError(r.error)}`;
  } catch (err) {
    return `claude session payload is not JSON: ${(err as Error).message}`;
  }
}

const SESSION_ID = /^[A-Za-z0-9._-]+$/;

/** Write the session transcript where the CLI will look for it from `cwd` (both spellings of cwd). */
export async function restoreSession(configDir: string, cwd: string, p: ClaudeSessionPayload): Promise<void> {
  if (!SESSION_ID.test(p.sessionId)) throw new Error(`refusing session id ${JSON.stringify(p.sessionId)}: not a plain file name`);
  const cwds = [...new Set([cwd, await realpath(cwd).catch(() => cwd)])];
  for (const name of new Set(cwds.flatMap(projectDirNames))) {
    const dir = join(configDir, "projects", name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${p.sessionId}.jsonl`), p.jsonl, { mode: 0o600 });
  }
}

/** The transcript the CLI wrote for `sessionId`, wherever under projects/ it put it. */
export async function captureSession(configDir: string, sessionId: string): Promise<ClaudeSessionPayload | undefined> {
  if (!SESSION_ID.test(sessionId)) return undefined;
  const projects = join(configDir, "projects");
  // every folder on the way must be a real one, not a link the model made
  for (const d of [configDir, projects]) if (!(await lstat(d).catch(() => undefined))?.isDirectory()) return undefined;
  const dirs = await readdir(projects).catch(() => [] as string[]);
  let best: string | undefined;
  for (const d of dirs) {
    const text = await readPlainFile(join(projects, d), `${sessionId}.jsonl`);
    // restored copies under a second spelling are older: keep the longest
    if (text !== undefined && (best === undefined || text.length > best.length)) best = text;
  }
  return best === undefined ? undefined : { sessionId, jsonl: best };
}

/**
 * The model owned the config dir: a "transcript" may be a symlink to /proc/<runner>/environ
 * or sit in a symlinked folder. Only a regular file in a real directory is read, and the
 * final component is opened without following links.
 */
async function readPlainFile(dir: string, name: string): Promise<string | undefined> {
  const d = await lstat(dir).catch(() => undefined);
  if (!d?.isDirectory()) return undefined;
  const fh = await open(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
  if (!fh) return undefined;
  try {
    if (!(await fh.stat()).isFile()) return undefined;
    return await fh.readFile("utf8");
  } finally {
    await fh.close();
  }
}
