// The vault action schema, the tier policy and `disinto vault classify`: unknown keys, unknown
// formulas and secrets outside the allowlist are refused naming the key; an unknown formula is
// high; blast_radius raises always and lowers only where the policy allows.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import { parseAction, renderAction } from "../../src/vault/action.ts";
import { classify, mergePolicy, parsePolicy, SHIPPED_POLICY } from "../../src/vault/tiers.ts";
import { captureIo } from "../helpers/io.ts";

const RULES = { formulas: ["release", "webhook", "ask"], secrets: ["RELEASE_TOKEN", "WEBHOOK_URL"], llmFormulas: ["ask"] };

describe("vault action schema", () => {
  it("accepts a full action and renders it back to the same action", () => {
    const text = 'id = "rel-1"\nformula = "release"\ncontext = "ship it"\nsecrets = ["RELEASE_TOKEN"]\ntimeout_minutes = 5\nblast_radius = "high"\n\n[params]\nversion = "1.0.0"\n';
    const r = parseAction(text, "vault/actions/rel-1.toml", RULES);
    assert.ok(r.ok, JSON.stringify(r));
    const again = parseAction(renderAction(r.action), "vault/actions/rel-1.toml", RULES);
    assert.ok(again.ok);
    assert.deepEqual(again.action, r.action);
  });

  const bad: [string, string, RegExp][] = [
    ["an unknown key", 'id = "a"\nformula = "release"\ncontext = "c"\nmounts = ["ssh"]\n', /^mounts|unknown key "mounts"/],
    ["an unknown formula", 'id = "a"\nformula = "deploy"\ncontext = "c"\n', /formula: unknown formula "deploy" \(known: release, webhook, ask\)/],
    ["a secret outside the allowlist", 'id = "a"\nformula = "release"\ncontext = "c"\nsecrets = ["AWS_KEY"]\n', /secrets\.0: AWS_KEY is not in the project config's \[vault\] secrets allowlist/],
    ["a secret for an LLM formula", 'id = "a"\nformula = "ask"\ncontext = "c"\nsecrets = ["WEBHOOK_URL"]\n', /secrets: ask is an LLM formula: it runs like an agent and gets no secret/],
    ["an empty context", 'id = "a"\nformula = "release"\ncontext = "  "\n', /context: must not be empty/],
    ["an id that does not match the file", 'id = "b"\nformula = "release"\ncontext = "c"\n', /id: is "b" but the file is a\.toml/],
    ["a bad tier", 'id = "a"\nformula = "release"\ncontext = "c"\nblast_radius = "huge"\n', /blast_radius/],
    ["TOML that does not parse", 'id = "a\n', /not valid TOML/],
  ];
  for (const [what, text, message] of bad) {
    it(`refuses ${what}, naming the file and key`, () => {
      const r = parseAction(text, "vault/actions/a.toml", RULES);
      assert.equal(r.ok, false);
      if (r.ok) return;
      const lines = r.issues.map((i) => `${i.file}: ${i.path ? `${i.path}: ` : ""}${i.message}`);
      assert.ok(lines.every((l) => l.startsWith("vault/actions/a.toml")), lines.join("\n"));
      assert.ok(lines.some((l) => message.test(l.replace(/^vault\/actions\/a\.toml: /, ""))), lines.join("\n"));
    });
  }
});

describe("vault tiers", () => {
  const policy = mergePolicy(SHIPPED_POLICY, parsePolicy('[tiers]\nnotify = "medium"\nrotate = "medium"\n[lowest]\nnotify = "low"\n', "vault/policy.toml"));

  it("takes the policy's tier; an unknown formula is high (default deny)", () => {
    assert.equal(classify({ formula: "release" }, policy).tier, "high");
    assert.equal(classify({ formula: "webhook" }, policy).tier, "medium");
    const unknown = classify({ formula: "mystery" }, policy);
    assert.equal(unknown.tier, "high");
    assert.match(unknown.reasons[0]!, /does not name mystery: high \(default deny\)/);
  });

  it("blast_radius raises a tier always", () => {
    const c = classify({ formula: "notify", blast_radius: "high" }, policy);
    assert.equal(c.tier, "high");
    assert.match(c.reasons[1]!, /raises it to high/);
  });

  it("blast_radius lowers a tier only where the policy allows", () => {
    assert.equal(classify({ formula: "notify", blast_radius: "low" }, policy).tier, "low");
    const refused = classify({ formula: "rotate", blast_radius: "low" }, policy);
    assert.equal(refused.tier, "medium");
    assert.match(refused.reasons[1]!, /ignored: the policy lets nothing lower rotate/);
    assert.equal(classify({ formula: "mystery", blast_radius: "low" }, policy).tier, "high");
  });

  it("the ops repo's policy overrides the shipped one formula by formula", () => {
    const raised = mergePolicy(SHIPPED_POLICY, parsePolicy('[tiers]\nwebhook = "high"\n', "p"));
    assert.equal(classify({ formula: "webhook" }, raised).tier, "high");
    assert.equal(classify({ formula: "release" }, raised).tier, "high");
    assert.throws(() => parsePolicy('[tiers]\nwebhook = "urgent"\n', "vault/policy.toml"), /vault\/policy\.toml: tiers\.webhook/);
  });
});

describe("disinto vault classify", () => {
  it("prints the tier and why; exit 2 naming the key for an invalid file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vault-classify-"));
    await writeFile(join(dir, "a.toml"), 'id = "a"\nformula = "webhook"\ncontext = "tell chat"\nblast_radius = "high"\n');
    await writeFile(join(dir, "policy.toml"), '[tiers]\nwebhook = "low"\n');
    await writeFile(join(dir, "bad.toml"), 'id = "a"\nformula = "webhook"\ncontext = "c"\nextra = true\n');
    const io = captureIo({}, dir);
    assert.equal(await main(["vault", "classify", "a.toml"], io), 0, io.err());
    assert.match(io.out(), /^a: high\n {2}- the policy puts webhook at medium\n {2}- blast_radius raises it to high\n/);
    const io2 = captureIo({}, dir);
    assert.equal(await main(["vault", "classify", "bad.toml", "--policy", "policy.toml", "--json"], io2), 2);
    assert.match(io2.err(), /bad\.toml: unknown key "extra"/);
    const io3 = captureIo({}, dir);
    await writeFile(join(dir, "b.toml"), 'id = "b"\nformula = "webhook"\ncontext = "c"\n');
    assert.equal(await main(["vault", "classify", "b.toml", "--policy", "policy.toml", "--json"], io3), 0, io3.err());
    assert.equal((JSON.parse(io3.out()) as { tier: string }).tier, "low");
  });

  it("disinto schema vault-action prints a JSON Schema that refuses unknown keys", async () => {
    const io = captureIo();
    assert.equal(await main(["schema", "vault-action"], io), 0);
    const schema = JSON.parse(io.out()) as { additionalProperties: unknown; required: unknown };
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.required, ["id", "formula", "context"]);
  });
});
