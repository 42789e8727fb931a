// The Woodpecker pipelines `disinto init` writes into a project repo: one workflow per agent,
// `.woodpecker/disinto-<agent>.yml`, holding one plugin step. Woodpecker has no variable that
// names the cron that fired (contracts/woodpecker.md (a)), so each workflow selects itself with
// `when: {event: cron, cron: disinto-<agent>}` and names its agent in a literal setting.
// Manual pipelines run every agent; the review agent also runs on pull requests, after the
// project's own CI workflows. Tokens arrive only through `from_secret`.
import { parse, stringify } from "yaml";
import { PLUGIN_IMAGE } from "../lib/plugin-image.ts";
import { TICK, disintoName, pluginAgent, type PluginAgentName } from "./agents.ts";

/** The Woodpecker secret holding the CI token the agents read pipelines with. */
export const AGENT_CI_TOKEN_SECRET = "disinto_ci_token";

/**
 * Woodpecker lower-cases secret names (`from_secret` is looked up lower-cased), so a secret
 * named after an environment variable is that name in lower case.
 */
export function secretNameFor(envName: string): string {
  return envName.toLowerCase();
}

export interface PipelineInput {
  agent: PluginAgentName;
  project: string;
  opsRepo: string;
  forgeUrl: string;
  /** Woodpecker's URL; with it the agent also gets `ci_token` from AGENT_CI_TOKEN_SECRET. */
  ciUrl?: string | undefined;
  /** NAME of the variable holding the agent's forge token (`identities.<agent>.token_secret`). */
  tokenSecret: string;
  /** NAMEs of the backend's credentials (`ANTHROPIC_API_KEY`, an `api_key_env`, …). */
  credentials: readonly string[];
  /** Workflows of the project's own CI that a pull-request run waits for. */
  after?: readonly string[];
}

export function pipelinePath(agent: string): string {
  return `.woodpecker/${disintoName(agent)}.yml`;
}

/** The pipeline as data (what `pipelineYaml` writes). */
export function pipelineDoc(input: PipelineInput): Record<string, unknown> {
  const agent = pluginAgent(input.agent);
  if (agent === undefined) throw new Error(`no pipeline template for agent ${JSON.stringify(input.agent)}`);
  const when: Record<string, unknown>[] = [{ event: "cron", cron: disintoName(agent.name) }, { event: "manual" }];
  if (agent.events.includes("pull_request")) when.push({ event: "pull_request" });

  const doc: Record<string, unknown> = { when };
  const after = agent.events.includes("pull_request") ? [...new Set(input.after ?? [])].sort() : [];
  // Optional: on cron and manual events the CI workflows are filtered out, and a mandatory
  // dependency on a filtered workflow would drop this one too (needs Woodpecker 3.15+).
  if (after.length > 0) doc.depends_on = after.map((name) => ({ name, optional: true }));
  // The agents clone what they need themselves, with their own credentials.
  doc.skip_clone = true;
  doc.steps = [{ name: agent.name, image: PLUGIN_IMAGE, settings: stepSettings(agent.name, input) }];
  return doc;
}

function stepSettings(agent: string, input: Omit<PipelineInput, "agent">): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    agent,
    project: input.project,
    ops_repo: input.opsRepo,
    forge_url: input.forgeUrl,
    forge_token: { from_secret: secretNameFor(input.tokenSecret) },
  };
  if (input.ciUrl !== undefined) {
    settings.ci_url = input.ciUrl;
    settings.ci_token = { from_secret: AGENT_CI_TOKEN_SECRET };
  }
  // The runtime looks a credential up by its NAME, as the `PLUGIN_<NAME>` a setting of that
  // name becomes (src/host/secrets.ts lookupSecret).
  for (const name of [...new Set(input.credentials)].sort()) settings[name.toLowerCase()] = { from_secret: secretNameFor(name) };
  return settings;
}

export { TICK } from "./agents.ts";

/**
 * `.woodpecker/disinto-tick.yml`: one step that surveys every agent and starts the crons of
 * those with work. It reads with the dev identity's token and starts crons with the CI token;
 * it never calls a model, so it gets no backend credential.
 */
