// The pipelines `disinto init` writes: how each agent is selected (cron name, manual, pull
// requests after the project's CI), and that the step's settings reach the agent as the
// settings and credentials it reads — through Woodpecker's own encoding.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { agentSettingsSchema } from "../../src/agents/runtime.ts";
import { loadSettings } from "../../src/host/settings.ts";
import { lookupSecret } from "../../src/host/secrets.ts";
import { PLUGIN_AGENTS, type PluginAgentName } from "../../src/init/agents.ts";
import { AGENT_CI_TOKEN_SECRET, ciWorkflowNames, pipelineDoc, pipelinePath, pipelineYaml, pullRequestContexts, secretNameFor, type PipelineInput } from "../../src/init/templates.ts";
import { PLUGIN_IMAGE } from "../../src/lib/plugin-image.ts";
import { encodeSettings } from "../../src/sandbox/ci/settings.ts";

const base = (agent: PluginAgentName, extra: Partial<PipelineInput> = {}): PipelineInput => ({
  agent,
  project: "shop",
  opsRepo: "acme/shop-ops",
  forgeUrl: "https://git.example.com",
  ciUrl: "https://ci.example.com",
  tokenSecret: `FORGE_${agent.toUpperCase()}_TOKEN`,
  credentials: ["ANTHROPIC_API_KEY"],
  ...extra,
});

interface Step {
  name: string;
  image: string;
  settings: Record<string, unknown>;
}

const stepOf = (doc: Record<string, unknown>): Step => (doc.steps as Step[])[0] as Step;

