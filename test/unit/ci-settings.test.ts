// settings → PLUGIN_* against every row of the contract's encoding table, plus the
// from_secret rules (lookup, event and image restrictions).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { encodeEnvironment, encodeSettings, goNumber, settingKey } from "../../src/sandbox/ci/settings.ts";
import { imageMatches, secretLookup, SecretError, type SecretDef, type SecretLookup } from "../../src/sandbox/ci/secrets.ts";

const noSecrets: SecretLookup = (n) => {
  throw new SecretError(`secret "${n}" not found`);
};
const fromYaml = (text: string): Record<string, unknown> => parse(text) as Record<string, unknown>;

describe("PLUGIN_* keys", () => {
  it("upper-cases and maps . and - to _ without splitting camelCase", () => {
    assert.equal(settingKey("anInt"), "PLUGIN_ANINT");
    assert.equal(settingKey("dry-run"), "PLUGIN_DRY_RUN");
    assert.equal(settingKey("dry_Run"), "PLUGIN_DRY_RUN");
    assert.equal(settingKey("dry.run"), "PLUGIN_DRY_RUN");
  });
});

describe("PLUGIN_* values (contract table)", () => {
  const settings = fromYaml(`
nothing: null
tilde: ~
str: hello
multi: |
  line one
  line two
yes_bool: true
no_bool: false
int: 1
float: 1.2
list: [1, 2, 3]
strs: [a, b]
with_null: ["a", null]
empty: []
map:
  key: value
  entry2: [a, b, 3]
  secret: {from_secret: SECRET_NAME}
maps: [{name: Jack}, {name: Jill}]
nested_list: [[1, 2], [3]]
comma: ["a,b", c]
`);
  const env = encodeSettings(settings, (n) => (n.toLowerCase() === "secret_name" ? "FooBar" : noSecrets(n)));

  it("null and ~ are not set", () => {
    assert.equal("PLUGIN_NOTHING" in env, false);
    assert.equal("PLUGIN_TILDE" in env, false);
  });
  it("strings as is, multi-line kept", () => {
    assert.equal(env.PLUGIN_STR, "hello");
    assert.equal(env.PLUGIN_MULTI, "line one\nline two\n");
  });
  it("booleans and numbers", () => {
    assert.equal(env.PLUGIN_YES_BOOL, "true");
    assert.equal(env.PLUGIN_NO_BOOL, "false");
    assert.equal(env.PLUGIN_INT, "1");
    assert.equal(env.PLUGIN_FLOAT, "1.2");
  });
  it("lists of scalars comma-joined, null elements empty, [] empty, commas not escaped", () => {
    assert.equal(env.PLUGIN_LIST, "1,2,3");
    assert.equal(env.PLUGIN_STRS, "a,b");
    assert.equal(env.PLUGIN_WITH_NULL, "a,");
    assert.equal(env.PLUGIN_EMPTY, "");
    assert.equal(env.PLUGIN_COMMA, "a,b,c");
  });
  it("maps: compact JSON, keys sorted, numbers kept, from_secret resolved inside", () => {
    assert.equal(env.PLUGIN_MAP, '{"entry2":["a","b",3],"key":"value","secret":"FooBar"}');
  });
  it("lists containing maps or lists: JSON", () => {
    assert.equal(env.PLUGIN_MAPS, '[{"name":"Jack"},{"name":"Jill"}]');
    assert.equal(env.PLUGIN_NESTED_LIST, "[[1,2],[3]]");
  });
  it("a top-level {from_secret} is the secret's value", () => {
    const e = encodeSettings({ token: { from_secret: "Token" } }, (n) => (n === "Token" ? "t0ps3cret" : noSecrets(n)));
    assert.deepEqual(e, { PLUGIN_TOKEN: "t0ps3cret" });
  });
  it("from_secret at depth, in lists and maps; from_secret must be a string", () => {
    const lookup: SecretLookup = (n) => `<${n}>`;
    assert.equal(encodeSettings({ l: [{ from_secret: "a" }, "b"] }, lookup).PLUGIN_L, '["<a>","b"]');
    assert.equal(encodeSettings({ m: { z: { y: [{ from_secret: "deep" }] }, a: 1 } }, lookup).PLUGIN_M, '{"a":1,"z":{"y":["<deep>"]}}');
    assert.throws(() => encodeSettings({ x: { from_secret: 3 } }, lookup), /from_secret has to be a string/);
  });
  it("JSON keys sorted bytewise, integer-like keys included", () => {
    assert.equal(encodeSettings({ m: { b: 1, "10": 2, "9": 3, A: 4 } }, noSecrets).PLUGIN_M, '{"10":2,"9":3,"A":4,"b":1}');
  });
  it("floats as Go %v prints them", () => {
    assert.equal(goNumber(1.2), "1.2");
    assert.equal(goNumber(0.00001), "1e-05");
    assert.equal(goNumber(1234567.5), "1.2345675e+06");
    assert.equal(goNumber(-3), "-3");
  });
});

