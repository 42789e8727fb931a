// A working tree the runner drives: clone, branch, commit, push. The agent's secret reaches
// exactly one place — the environment of a git child that talks to the remote, read there by
// an inline credential helper — never argv, the remote URL, `.git/config`, a file or a log.
// The remote URL is pinned when the repository is cloned or opened and passed explicitly to
// fetch, push and ls-remote, so a `remote.origin.url` rewritten inside the tree cannot point
// the agent's credentials at another repository.
//
// The model owns the working tree while it runs (llm/isolation.ts). Whatever it can write, the
// runner's git must not obey: a hook, `core.fsmonitor`, a filter or diff driver, an
// `include.path`, a `credential.helper` (which would even receive the password) in
// `.git/config` would run with the runner's privileges and environment at the next commit or
// push. `-c` overrides (env.ts) cover the keys we know of; the structural answer is that a
// clone keeps its git directory OUTSIDE the tree (`clone --separate-git-dir`), in a
// runner-owned directory the model may read (its own `git log` works) but never write, and
// every command names it with `--git-dir`/`--work-tree`, so a `.git` file or folder the model
// writes into the tree is never consulted. `safe.directory` is set for exactly that tree: a
// root runner's git would otherwise refuse the model-owned tree as "dubious ownership".
import { chmod, mkdtemp, mkdir, readdir, rm, realpath } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { Redactor } from "../lib/redact.ts";
import { baseConfig, credentialConfig, gitEnv, SECRET_VAR, USERNAME_VAR } from "./env.ts";
import { BranchNotFoundError, GitAuthError, GitError, PushRejectedError, type GitErrorDetails, type PushRejection } from "./errors.ts";
import { LOG_FORMAT, parseLog, parseLsRemote, parseNamesZ, parsePushPorcelain, parseStatusZ } from "./porcelain.ts";
import { spawnGit } from "./process.ts";
import type { CloneOptions, GitAuth, GitCommonOptions, GitIdentity, OpenOptions, RunResult } from "./types.ts";
import { parseRemoteUrl, type RemoteUrl } from "./url.ts";

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_FETCH_REFSPEC = "+refs/heads/*:refs/remotes/origin/*";
const STDERR_TAIL_LINES = 20;
const STDERR_TAIL_CHARS = 2000;

// How git says the forge refused the credentials (or that it had none to offer).
const AUTH_FAILURE = /Authentication failed|could not read (?:Username|Password)|terminal prompts disabled|returned error: 40[13]|Access denied|Invalid username or password/i;
const BRANCH_NOT_FOUND = /Remote branch (.+?) not found in upstream/;
const NON_FAST_FORWARD = /non-fast-forward|fetch first|stale info|already exists/i;
// Failures of the network or the server, worth another attempt; an auth failure or a rejected
// push never is (AUTH_FAILURE and the porcelain status are checked first).
const TRANSIENT = /returned error: 5\d\d|HTTP 5\d\d|\b50[0-4]\b|Connection reset|Connection refused|Connection timed out|Operation timed out|timed out|Could not resolve host|Failed to connect|early EOF|RPC failed|unexpected disconnect|remote end hung up|transfer closed|Empty reply from server|SSL_read|GnuTLS recv error|index-pack failed|invalid index-pack output|the remote hung up/i;
const DEFAULT_RETRY = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8000 };

interface ExecOptions {
  cwd?: string;
  /** Runs outside the repository (clone, ls-remote of an empty remote): no --git-dir. */
  noRepo?: boolean;
  /** Talks to the remote: add the credential helper and the secret to this child only. */
  network?: boolean;
  input?: string;
  allowFail?: boolean;
}

/** What error classification needs from a finished (or killed) git child. */
interface Outcome {
  code: number | undefined;
  stderr: string;
  timedOut?: boolean;
  spawnError?: string;
}

interface GitInit {
  dir: string;
  /** The git directory, passed to every command; undefined until open() has asked git once. */
  gitDir: string | undefined;
  /** A directory this object made for the git dir (removed by dispose). */
  ownedGitRoot?: string;
  home: string;
  remote: RemoteUrl | undefined;
  opts: GitCommonOptions;
}

