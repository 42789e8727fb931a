// Bundle entry for the dev agent (bundles/dev.mjs): the Woodpecker plugin step and the Actions
// action run this file; settings come from PLUGIN_* / INPUT_* / DISINTO_*.
import { runAgent } from "../agents/runtime.ts";
import { runDevTick } from "../agents/dev/tick.ts";

process.exitCode = await runAgent("dev", runDevTick, { env: process.env, streams: { stdout: process.stdout } });
