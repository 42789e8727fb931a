// Bundle entry for the light tick (bundles/tick.mjs): the `disinto-tick` cron's one step surveys
// every agent and wakes those with work. It reads with the dev identity (every project has
// one) and needs the CI token that may start crons; settings as for any agent.
import { runAgent } from "../agents/runtime.ts";
import { runTick } from "../agents/tick/tick.ts";

process.exitCode = await runAgent("dev", runTick, { env: process.env, streams: { stdout: process.stdout } });
