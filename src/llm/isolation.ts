// Keeping the model away from the runner's secrets. The runner holds the forge token, the CI
// token and the LLM key in its environment; any process of the same uid can read them from
// /proc/<pid>/environ (and its memory), and neither an environment allowlist nor scrubbing
// process.env changes that: the kernel keeps the environ the process was started with. So
// every LLM process, and every command it or its tools start, runs where that is impossible:
//
//   * runner is root (the plugin image, CI, the tests): as an unprivileged *model user* that
//     owns only the working tree while the model runs (chowned to it before, back after), with
//     its own HOME and TMPDIR, its processes killed when the run ends. Its uid differs from the
//     runner's, so /proc/<runner>/environ and /proc/<runner>/mem are closed to it.
//   * runner is not root (a laptop `disinto run`): inside bubblewrap when `bwrap` works — a
//     new PID namespace (the runner's /proc entries do not exist there) and a read-only view of
//     the file system except the tree and its own HOME.
//   * neither: the model runs as the runner and is NOT isolated; that is said once per run.
//
// The model user: DISINTO_MODEL_USER (a name from /etc/passwd or a numeric uid[:gid]), else
// `disinto-model` when /etc/passwd has it (the plugin image creates it), else `nobody` (65534).
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, lchown, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { inside } from "./tools/paths.ts";
import type { ProgressSink } from "./types.ts";

export interface ModelUser {
  name: string;
  uid: number;
  gid: number;
}

export type Isolation = { kind: "user"; user: ModelUser } | { kind: "bwrap"; binary: string } | { kind: "none"; why: string };

/** The variable every process of one sandboxed run carries, so the run's end can find them. */
export const RUN_MARKER = "LLM_SANDBOX_RUN";
const MODEL_USER_VAR = "DISINTO_MODEL_USER";
const DEFAULT_MODEL_USER = "disinto-model";
const NOBODY: ModelUser = { name: "nobody", uid: 65534, gid: 65534 };

function passwdEntry(name: string, passwd: string): ModelUser | undefined {
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    if (f[0] === name && f.length >= 4) {
      const uid = Number(f[2]);
      const gid = Number(f[3]);
      if (Number.isInteger(uid) && Number.isInteger(gid)) return { name, uid, gid };
    }
  }
  return undefined;
}

/** Which user the model runs as when the runner is root. Throws naming the value when it is unusable. */
export function resolveModelUser(env: Readonly<Record<string, string | undefined>> = process.env, passwd?: string): ModelUser {
  const text = passwd ?? (() => {
    try {
      return readFileSync("/etc/passwd", "utf8");
    } catch {
      return "";
    }
  })();
  const asked = env[MODEL_USER_VAR]?.trim();
  if (asked) {
    const num = /^(\d+)(?::(\d+))?$/.exec(asked);
    const u = num ? { name: asked, uid: Number(num[1]), gid: Number(num[2] ?? num[1]) } : passwdEntry(asked, text);
    if (!u) throw new Error(`${MODEL_USER_VAR}=${JSON.stringify(asked)}: no such user in /etc/passwd (expected a user name or uid[:gid])`);
    if (u.uid === 0) throw new Error(`${MODEL_USER_VAR}=${JSON.stringify(asked)}: the model user must not be root`);
    return u;
  }
  return passwdEntry(DEFAULT_MODEL_USER, text) ?? passwdEntry("nobody", text) ?? NOBODY;
}

let bwrapWorks: string | undefined | false;

/** `bwrap` on PATH and able to make a PID namespace here (containers often forbid it). */
export function probeBwrap(binary = "bwrap"): string | undefined {
  if (bwrapWorks !== undefined) return bwrapWorks === false ? undefined : bwrapWorks;
  const r = spawnSync(binary, ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "--die-with-parent", "--", "true"], { stdio: "ignore", timeout: 10_000 });
  bwrapWorks = r.status === 0 ? binary : false;
  return bwrapWorks === false ? undefined : bwrapWorks;
}

let cached: Isolation | undefined;

/** What this process can do, decided once: a model user when root, else bwrap, else nothing. */
export function defaultIsolation(): Isolation {
  if (cached) return cached;
  if (process.getuid?.() === 0) cached = { kind: "user", user: resolveModelUser() };
  else {
    const b = probeBwrap();
    cached = b ? { kind: "bwrap", binary: b } : { kind: "none", why: "the runner is not root and bubblewrap (bwrap) is not installed or cannot create a PID namespace here" };
  }
  return cached;
}

let warned = false;

