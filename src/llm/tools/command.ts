// run_command: `sh -c` in the working tree with the allowlisted environment, a timeout that
// kills the whole process group (background children included), and output cut to its head
// and tail so a noisy build cannot flood the model's context or the runner's memory. With a
// sandbox the shell runs confined (as the model user, or inside bwrap): it is the model's code.
import { execa } from "execa";
import type { ModelSandbox } from "../isolation.ts";
import { timerDelay } from "../meter.ts";
import { signalGroup, terminateGroup } from "../process-group.ts";

export interface CommandOutcome {
  exitCode: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  output: string;
  totalBytes: number;
}

/** Keeps the first `head` and the last `tail` bytes of a stream of chunks. */
export class HeadTail {
  private readonly headMax: number;
  private readonly tailMax: number;
  private head = Buffer.alloc(0);
  private tail: Buffer[] = [];
  private tailLen = 0;
  total = 0;

  constructor(headMax: number, tailMax: number) {
    this.headMax = headMax;
    this.tailMax = tailMax;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.head.length < this.headMax) {
      const take = Math.min(this.headMax - this.head.length, rest.length);
      this.head = Buffer.concat([this.head, rest.subarray(0, take)]);
      rest = rest.subarray(take);
    }
    if (rest.length === 0) return;
    this.tail.push(rest);
    this.tailLen += rest.length;
    while (this.tailLen > this.tailMax && this.tail.length > 0) {
      const first = this.tail[0]!;
      const excess = this.tailLen - this.tailMax;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailLen -= first.length;
      } else {
        this.tail[0] = first.subarray(excess);
        this.tailLen -= excess;
      }
    }
  }

  text(): string {
    const tail = Buffer.concat(this.tail);
    const omitted = this.total - this.head.length - tail.length;
    if (omitted <= 0) return Buffer.concat([this.head, tail]).toString("utf8");
    return `${this.head.toString("utf8")}\n… (${omitted} bytes omitted) …\n${tail.toString("utf8")}`;
  }
}

export async function runCommand(
  cwd: string,
  command: string,
  opts: { env: Record<string, string>; timeoutMs: number; headBytes?: number; tailBytes?: number; killGraceMs?: number; sandbox?: ModelSandbox },
): Promise<CommandOutcome> {
  const out = new HeadTail(opts.headBytes ?? 8 * 1024, opts.tailBytes ?? 8 * 1024);
  const c = opts.sandbox ? opts.sandbox.command("sh", ["-c", command], cwd) : { file: "sh", args: ["-c", command] };
  const child = execa(c.file, c.args, {
    ...(c.uid !== undefined ? { uid: c.uid } : {}),
    ...(c.gid !== undefined ? { gid: c.gid } : {}),
    cwd,
    env: opts.sandbox ? opts.sandbox.env(opts.env) : opts.env,
    extendEnv: false,
    stdin: "ignore",
    detached: true,
    reject: false,
    buffer: false,
    stripFinalNewline: false,
  });
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => out.push(b));
  // Wait for the shell itself, not its pipes: a background job (`server &`) keeps the pipes
  // open and must not stretch the call to the timeout.
  const exited = new Promise<void>((resolve) => child.nodeChildProcess.once("exit", () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timerDelay(Math.max(1, opts.timeoutMs)));
  });
  const timedOut = (await Promise.race([exited.then(() => "exited" as const), timeout])) === "timeout";
  clearTimeout(timer);
  if (timedOut) await terminateGroup(child.pid, exited, opts.killGraceMs ?? 2000);
  else signalGroup(child.pid, "SIGKILL"); // leftovers of a finished command
  // ...and those that left the group (setsid): the sandbox knows them by their run marker
  await opts.sandbox?.sweep();
  // Whatever still holds the pipes must not hold up the call.
  const drained = await Promise.race([
    new Promise<true>((resolve) => {
      let open = 2;
      const done = (): void => {
        if (--open === 0) resolve(true);
      };
      child.stdout.once("close", done);
      child.stderr.once("close", done);
      if (child.stdout.closed) done();
      if (child.stderr.closed) done();
    }),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), 2000).unref()),
  ]);
  if (!drained) {
    child.stdout.destroy();
    child.stderr.destroy();
  }
  const res = await child;
  return {
    exitCode: res.exitCode,
    signal: res.signal,
    timedOut,
    output: out.text(),
    totalBytes: out.total,
  };
}
