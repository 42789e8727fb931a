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
    name: ["lock", "acquire"],
    usage: "lock acquire NAME [--ttl SECONDS] [--holder ID]",
    summary: "Take a lease in the ops repo (exit 3 when someone else holds it)",
    load: async () => (await import("./commands/lock.ts")).lockAcquireCommand,
  },
  {
    name: ["lock", "release"],
    usage: "lock release NAME [--holder ID]",
    summary: "Release a lease you hold (exit 3 when someone else holds it)",
    load: async () => (await import("./commands/lock.ts")).lockReleaseCommand,
  },
  {
    name: ["lock", "list"],
    usage: "lock list [--json]",
    summary: "List the leases in the ops repo with their holders and expiry",
    load: async () => (await import("./commands/lock.ts")).lockListCommand,
  },
  {
    name: ["llm", "try"],
    usage: "llm try --backend NAME [--prompt TEXT] [--cwd DIR] [--json] [--config FILE]",
    summary: "Run one small task through an LLM backend and report status, usage and cost",
    load: async () => (await import("./commands/llm-try.ts")).llmTryCommand,
  },
  {
    name: ["sandbox"],
    usage: "sandbox [--port N] [--data DIR] [--seed demo|empty] [--faults SPEC]",
    summary: "Run a local Forgejo-compatible sandbox forge (for demos and tests)",
    load: async () => (await import("./commands/sandbox.ts")).sandboxCommand,
  },
];
