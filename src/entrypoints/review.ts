// Bundle entry for the review agent (bundles/review.mjs): the Woodpecker plugin step and the
// Actions action run this file; settings come from PLUGIN_* / INPUT_* / DISINTO_*.
import { runAgent } from "../agents/runtime.ts";
import { runReviewTick } from "../agents/review/tick.ts";

process.exitCode = await runAgent("review", runReviewTick, { env: process.env, streams: { stdout: process.stdout } });
