// A working tree the runner drives: clone, branch, commit, push. The agent's secret reaches
// exactly one place — the environment of a git child that talks to the remote, read there by
// an inline credential helper — never argv, the remote URL, `.git/config`, a file or a log.
// The remote URL is pinned when the repository is cloned or opened and passed explicitly to
// fetch, push and ls-remote, so a `remote.origin.url` rewritten inside the tree cannot point
// the agent's credentials at another repository.
import { mkdtemp, mkdir, readdir, rm, realpath } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
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

interface ExecOptions {
  cwd?: string;
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
  private readonly remote: RemoteUrl | undefined;
  private readonly auth: GitAuth | undefined;
  private readonly identity: GitIdentity;
  private readonly redactor: Redactor;
  private readonly timeoutMs: number;
  private readonly logLine: ((line: string) => void) | undefined;
  private readonly binary: string;

  private constructor(init: GitInit) {
    this.dir = init.dir;
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
    const git = new Git({ dir, home, remote, opts });
    try {
      const args = ["clone", "--quiet"];
      if (opts.branch !== undefined) args.push("--branch", opts.branch);
      if (opts.depth !== undefined) args.push("--depth", String(opts.depth));
      args.push("--", remote.href, dir);
      const initBranch = ["-c", `init.defaultBranch=${opts.branch ?? "main"}`];
      let res = await git.exec([...initBranch, ...args], { cwd: dirname(dir), network: true, allowFail: true });
      if (res.code !== 0 && opts.branch !== undefined && BRANCH_NOT_FOUND.test(res.stderr)) {
        // Only an empty repository lacks every branch: there the caller's branch is the first.
        if (!(await git.remoteIsEmpty())) throw new BranchNotFoundError(opts.branch, git.details("clone", res));
        await assertEmptyDir(dir);
        res = await git.exec([...initBranch, "clone", "--quiet", "--", remote.href, dir], { cwd: dirname(dir), network: true, allowFail: true });
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
    const probe = new Git({ dir: abs, home, remote: undefined, opts });
    try {
      const top = await probe.exec(["rev-parse", "--show-toplevel"], { allowFail: true });
      if (top.code !== 0 || (await realpath(top.stdout.trim())) !== (await realpath(abs))) {
        throw new GitError(`git open: ${abs} is not the top of a git working tree`, probe.details("rev-parse", top));
      }
      let url = opts.url;
      if (url === undefined) {
        const cfg = await probe.exec(["config", "--local", "--get", "remote.origin.url"], { allowFail: true });
        if (cfg.code === 0 && cfg.stdout.trim() !== "") url = cfg.stdout.trim();
      }
      return new Git({ dir: abs, home, remote: url === undefined ? undefined : parseRemoteUrl(url), opts });
    } catch (err) {
      await probe.dispose();
      throw err;
    }
  }

  /** Remove the private HOME. The working tree stays. */
  async dispose(): Promise<void> {
    await rm(this.home, { recursive: true, force: true });
  }

  /** From origin; default: all branches into refs/remotes/origin/* (pruning gone ones). */
  async fetch(refspecs?: string[]): Promise<void> {
    const specs = refspecs && refspecs.length > 0 ? refspecs : [DEFAULT_FETCH_REFSPEC];
    for (const s of specs) checkRef(s, "refspec", "fetch");
    const prune = refspecs === undefined || refspecs.length === 0 ? ["--prune"] : [];
    await this.exec(["fetch", "--quiet", "--no-tags", ...prune, "--", this.remoteUrl("fetch"), ...specs], { network: true });
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
    const res = await this.exec(["ls-remote", "--", this.remoteUrl("ls-remote"), ref], { network: true });
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
    const args = ["push", "--porcelain", ...(opts.force ? ["--force"] : []), "--", this.remoteUrl("push"), `HEAD:${target}`];
    const res = await this.exec(args, { network: true, allowFail: true });
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
    const res = await this.exec(["ls-remote", "--heads", "--", this.remoteUrl("ls-remote")], { cwd: dirname(this.dir), network: true });
    return parseLsRemote(res.stdout).size === 0;
  }

  private async exec(args: string[], opts: ExecOptions = {}): Promise<RunResult> {
    const sub = subcommandOf(args);
    const env = gitEnv(this.home);
    // Discovery stops at the parent: a tree whose .git was deleted must fail, not commit
    // into whatever repository happens to enclose it.
    env["GIT_CEILING_DIRECTORIES"] = dirname(this.dir);
    const pre = baseConfig(this.identity);
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
    const out: RunResult = { code: res.code ?? -1, stdout: res.stdout, stderr: this.redactor.redact(res.stderr) };
    if (res.code !== 0 && !opts.allowFail) throw this.failure(sub, res);
    if (res.timedOut || res.spawnError !== undefined) throw this.failure(sub, res);
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
