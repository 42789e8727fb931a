// The manifest policy checks a judgment agent's vault_request against the vault's own rules
// (formulas that exist, the project's secrets allowlist, no secret for an LLM formula) before
// anything is applied, so a manifest the vault would refuse is rejected whole.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Action, Manifest } from "../../src/manifest/actions.ts";
import { checkPolicy, policy, type Snapshot } from "../../src/manifest/policy.ts";

const P = policy({ agent: "gardener", kinds: ["ops_write", "vault_request"], vaultFormulas: ["webhook", "summarise", "ghost"] });
const RULES = { formulas: ["webhook", "release", "summarise"], secrets: ["WEBHOOK_URL", "RELEASE_TOKEN"], llmFormulas: ["summarise"] };
const SNAP: Snapshot = { targets: new Map(), vault: RULES };
const write: Action = { kind: "ops_write", path: "gardener/notes.md", text: "x", message: "notes" };
const ask = (over: Partial<Extract<Action, { kind: "vault_request" }>> = {}): Action => ({ kind: "vault_request", id: "notify-1", formula: "webhook", context: "the release is out", secrets: ["WEBHOOK_URL"], params: {}, ...over });
const m = (...actions: Action[]): Manifest => ({ summary: "test", actions });

describe("vault_request in the manifest policy", () => {
  it("passes a request the vault would take", () => {
    assert.deepEqual(checkPolicy(m(write, ask()), P, SNAP), { ok: true });
  });

  const rows: [string, Action, RegExp][] = [
    ["a secret outside the allowlist", ask({ secrets: ["WEBHOOK_URL", "NPM_TOKEN"] }), /^secrets\.1: NPM_TOKEN is not in the project config's \[vault\] secrets allowlist \(WEBHOOK_URL, RELEASE_TOKEN\)$/],
    ["a formula that does not exist", ask({ formula: "ghost", secrets: [] }), /^formula: unknown formula "ghost" \(known: webhook, release, summarise\)$/],
    ["a secret for an LLM formula", ask({ formula: "summarise" }), /^secrets: summarise is an LLM formula: it runs like an agent and gets no secret$/],
    ["an id the vault cannot store", ask({ id: "../escape" }), /^id: /],
  ];
  for (const [what, action, message] of rows) {
    it(`rejects the whole manifest for ${what}`, () => {
      const r = checkPolicy(m(write, action), P, SNAP);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.ok(r.violations.every((v) => v.index === 1 && v.rule === "vault" && v.kind === "vault_request"), JSON.stringify(r.violations));
      assert.ok(r.violations.some((v) => message.test(v.message)), JSON.stringify(r.violations));
    });
  }

  it("rejects a request when the vault's rules were not read", () => {
    const r = checkPolicy(m(ask()), P, { targets: new Map() });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.violations[0]!.message, /vault's rules .* were not read/);
  });
});
