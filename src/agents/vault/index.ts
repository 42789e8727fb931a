// The vault dispatcher: runs human-approved actions from the ops repo with only their own secrets.
export { runVaultTick, survey, leaseName } from "./tick.ts";
export { runScript, scriptEnv } from "./runner.ts";
