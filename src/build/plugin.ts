// Generates what the plugin's users read from the code that defines it: `docs.md` (the
// Woodpecker plugin-index page: front matter, every setting with its default and an example,
// the pipelines `disinto init` writes), `actions/<agent>/action.yml` (one Actions action per
// agent, inputs = the same settings) and this repository's own `.woodpecker/disinto-*.yml`
// (the templates, as a dogfood example that runs after this repository's CI). `node src/build/plugin.ts` rewrites them; `--check`
// fails when they are out of date (a test runs the same comparison).
import { readdirSync } from "node:fs";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import type { z } from "zod";
import { agentSettingsSchema } from "../agents/runtime.ts";
import { fieldInfo, type FieldInfo } from "../host/field.ts";
import { isSecretKey } from "../host/secrets.ts";
import { PLUGIN_AGENTS, disintoName, type PluginAgent } from "../init/agents.ts";
import { ciWorkflowNames, examplePipeline, pipelinePath, pipelineYaml, TICK, tickPipelineYaml } from "../init/templates.ts";
import { PLUGIN_IMAGE } from "../lib/plugin-image.ts";
import { VERSION } from "../lib/version.ts";
import { VAULT_AGENT, VAULT_CRON, VAULT_PIPELINE_PATH, vaultPipelineYaml } from "../vault/pipeline.ts";
import { CLAUDE_CREDENTIAL_NAMES } from "../llm/claude-cli/args.ts";
import { cell, code } from "./docs.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const PROJECT_URL = "https://codeberg.org/disinto/disinto";

/** Examples for settings whose schema carries none (a test requires one for every setting). */
export const SETTING_EXAMPLES: Readonly<Record<string, unknown>> = {
  agent: "dev",
  project: "shop",
  forge_token: { from_secret: "forge_dev_token" },
  ci_token: { from_secret: "disinto_ci_token" },
  backend: "claude-cli",
  log_format: "json",
  log_level: "debug",
  dry_run: true,
  config: "projects/shop.toml",
  git_password: { from_secret: "forge_dev_password" },
  claude_bin: "/usr/local/bin/claude",
  work_dir: "/tmp/disinto",
  keep_work_dir: true,
  crash_at: "after-push",
};

export interface SettingDoc {
  name: string;
  info: FieldInfo;
  secret: boolean;
  example: unknown;
}

export function settingDocs(): SettingDoc[] {
  const shape = agentSettingsSchema.shape as Record<string, z.ZodType>;
  return Object.entries(shape).map(([name, schema]) => {
    const info = fieldInfo(schema);
    const example = info.example ?? SETTING_EXAMPLES[name];
    // docs.md shows every setting in use: a new one needs an example, here or in its schema.
    if (example === undefined) throw new Error(`setting ${name} has no example: add one to SETTING_EXAMPLES in src/build/plugin.ts or to its schema's meta`);
    return { name, info, secret: info.secret || isSecretKey(name), example };
  });
}

/** Credentials the backends look up by NAME (`PLUGIN_<NAME>` / `INPUT_<NAME>`), not settings. */
export function credentialDocs(): { name: string; secret: boolean }[] {
  return CLAUDE_CREDENTIAL_NAMES.map((n) => ({ name: n.toLowerCase(), secret: isSecretKey(n) }));
}

const flow = (v: unknown): string => stringify(v, { collectionStyle: "flow", lineWidth: 0 }).trim();

// ── docs.md ─────────────────────────────────────────────────────────────────────────────────