describe("pipeline templates", () => {
  it("dev: selected by its cron and by manual pipelines only, one plugin step with a literal agent", () => {
    const doc = pipelineDoc(base("dev", { after: ["test"] }));
    assert.deepEqual(doc.when, [{ event: "cron", cron: "disinto-dev" }, { event: "manual" }]);
    assert.equal(doc.depends_on, undefined, "dev does not run on pull requests, so it waits for nothing");
    assert.equal(doc.skip_clone, true);
    const steps = doc.steps as Step[];
    assert.equal(steps.length, 1);
    assert.equal(steps[0]?.image, PLUGIN_IMAGE);
    assert.equal(steps[0]?.settings.agent, "dev");
    assert.equal(pipelinePath("dev"), ".woodpecker/disinto-dev.yml");
  });

  it("review: also on pull requests, after the project's CI workflows as optional dependencies", () => {
    const doc = pipelineDoc(base("review", { after: ["test", "lint", "test"] }));
    assert.deepEqual(doc.when, [{ event: "cron", cron: "disinto-review" }, { event: "manual" }, { event: "pull_request" }]);
    assert.deepEqual(doc.depends_on, [
      { name: "lint", optional: true },
      { name: "test", optional: true },
    ]);
    assert.equal(pipelineDoc(base("review", { after: [] })).depends_on, undefined);
  });

  it("tokens only through from_secret, under Woodpecker's lower-cased secret names", () => {
    const s = stepOf(pipelineDoc(base("review", { credentials: ["OPENAI_KEY", "ANTHROPIC_API_KEY"] }))).settings;
    assert.deepEqual(s.forge_token, { from_secret: "forge_review_token" });
    assert.deepEqual(s.ci_token, { from_secret: AGENT_CI_TOKEN_SECRET });
    assert.deepEqual(s.anthropic_api_key, { from_secret: "anthropic_api_key" });
    assert.deepEqual(s.openai_key, { from_secret: "openai_key" });
    for (const [k, v] of Object.entries(s)) {
      if (/token|key|password/.test(k)) assert.equal(typeof v, "object", `${k} must come from a secret`);
    }
    assert.equal(secretNameFor("FORGE_DEV_TOKEN"), "forge_dev_token");
    // without a CI URL there is no CI token either
    const noCi = stepOf(pipelineDoc(base("dev", { ciUrl: undefined }))).settings;
    assert.equal(noCi.ci_url, undefined);
    assert.equal(noCi.ci_token, undefined);
  });

  it("the step's settings reach the agent: Woodpecker's encoding, then the agent's settings loader", () => {
    const secrets: Record<string, string> = { forge_dev_token: "tok-dev-0123456789", [AGENT_CI_TOKEN_SECRET]: "tok-ci-0123456789", anthropic_api_key: "sk-ant-0123456789" };
    const s = stepOf(parse(pipelineYaml(base("dev"))) as Record<string, unknown>).settings;
    const env = encodeSettings(s, (name) => {
      const v = secrets[name.toLowerCase()];
      if (v === undefined) throw new Error(`secret ${name} not found`);
      return v;
    });
    const warnings: string[] = [];
    const settings = loadSettings(agentSettingsSchema, { env, onWarning: (w) => warnings.push(w) });
    assert.equal(settings.agent, "dev");
    assert.equal(settings.project, "shop");
    assert.equal(settings.ops_repo, "acme/shop-ops");
    assert.equal(settings.forge_url, "https://git.example.com");
    assert.equal(settings.forge_token, "tok-dev-0123456789");
    assert.equal(settings.ci_url, "https://ci.example.com");
    assert.equal(settings.ci_token, "tok-ci-0123456789");
    // the backend credential is no setting: the runtime finds it by its NAME
    assert.equal(lookupSecret(env, "ANTHROPIC_API_KEY"), "sk-ant-0123456789");
    // every other key is a setting of the agent
    const known = new Set(Object.keys(agentSettingsSchema.shape));
    assert.deepEqual(Object.keys(s).filter((k) => !known.has(k)), ["anthropic_api_key"]);
  });

  it("the YAML is the document with a header that says how the workflow is selected", () => {
    const text = pipelineYaml(base("review", { after: ["ci"] }));
    assert.match(text, /^# disinto review agent — written by `disinto init`\.\n# Runs on the Woodpecker cron "disinto-review", on manual pipelines, and on pull requests after ci\./);
    assert.deepEqual(parse(text), pipelineDoc(base("review", { after: ["ci"] })));
  });

  it("an agent without a template is refused", () => {
    // Every scheduled agent ships now: a name outside them stands for one that does not.
    assert.throws(() => pipelineDoc({ ...base("dev"), agent: "nosuch" as never }), /no pipeline template for agent "nosuch"/);
  });

  it("every agent that ships has a template", () => {
    for (const a of PLUGIN_AGENTS) assert.equal(stepOf(pipelineDoc(base(a.name))).settings.agent, a.name);
  });
});

describe("ciWorkflowNames", () => {
  it("names workflows as Woodpecker does and leaves disinto's own out", () => {
    assert.deepEqual(ciWorkflowNames(["test.yml", ".lint.yaml", "disinto-dev.yml", "README.md", ".woodpecker/build.yml", "test.yaml"]), ["build", "lint", "test"]);
    assert.deepEqual(ciWorkflowNames([]), []);
  });
});

describe("pullRequestContexts", () => {
  it("lists the status contexts of the workflows that run on pull requests", () => {
    const steps = "steps: [{name: t, image: alpine, commands: [x]}]\n";
    const files = {
      "test.yml": `when: {event: [push, pull_request]}\n${steps}`,
      "lint.yaml": `when: [{event: push}, {event: pull_request, branch: main}]\n${steps}`,
      "always.yml": steps,
      "no-event.yml": `when: {branch: main}\n${steps}`,
      "deploy.yml": `when: {event: tag}\n${steps}`,
      "nightly.yml": `when: [{event: cron, cron: nightly}]\n${steps}`,
      "disinto-review.yml": pipelineYaml(base("review")),
      "broken.yml": "when: [\n",
      "notes.txt": "when: {event: pull_request}",
    };
    assert.deepEqual(pullRequestContexts(files), ["ci/woodpecker/pr/always", "ci/woodpecker/pr/lint", "ci/woodpecker/pr/no-event", "ci/woodpecker/pr/test"]);
  });
});