export interface SandboxOptions {
  /** The working tree. */
  tree: string;
  /** The model may change the tree (edit policy): it gets to own it. */
  write: boolean;
  log: ProgressSink;
  /** Who runs confined, for the warning when nothing can confine it (default: the model). */
  subject?: string;
}

export interface SandboxedCommand {
  file: string;
  args: string[];
  /** For child_process / execa options. */
  uid?: number;
  gid?: number;
}

/** One model run's confinement. Always `release()` it, also after a failure. */
export interface ModelSandbox {
  readonly isolation: Isolation;
  /** A HOME the model may write (its own, removed by release); the parent's HOME when not isolated. */
  readonly home: string | undefined;
  /** Owner for files the runner creates in the tree on the model's behalf (user mode only). */
  readonly owner: { uid: number; gid: number } | undefined;
  /** The model's environment: `base` plus its HOME, TMPDIR and the run marker. */
  env(base: Record<string, string>): Record<string, string>;
  /** How to start `file args` confined. */
  command(file: string, args: readonly string[], cwd: string): SandboxedCommand;
  /** Kill every process of this run still alive (after a command: nothing outlives it). */
  sweep(): Promise<void>;
  /** Let the model write `dir` too (e.g. the CLI's config dir). Call before starting it. */
  grant(dir: string): Promise<void>;
  /** Kill what the model left running, take the tree back, remove its HOME. */
  release(): Promise<void>;
}

export async function enterSandbox(iso: Isolation, opts: SandboxOptions): Promise<ModelSandbox> {
  const tree = resolve(opts.tree);
  switch (iso.kind) {
    case "none":
      if (!warned) {
        warned = true;
        opts.log.warn(`WARNING: ${opts.subject ?? "the model"} is NOT isolated from this process's secrets (${iso.why}): it runs as ${process.getuid?.() ?? "?"} and can read this process's environment, forge and CI tokens included. Run as root in a container (the plugin image) or install bubblewrap.`);
      }
      return {
        isolation: iso,
        home: undefined,
        owner: undefined,
        env: (base) => ({ ...base }),
        command: (file, args) => ({ file, args: [...args] }),
        sweep: () => Promise.resolve(),
        grant: () => Promise.resolve(),
        release: () => Promise.resolve(),
      };
    case "bwrap":
      return bwrapSandbox(iso, tree, opts);
    case "user":
      return userSandbox(iso, tree, opts);
  }
}

async function modelHome(): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), "disinto-model-home-"));
  await mkdir(join(home, "tmp"));
  // The model's own git reads trees it does not own (the review checkout, or the tree while
  // the runner owns it): that is its business, with its own privileges.
  await writeFile(join(home, ".gitconfig"), "[safe]\n\tdirectory = *\n");
  return home;
}

function baseEnv(home: string, marker: string, base: Record<string, string>): Record<string, string> {
  return { ...base, HOME: home, TMPDIR: join(home, "tmp"), [RUN_MARKER]: marker };
}

async function bwrapSandbox(iso: Extract<Isolation, { kind: "bwrap" }>, tree: string, opts: SandboxOptions): Promise<ModelSandbox> {
  const home = await modelHome();
  const marker = randomUUID();
  const writable = [home, ...(opts.write ? [tree] : [])];
  return {
    isolation: iso,
    home,
    owner: undefined,
    env: (base) => baseEnv(home, marker, base),
    command(file, args, cwd) {
      // A new PID namespace hides the runner's /proc entries; / is read-only except what the
      // model is given. The namespace's init dies with the runner and takes everything with it.
      const a = ["--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"];
      for (const d of writable) a.push("--bind", d, d);
      a.push("--chdir", cwd, "--", file, ...args);
      return { file: iso.binary, args: a };
    },
    // each command's PID namespace dies with it
    sweep: () => Promise.resolve(),
    grant(dir) {
      writable.push(resolve(dir));
      return Promise.resolve();
    },
    async release() {
      await rm(home, { recursive: true, force: true });
    },
  };
}

// ── root: a model user ────────────────────────────────────────────────────────────────────

/** Directories we gave a search bit to, with how many live sandboxes need it. */
const opened = new Map<string, { mode: number; users: number }>();

/**
 * The model must reach the tree through its ancestors (temporary directories are 0700):
 * give each one search permission for others — never read, so nothing is listed — and take
 * it back when the last sandbox that needed it ends.
 */
async function openAncestors(path: string): Promise<string[]> {
  const touched: string[] = [];
  for (let d = dirname(path); ; d = dirname(d)) {
    const st = await stat(d);
    const o = opened.get(d);
    if (o) {
      o.users++;
      touched.push(d);
    } else if ((st.mode & 0o001) === 0) {
      await chmod(d, (st.mode & 0o7777) | 0o001);
      opened.set(d, { mode: st.mode & 0o7777, users: 1 });
      touched.push(d);
    }
    if (dirname(d) === d) break;
  }
  return touched;
}