export function pluginDocs(): string {
  const front = stringify(
    {
      name: "disinto",
      description: "An autonomous code factory as CI steps: LLM agents take forge issues to reviewed, merged pull requests",
      author: "disinto",
      tags: ["agent", "llm", "ai", "forgejo", "gitea", "code-review", "automation", "claude"],
      containerImage: PLUGIN_IMAGE,
      containerImageUrl: "https://codeberg.org/disinto/-/packages/container/disinto",
      url: PROJECT_URL,
    },
    { lineWidth: 0 },
  );
  const agents = PLUGIN_AGENTS.map((a) => `| \`${a.name}\` | ${cell(a.summary)} | cron \`${disintoName(a.name)}\`, ${a.events.filter((e) => e !== "cron").join(", ")} |`);
  // The vault dispatcher is an agent of the ops repo, not of the project repo: its own row and pipeline.
  agents.push(`| \`${VAULT_AGENT.name}\` | ${cell(VAULT_AGENT.summary)} | the **ops repo**: push to its main under \`vault/actions/**\`, cron \`${VAULT_CRON}\`, manual |`);
  const vaultExample = vaultPipelineYaml({ project: "myproject", opsRepo: "me/myproject-ops", forgeUrl: "https://forge.example.org", branch: "main", tokenSecret: "FORGE_VAULT_TOKEN", secrets: ["WEBHOOK_URL"] });
  const settings = settingDocs().map(
    (s) =>
      `| \`${s.name}\` | ${s.info.hasDefault ? code(s.info.defaultValue) : ""} | \`${cell(`${s.name}: ${flow(s.example)}`)}\` | ${s.secret ? "**secret** — give it with `from_secret`. " : ""}${cell(s.info.description ?? "")} |`,
  );
  const creds = credentialDocs().map((c) => `\`${c.name}\`${c.secret ? " (secret)" : ""}`);
  const examples = PLUGIN_AGENTS.map((a) => ["```yaml", `# .woodpecker/${disintoName(a.name)}.yml`, pipelineYaml(examplePipeline(a.name, ["test"])).trimEnd(), "```"].join("\n"));
  return `---
${front}---

<!-- Generated by \`node src/build/plugin.ts\` from the settings schema; do not edit. -->

disinto is an autonomous code factory whose agents are CI steps: a cron fires, the agent reads
its state from the forge (Forgejo or Gitea) and from an *ops repo*, does one bounded piece of
work — implement an issue, review a pull request, groom the backlog — writes its state back and exits. This one
plugin runs every agent; the \`agent\` setting picks which.

| agent | what it does | runs on |
| --- | --- | --- |
${agents.join("\n")}

## Setup

\`disinto init <owner/repo> --forge-url URL --ci-url URL\` does everything below for you —
labels, the ops repo, the project config, the Woodpecker crons and secrets — and opens a pull
request with these pipelines. By hand: create a cron named \`disinto-<agent>\` per agent
(Repository settings → Cron; it must be enabled), and the secrets the pipelines name, each
restricted to the image \`${PLUGIN_IMAGE}\` and the events of its agent.

${examples.join("\n\n")}

The vault dispatcher's pipeline lives in the ops repo (init writes it when the project config
names \`[identities.vault]\`); each secret of the config's \`[vault] secrets\` allowlist is a
setting of that name, and an action gets only the ones it asks for:

\`\`\`yaml
# .woodpecker/disinto-vault.yml in the ops repo
${vaultExample.trimEnd()}
\`\`\`

Woodpecker has no variable naming the cron that fired, so each workflow selects itself with
\`when: {event: cron, cron: disinto-<agent>}\` and names its agent in a literal setting. The
review agent waits for the project's own CI workflows (optional dependencies: needs Woodpecker
3.15 or newer). Tokens arrive only through \`from_secret\`; the LLM never sees them.

## Settings

| setting | default | example | description |
| --- | --- | --- | --- |
${settings.join("\n")}

Settings whose name ends in \`_token\`, \`_key\` or \`_password\` are secrets: their values are
masked in every line the plugin writes. Lists are comma-separated or JSON; maps are JSON.

## Backend credentials

The project config (\`projects/<project>.toml\` in the ops repo) names each agent's LLM backend
and the credentials it reads, by NAME. The plugin looks a credential up as the setting of that
name in lower case (\`PLUGIN_<NAME>\`): pass it with \`from_secret\`, e.g.
\`anthropic_api_key: {from_secret: anthropic_api_key}\`. The Claude Code backend reads
${creds.join(", ")}; an OpenAI-compatible backend reads the variable its \`api_key_env\` names.

## Exit codes

\`0\` did work or had nothing to do (or paused at a budget cap), \`1\` failed, \`2\` invalid
settings or config (nothing was written). The last line of every run is one outcome line.

## Actions

The same agents run as GitHub or Forgejo Actions: \`actions/<agent>/action.yml\` in the
repository (\`runs.using: node24\`), with the same settings as inputs. Forgejo runners need
forgejo-runner 9.1 or newer and a job image with Node 24. The agents speak the Forgejo/Gitea
API only: GitHub as a *forge* is not supported yet.
`;
}

