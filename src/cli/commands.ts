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
    usage: "schema [project|formula|script|vault-action] [--out FILE]",
    summary: "Print the JSON Schema of project configs, formulas, scripted-backend scripts or vault actions",
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
    usage: "sandbox [--port N] [--ci-port N] [--data DIR] [--seed demo|empty] [--faults SPEC] [--bundles DIR] [--no-scheduler]",
    summary: "Run a local Forgejo-compatible forge and Woodpecker-compatible CI (for demos and tests)",
    load: async () => (await import("./commands/sandbox.ts")).sandboxCommand,
  },
  {
    name: ["demo"],
    usage: "demo [--only dev-review] [--backend scripted|claude|openai [--base-url URL --model NAME]] [--spend-cap USD] [--keep] [--json] [--data DIR]",
    summary: "Watch the factory work: a VISION.md planned into issues, every issue merged by dev and review, a vague one groomed, main going red and the breaker tripping and clearing, an approved vault action and a release",
    load: async () => (await import("./commands/demo.ts")).demoCommand,
  },
  {
    name: ["init"],
    usage: "init <owner/repo> --forge-url URL --ci-url URL [--host woodpecker|actions] [--ops-repo OWNER/NAME] [--project NAME] [--dry-run]",
    summary: "Set a project up: labels, ops repo, config, Woodpecker crons and secrets, a PR with the pipelines",
    load: async () => (await import("./commands/init.ts")).initCommand,
  },
  {
    name: ["status"],
    usage: "status [--json] [--project NAME]",
    summary: "Show each project's agents, last runs, leases, dev phase, queue, open PRs and today's spend",
    load: async () => (await import("./commands/status.ts")).statusCommand,
  },
  {
    name: ["vault", "classify"],
    usage: "vault classify FILE [--policy FILE] [--json]",
    summary: "Print the tier of a vault action (low, medium, high) and why",
    load: async () => (await import("./commands/vault.ts")).vaultClassifyCommand,
  },
  {
    name: ["vault", "request"],
    usage: "vault request FILE [--config FILE] [--json]",
    summary: "Ask for a vault action: low tier goes to main, medium and high open a PR for an admin's approval",
    load: async () => (await import("./commands/vault.ts")).vaultRequestCommand,
  },
  {
    name: ["vault", "list"],
    usage: "vault list [--json]",
    summary: "List vault requests waiting for approval, actions queued or running, and results",
    load: async () => (await import("./commands/vault.ts")).vaultListCommand,
  },
  {
    name: ["vault", "show"],
    usage: "vault show ID [--json]",
    summary: "Show one vault action: its file, its request PR, and its result with the log's tail",
    load: async () => (await import("./commands/vault.ts")).vaultShowCommand,
  },
  {
    name: ["run"],
    usage: "run <agent> [settings…]",
    summary: "Run one tick of an agent locally, with the same settings as its CI step",
    load: async () => (await import("./commands/run.ts")).runCommand,
  },
];
