// Git plumbing on the bare repositories. Every API write (contents, merges, branch updates)
// builds objects with plumbing and moves the ref with `update-ref <ref> <new> <old>`, so a
// concurrent push and an API write can never silently overwrite each other.
import { spawn } from "node:child_process";
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ZERO_SHA = "0000000000000000000000000000000000000000";

export class GitError extends Error {
  readonly code: number;
  readonly stderr: string;
  constructor(args: string[], code: number, stderr: string) {
    super(`git ${args.join(" ")} exited ${code}: ${stderr.trim()}`);
    this.name = "GitError";
    this.code = code;
    this.stderr = stderr;
  }
}

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** The user's and the system's git config must not change how the sandbox behaves. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of ["PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT"]) if (process.env[k] !== undefined) env[k] = process.env[k];
  return { ...env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0", HOME: tmpdir(), ...extra };
}

export function runGit(gitDir: string, args: string[], opts: { input?: Buffer | string; env?: Record<string, string>; okCodes?: number[] } = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd: gitDir, env: gitEnv({ GIT_DIR: gitDir, ...opts.env }), stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.stdin.on("error", () => undefined); // git may exit before reading all input
    child.on("close", (code) => {
      const res = { code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") };
      if (res.code !== 0 && !(opts.okCodes ?? []).includes(res.code)) reject(new GitError(args, res.code, res.stderr));
      else resolve(res);
    });
    child.stdin.end(opts.input ?? "");
  });
}

async function text(gitDir: string, args: string[], opts: Parameters<typeof runGit>[2] = {}): Promise<string> {
  return (await runGit(gitDir, args, opts)).stdout.toString("utf8").trim();
}

export interface Person {
  name: string;
  email: string;
  /** RFC 3339; now when absent. */
  date?: string;
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: Required<Person>;
  committer: Required<Person>;
  message: string;
}

export interface ChangedFile {
  filename: string;
  previous?: string;
  status: string;
  additions: number;
  deletions: number;
}

export interface TreeEntry {
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  size: number;
  path: string;
}

// Answers that depend only on object ids never change: reading a file through the contents API
// costs four git processes, and agents read the same config and state files tick after tick.
// Kept per repository directory (an object id means nothing in another repository), bounded.
const OBJECT_ID = /^[0-9a-f]{40}$/;
const MEMO_MAX = 4000;
const BLOB_MEMO_MAX_BYTES = 256 * 1024;
const memo = new Map<string, Promise<unknown>>();
/** Names read as files under refs/: plain segments only, nothing git would refuse or resolve specially. */
const REF_NAME = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

function remember<T>(key: string, compute: () => Promise<T>, keep: (v: T) => boolean = () => true): Promise<T> {
  const hit = memo.get(key) as Promise<T> | undefined;
  if (hit !== undefined) return hit;
  const p = compute();
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(key, p);
  p.then(
    (v) => {
      if (!keep(v)) memo.delete(key);
    },
    () => memo.delete(key),
  );
  return p;
}

export class Repo {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  git(args: string[], opts?: Parameters<typeof runGit>[2]): Promise<GitResult> {
    return runGit(this.dir, args, opts);
  }

  static async init(dir: string, defaultBranch: string, preReceiveHook: string): Promise<Repo> {
    await mkdir(dir, { recursive: true });
    await runGit(dir, ["init", "--bare", "--quiet", `--initial-branch=${defaultBranch}`]);
    const repo = new Repo(dir);
    await repo.git(["config", "http.receivepack", "true"]);
    // Objects are never repacked by a server that lives for a test run; skip the work.
    await repo.git(["config", "gc.auto", "0"]);
    const hook = join(dir, "hooks", "pre-receive");
    await writeFile(hook, preReceiveHook);
    await chmod(hook, 0o755);
    return repo;
  }

