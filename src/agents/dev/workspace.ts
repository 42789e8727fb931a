// The working tree of one dev run: a fresh clone with the identity's token (through git's
// credential helper, never the URL), on the issue's branch; what changed against the primary
// branch; commit and push; and the project's test command, run by the runner with the same
// token-free environment the model gets.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Git } from "../../git/git.ts";
import { llmEnv } from "../../llm/env.ts";
import { defaultIsolation, enterSandbox, type ModelSandbox } from "../../llm/isolation.ts";
import { signalGroup } from "../../llm/process-group.ts";
import type { AgentRuntime } from "../runtime.ts";

/**
 * The lines git opens and closes a conflict with (`<<<<<<< HEAD`, `>>>>>>> origin/main`); the
 * `=======` between them is left out, it is also a Markdown heading underline.
 */
const CONFLICT_MARKER = /^(<{7}|>{7})( |$)/m;

export class Workspace {
  readonly git: Git;
  readonly branch: string;
  readonly primary: string;
  /** The branch already existed on the remote (work of an earlier run is in the tree). */
  readonly resumed: boolean;
  /**
   * Commit ids read right after the clone, before anything else ran in the tree: where the
   * branch started (the remote branch, or the primary branch for a new one) and the primary
   * branch's head. Checks after the model use these, never refs the model could have moved.
   */
  readonly startSha: string;
  readonly primarySha: string;

  private constructor(git: Git, branch: string, primary: string, resumed: boolean, shas: { start: string; primary: string }) {
    this.git = git;
    this.branch = branch;
    this.primary = primary;
    this.resumed = resumed;
    this.startSha = shas.start;
    this.primarySha = shas.primary;
  }

  get dir(): string {
    return this.git.dir;
  }

  static async open(rt: AgentRuntime, branch: string): Promise<Workspace> {
    const dir = join(await rt.workDir(), "repo");
    const primary = rt.config.primary_branch;
    const git = await Git.clone({
      url: rt.git.url,
      dir,
      auth: rt.git.auth,
      identity: rt.git.identity,
      redactor: rt.ctx.redactor,
      dryRun: rt.git.dryRun,
      log: (line) => rt.log.debug(line),
    });
    try {
      const remote = await git.revParse(`refs/remotes/origin/${branch}`);
      const primarySha = await git.revParse(`refs/remotes/origin/${primary}`);
      if (primarySha === undefined) throw new Error(`${rt.config.repo}: the primary branch ${primary} does not exist on the forge`);
      const start = remote ?? primarySha;
      await git.checkoutNewBranch(branch, start);
      return new Workspace(git, branch, primary, remote !== undefined, { start, primary: primarySha });
    } catch (err) {
      await git.dispose();
      throw err;
    }
  }

  /** Where the branch left the primary branch (the primary branch itself once it is being merged in). */
  async base(): Promise<string> {
    if (await this.merging()) return this.primarySha;
    return (await this.git.mergeBase(this.primarySha, "HEAD")) ?? this.primarySha;
  }

  /**
   * The forge's head of the primary branch now (read through the API), fetched into the tree
   * when the clone does not have it; the recorded primary head when the forge cannot say.
   */
  async forgePrimary(rt: AgentRuntime): Promise<string> {
    const has = async (sha: string): Promise<boolean> => (await this.git.run(["cat-file", "-e", `${sha}^{commit}`], { allowFail: true })).code === 0;
    const branch = await rt.repo.branches.get(this.primary);
    if (branch === undefined) return this.primarySha;
    if (await has(branch.commitSha)) return branch.commitSha;
    await this.git.fetch([`+refs/heads/${this.primary}:refs/disinto/primary`]);
    if (await has(branch.commitSha)) return branch.commitSha;
    return (await this.git.revParse("refs/disinto/primary")) ?? this.primarySha;
  }

  /**
   * What a push of `head` adds, for the secret scan: the diff from where the branch started,
   * without context, binary files read as text, limited to files that also differ from the
   * primary branch's head `primary` (content merged in from there is not the model's); then
   * the messages of the commits not on either, each as a file `(commit message <sha>)`.
   */
  async addedText(head: string, primary: string): Promise<string> {
    const differs = parseZ((await this.git.run(["--no-replace-objects", "diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", primary, head, "--"])).stdout);
    const diff = differs.length === 0 ? { stdout: "" } : await this.git.run(["-c", "core.quotePath=false", "--no-replace-objects", "diff", "--text", "-U0", "--no-color", "--no-renames", "--no-ext-diff", "--no-textconv", this.startSha, head, "--", ...differs.map((f) => `:(literal)${f}`)]);
    const log = await this.git.run(["--no-replace-objects", "log", "-z", "--format=%H%n%B", head, `^${this.startSha}`, `^${primary}`, "--"], { allowFail: true });
    const messages = log.stdout
      .split("\0")
      .filter((m) => m.trim() !== "")
      .map((m) => {
        const [sha = "", ...body] = m.split("\n");
        return `diff --git a/(commit message ${sha.slice(0, 12)}) b/(commit message ${sha.slice(0, 12)})\n@@\n${body.map((l) => `+${l}`).join("\n")}`;
      });
    return [diff.stdout, ...messages].join("\n");
  }