export class Git {
  /** Absolute path of the working tree. */
  readonly dir: string;
  /** The private, empty HOME every git child of this repository gets (removed by dispose). */
  readonly home: string;
  /** The pinned remote URL (clean, no credentials); undefined for a repository without origin. */
  readonly url: string | undefined;
  /** The git directory every command uses (outside the tree for a clone). */
  gitDir: string | undefined;
  private readonly ownedGitRoot: string | undefined;
  private readonly dryRun: boolean;
  private readonly retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  private readonly remote: RemoteUrl | undefined;
  private readonly auth: GitAuth | undefined;
  private readonly identity: GitIdentity;
  private readonly redactor: Redactor;
  private readonly timeoutMs: number;
  private readonly logLine: ((line: string) => void) | undefined;
  private readonly binary: string;

  private constructor(init: GitInit) {
    this.dir = init.dir;
    this.gitDir = init.gitDir;
    this.ownedGitRoot = init.ownedGitRoot;
    this.dryRun = init.opts.dryRun ?? false;
    this.retry = { ...DEFAULT_RETRY, ...init.opts.retry };
    this.home = init.home;
    this.remote = init.remote;
    this.url = init.remote?.href;
    this.auth = init.opts.auth;
    this.identity = init.opts.identity;
    this.redactor = init.opts.redactor ?? new Redactor();
    this.timeoutMs = init.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.logLine = init.opts.log;
    this.binary = init.opts.gitBinary ?? "git";
    if (this.auth) this.redactor.add(this.auth.secret);
  }

  /** A fresh clone into `dir`, which must not exist or be empty. */
  static async clone(opts: CloneOptions): Promise<Git> {
    checkCommon(opts);
    const remote = parseRemoteUrl(opts.url);
    if (opts.depth !== undefined && (!Number.isInteger(opts.depth) || opts.depth < 1)) {
      throw new GitError(`git clone: depth must be a positive integer, got ${opts.depth}`, detailsOf("clone"));
    }
    if (opts.branch !== undefined) checkRef(opts.branch, "branch", "clone");
    const dir = resolve(opts.dir);
    await assertEmptyDir(dir);
    await mkdir(dirname(dir), { recursive: true });
    const home = await makeHome();
    // Readable, not writable, by the model user: see the top of this file. Beside the tree, in
    // the caller's (runner-owned) directory, so it goes wherever the tree's directory goes.
    const gitRoot = await mkdtemp(join(dirname(dir), `.${basename(dir)}-git-`));
    await chmod(gitRoot, 0o755);
    const gitDir = join(gitRoot, "git");
    const git = new Git({ dir, gitDir, ownedGitRoot: gitRoot, home, remote, opts });
    try {
      const initBranch = ["-c", `init.defaultBranch=${opts.branch ?? "main"}`];
      const cloneArgs = (branch: string | undefined): string[] => {
        const args = [...initBranch, "clone", "--quiet", `--separate-git-dir=${gitDir}`];
        if (branch !== undefined) args.push("--branch", branch);
        if (opts.depth !== undefined) args.push("--depth", String(opts.depth));
        args.push("--", remote.href, dir);
        return args;
      };
      // A failed attempt may leave a half-made tree or git dir behind: start each one clean.
      const attempt = async (branch: string | undefined): Promise<RunResult> =>
        git.withRetry("clone", async () => {
          await rm(dir, { recursive: true, force: true });
          await rm(gitDir, { recursive: true, force: true });
          return git.exec(cloneArgs(branch), { cwd: dirname(dir), network: true, allowFail: true, noRepo: true });
        });
      let res = await attempt(opts.branch);
      if (res.code !== 0 && opts.branch !== undefined && BRANCH_NOT_FOUND.test(res.stderr)) {
        // Only an empty repository lacks every branch: there the caller's branch is the first.
        if (!(await git.remoteIsEmpty())) throw new BranchNotFoundError(opts.branch, git.details("clone", res));
        res = await attempt(undefined);
      }
      if (res.code !== 0) throw git.failure("clone", res);
      // An empty remote advertises no HEAD: start the branch the caller asked for.
      if ((await git.revParse("HEAD")) === undefined) await git.exec(["symbolic-ref", "HEAD", `refs/heads/${opts.branch ?? "main"}`]);
      return git;
    } catch (err) {
      await git.dispose();
      throw err;
    }
  }

