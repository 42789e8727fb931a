// `disinto run <agent>`: one tick of an agent on this machine, with the same settings (as
// --flags or DISINTO_* variables) and the same code path as the CI step. Which agents exist is
// src/cli/agents.ts's table.
import type { Command } from "../command.ts";
import { settingsCliOptions } from "../../host/settings.ts";
import { UsageError } from "../../lib/errors.ts";
import { agentSettingsSchema, runAgent } from "../../agents/runtime.ts";
import { runnable, runnableAgentNames } from "../agents.ts";

const settingOptions = settingsCliOptions(agentSettingsSchema);

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

--dry-run decides as the real tick would and changes nothing: every write it would make
(forge, CI, ops repo, git) is listed, and it stops where it would call the model.
--backend NAME uses [backends.NAME] of the project config instead of the identity's.

Agents: ${runnableAgentNames().join(", ")}.
"tick" is the light tick of the \`disinto-tick\` cron: every agent's token-free survey, read with
the dev identity, and a wake (run-cron-now) for each agent with work.`,
  // the settings schema names every role; only the agents that exist may be offered here
  options: { ...settingOptions, agent: { type: "string", value: "AGENT", description: `Agent to run: ${runnableAgentNames().join(" or ")} (the same as the argument).` } },
  args: { min: 1, max: 1 },
  async run({ args, flags, io }) {
    const name = args[0] ?? "";
    const agent = runnable(name);
    if (agent === undefined) throw new UsageError(`unknown agent ${JSON.stringify(name)} for \`disinto run\`; expected one of: ${runnableAgentNames().join(", ")}`);
    const tick = await agent.load();
    return runAgent(agent.role, tick, { env: io.env, flags: { ...flags, agent: name }, streams: { stdout: io.stdout } });
  },
};
