// The shape of one `disinto <command>`: its flags, its help text and what it runs.
import type { Writable } from "node:stream";

export interface OptionSpec {
  type: "string" | "boolean";
  description: string;
  /** Shown in help as the value's name, e.g. `SECONDS`. */
  value?: string;
  short?: string;
  multiple?: boolean;
}

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface CommandInput {
  /** Positional arguments after the command words. */
  args: string[];
  /** Parsed flags by their long name with dashes (`--forge-url` → `forge-url`). */
  flags: Record<string, string | boolean | (string | boolean)[] | undefined>;
  io: CliIo;
}

export interface Command {
  /** One or more words: `["validate"]`, `["lock", "acquire"]`. */
  name: string[];
  summary: string;
  /** Usage line after `disinto `, e.g. `validate [FILE|DIR]`. */
  usage: string;
  /** Longer help: paragraphs shown by `disinto <command> --help`. */
  description?: string;
  options: Record<string, OptionSpec>;
  /** Bounds on positional arguments. */
  args?: { min: number; max: number };
  run(input: CommandInput): Promise<number>;
}

export function write(stream: Writable, text: string): void {
  stream.write(text.endsWith("\n") ? text : `${text}\n`);
}
