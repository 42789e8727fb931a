// Long-lived worker processes driven by JSON lines: send a command, await its answer.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface Worker {
  id: string;
  child: ChildProcess;
  send<T = Record<string, unknown>>(cmd: Record<string, unknown>): Promise<T>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startWorker(script: string, id: string, env: Record<string, string>): Worker {
  // The child gets only what it needs: no inherited tokens from the test runner's environment.
  const child = spawn(process.execPath, [script], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", WORKER_ID: id, ...env },
  });
  const waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  let stderr = "";
  child.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
  const rl = createInterface({ input: child.stdout });
  rl.on("line", (line) => {
    const w = waiting.shift();
    if (!w) return;
    const msg = JSON.parse(line) as { ok: boolean; result?: unknown; error?: string };
    if (msg.ok) w.resolve(msg.result);
    else w.reject(new Error(`worker ${id}: ${msg.error}`));
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  child.on("exit", (code, signal) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`worker ${id} exited (${code ?? signal}) ${stderr.slice(-2000)}`));
  });
  return {
    id,
    child,
    send<T>(cmd: Record<string, unknown>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        waiting.push({ resolve: resolve as (v: unknown) => void, reject });
        child.stdin.write(`${JSON.stringify(cmd)}\n`);
      });
    },
    async kill(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) {
        if (signal === "SIGTERM") child.stdin.end();
        else child.kill(signal);
      }
      await exited;
    },
  };
}
