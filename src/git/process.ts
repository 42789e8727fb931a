// One git child: explicit environment, its own process group (git spawns remote helpers and
// pack-objects; a timeout must stop them all), captured output, redacted stderr.
import { execa } from "execa";
import { terminateGroup } from "../llm/process-group.ts";

export interface SpawnOptions {
  binary: string;
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  input?: string;
}

export interface SpawnResult {
  code: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The spawn itself failed (ENOENT…). */
  spawnError?: string;
}

const KILL_GRACE_MS = 2000;

export async function spawnGit(args: string[], opts: SpawnOptions): Promise<SpawnResult> {
  const child = execa(opts.binary, args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    detached: true,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: 256 * 1024 * 1024,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: "ignore" as const }),
  });
  const exited = new Promise<void>((resolve) => {
    child.nodeChildProcess.once("exit", () => resolve());
    child.nodeChildProcess.once("error", () => resolve());
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), Math.max(1, opts.timeoutMs));
  });
  const timedOut = (await Promise.race([exited.then(() => "exited" as const), timeout])) === "timeout";
  clearTimeout(timer);
  if (timedOut) await terminateGroup(child.pid, exited, KILL_GRACE_MS);
  const res = await child;
  const text = (v: unknown): string => (typeof v === "string" ? v : "");
  return {
    code: timedOut ? undefined : res.exitCode,
    stdout: text(res.stdout),
    stderr: text(res.stderr),
    timedOut,
    // execa's own message repeats the whole command line; the cause is what matters.
    ...(res.failed && res.exitCode === undefined && !timedOut ? { spawnError: causeOf(res.cause) } : {}),
  };
}

function causeOf(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}
