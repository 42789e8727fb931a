// A step process: its own process group so a timeout or cancel kills everything it started
// (what stopping a container does in Woodpecker), output streamed as it arrives.
import { spawn } from "node:child_process";

export type Stream = "stdout" | "stderr";

export interface ProcessOptions {
  command: string;
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  /** performance.now() ms after which the group is killed (monotonic, not the wall clock). */
  deadline?: number;
  /** Cancels the process (killed like a timeout). */
  signal?: AbortSignal;
  /** SIGTERM → SIGKILL grace. */
  killGraceMs?: number;
  onOutput(stream: Stream, text: string): void;
}

export interface ProcessResult {
  /** 137 when killed, like a killed container. */
  exitCode: number;
  killed?: "timeout" | "canceled";
  /** The process could not start (e.g. command not found). */
  spawnError?: string;
}

export function runProcess(opts: ProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    let killed: ProcessResult["killed"];
    let settled = false;
    const child = spawn(opts.command, [...opts.args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const pid = child.pid;
    const killGroup = (sig: NodeJS.Signals): void => {
      if (pid === undefined) return;
      try {
        process.kill(-pid, sig);
      } catch {
        // already gone
      }
    };
    let graceTimer: NodeJS.Timeout | undefined;
    const kill = (why: "timeout" | "canceled"): void => {
      if (killed || settled) return;
      killed = why;
      killGroup("SIGTERM");
      graceTimer = setTimeout(() => killGroup("SIGKILL"), opts.killGraceMs ?? 2000);
    };
    let deadlineTimer: NodeJS.Timeout | undefined;
    if (opts.deadline !== undefined) {
      const ms = Math.max(0, opts.deadline - performance.now());
      deadlineTimer = setTimeout(() => kill("timeout"), ms);
    }
    const onAbort = (): void => kill("canceled");
    if (opts.signal?.aborted) queueMicrotask(onAbort);
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (t: string) => opts.onOutput("stdout", t));
    child.stderr.on("data", (t: string) => opts.onOutput("stderr", t));

    const finish = (r: ProcessResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadlineTimer);
      clearTimeout(graceTimer);
      opts.signal?.removeEventListener("abort", onAbort);
      resolve(r);
    };
    child.on("error", (err) => finish({ exitCode: 127, spawnError: err.message }));
    child.on("exit", (code, sig) => {
      // Whatever the step left running in the background dies with it, as in a container;
      // that also closes the pipes those leftovers held open.
      killGroup("SIGKILL");
      const exitCode = killed ? 137 : code ?? (sig ? 128 + signalNumber(sig) : 1);
      let closed = false;
      // a grandchild that escaped the group (setsid) may hold the pipes: do not wait forever
      const pipeTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        done();
      }, 1000);
      function done(): void {
        if (closed) return;
        closed = true;
        clearTimeout(pipeTimer);
        finish(killed ? { exitCode, killed } : { exitCode });
      }
      child.on("close", done);
    });
  });
}

function signalNumber(sig: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };
  return table[sig] ?? 1;
}
