// Bundle entry for the architect (bundles/architect.mjs): the Woodpecker plugin step and the
// Actions action run this file; settings come from PLUGIN_* / INPUT_* / DISINTO_*.
import { runAgent } from "../agents/runtime.ts";
import { runArchitectTick } from "../agents/architect/tick.ts";

process.exitCode = await runAgent("architect", runArchitectTick, { env: process.env, streams: { stdout: process.stdout } });
