// Bundle entry for the planner (bundles/planner.mjs): the Woodpecker plugin step and the
// Actions action run this file; settings come from PLUGIN_* / INPUT_* / DISINTO_*.
import { runAgent } from "../agents/runtime.ts";
import { runPlannerTick } from "../agents/planner/tick.ts";

process.exitCode = await runAgent("planner", runPlannerTick, { env: process.env, streams: { stdout: process.stdout } });
