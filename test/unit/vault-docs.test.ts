// docs.md (the plugin's page) describes the vault dispatcher with the project-repo agents: its
// row says it runs on the ops repo and on which events, and the example pipeline is the one
// init writes, whose secrets arrive only through from_secret.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { pluginDocs } from "../../src/build/plugin.ts";
import { VAULT_AGENT, vaultPipelineDoc } from "../../src/vault/pipeline.ts";

describe("docs.md and the vault", () => {
  const docs = pluginDocs();
  it("lists the vault in the agent table as an agent of the ops repo", () => {
    const row = docs.split("\n").find((l) => l.startsWith("| `vault` |"));
    assert.ok(row, "no vault row in the agent table");
    assert.ok(row.includes(VAULT_AGENT.summary));
    assert.match(row, /ops repo.*vault\/actions\/\*\*.*cron `disinto-vault`, manual/);
  });
  const example = (): unknown => {
    const m = /# \.woodpecker\/disinto-vault\.yml in the ops repo\n([\s\S]*?)```/.exec(docs);
    assert.ok(m, "no vault pipeline example");
    return parse(m[1]!);
  };
  it("shows the ops repo's pipeline as init writes it", () => {
    assert.deepEqual(example(), vaultPipelineDoc({ project: "myproject", opsRepo: "me/myproject-ops", forgeUrl: "https://forge.example.org", branch: "main", tokenSecret: "FORGE_VAULT_TOKEN", secrets: ["WEBHOOK_URL"] }));
  });
  it("its secrets arrive only through from_secret: the vault token and the allowlisted secret; every other setting is a plain value", () => {
    const doc = example() as { steps: Record<string, unknown>[] };
    assert.equal(doc.steps.length, 1);
    const step = doc.steps[0]!;
    // No environment block, no commands: the settings are all the step gets.
    assert.deepEqual(Object.keys(step).sort(), ["image", "name", "settings"]);
    const settings = step.settings as Record<string, unknown>;
    const plain = Object.entries(settings).filter(([, v]) => typeof v === "string");
    const secret = Object.entries(settings).filter(([, v]) => typeof v !== "string");
    assert.deepEqual(plain.map(([k]) => k).sort(), ["agent", "forge_url", "ops_repo", "project"]);
    assert.deepEqual(Object.fromEntries(secret), { forge_token: { from_secret: "forge_vault_token" }, webhook_url: { from_secret: "webhook_url" } });
  });
});
