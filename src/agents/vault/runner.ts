// Runs a script formula the way the vault promises (DESIGN §11): `bash <formula>` in a fresh
// directory, in its own process group, with an environment of PATH, HOME, the VAULT_* facts and
// parameters, and the action's own secrets — nothing else of the dispatcher's environment (no
// forge or CI token, no LLM key). Past its timeout the whole group is killed. The log is kept
// bounded and masked with every secret the dispatcher knows before it goes anywhere.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { signalGroup, terminateGroup } from "../../llm/process-group.ts";

/** The most log kept in memory; the result keeps only its tail. */
const MAX_LOG = 256 * 1024;
const KILL_GRACE_MS = 5_000;

export interface ScriptRun {
  /** The formula's text (bash). */
  script: string;
  /** Where the run's directory is made (removed afterwards). */
  workDir: string;
  /** The whole environment of the script, but HOME: a fresh directory of the run's. */
  env: Record<string, string>;
  timeoutMs: number;
  /** Masks a line before it is kept. */
  redact: (text: string) => string;
  /** Each masked chunk of output, as it comes (the step's log). */
  onOutput?: (text: string) => void;
}

export interface ScriptResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Masked stdout and stderr, interleaved as they came. */
  log: string;
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
  try {
    const child = spawn("bash", [file], { cwd: dir, env: { ...run.env, HOME: home }, stdio: ["ignore", "pipe", "pipe"], detached: true });
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
      return { exitCode: code, signal, timedOut, log: run.redact(log) };
    } finally {
      clearTimeout(timer);
      // Whatever the script left running in the background ends with it.
      signalGroup(child.pid, "SIGKILL");
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
