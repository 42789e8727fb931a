// Bundle entry for the gardener (bundles/gardener.mjs): the Woodpecker plugin step and the
// Actions action run this file; settings come from PLUGIN_* / INPUT_* / DISINTO_*.
import { runAgent } from "../agents/runtime.ts";
import { runGardenerTick } from "../agents/gardener/tick.ts";

process.exitCode = await runAgent("gardener", runGardenerTick, { env: process.env, streams: { stdout: process.stdout } });
