// The vault dispatcher's Woodpecker pipeline, `.woodpecker/disinto-vault.yml` in the **ops repo**
// (DESIGN §4, §11): a push to main that touches vault/actions/** starts it at once (an approved
// request merged, a low-tier action committed), and the cron `disinto-vault` catches what a
// missed push event would lose. State commits carry `[skip ci]` and never touch vault/actions/,
// so the factory's own writes do not start it. Secrets come only through `from_secret`; init
// restricts them to the plugin image and to these events.
import { stringify } from "yaml";
import { PLUGIN_IMAGE } from "../lib/plugin-image.ts";

/** The dispatcher as a shipped agent: its bundle, its action.yml (src/build/plugin.ts). */
export const VAULT_AGENT = {
  name: "vault",
  summary: "The vault dispatcher, run in the ops repo: runs actions a person approved (and low-tier ones) with only the secrets they ask for, and commits each result once.",
} as const;

export const VAULT_PIPELINE_PATH = ".woodpecker/disinto-vault.yml";
export const VAULT_CRON = "disinto-vault";
/** Hourly: a fallback only; pushes start the dispatcher at once. */
export const VAULT_CRON_SCHEDULE = "@hourly";
/** The Woodpecker events the dispatcher's secrets must be available on. */
export const VAULT_EVENTS = ["push", "cron", "manual"] as const;

export interface VaultPipelineInput {
  project: string;
  opsRepo: string;
  forgeUrl: string;
  /** The ops repo's default branch. */
  branch: string;
  ciUrl?: string | undefined;
  /** NAME of the variable with the vault identity's token (`identities.vault.token_secret`). */
  tokenSecret: string;
  /** Woodpecker secret holding the CI token the agents use, when ciUrl is set. */
  ciTokenSecret?: string;
  /** The project config's `[vault] secrets`: NAMEs handed to the step. */
  secrets: readonly string[];
}

/** Woodpecker looks `from_secret` names up lower-cased. */
const secretName = (env: string): string => env.toLowerCase();

export function vaultPipelineDoc(input: VaultPipelineInput): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    agent: "vault",
    project: input.project,
    ops_repo: input.opsRepo,
    forge_url: input.forgeUrl,
    forge_token: { from_secret: secretName(input.tokenSecret) },
  };
  if (input.ciUrl !== undefined) {
    settings.ci_url = input.ciUrl;
    settings.ci_token = { from_secret: input.ciTokenSecret ?? "disinto_ci_token" };
  }
  // The runtime looks each one up as PLUGIN_<NAME> (src/host/secrets.ts lookupSecret).
  for (const name of [...new Set(input.secrets)].sort()) settings[name.toLowerCase()] = { from_secret: secretName(name) };
  return {
    when: [{ event: "push", branch: input.branch, path: { include: ["vault/actions/**"] } }, { event: "cron", cron: VAULT_CRON }, { event: "manual" }],
    skip_clone: true,
    steps: [{ name: "vault", image: PLUGIN_IMAGE, settings }],
  };
}

export function vaultPipelineYaml(input: VaultPipelineInput): string {
  const header = [
    "# disinto vault dispatcher — written into the ops repo by `disinto init`.",
    `# Runs on pushes to ${input.branch} under vault/actions/, on the Woodpecker cron "${VAULT_CRON}" and on manual pipelines.`,
    "# Its secrets are restricted to the disinto plugin image and to these events.",
    "",
  ].join("\n");
  return header + stringify(vaultPipelineDoc(input), { lineWidth: 0 });
}
