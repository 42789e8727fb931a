// `disinto run <agent>`: one tick of an agent on this machine, with the same settings (as
// --flags or DISINTO_* variables) and the same code path as the CI step. The agent table is
// the one place that maps names to ticks; each tick is loaded only when it runs.
import type { Command } from "../command.ts";
import type { Role } from "../../config/project.ts";
import type { Outcome } from "../../host/outcome.ts";
import { settingsCliOptions } from "../../host/settings.ts";
import { UsageError } from "../../lib/errors.ts";
import { agentSettingsSchema, runAgent, type AgentRuntime } from "../../agents/runtime.ts";

type Tick = (rt: AgentRuntime) => Promise<Outcome>;

/** Agents `disinto run` knows: name → how to load its tick. Add an agent with one line. */
export const RUNNABLE_AGENTS: Readonly<Partial<Record<Role, () => Promise<Tick>>>> = {
  dev: async () => (await import("../../agents/dev/tick.ts")).runDevTick,
  review: async () => (await import("../../agents/review/tick.ts")).runReviewTick,
};

export const runCommand: Command = {
  name: ["run"],
  usage: "run <agent> [settings…]",
  summary: "Run one tick of an agent locally, with the same settings as its CI step",
  description: `
Runs one tick of the agent here, exactly as its Woodpecker or Actions step would: the same
settings (--forge-url, --ops-repo, --project, … or DISINTO_* variables; secrets such as
the forge token belong in DISINTO_FORGE_TOKEN, not on the command line), the same ops-repo
state and leases, one outcome line at the end. Exit 0 done, idle or paused; 1 failed; 2
invalid settings or config.

Agents: ${Object.keys(RUNNABLE_AGENTS).join(", ")}.`,
  options: settingsCliOptions(agentSettingsSchema),
  args: { min: 1, max: 1 },
  async run({ args, flags, io }) {
    const name = args[0] ?? "";
    const load = (RUNNABLE_AGENTS as Record<string, (() => Promise<Tick>) | undefined>)[name];
    if (load === undefined) throw new UsageError(`unknown agent ${JSON.stringify(name)} for \`disinto run\`; expected one of: ${Object.keys(RUNNABLE_AGENTS).join(", ")}`);
    const tick = await load();
    return runAgent(name as Role, tick, { env: io.env, flags: { ...flags, agent: name }, streams: { stdout: io.stdout } });
  },
};
