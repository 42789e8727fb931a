// A judgment agent's `vault_request` on the sandbox forge: applied through the vault (a PR
// `vault: <id>` waiting for approval), its journal entry names the PR, a second apply finds
// the first request; a formula outside the agent's policy, or a secret outside the project's
// allowlist, applies nothing.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Manifest } from "../../src/manifest/actions.ts";
import { policy } from "../../src/manifest/policy.ts";
import { runDecided } from "../../src/manifest/run.ts";
import { manifestWorld, type ManifestWorld } from "../fixtures/manifest/world.ts";

const P = policy({ agent: "gardener", kinds: ["vault_request"], vaultFormulas: ["webhook"] });
const manifest = (secrets: string[] = [], formula = "webhook"): Manifest => ({
  summary: "tell the chat",
  actions: [{ kind: "vault_request", id: "notify-1", formula, context: "the release is out", secrets, params: { payload: '{"text":"out"}' } }],
});

describe("vault_request in a manifest", () => {
  let w: ManifestWorld;
  before(async () => {
    w = await manifestWorld();
  });
  after(() => w.stop());

  it("opens the approval PR, journals it, and finds it again on a second apply", async () => {
    const p = await w.project("vreq", []);
    await p.ops.labels.ensure([
      { name: "vault", color: "5319e7" },
      { name: "pending-approval", color: "fbca04" },
    ]);
    const r1 = await p.run(async (rt) => (await runDecided(rt, { task: "notify", manifest: manifest(), policy: P })).outcome);
    assert.equal(r1.code, 0, r1.out);
    const pr = (await p.ops.pulls.findByHead("vault/notify-1", { state: "all" }))!;
    assert.equal(pr.title, "vault: notify-1");
    assert.equal(pr.author, "gardener-bot");
    assert.deepEqual([...pr.labels].sort(), ["pending-approval", "vault"]);
    const day = new Date().toISOString().slice(0, 10);
    const journal = (await p.ops.contents.get(`journal/gardener/${day}.md`))!.text;
    assert.match(journal, new RegExp(`vault request notify-1 \\(webhook\\).*requested: PR #${pr.number} .*\\(tier medium\\)`));

    const r2 = await p.run(async (rt) => (await runDecided(rt, { task: "notify", manifest: manifest(), policy: P })).outcome);
    assert.equal(r2.code, 0, r2.out);
    assert.match(r2.out, /requested before: PR #1/);
    assert.equal((await p.ops.pulls.list({ state: "all" })).length, 1);
  });

  it("applies nothing for a formula the policy does not allow or a secret outside the allowlist", async () => {
    const p = await w.project("vreq2", []);
    const r1 = await p.run(async (rt) => (await runDecided(rt, { task: "notify", manifest: manifest([], "release"), policy: P })).outcome);
    assert.notEqual(r1.code, 0);
    assert.match(r1.out, /gardener may not request the vault formula release/);
    const r2 = await p.run(async (rt) => (await runDecided(rt, { task: "notify", manifest: manifest(["WEBHOOK_URL"]), policy: P })).outcome);
    assert.notEqual(r2.code, 0);
    assert.match(r2.out, /secrets\.0: WEBHOOK_URL is not in the project config's \[vault\] secrets allowlist/);
    assert.deepEqual(await p.ops.pulls.list({ state: "all" }), []);
    assert.deepEqual(await p.ops.contents.list("vault"), []);
  });

  it("rejects a manifest whose vault_request the vault would refuse before applying any of it", async () => {
    const p = await w.project("vreq3", []);
    const both = policy({ agent: "gardener", kinds: ["ops_write", "vault_request"], vaultFormulas: ["webhook"] });
    // ops_write is applied before vault_request: a check at apply time would leave it written.
    const m: Manifest = { summary: "note and notify", actions: [{ kind: "ops_write", path: "gardener/notes.md", text: "noted\n", message: "notes" }, ...manifest(["NPM_TOKEN"]).actions] };
    const r = await p.run(async (rt) => (await runDecided(rt, { task: "notify", manifest: m, policy: both })).outcome);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /action 1 \(vault_request\): vault: secrets\.0: NPM_TOKEN is not in the project config's \[vault\] secrets allowlist/);
    assert.equal(await p.ops.contents.get("gardener/notes.md"), undefined);
    assert.deepEqual(await p.ops.pulls.list({ state: "all" }), []);
  });
});