  /** An existing working tree (e.g. one cloned earlier in the same run). */
  static async open(dir: string, opts: OpenOptions): Promise<Git> {
    checkCommon(opts);
    const abs = resolve(dir);
    const home = await makeHome();
    // Discovery reads the tree's `.git` as it is now: open a tree the model has not had, and
    // the git dir found here is then pinned for every later command.
    const probe = new Git({ dir: abs, gitDir: undefined, home, remote: undefined, opts });
    try {
      const top = await probe.exec(["rev-parse", "--show-toplevel"], { allowFail: true });
      if (top.code !== 0 || (await realpath(top.stdout.trim())) !== (await realpath(abs))) {
        throw new GitError(`git open: ${abs} is not the top of a git working tree`, probe.details("rev-parse", top));
      }
      const gd = await probe.exec(["rev-parse", "--absolute-git-dir"]);
      probe.gitDir = gd.stdout.trim();
      let url = opts.url;
      if (url === undefined) {
        const cfg = await probe.exec(["config", "--local", "--get", "remote.origin.url"], { allowFail: true });
        if (cfg.code === 0 && cfg.stdout.trim() !== "") url = cfg.stdout.trim();
      }
      return new Git({ dir: abs, gitDir: probe.gitDir, home, remote: url === undefined ? undefined : parseRemoteUrl(url), opts });
    } catch (err) {
      await probe.dispose();
      throw err;
    }
  }

  /** Remove the private HOME and the git dir a clone made. The working tree stays. */
  async dispose(): Promise<void> {
    await rm(this.home, { recursive: true, force: true });
    if (this.ownedGitRoot !== undefined) await rm(this.ownedGitRoot, { recursive: true, force: true });
  }

  /** From origin; default: all branches into refs/remotes/origin/* (pruning gone ones). */
  async fetch(refspecs?: string[]): Promise<void> {
    const specs = refspecs && refspecs.length > 0 ? refspecs : [DEFAULT_FETCH_REFSPEC];
    for (const s of specs) checkRef(s, "refspec", "fetch");
    const prune = refspecs === undefined || refspecs.length === 0 ? ["--prune"] : [];
    const args = ["fetch", "--quiet", "--no-tags", ...prune, "--", this.remoteUrl("fetch"), ...specs];
    const res = await this.withRetry("fetch", () => this.exec(args, { network: true, allowFail: true }));
    if (res.code !== 0) throw this.failure("fetch", res);
  }

  async checkout(ref: string): Promise<void> {
    checkRef(ref, "ref", "checkout");
    await this.exec(["checkout", "--quiet", ref, "--"]);
  }

  /** Create `name` at `from` and switch to it; an existing local branch of that name is reset. */
  async checkoutNewBranch(name: string, from: string): Promise<void> {
    checkRef(name, "branch", "checkout");
    checkRef(from, "ref", "checkout");
    await this.exec(["checkout", "--quiet", "--no-track", "-B", name, from, "--"]);
  }

  /** The sha of HEAD; GitError when the branch has no commit yet. */
  async head(): Promise<string> {
    const sha = await this.revParse("HEAD");
    if (sha === undefined) throw new GitError("git rev-parse: HEAD has no commit yet (empty repository or unborn branch)", detailsOf("rev-parse"));
    return sha;
  }

  /** The commit `ref` names, or undefined. */
  async revParse(ref: string): Promise<string | undefined> {
    checkRef(ref, "ref", "rev-parse");
    const res = await this.exec(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { allowFail: true });
    return res.code === 0 ? res.stdout.trim() : undefined;
  }

  /** The sha of `branch` on the remote (ls-remote), or undefined when it does not exist. */
  async remoteBranchSha(branch: string): Promise<string | undefined> {
    checkRef(branch, "branch", "ls-remote");
    const ref = `refs/heads/${branch}`;
    const args = ["ls-remote", "--", this.remoteUrl("ls-remote"), ref];
    const res = await this.withRetry("ls-remote", () => this.exec(args, { network: true, allowFail: true }));
    if (res.code !== 0) throw this.failure("ls-remote", res);
    return parseLsRemote(res.stdout).get(ref);
  }

