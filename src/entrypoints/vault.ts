// Bundle entry for the vault dispatcher (bundles/vault.mjs): the ops repo's Woodpecker pipeline
// runs it on pushes under vault/actions/ and on its cron; settings come from PLUGIN_* /
// INPUT_* / DISINTO_*, and the secrets actions may ask for from the step's environment.
import { runAgent } from "../agents/runtime.ts";
import { runVaultTick } from "../agents/vault/tick.ts";

process.exitCode = await runAgent("vault", runVaultTick, { env: process.env, streams: { stdout: process.stdout } });
