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
  it("shows the ops repo's pipeline as init writes it", () => {
    const m = /# \.woodpecker\/disinto-vault\.yml in the ops repo\n([\s\S]*?)```/.exec(docs);
    assert.ok(m, "no vault pipeline example");
    const doc = parse(m[1]!) as ReturnType<typeof vaultPipelineDoc>;
    assert.deepEqual(doc, vaultPipelineDoc({ project: "myproject", opsRepo: "me/myproject-ops", forgeUrl: "https://forge.example.org", branch: "main", tokenSecret: "FORGE_VAULT_TOKEN", secrets: ["WEBHOOK_URL"] }));
  });
});