  /** Uncommitted changes, untracked files included; a rename yields both paths. */
  async changedPaths(): Promise<string[]> {
    const res = await this.exec(["status", "--porcelain=v1", "-z", "--untracked-files=all"]);
    return parseStatusZ(res.stdout);
  }

  /** Unified diff from `base` to `head`, or to the working tree (tracked files) without `head`. */
  async diff(base: string, head?: string): Promise<string> {
    const refs = this.refPair(base, head, "diff");
    return (await this.exec(["diff", "--no-color", "--no-ext-diff", "--no-textconv", ...refs, "--"])).stdout;
  }

  /**
   * Paths that differ between `base` and `head` (or the working tree). Renames are not
   * detected, so a moved file yields both its old and its new path.
   */
  async diffNames(base: string, head?: string): Promise<string[]> {
    const refs = this.refPair(base, head, "diff");
    return parseNamesZ((await this.exec(["diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", ...refs, "--"])).stdout);
  }

  /** undefined when the histories share no commit (or a shallow clone cannot tell). */
  async mergeBase(a: string, b: string): Promise<string | undefined> {
    const refs = this.refPair(a, b, "merge-base");
    const res = await this.exec(["merge-base", ...refs], { allowFail: true });
    if (res.code === 0) return res.stdout.trim();
    if (res.code === 1) return undefined;
    throw this.failure("merge-base", res);
  }

  /** Commits in `range` (e.g. "origin/main..HEAD"), newest first. */
  async log(range: string): Promise<{ sha: string; subject: string }[]> {
    checkRef(range, "range", "log");
    return parseLog((await this.exec(["log", "-z", LOG_FORMAT, range, "--"])).stdout);
  }

  /**
   * Stage everything — new, changed and deleted files — and commit as the identity, without
   * hooks or signing. Returns the new HEAD, or undefined when there was nothing to commit.
   */
  async commitAll(message: string): Promise<string | undefined> {
    if (message.trim() === "") throw new GitError("git commit: the commit message is empty", detailsOf("commit"));
    await this.exec(["add", "--all"]);
    const staged = await this.exec(["diff", "--cached", "--quiet", "--no-ext-diff"], { allowFail: true });
    if (staged.code === 0) return undefined;
    if (staged.code !== 1) throw this.failure("diff", staged);
    // `whitespace` keeps lines starting with '#' ("#12: …"), which the default cleanup drops.
    await this.exec(["commit", "--quiet", "--no-verify", "--no-gpg-sign", "--cleanup=whitespace", "--file=-"], { input: message });
    return this.head();
  }

  /** HEAD → origin/<branch>. PushRejectedError when the remote refuses the update. */
  async push(branch: string, opts: { force?: boolean } = {}): Promise<void> {
    checkRef(branch, "branch", "push");
    const head = await this.head();
    const target = `refs/heads/${branch}`;
    const url = this.remoteUrl("push");
    if (this.dryRun) {
      this.logLine?.(this.redactor.redact(`dry run: would push ${branch} ${head} to ${url}`));
      await this.exec(["update-ref", `refs/remotes/origin/${branch}`, head]);
      return;
    }
    const args = ["push", "--porcelain", ...(opts.force ? ["--force"] : []), "--", url, `HEAD:${target}`];
    // A push is idempotent: one whose answer was lost and that is tried again finds the
    // branch already at this commit and reports it up to date.
    const res = await this.withRetry("push", () => this.exec(args, { network: true, allowFail: true }), (r) => parsePushPorcelain(r.stdout).some((x) => x.to === target && x.flag === "!"));
    const status = parsePushPorcelain(res.stdout).find((r) => r.to === target);
    if (status?.flag === "!") {
      const details = this.details("push", res);
      const remoteText = `${status.reason}\n${res.stderr}`;
      let reason: PushRejection = "rejected";
      if (status.summary === "[rejected]" && NON_FAST_FORWARD.test(status.reason)) reason = "non-fast-forward";
      else if (/protected/i.test(remoteText)) reason = "protected";
      throw new PushRejectedError(branch, reason, this.redactor.redact(status.reason || status.summary), details);
    }
    if (res.code !== 0) throw this.failure("push", res);
    // Keep origin/<branch> in step, as a push to a named remote would.
    await this.exec(["update-ref", `refs/remotes/origin/${branch}`, head]);
  }