export function tickPipelineDoc(input: Omit<PipelineInput, "agent" | "credentials" | "after">): Record<string, unknown> {
  if (input.ciUrl === undefined) throw new Error("the tick needs the CI: it wakes agents through Woodpecker's run-cron-now");
  return {
    when: [{ event: "cron", cron: disintoName(TICK) }, { event: "manual" }],
    skip_clone: true,
    steps: [{ name: TICK, image: PLUGIN_IMAGE, settings: stepSettings(TICK, { ...input, credentials: [] }) }],
  };
}

export function tickPipelineYaml(input: Omit<PipelineInput, "agent" | "credentials" | "after">): string {
  const header = [
    "# disinto tick — written by `disinto init` (schedules.layout = \"tick\").",
    `# Runs on the Woodpecker cron "${disintoName(TICK)}" and on manual pipelines: surveys every agent`,
    "# without tokens and starts the cron of each one with work (their own crons stay disabled).",
    "",
  ].join("\n");
  return header + stringify(tickPipelineDoc(input), { lineWidth: 0 });
}

export function pipelineYaml(input: PipelineInput): string {
  const agent = disintoName(input.agent);
  const prs = pluginAgent(input.agent)?.events.includes("pull_request") ?? false;
  const waits = input.after !== undefined && input.after.length > 0 ? ` after ${[...input.after].sort().join(", ")}` : "";
  const header = [
    `# disinto ${input.agent} agent — written by \`disinto init\`.`,
    `# Runs on the Woodpecker cron "${agent}", on manual pipelines${prs ? `, and on pull requests${waits}` : ""}.`,
    "# Its secrets are restricted to the disinto plugin image and to these events.",
    "",
  ].join("\n");
  return header + stringify(pipelineDoc(input), { lineWidth: 0 });
}

/**
 * The workflow names of a project's own CI, from the files in its `.woodpecker/` folder:
 * the file name without leading dots and extension, as Woodpecker names them. disinto's own
 * workflows are left out.
 */
export function ciWorkflowNames(files: readonly string[]): string[] {
  const names = new Set<string>();
  for (const f of files) {
    const base = f.slice(f.lastIndexOf("/") + 1);
    if (!/\.ya?ml$/.test(base)) continue;
    const name = base.replace(/^\.+/, "").replace(/\.ya?ml$/, "");
    if (name !== "" && !name.startsWith("disinto-")) names.add(name);
  }
  return [...names].sort();
}

/**
 * The commit status contexts a project's CI workflows report on pull requests
 * (`ci/woodpecker/pr/<workflow>`, Woodpecker's default format): the workflows whose top-level
 * `when` lets a `pull_request` event through. `files` maps file names (in `.woodpecker/`) to
 * their text; files that do not parse are left out. disinto's own workflows never count, so a
 * review run's status is never mistaken for the project's CI.
 */
export function pullRequestContexts(files: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    const [name] = ciWorkflowNames([file]);
    if (name === undefined) continue;
    let doc: unknown;
    try {
      doc = parse(text);
    } catch {
      continue;
    }
    if (runsOnPullRequests(doc)) out.push(`ci/woodpecker/pr/${name}`);
  }
  return out.sort();
}

function runsOnPullRequests(doc: unknown): boolean {
  if (doc === null || typeof doc !== "object") return false;
  const when = (doc as { when?: unknown }).when;
  if (when === undefined || when === null) return true;
  const conditions: unknown[] = Array.isArray(when) ? when : [when];
  return conditions.some((c) => {
    const event = c !== null && typeof c === "object" ? (c as { event?: unknown }).event : undefined;
    if (event === undefined || event === null) return true;
    return (Array.isArray(event) ? event : [event]).includes("pull_request");
  });
}

/** The inputs of the pipelines this repository ships as examples (`.woodpecker/disinto-*.yml`). */
export function examplePipeline(agent: PluginAgentName, after: readonly string[]): PipelineInput {
  return {
    agent,
    project: "disinto",
    opsRepo: "disinto/disinto-ops",
    forgeUrl: "https://codeberg.org",
    ciUrl: "https://ci.codeberg.org",
    tokenSecret: `FORGE_${agent.toUpperCase()}_TOKEN`,
    credentials: ["ANTHROPIC_API_KEY"],
    after,
  };
}
