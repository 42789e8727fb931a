// In-memory stdout/stderr for running CLI commands in process.
import { Writable } from "node:stream";
import type { CliIo } from "../../src/cli/command.ts";

export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

export function captureIo(env: NodeJS.ProcessEnv = {}, cwd = process.cwd()): CapturedIo {
  const o: string[] = [];
  const e: string[] = [];
  const sink = (into: string[]): Writable =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        into.push(chunk.toString());
        cb();
      },
    });
  return { stdout: sink(o), stderr: sink(e), env, cwd, out: () => o.join(""), err: () => e.join("") };
}

/** A writable stream that keeps what is written, for an agent run's log. */
export function sink(): { out: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    out: new Writable({
      write(c: Buffer | string, _e, cb) {
        chunks.push(c.toString());
        cb();
      },
    }),
    text: () => chunks.join(""),
  };
}
