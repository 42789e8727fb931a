// Every `disinto` command, in the order `disinto --help` lists them.
// Add a command: one file under src/cli/commands/, one entry here. The table holds only what
// `disinto --help` shows; a command's module (and zod, the forge client, …) is loaded when
// the command runs, so `--version` and `--help` start fast.
import type { Command } from "./command.ts";

export interface CommandEntry {
  name: string[];
  usage: string;
  summary: string;
  load: () => Promise<Command>;
}

export const commands: CommandEntry[] = [
  {
    name: ["validate"],
    usage: "validate [FILE|DIR]",
    summary: "Check project configs and formulas",
    load: async () => (await import("./commands/validate.ts")).validateCommand,
  },
  {
    name: ["schema"],
    usage: "schema [project|formula] [--out FILE]",
    summary: "Print the JSON Schema of project configs or formulas",
    load: async () => (await import("./commands/schema.ts")).schemaCommand,
  },
  {
    name: ["sandbox"],
    usage: "sandbox [--port N] [--data DIR] [--seed demo|empty] [--faults SPEC]",
    summary: "Run a local Forgejo-compatible sandbox forge (for demos and tests)",
    load: async () => (await import("./commands/sandbox.ts")).sandboxCommand,
  },
];
