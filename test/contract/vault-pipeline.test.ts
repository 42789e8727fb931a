// The vault dispatcher's pipeline for the ops repo validates against the real Woodpecker schema
// and, loaded by the sandbox CI, runs on a push to main under vault/actions/ and on its cron —
// not on the factory's own state commits, not on other branches.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { loadWorkflows } from "../../src/sandbox/ci/config.ts";
import { evaluateWhen, type WhenContext } from "../../src/sandbox/ci/when.ts";
import { VAULT_PIPELINE_PATH, vaultPipelineYaml } from "../../src/vault/pipeline.ts";
import { contract } from "../helpers/contracts.ts";

const { path: schemaPath, skip } = contract("woodpecker-schema.json");
const input = { project: "shop", opsRepo: "acme/shop-ops", forgeUrl: "https://git.example.com", branch: "main", ciUrl: "https://ci.example.com", tokenSecret: "FORGE_VAULT_TOKEN", secrets: ["WEBHOOK_URL", "RELEASE_TOKEN"] };

describe("the vault pipeline of the ops repo", () => {
  it("validates against the Woodpecker schema", { skip }, () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")) as object);
    for (const i of [input, { ...input, ciUrl: undefined, secrets: [] }]) assert.ok(validate(parse(vaultPipelineYaml(i))), JSON.stringify(validate.errors));
  });

  it("hands the step only from_secret values: the vault token and each allowlisted secret", () => {
    const doc = parse(vaultPipelineYaml(input)) as { steps: { settings: Record<string, unknown> }[] };
    const s = doc.steps[0]!.settings;
    assert.deepEqual(s.forge_token, { from_secret: "forge_vault_token" });
    assert.deepEqual(s.webhook_url, { from_secret: "webhook_url" });
    assert.deepEqual(s.release_token, { from_secret: "release_token" });
    assert.equal(s.agent, "vault");
  });

  it("the sandbox CI starts it on a push under vault/actions/ to main and on its cron, not otherwise", () => {
    const [wf] = loadWorkflows({ [VAULT_PIPELINE_PATH]: vaultPipelineYaml(input) });
    assert.ok(wf);
    assert.deepEqual(wf.unsupported, []);
    const ctx = (over: Partial<WhenContext>): WhenContext => ({ event: "push", branch: "main", ref: "refs/heads/main", changedFiles: [], commitMessage: "m", repo: "acme/shop-ops", platform: "linux/amd64", instance: "ci", env: {}, ...over });
    const runs = (over: Partial<WhenContext>): boolean => evaluateWhen(wf.when, ctx(over)).match;
    assert.equal(runs({ changedFiles: ["vault/actions/rel-1.toml"] }), true);
    assert.equal(runs({ changedFiles: ["vault/results/rel-1.json"] }), false);
    assert.equal(runs({ changedFiles: ["locks/dev.json", "journal/dev/x.md"] }), false);
    assert.equal(runs({ branch: "vault/rel-1", ref: "refs/heads/vault/rel-1", changedFiles: ["vault/actions/rel-1.toml"] }), false);
    assert.equal(runs({ event: "cron", cron: "disinto-vault", changedFiles: [] }), true);
    assert.equal(runs({ event: "cron", cron: "disinto-dev", changedFiles: [] }), false);
  });
});