describe("step environment", () => {
  it("keys verbatim, same value encoding, null unset", () => {
    const e = encodeEnvironment({ lower_key: "x", "My.Key": [1, 2], gone: null, M: { b: 1, a: 2 }, S: { from_secret: "s" } }, () => "v");
    assert.deepEqual(e, { lower_key: "x", "My.Key": "1,2", M: '{"a":2,"b":1}', S: "v" });
  });
});

describe("from_secret lookup rules", () => {
  const secrets: SecretDef[] = [
    { name: "forge_token", value: "ft-1234", events: ["push", "cron", "manual"] },
    { name: "pr_token", value: "pr-1234", events: ["pull_request"] },
    { name: "plugin_only", value: "po-1234", events: ["push"], images: ["codeberg.org/disinto/agent"] },
  ];
  const plugin = { name: "agent", image: "codeberg.org/disinto/agent:1.2", isPlugin: true };
  const shell = { name: "build", image: "alpine", isPlugin: false };

  it("resolves case-insensitively and reports each value for masking", () => {
    const seen: string[] = [];
    const lookup = secretLookup(secrets, { event: "push", step: shell }, (v) => seen.push(v));
    assert.equal(lookup("FORGE_TOKEN"), "ft-1234");
    assert.deepEqual(seen, ["ft-1234"]);
  });
  it('missing secret: secret "x" not found', () => {
    assert.throws(() => secretLookup(secrets, { event: "push", step: shell })("nope"), { name: "SecretError", message: 'secret "nope" not found' });
  });
  it("event restriction, with every pull_request* event counted as pull_request", () => {
    assert.throws(() => secretLookup(secrets, { event: "pull_request", step: shell })("forge_token"), {
      message: 'secret "forge_token" is not allowed to be used with pipeline event "pull_request"',
    });
    assert.equal(secretLookup(secrets, { event: "pull_request_closed", step: shell })("pr_token"), "pr-1234");
    assert.equal(secretLookup(secrets, { event: "cron", step: shell })("forge_token"), "ft-1234");
  });
  it("image filter: plugins only, and only matching images", () => {
    assert.throws(() => secretLookup(secrets, { event: "push", step: shell })("plugin_only"), /secret "plugin_only" is only allowed to be used by plugins/);
    assert.equal(secretLookup(secrets, { event: "push", step: plugin })("plugin_only"), "po-1234");
    assert.throws(
      () => secretLookup(secrets, { event: "push", step: { name: "evil", image: "docker.io/evil/agent", isPlugin: true } })("plugin_only"),
      /secret "plugin_only" is not allowed to be used with image "docker.io\/evil\/agent" by step "evil"/,
    );
  });
  it("secret errors surface through the encoder", () => {
    const lookup = secretLookup(secrets, { event: "pull_request", step: plugin });
    assert.throws(() => encodeSettings({ nested: { list: [{ from_secret: "forge_token" }] } }, lookup), /not allowed to be used with pipeline event "pull_request"/);
  });
  it("image matching: tag-less filters match any tag; docker hub names normalised", () => {
    assert.ok(imageMatches("alpine:3.20", "alpine"));
    assert.ok(imageMatches("docker.io/library/alpine", "alpine"));
    assert.ok(imageMatches("codeberg.org/disinto/agent:1", "codeberg.org/disinto/agent:1"));
    assert.equal(imageMatches("codeberg.org/disinto/agent:2", "codeberg.org/disinto/agent:1"), false);
    assert.equal(imageMatches("codeberg.org/disinto/agentx", "codeberg.org/disinto/agent"), false);
  });
});
