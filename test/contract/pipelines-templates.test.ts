// Every pipeline `disinto init` can write — each agent, with and without CI workflows to wait
// for, with each kind of backend credential — and the ones this repository ships validate
// against the real Woodpecker schema (v3.17.0, ../shared/contracts) and load in the sandbox CI.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { PLUGIN_AGENTS } from "../../src/init/agents.ts";
import { pipelinePath, pipelineYaml, type PipelineInput } from "../../src/init/templates.ts";
import { loadWorkflows } from "../../src/sandbox/ci/config.ts";
import { contract } from "../helpers/contracts.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { path: schemaPath, skip } = contract("woodpecker-schema.json");

function validator(): (doc: unknown) => string[] {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")) as object);
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`));
}

/** Every variation of the inputs that changes the pipeline's shape. */
function variants(): PipelineInput[] {
  const out: PipelineInput[] = [];
  for (const a of PLUGIN_AGENTS) {
    for (const after of [[], ["test"], ["lint", "test", "build"]]) {
      for (const credentials of [[], ["ANTHROPIC_API_KEY"], ["CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_BASE_URL"], ["LLM_API_KEY"]]) {
        for (const ciUrl of ["https://ci.example.com", undefined]) {
          out.push({ agent: a.name, project: "shop", opsRepo: "acme/shop-ops", forgeUrl: "https://git.example.com", ciUrl, tokenSecret: `FORGE_${a.name.toUpperCase()}_TOKEN`, credentials, after });
        }
      }
    }
  }
  return out;
}

describe("generated pipelines against the Woodpecker schema", () => {
  it("every template init generates validates and loads in the sandbox CI", { skip }, () => {
    const validate = validator();
    const all = variants();
    assert.ok(all.length >= 2 * 3 * 4 * 2);
    for (const input of all) {
      const text = pipelineYaml(input);
      const label = `${input.agent} after [${(input.after ?? []).join(",")}] credentials [${input.credentials.join(",")}] ci ${input.ciUrl ?? "none"}`;
      assert.deepEqual(validate(parse(text)), [], label);
      // with the CI workflows it waits for beside it, as in the project repo
      const files: Record<string, string> = { [pipelinePath(input.agent)]: text };
      for (const w of input.after ?? []) files[`.woodpecker/${w}.yml`] = "when: {event: [push, pull_request]}\nsteps: [{name: t, image: alpine, commands: [\"true\"]}]\n";
      const wfs = loadWorkflows(files);
      const mine = wfs.find((w) => w.name === `disinto-${input.agent}`);
      assert.ok(mine, label);
    }
  });

  it("this repository's .woodpecker/disinto-*.yml validate", { skip }, () => {
    const validate = validator();
    const dir = join(root, ".woodpecker");
    const ours = readdirSync(dir).filter((f) => /^disinto-.*\.ya?ml$/.test(f));
    // one per agent, and the light tick that wakes them
    assert.deepEqual(ours.sort(), [...PLUGIN_AGENTS.map((a) => `disinto-${a.name}.yml`), "disinto-tick.yml"].sort());
    for (const f of ours) assert.deepEqual(validate(parse(readFileSync(join(dir, f), "utf8"))), [], f);
  });
});