  /** A merge is under way in the tree (started by startMerge, not yet committed). */
  async merging(): Promise<boolean> {
    return (await this.git.run(["rev-parse", "-q", "--verify", "MERGE_HEAD"], { allowFail: true })).code === 0;
  }

  /** The branch already contains the primary branch's head (a merge of it was pushed before). */
  async containsPrimary(): Promise<boolean> {
    return (await this.git.run(["merge-base", "--is-ancestor", this.primarySha, "HEAD"], { allowFail: true })).code === 0;
  }

  /**
   * Merge the primary branch into the tree without committing. The files left with conflicts,
   * sorted (none: the merge is staged and only needs its commit).
   */
  async startMerge(): Promise<string[]> {
    const r = await this.git.run(["merge", "--no-ff", "--no-commit", "--no-edit", `refs/remotes/origin/${this.primary}`], { allowFail: true });
    const conflicted = await this.conflicted();
    if (r.code !== 0 && conflicted.length === 0) throw new Error(`git merge origin/${this.primary} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 500)}`);
    return conflicted;
  }

  /** Paths git still records as unmerged. */
  async conflicted(): Promise<string[]> {
    const out = (await this.git.run(["diff", "--name-only", "--diff-filter=U", "-z"])).stdout;
    return out.split("\0").filter((p) => p !== "").sort();
  }

  /**
   * Of `files`, those that still carry conflict markers. (Git's own unmerged flag is no guide:
   * the model edits the files, the runner stages them when it commits.)
   */
  async unresolved(files: readonly string[]): Promise<string[]> {
    const left: string[] = [];
    for (const f of files) {
      const text = await readFile(join(this.dir, f), "utf8").catch(() => "");
      if (CONFLICT_MARKER.test(text)) left.push(f);
    }
    return left;
  }

  /** Give up a merge in progress; the tree is back at the branch's last commit. */
  async abortMerge(): Promise<void> {
    await this.git.run(["merge", "--abort"], { allowFail: true });
  }

  /** Every path the branch changes, committed or not, untracked files included. */
  async changedPaths(): Promise<string[]> {
    const base = await this.base();
    return [...new Set([...(await this.git.diffNames(base)), ...(await this.git.changedPaths())])].sort();
  }

  /** Uncommitted changes only. */
  async dirty(): Promise<boolean> {
    return (await this.git.changedPaths()).length > 0;
  }

  /** `git diff --stat` of the branch against the primary branch. */
  async diffStat(): Promise<string> {
    const base = await this.base();
    return (await this.git.run(["diff", "--stat", "--no-color", base, "--"], { allowFail: true })).stdout;
  }

  /** Commits on the branch that are not on the primary branch, newest first. */
  async commitsAhead(): Promise<{ sha: string; subject: string }[]> {
    return this.git.log(`${this.primarySha}..HEAD`);
  }

  async close(): Promise<void> {
    await this.git.dispose();
  }
}

function parseZ(out: string): string[] {
  return out.split("\0").filter((p) => p !== "");
}

export interface TestRun {
  ok: boolean;
  /** undefined when it was stopped at its time limit. */
  exitCode: number | undefined;
  /** Last lines of stdout and stderr together, redacted. */
  tail: string;
}

const TEST_TAIL_LINES = 60;

/**
 * Run the project's test command in the tree. The command is code the model may have
 * written: it runs confined like the model (llm/isolation.ts), with the model's environment.
 */
export async function runTestCommand(rt: AgentRuntime, dir: string, command: string, timeoutMs: number): Promise<TestRun> {
  const sandbox = await enterSandbox(defaultIsolation(), { tree: dir, write: true, log: rt.log });
  try {
    return await runConfined(rt, sandbox, dir, command, timeoutMs);
  } finally {
    await sandbox.release();
  }
}

function runConfined(rt: AgentRuntime, sandbox: ModelSandbox, dir: string, command: string, timeoutMs: number): Promise<TestRun> {
  return new Promise((resolve) => {
    const c = sandbox.command("sh", ["-c", command], dir);
    const ids = { ...(c.uid !== undefined ? { uid: c.uid } : {}), ...(c.gid !== undefined ? { gid: c.gid } : {}) };
    const child = spawn(c.file, c.args, { cwd: dir, env: sandbox.env(llmEnv()), detached: true, stdio: ["ignore", "pipe", "pipe"], ...ids });
    let out = "";
    const keep = (b: Buffer): void => {
      out += b.toString("utf8");
      // Only the tail is reported: keep memory bounded for chatty test suites.
      if (out.length > 256_000) out = out.slice(-128_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      signalGroup(child.pid, "SIGKILL");
    }, Math.max(1_000, timeoutMs));
    const done = (code: number | null): void => {
      clearTimeout(timer);
      const tail = rt.ctx.redactor.redact(out.split("\n").slice(-TEST_TAIL_LINES).join("\n"));
      resolve({ ok: !timedOut && code === 0, exitCode: timedOut ? undefined : (code ?? undefined), tail });
    };
    child.on("error", (err) => {
      out += `\n${err.message}`;
      done(127);
    });
    child.on("close", (code) => done(code));
  });
}
