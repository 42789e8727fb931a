// Bundle entry for the supervisor agent (bundles/supervisor.mjs): the Woodpecker plugin step and
// the Actions action run this file; settings come from PLUGIN_* / INPUT_* / DISINTO_*.
import { runAgent } from "../agents/runtime.ts";
import { runSupervisorTick } from "../agents/supervisor/tick.ts";

process.exitCode = await runAgent("supervisor", runSupervisorTick, { env: process.env, streams: { stdout: process.stdout } });
