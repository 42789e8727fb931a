// Runs a script formula the way the vault promises (DESIGN §11): `bash <formula>` in a fresh
// directory, in its own process group, with an environment of PATH, HOME, the VAULT_* facts and
// parameters, and the action's own secrets — nothing else of the dispatcher's environment (no
// forge or CI token, no LLM key). Past its timeout the whole group is killed. The log is kept
// bounded and masked with every secret the dispatcher knows before it goes anywhere.
//
// A clean environment is not enough: a process of the dispatcher's uid can read the
// dispatcher's own environment from /proc/<pid>/environ, every secret of the step included. So
// the formula runs confined exactly like a model process (llm/isolation.ts): as the
// unprivileged model user when the dispatcher is root (the plugin image), in bubblewrap's PID
// namespace otherwise, or — said once per run — unconfined when neither is possible.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { defaultIsolation, enterSandbox, type Isolation } from "../../llm/isolation.ts";
import { signalGroup, terminateGroup } from "../../llm/process-group.ts";
import type { ProgressSink } from "../../llm/types.ts";

/** The most log kept in memory; the result keeps only its tail. */
const MAX_LOG = 256 * 1024;
const KILL_GRACE_MS = 5_000;

export interface ScriptRun {
  /** The formula's text (bash). */
  script: string;
  /** Where the run's directory is made (removed afterwards). */
  workDir: string;
  /** The whole environment of the script, but HOME and TMPDIR: the confinement's own. */
  env: Record<string, string>;
  timeoutMs: number;
  /** Masks a line before it is kept. */
  redact: (text: string) => string;
  /** Each masked chunk of output, as it comes (the step's log). */
  onOutput?: (text: string) => void;
  /** Where the "not confined" warning goes. */
  log: ProgressSink;
  /** How the formula is kept from the dispatcher's secrets; default: what this process can do. */
  isolation?: Isolation;
}

export interface ScriptResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Masked stdout and stderr, interleaved as they came. */
  log: string;
  /** How the formula was confined (isolation.ts). */
  isolation: Isolation["kind"];
}

/** The script's environment: PATH and `vars`, nothing inherited (the runner adds HOME). */
export function scriptEnv(path: string, vars: Record<string, string>): Record<string, string> {
  return { PATH: path, LANG: "C.UTF-8", ...vars };
}

export async function runScript(run: ScriptRun): Promise<ScriptResult> {
  const dir = await mkdtemp(join(run.workDir, "vault-run-"));
  const home = join(dir, "home");
  await mkdir(home);
  const file = join(dir, "formula.sh");
  await writeFile(file, run.script, { mode: 0o700 });
  let log = "";
  const add = (b: Buffer): void => {
    const text = run.redact(b.toString("utf8"));
    run.onOutput?.(text);
    log += text;
    if (log.length > MAX_LOG) log = log.slice(log.length - MAX_LOG);
  };
  const sandbox = await enterSandbox(run.isolation ?? defaultIsolation(), { tree: dir, write: true, log: run.log, subject: "the vault formula" });
  try {
    const c = sandbox.command("bash", [file], dir);
    const ids = { ...(c.uid !== undefined ? { uid: c.uid } : {}), ...(c.gid !== undefined ? { gid: c.gid } : {}) };
    const env = sandbox.home !== undefined ? sandbox.env(run.env) : { ...run.env, HOME: home };
    const child = spawn(c.file, c.args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], detached: true, ...ids });
    child.stdout.on("data", add);
    child.stderr.on("data", add);
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal }));
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void terminateGroup(child.pid, exited, KILL_GRACE_MS);
    }, run.timeoutMs);
    try {
      const { code, signal } = await exited;
      return { exitCode: code, signal, timedOut, log: run.redact(log), isolation: sandbox.isolation.kind };
    } finally {
      clearTimeout(timer);
      // Whatever the script left running in the background ends with it (also what left the group).
      signalGroup(child.pid, "SIGKILL");
      await sandbox.sweep();
    }
  } finally {
    await sandbox.release();
    await rm(dir, { recursive: true, force: true });
  }
}