// ── actions/<agent>/action.yml ──────────────────────────────────────────────────────────────

function input(description: string, secret: string | undefined, info?: FieldInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    description: secret !== undefined ? `Secret: pass \`\${{ secrets.${secret} }}\`. ${description}` : description,
    required: false,
  };
  const d = info?.defaultValue;
  if (info?.hasDefault === true && (typeof d === "string" || typeof d === "number" || typeof d === "boolean")) out.default = String(d);
  return out;
}

export function actionYaml(agent: Pick<PluginAgent, "summary"> & { name: string }): string {
  const inputs: Record<string, unknown> = {};
  // The action runs one agent's bundle: `agent` is fixed by the action, not an input.
  // The secret names `disinto init` would give them, as the suggestion in each description.
  const secretName: Record<string, string> = {
    forge_token: `FORGE_${agent.name.toUpperCase()}_TOKEN`,
    git_password: `FORGE_${agent.name.toUpperCase()}_PASSWORD`,
    ci_token: "DISINTO_CI_TOKEN",
  };
  for (const s of settingDocs()) {
    if (s.name !== "agent") inputs[s.name] = input(s.info.description ?? "", s.secret ? (secretName[s.name] ?? s.name.toUpperCase()) : undefined, s.info);
  }
  for (const c of credentialDocs()) {
    inputs[c.name] = input(
      `Credential of the claude-cli backend, read by name (${c.name.toUpperCase()}); only needed when the project config uses that backend.`,
      c.secret ? c.name.toUpperCase() : undefined,
    );
  }
  const doc = {
    name: `disinto ${agent.name} agent`,
    description: agent.summary,
    author: "disinto",
    inputs,
    runs: { using: "node24", main: `../../bundles/${agent.name}.mjs` },
  };
  return `# Generated by \`node src/build/plugin.ts\` from the settings schema; do not edit.
# disinto ${VERSION}: ${agent.name} agent as a GitHub / Forgejo Actions step. Settings are inputs;
# a backend credential named in the project config can also come from the step's \`env:\`.
${stringify(doc, { lineWidth: 0 })}`;
}

/** This repository's own CI workflows (what its review pipeline waits for). */
export function ownCiWorkflows(): string[] {
  return ciWorkflowNames(readdirSync(join(root, ".woodpecker")));
}

/** Every generated file: path relative to the repository root → content. */
export function pluginFiles(): Record<string, string> {
  const files: Record<string, string> = { "docs.md": pluginDocs() };
  const after = ownCiWorkflows();
  for (const a of PLUGIN_AGENTS) {
    files[`actions/${a.name}/action.yml`] = actionYaml(a);
    files[pipelinePath(a.name)] = pipelineYaml(examplePipeline(a.name, after));
  }
  // The light tick init writes by default: it wakes the agents above, so it has no action of
  // its own (on Actions the workflows run on the forge's events instead).
  const { agent: _agent, credentials: _credentials, after: _after, ...site } = examplePipeline("dev", after);
  files[pipelinePath(TICK)] = tickPipelineYaml(site);
  // The vault dispatcher runs in the ops repo, not here: its pipeline is shown as init writes it there.
  files[`actions/${VAULT_AGENT.name}/action.yml`] = actionYaml(VAULT_AGENT);
  files[`docs/ops-repo/${VAULT_PIPELINE_PATH.split("/").pop() ?? "disinto-vault.yml"}`] = vaultPipelineYaml({ project: site.project, opsRepo: site.opsRepo, forgeUrl: site.forgeUrl, branch: "main", tokenSecret: "FORGE_VAULT_TOKEN", secrets: ["WEBHOOK_URL"] });
  return files;
}

async function main(): Promise<void> {
  const check = process.argv.includes("--check");
  const stale: string[] = [];
  for (const [rel, text] of Object.entries(pluginFiles())) {
    const path = join(root, rel);
    const have = await readFile(path, "utf8").catch(() => undefined);
    if (have === text) continue;
    stale.push(rel);
    if (!check) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text);
    }
  }
  if (check && stale.length > 0) {
    console.error(`plugin docs: out of date: ${stale.join(", ")} — run \`node src/build/plugin.ts\``);
    process.exit(1);
  }
  console.log(stale.length === 0 ? "plugin docs: up to date" : `plugin docs: ${check ? "stale" : "rewrote"} ${stale.join(", ")}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