  /** Commit sha of a branch, tag or sha; undefined when it names no commit. */
  async resolve(ref: string): Promise<string | undefined> {
    if (ref === "" || ref.startsWith("-")) return undefined;
    const loose = await this.looseBranch(ref);
    if (loose !== undefined) return loose;
    const r = await this.git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`], { okCodes: [1, 128] });
    return r.code === 0 ? r.stdout.toString("utf8").trim() : undefined;
  }

  /**
   * A plain branch name read straight from its loose ref file, without starting git (the
   * contents API resolves a ref on every read). Only when git's own lookup order could not
   * find anything else first — no file at `<name>`, `refs/<name>` or `refs/tags/<name>`, and
   * no packed-refs (this server never packs) — otherwise undefined, and git decides.
   */
  private async looseBranch(ref: string): Promise<string | undefined> {
    if (!REF_NAME.test(ref) || ref.split("/").some((p) => p.startsWith(".") || p.endsWith(".lock")) || /^[A-Z_]*HEAD$/.test(ref)) return undefined;
    const exists = (p: string): Promise<boolean> => access(join(this.dir, p)).then(
      () => true,
      () => false,
    );
    const shadows = await Promise.all([exists(ref), exists(`refs/${ref}`), exists(`refs/tags/${ref}`), exists("packed-refs")]);
    if (shadows.some(Boolean)) return undefined;
    const sha = (await readFile(join(this.dir, "refs", "heads", ref), "utf8").catch(() => "")).trim();
    return OBJECT_ID.test(sha) ? sha : undefined;
  }

  async branchSha(branch: string): Promise<string | undefined> {
    // A loose ref file wins over packed-refs in git too: when it is there, it is the answer.
    if (REF_NAME.test(branch) && !branch.split("/").some((p) => p.startsWith(".") || p.endsWith(".lock"))) {
      const sha = (await readFile(join(this.dir, "refs", "heads", branch), "utf8").catch(() => "")).trim();
      if (OBJECT_ID.test(sha)) return sha;
    }
    const r = await this.git(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`], { okCodes: [1, 128] });
    return r.code === 0 ? r.stdout.toString("utf8").trim() : undefined;
  }

  /** Whether the repository has any branch (an empty repository has none). */
  async hasBranches(): Promise<boolean> {
    const loose = await readdir(join(this.dir, "refs", "heads"), { recursive: true, withFileTypes: true }).catch(() => []);
    if (loose.some((e) => e.isFile())) return true;
    return (await this.branches()).length > 0; // packed refs, or none at all: git says
  }

  async branches(): Promise<{ name: string; sha: string }[]> {
    const out = await text(this.dir, ["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/"]);
    if (!out) return [];
    return out.split("\n").map((l) => {
      const sp = l.indexOf(" ");
      return { sha: l.slice(0, sp), name: l.slice(sp + 1).replace(/^refs\/heads\//, "") };
    });
  }

  async refs(): Promise<Map<string, string>> {
    const out = await text(this.dir, ["for-each-ref", "--format=%(objectname) %(refname)"]);
    const m = new Map<string, string>();
    for (const l of out ? out.split("\n") : []) {
      const sp = l.indexOf(" ");
      m.set(l.slice(sp + 1), l.slice(0, sp));
    }
    return m;
  }

  commit(sha: string): Promise<CommitInfo> {
    return OBJECT_ID.test(sha) ? remember(`${this.dir}\0commit\0${sha}`, () => this.readCommit(sha)) : this.readCommit(sha);
  }

  private async readCommit(sha: string): Promise<CommitInfo> {
    const raw = await text(this.dir, ["log", "-1", "--format=%H%x00%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B", sha, "--"]);
    const [h = "", t = "", p = "", an = "", ae = "", ad = "", cn = "", ce = "", cd = "", ...msg] = raw.split("\0");
    return { sha: h, tree: t, parents: p ? p.split(" ") : [], author: { name: an, email: ae, date: ad }, committer: { name: cn, email: ce, date: cd }, message: msg.join("\0") };
  }

  /** The entry at `path` in a commit, or undefined. Path "" is the root tree. */
  entry(commit: string, path: string): Promise<TreeEntry | undefined> {
    return OBJECT_ID.test(commit) ? remember(`${this.dir}\0entry\0${commit}\0${path}`, () => this.readEntry(commit, path)) : this.readEntry(commit, path);
  }

  private async readEntry(commit: string, path: string): Promise<TreeEntry | undefined> {
    if (path === "") {
      const tree = await text(this.dir, ["rev-parse", `${commit}^{tree}`]);
      return { mode: "040000", type: "tree", sha: tree, size: 0, path: "" };
    }
    const out = await text(this.dir, ["ls-tree", "-l", "-z", commit, "--", path]);
    const e = parseLsTree(out.replace(/\0$/, ""))[0];
    return e && e.path === path ? e : undefined;
  }

  async listTree(commit: string, dir: string): Promise<TreeEntry[]> {
    const target = dir === "" ? commit : `${commit}:${dir}`;
    const out = await text(this.dir, ["ls-tree", "-l", "-z", target]);
    return parseLsTree(out.replace(/\0$/, "")).map((e) => ({ ...e, path: dir === "" ? e.path : `${dir}/${e.path}` }));
  }

  blob(sha: string): Promise<Buffer> {
    const read = async (): Promise<Buffer> => (await this.git(["cat-file", "blob", sha])).stdout;
    return OBJECT_ID.test(sha) ? remember(`${this.dir}\0blob\0${sha}`, read, (b) => b.length <= BLOB_MEMO_MAX_BYTES) : read();
  }

  async writeBlob(content: Buffer): Promise<string> {
    return text(this.dir, ["hash-object", "-w", "--stdin"], { input: content });
  }

  /**
   * A tree equal to `base`'s (or empty) with the given paths set to blobs or removed,
   * built in a throwaway index so the bare repository never needs a worktree.
   */
  async treeWith(base: string | undefined, changes: { path: string; blob: string | null; fromPath?: string }[]): Promise<string> {
    const tmp = await mkdtemp(join(tmpdir(), "sandbox-index-"));
    const env = { GIT_INDEX_FILE: join(tmp, "index") };
    try {
      if (base) await this.git(["read-tree", base], { env });
      // --index-info works without a worktree; mode 0 removes an entry.
      const records: string[] = [];
      for (const c of changes) {
        if (c.fromPath) records.push(`0 ${ZERO_SHA}\t${c.fromPath}`);
        records.push(c.blob === null ? `0 ${ZERO_SHA}\t${c.path}` : `100644 ${c.blob}\t${c.path}`);
      }
      await this.git(["update-index", "-z", "--index-info"], { env, input: records.map((r) => `${r}\0`).join("") });
      return await text(this.dir, ["write-tree"], { env });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  async commitTree(tree: string, parents: string[], message: string, author: Person, committer: Person): Promise<string> {
    const now = new Date().toISOString();
    const env = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_AUTHOR_DATE: author.date ?? now,
      GIT_COMMITTER_NAME: committer.name,
      GIT_COMMITTER_EMAIL: committer.email,
      GIT_COMMITTER_DATE: committer.date ?? now,
    };
    const args = ["commit-tree", tree];
    for (const p of parents) args.push("-p", p);
    return text(this.dir, args, { input: message.endsWith("\n") ? message : `${message}\n`, env });
  }

  /** Compare-and-swap a ref. `old` = ZERO_SHA requires the ref not to exist. False if it moved. */
  async updateRef(ref: string, next: string, old: string): Promise<boolean> {
    const r = await this.git(["update-ref", ref, next, old], { okCodes: [1, 128] });
    return r.code === 0;
  }

  async deleteRef(ref: string, old: string): Promise<boolean> {
    const r = await this.git(["update-ref", "-d", ref, old], { okCodes: [1, 128] });
    return r.code === 0;
  }

  mergeBase(a: string, b: string): Promise<string | undefined> {
    const read = async (): Promise<string | undefined> => {
      const r = await this.git(["merge-base", a, b], { okCodes: [1] });
      return r.code === 0 ? r.stdout.toString("utf8").trim() : undefined;
    };
    return OBJECT_ID.test(a) && OBJECT_ID.test(b) ? remember(`${this.dir}\0merge-base\0${a}\0${b}`, read) : read();
  }

  async isAncestor(a: string, b: string): Promise<boolean> {
    const r = await this.git(["merge-base", "--is-ancestor", a, b], { okCodes: [1] });
    return r.code === 0;
  }

  /** Three-way merge without a worktree: the merged tree, or undefined on conflicts. */
  async mergeTree(ours: string, theirs: string): Promise<string | undefined> {
    const r = await this.git(["merge-tree", "--write-tree", "--no-messages", "--allow-unrelated-histories", ours, theirs], { okCodes: [1] });
    if (r.code !== 0) return undefined;
    return r.stdout.toString("utf8").split("\n")[0]?.trim();
  }

  async diff(from: string, to: string): Promise<string> {
    return (await this.git(["diff", "--full-index", "--binary", "-M", from, to])).stdout.toString("utf8");
  }

  async formatPatch(from: string, to: string): Promise<string> {
    return (await this.git(["format-patch", "--stdout", "--binary", `${from}..${to}`])).stdout.toString("utf8");
  }

  changedFiles(from: string, to: string): Promise<ChangedFile[]> {
    const read = (): Promise<ChangedFile[]> => this.readChangedFiles(from, to);
    return OBJECT_ID.test(from) && OBJECT_ID.test(to) ? remember(`${this.dir}\0changed\0${from}\0${to}`, read) : read();
  }

  private async readChangedFiles(from: string, to: string): Promise<ChangedFile[]> {
    const ns = (await this.git(["diff", "--name-status", "-z", "-M", from, to])).stdout.toString("utf8").split("\0");
    const nums = (await this.git(["diff", "--numstat", "-z", "-M", from, to])).stdout.toString("utf8").split("\0");
    const stats: { add: number; del: number }[] = [];
    for (let i = 0; i < nums.length; i++) {
      const line = nums[i] as string;
      if (!line) continue;
      const [a = "0", d = "0", p = ""] = line.split("\t");
      stats.push({ add: a === "-" ? 0 : Number(a), del: d === "-" ? 0 : Number(d) });
      if (p === "") i += 2; // rename: two NUL-separated paths follow
    }
    const files: ChangedFile[] = [];
    const names: Record<string, string> = { A: "added", M: "changed", D: "deleted", R: "renamed", C: "copied", T: "changed" };
    for (let i = 0; i < ns.length; ) {
      const st = ns[i++];
      if (!st) break;
      const code = st[0] as string;
      const s = stats[files.length] ?? { add: 0, del: 0 };
      if (code === "R" || code === "C") {
        const prev = ns[i++] ?? "";
        const name = ns[i++] ?? "";
        files.push({ filename: name, previous: prev, status: names[code] ?? "changed", additions: s.add, deletions: s.del });
      } else {
        files.push({ filename: ns[i++] ?? "", status: names[code] ?? "changed", additions: s.add, deletions: s.del });
      }
    }
    return files;
  }

  async commitsBetween(from: string, to: string): Promise<string[]> {
    const out = await text(this.dir, ["rev-list", "--reverse", `${from}..${to}`]);
    return out ? out.split("\n") : [];
  }

  /** Last commit on `ref` that touched `path`. */
  lastCommitFor(ref: string, path: string): Promise<{ sha: string; when: string } | undefined> {
    return OBJECT_ID.test(ref) ? remember(`${this.dir}\0last\0${ref}\0${path}`, () => this.readLastCommitFor(ref, path)) : this.readLastCommitFor(ref, path);
  }

  private async readLastCommitFor(ref: string, path: string): Promise<{ sha: string; when: string } | undefined> {
    const out = await text(this.dir, ["log", "-1", "--format=%H %cI", ref, "--", ...(path ? [path] : [])]);
    if (!out) return undefined;
    const [sha = "", when = ""] = out.split(" ");
    return { sha, when };
  }
}

function parseLsTree(out: string): TreeEntry[] {
  if (!out) return [];
  return out.split("\0").filter(Boolean).map((line) => {
    const tab = line.indexOf("\t");
    const [mode = "", type = "", sha = "", size = "-"] = line.slice(0, tab).split(/\s+/);
    return { mode, type: type as TreeEntry["type"], sha, size: size === "-" ? 0 : Number(size), path: line.slice(tab + 1) };
  });
}