async function closeAncestors(dirs: string[]): Promise<void> {
  for (const d of dirs) {
    const o = opened.get(d);
    if (!o) continue;
    if (--o.users > 0) continue;
    opened.delete(d);
    await chmod(d, o.mode).catch(() => undefined);
  }
}

/**
 * Children first, the directory last: while we work below it the directory is still the
 * runner's, so nothing the model (or a process it left behind) does can swap an entry for a
 * symlink under us. Files with other hard links stay the runner's: one may be a file outside
 * the tree. Symlinks are changed, never followed.
 */
export async function giveTree(dir: string, uid: number, gid: number): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const st = await lstat(p);
    if (st.isDirectory()) await giveTree(p, uid, gid);
    else if (st.isFile() && st.nlink > 1) continue;
    else await lchown(p, uid, gid);
  }
  await lchown(dir, uid, gid);
}

/**
 * The directory first: once it is the runner's and nobody else may write it, its entries
 * stay put while we go through them. Group/other write bits the model may have set go too.
 */
async function takeTree(dir: string, uid: number, gid: number): Promise<void> {
  await lchown(dir, uid, gid);
  const st = await lstat(dir);
  if (!st.isDirectory()) return;
  if ((st.mode & 0o022) !== 0) await chmod(dir, st.mode & 0o7755);
  for (const e of await readdir(dir)) {
    const p = join(dir, e);
    const s = await lstat(p);
    if (s.isDirectory()) await takeTree(p, uid, gid);
    else await lchown(p, uid, gid);
  }
}

/**
 * Kill every process of the model user that belongs to this run: it carries the run's marker
 * or works inside the tree. (A process group kill misses what called setsid; killing every
 * process of the uid would hit other runs sharing `nobody`.) Repeated until none is left, so
 * a process forking in a loop cannot outrun it.
 */
async function killModelProcesses(uid: number, marker: string, roots: readonly string[]): Promise<number> {
  let total = 0;
  for (let round = 0; round < 10; round++) {
    let killed = 0;
    const pids = (await readdir("/proc").catch(() => [] as string[])).filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
    for (const pid of pids) {
      const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
      const m = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
      if (!m || (Number(m[1]) !== uid && Number(m[2]) !== uid)) continue;
      const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
      let ours = environ.split("\0").includes(`${RUN_MARKER}=${marker}`);
      if (!ours) {
        const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
        ours = cwd !== undefined && roots.some((r) => inside(r, cwd));
      }
      if (!ours) continue;
      try {
        process.kill(Number(pid), "SIGKILL");
        killed++;
      } catch {
        // gone already
      }
    }
    total += killed;
    if (killed === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return total;
}

async function userSandbox(iso: Extract<Isolation, { kind: "user" }>, tree: string, opts: SandboxOptions): Promise<ModelSandbox> {
  const { uid, gid } = iso.user;
  const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  const marker = randomUUID();
  const home = await modelHome();
  const granted: string[] = [];
  const ancestors: string[] = [];
  let released = false;
  try {
    await giveTree(home, uid, gid);
    await chmod(home, 0o700);
    ancestors.push(...(await openAncestors(home)), ...(await openAncestors(tree)));
    if (opts.write) await giveTree(tree, uid, gid);
  } catch (err) {
    await closeAncestors(ancestors);
    await rm(home, { recursive: true, force: true });
    throw new Error(`cannot hand the working tree ${tree} to the model user ${iso.user.name} (${uid}): ${(err as Error).message}`, { cause: err });
  }
  return {
    isolation: iso,
    home,
    owner: { uid, gid },
    env: (base) => baseEnv(home, marker, base),
    command: (file, args) => ({ file, args: [...args], uid, gid }),
    async sweep() {
      await killModelProcesses(uid, marker, [tree, home, ...granted]);
    },
    async grant(dir) {
      const d = resolve(dir);
      await giveTree(d, uid, gid);
      ancestors.push(...(await openAncestors(d)));
      granted.push(d);
    },
    async release() {
      if (released) return;
      released = true;
      await killModelProcesses(uid, marker, [tree, home, ...granted]);
      if (opts.write) await takeTree(tree, me.uid, me.gid);
      for (const d of granted) await takeTree(d, me.uid, me.gid).catch(() => undefined);
      await closeAncestors(ancestors);
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** For tests: forget the cached decision and the once-per-run warning. */
export function resetIsolationForTests(): void {
  cached = undefined;
  warned = false;
  bwrapWorks = undefined;
}