  /**
   * Any git command with the same environment and overrides. `network: true` adds the
   * credential helper (for commands that talk to the pinned remote by URL). stderr is
   * redacted; stdout is returned as git wrote it.
   */
  async run(args: string[], opts: { allowFail?: boolean; network?: boolean; input?: string } = {}): Promise<RunResult> {
    return this.exec(args, opts);
  }

  // ── internals ──────────────────────────────────────────────────────────────────────

  private async remoteIsEmpty(): Promise<boolean> {
    const args = ["ls-remote", "--heads", "--", this.remoteUrl("ls-remote")];
    const res = await this.withRetry("ls-remote", () => this.exec(args, { cwd: dirname(this.dir), network: true, allowFail: true, noRepo: true }));
    if (res.code !== 0) throw this.failure("ls-remote", res);
    return parseLsRemote(res.stdout).size === 0;
  }

  /**
   * Run a network command again while it fails for a transient reason (5xx, a dropped
   * connection, a timeout), with exponential backoff. `final` marks a failed result that is an
   * answer, not an accident (a rejected push).
   */
  private async withRetry(sub: string, run: () => Promise<RunResult & { timedOut?: boolean }>, final: (r: RunResult) => boolean = () => false): Promise<RunResult> {
    for (let n = 1; ; n++) {
      const res = await run();
      if (res.code === 0 || final(res) || n >= this.retry.attempts || !isTransient(res)) return res;
      const delay = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (n - 1)) * (0.5 + Math.random() / 2);
      this.logLine?.(this.redactor.redact(`git ${sub}: transient failure (${firstLine(res.stderr)}), attempt ${n + 1}/${this.retry.attempts} in ${Math.round(delay)} ms`));
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  private async exec(args: string[], opts: ExecOptions = {}): Promise<RunResult> {
    const sub = subcommandOf(args);
    const env = gitEnv(this.home);
    // Discovery stops at the parent: a tree whose .git was deleted must fail, not commit
    // into whatever repository happens to enclose it.
    env["GIT_CEILING_DIRECTORIES"] = dirname(this.dir);
    const pre = [...baseConfig(this.identity), "-c", `safe.directory=${this.dir}`];
    if (!opts.noRepo && this.gitDir !== undefined) pre.push(`--git-dir=${this.gitDir}`, `--work-tree=${this.dir}`);
    if (opts.network && this.remote) {
      pre.push(...credentialConfig(this.remote.origin, this.remote.href));
      if (this.auth) {
        env[USERNAME_VAR] = this.auth.username;
        env[SECRET_VAR] = this.auth.secret;
      }
    }
    const started = Date.now();
    const res = await spawnGit([...pre, ...args], {
      binary: this.binary,
      cwd: opts.cwd ?? this.dir,
      env,
      timeoutMs: this.timeoutMs,
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    });
    this.logLine?.(this.redactor.redact(`git ${sub} → ${res.timedOut ? "timed out" : `exit ${res.code ?? "?"}`} (${Date.now() - started} ms)`));
    const out: RunResult & { timedOut?: boolean } = { code: res.code ?? -1, stdout: res.stdout, stderr: this.redactor.redact(res.stderr) };
    if (res.code !== 0 && !opts.allowFail) throw this.failure(sub, res);
    if (res.spawnError !== undefined) throw this.failure(sub, res);
    // A network command may try again after a timeout; anything else fails at once.
    if (res.timedOut) {
      if (!(opts.allowFail && opts.network)) throw this.failure(sub, res);
      out.timedOut = true;
    }
    return out;
  }

  private details(sub: string, res: Outcome): GitErrorDetails {
    const raw = res.stderr !== "" ? res.stderr : (res.spawnError ?? "");
    const timedOut = res.timedOut ?? false;
    return { subcommand: sub, exitCode: timedOut ? undefined : res.code, stderrTail: tail(this.redactor.redact(raw)), timedOut };
  }

  private failure(sub: string, res: Outcome): GitError {
    const d = this.details(sub, res);
    if (d.timedOut) return new GitError(`git ${sub} timed out after ${this.timeoutMs} ms${d.stderrTail ? `: ${d.stderrTail}` : ""}`, d);
    if (res.spawnError !== undefined) return new GitError(`git ${sub} could not start: ${d.stderrTail}`, d);
    if (AUTH_FAILURE.test(res.stderr)) {
      const who = this.auth ? `the credentials of "${this.auth.username}" were refused or lack permission` : "no credentials were given";
      return new GitAuthError(`git ${sub}: ${who} (exit ${d.exitCode ?? "?"}): ${d.stderrTail}`, d);
    }
    return new GitError(`git ${sub} failed (exit ${d.exitCode ?? "?"})${d.stderrTail ? `: ${d.stderrTail}` : ""}`, d);
  }

  private remoteUrl(sub: string): string {
    if (!this.remote) throw new GitError(`git ${sub}: ${this.dir} has no origin remote (open it with a url)`, detailsOf(sub));
    return this.remote.href;
  }

  private refPair(a: string, b: string | undefined, sub: string): string[] {
    checkRef(a, "ref", sub);
    if (b === undefined) return [a];
    checkRef(b, "ref", sub);
    return [a, b];
  }
}

function isTransient(res: RunResult & { timedOut?: boolean }): boolean {
  if (res.timedOut) return true;
  if (AUTH_FAILURE.test(res.stderr) || NON_FAST_FORWARD.test(res.stderr) || BRANCH_NOT_FOUND.test(res.stderr)) return false;
  return TRANSIENT.test(res.stderr);
}

function firstLine(text: string): string {
  const line = text.trim().split("\n").find((l) => l.trim() !== "") ?? "no message";
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

function detailsOf(sub: string): GitErrorDetails {
  return { subcommand: sub, exitCode: undefined, stderrTail: "" };
}

/** A ref, range or refspec from the caller: never an option, never multi-line. */
function checkRef(value: string, what: string, sub: string): void {
  if (value === "" || value.startsWith("-") || /[\0\n\r]/.test(value)) {
    throw new GitError(`git ${sub}: invalid ${what} ${JSON.stringify(value)} (must be non-empty, single-line and not start with "-")`, detailsOf(sub));
  }
}

function checkCommon(opts: GitCommonOptions): void {
  const { name, email } = opts.identity;
  if (name.trim() === "" || email.trim() === "" || /[\n\r<>\0]/.test(name + email)) {
    throw new GitError(`git: invalid identity ${JSON.stringify({ name, email })} (non-empty name and email, no newlines or angle brackets)`, detailsOf("config"));
  }
  if (opts.auth) {
    const { username, secret } = opts.auth;
    // The helper speaks a line protocol: a newline would let a value inject another field.
    if (username === "" || /[\n\r\0]/.test(username)) throw new GitError(`git: invalid auth username ${JSON.stringify(username)}`, detailsOf("config"));
    if (secret === "" || /[\n\r\0]/.test(secret)) throw new GitError(`git: the auth secret for "${username}" is empty or contains a newline`, detailsOf("config"));
  }
}

async function assertEmptyDir(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    throw new GitError(`git clone: cannot use ${dir} as the target (${code ?? String(err)})`, detailsOf("clone"));
  }
  if (entries.length > 0) throw new GitError(`git clone: target ${dir} exists and is not empty`, detailsOf("clone"));
}

async function makeHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), "disinto-git-home-"));
}

/** The git subcommand in argv, skipping global options and their values. */
function subcommandOf(args: string[]): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (a === "-c" || a === "-C") {
      i++;
      continue;
    }
    if (!a.startsWith("-")) return a;
  }
  return "?";
}

function tail(text: string): string {
  const lines = text.trimEnd().split("\n");
  let out = lines.slice(-STDERR_TAIL_LINES).join("\n");
  if (out.length > STDERR_TAIL_CHARS) out = `…${out.slice(-STDERR_TAIL_CHARS)}`;
  return out;
}
