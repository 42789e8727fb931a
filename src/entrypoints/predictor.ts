// Bundle entry for the predictor (bundles/predictor.mjs): the Woodpecker plugin step and the
// Actions action run this file; settings come from PLUGIN_* / INPUT_* / DISINTO_*.
import { runAgent } from "../agents/runtime.ts";
import { runPredictorTick } from "../agents/predictor/tick.ts";

process.exitCode = await runAgent("predictor", runPredictorTick, { env: process.env, streams: { stdout: process.stdout } });
