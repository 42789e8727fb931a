import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { z } from "zod";
import { ConfigError, exitCodeOf } from "../../src/lib/errors.ts";
import { MASK, Redactor } from "../../src/lib/redact.ts";
import { baseSettingsSchema, loadSettings, peekSetting, settingsCliOptions } from "../../src/host/settings.ts";
import { isSecretKey } from "../../src/host/secrets.ts";

// An agent's schema: the base plus fields of every kind the decoder must handle.
const agentSchema = baseSettingsSchema.extend({
  labels: z.array(z.string()).default([]).describe("Labels to pick up."),
  limits: z.array(z.number()).optional(),
  backends: z.record(z.string(), z.object({ url: z.url().optional(), api_key: z.string().optional(), models: z.array(z.string()).optional() })).optional(),
  matrix: z.array(z.unknown()).optional(),
  max_turns: z.number().int().positive().optional(),
  review_token: z.string().regex(/^rv-/, "does not start with rv-").optional(),
});

const CANARY = "cAnArY-s3cr3t-4c1d";

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a ConfigError");
}

describe("loadSettings from Woodpecker (PLUGIN_*)", () => {
  it("decodes scalars by the field's type and applies defaults", () => {
    const s = loadSettings(agentSchema, {
      env: { PLUGIN_AGENT: "dev", PLUGIN_FORGE_URL: "https://git.example.com", PLUGIN_DRY_RUN: "true", PLUGIN_TIMEOUT_MINUTES: "30", PLUGIN_LOG_LEVEL: "DEBUG", PLUGIN_MAX_TURNS: "40" },
    });
    assert.equal(s.agent, "dev");
    assert.equal(s.forge_url, "https://git.example.com");
    assert.equal(s.dry_run, true);
    assert.equal(s.timeout_minutes, 30);
    assert.equal(s.log_level, "debug");
    assert.equal(s.log_format, "text");
    assert.equal(s.max_turns, 40);
    assert.deepEqual(s.labels, []);
  });

  it("accepts the boolean spellings 1/0, yes/no", () => {
    for (const [v, want] of [["1", true], ["0", false], ["yes", true], ["No", false], ["false", false]] as const) {
      assert.equal(loadSettings(baseSettingsSchema, { env: { PLUGIN_DRY_RUN: v } }).dry_run, want, v);
    }
  });

  it("splits a list of scalars from its comma-joined form, and decodes its elements", () => {
    const s = loadSettings(agentSchema, { env: { PLUGIN_LABELS: "backlog,priority, bug-report", PLUGIN_LIMITS: "1,2.5,3" } });
    assert.deepEqual(s.labels, ["backlog", "priority", "bug-report"]);
    assert.deepEqual(s.limits, [1, 2.5, 3]);
  });

  it("reads an empty list (Woodpecker encodes [] as an empty string)", () => {
    assert.deepEqual(loadSettings(agentSchema, { env: { PLUGIN_LABELS: "" } }).labels, []);
  });

  it("parses a map from compact JSON, and a list containing maps and lists", () => {
    const s = loadSettings(agentSchema, {
      env: {
        PLUGIN_BACKENDS: '{"local":{"models":["a","b"],"url":"http://llama:8080"}}',
        PLUGIN_MATRIX: '[{"name":"Jack"},["a","b",3]]',
        PLUGIN_LABELS: '["x,y","z"]',
      },
    });
    assert.deepEqual(s.backends, { local: { models: ["a", "b"], url: "http://llama:8080" } });
    assert.deepEqual(s.matrix, [{ name: "Jack" }, ["a", "b", 3]]);
    assert.deepEqual(s.labels, ["x,y", "z"]);
  });

  it("registers a from_secret value inside a JSON map with the redactor", () => {
    const redactor = new Redactor();
    const s = loadSettings(agentSchema, { env: { PLUGIN_BACKENDS: `{"openai":{"api_key":"${CANARY}","url":"https://api.example.com"}}` }, redactor });
    assert.equal(s.backends?.openai?.api_key, CANARY);
    assert.equal(redactor.redact(`key is ${CANARY}`), `key is ${MASK}`);
    assert.equal(redactor.redact("https://api.example.com"), "https://api.example.com");
  });

  it("registers every secret-named setting with the redactor", () => {
    const redactor = new Redactor();
    loadSettings(agentSchema, { env: { PLUGIN_FORGE_TOKEN: `${CANARY}-forge`, PLUGIN_CI_TOKEN: `${CANARY}-ci`, PLUGIN_PROJECT: "shop" }, redactor });
    assert.deepEqual([...redactor.values].sort(), [`${CANARY}-ci`, `${CANARY}-forge`]);
  });

  it("warns about a PLUGIN_* variable no field reads", () => {
    const warnings: string[] = [];
    loadSettings(baseSettingsSchema, { env: { PLUGIN_FORGE_TOKNE: "x", PLUGIN_AGENT: "dev" }, onWarning: (w) => warnings.push(w) });
    assert.deepEqual(warnings, ["settings: `forge_tokne` (PLUGIN_FORGE_TOKNE) is not a setting of this agent; ignored"]);
  });
});

describe("loadSettings from Actions, env and flags", () => {
  it("reads INPUT_* the way GitHub names inputs (upper case, dashes kept)", () => {
    const s = loadSettings(agentSchema, { env: { INPUT_AGENT: "review", "INPUT_OPS-REPO": "acme/shop-ops", INPUT_LABELS: "a,b", INPUT_DRY_RUN: "false" } });
    assert.equal(s.agent, "review");
    assert.equal(s.ops_repo, "acme/shop-ops");
    assert.deepEqual(s.labels, ["a", "b"]);
    assert.equal(s.dry_run, false);
  });

  it("treats an empty input as not given (Actions passes unset inputs and missing secrets as \"\")", () => {
    const s = loadSettings(baseSettingsSchema, { env: { PLUGIN_PROJECT: "shop", INPUT_PROJECT: "", INPUT_FORGE_TOKEN: "" } });
    assert.equal(s.project, "shop");
    assert.equal(s.forge_token, undefined);
  });

  it("reads DISINTO_* variables", () => {
    const s = loadSettings(baseSettingsSchema, { env: { DISINTO_CI_URL: "https://ci.example.com", DISINTO_LOG_FORMAT: "json" } });
    assert.equal(s.ci_url, "https://ci.example.com");
    assert.equal(s.log_format, "json");
  });

  it("reads CLI flags by their kebab-case names, as parseArgs returns them", () => {
    const options = settingsCliOptions(agentSchema);
    const { values } = parseArgs({
      args: ["--forge-url", "https://git.example.com", "--dry-run", "--timeout-minutes", "12", "--labels", "a,b"],
      options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type }])),
      strict: true,
    });
    const s = loadSettings(agentSchema, { env: {}, flags: values });
    assert.equal(s.forge_url, "https://git.example.com");
    assert.equal(s.dry_run, true);
    assert.equal(s.timeout_minutes, 12);
    assert.deepEqual(s.labels, ["a", "b"]);
  });

  it("orders the sources PLUGIN_ < INPUT_ < DISINTO_ < flag", () => {
    const env = { PLUGIN_PROJECT: "from-plugin", INPUT_PROJECT: "from-input", DISINTO_PROJECT: "from-env" };
    const flags = { project: "from-flag" };
    const project = (e: Record<string, string>, f = {}) => loadSettings(baseSettingsSchema, { env: e, flags: f }).project;
    assert.equal(project(env, flags), "from-flag");
    assert.equal(project(env), "from-env");
    const { DISINTO_PROJECT: _d, ...withoutEnv } = env;
    assert.equal(project(withoutEnv), "from-input");
    const { INPUT_PROJECT: _i, ...pluginOnly } = withoutEnv;
    assert.equal(project(pluginOnly), "from-plugin");
    assert.equal(project({}), undefined);
  });

  it("peeks a raw value with the same precedence, before validation", () => {
    assert.equal(peekSetting("log_format", { PLUGIN_LOG_FORMAT: "json", PLUGIN_TIMEOUT_MINUTES: "abc" }), "json");
    assert.equal(peekSetting("agent", { PLUGIN_AGENT: "dev" }, { agent: "review" }), "review");
  });
});

describe("loadSettings errors", () => {
  it("names the variable, the value and what was expected", () => {
    const err = configError(() => loadSettings(baseSettingsSchema, { env: { PLUGIN_TIMEOUT_MINUTES: "abc" } }));
    assert.equal(err.message, 'settings: timeout_minutes: PLUGIN_TIMEOUT_MINUTES="abc" is not a number; expected minutes, e.g. 55');
    assert.equal(exitCodeOf(err), 2);
  });

  it("reports validation failures with the source of the value", () => {
    const err = configError(() => loadSettings(baseSettingsSchema, { env: { INPUT_OPS_REPO: "just-a-name", DISINTO_LOG_FORMAT: "yaml", PLUGIN_TIMEOUT_MINUTES: "-5" } }));
    const byPath = Object.fromEntries(err.issues.map((i) => [i.path, i.message]));
    assert.equal(byPath.ops_repo, 'INPUT_OPS_REPO="just-a-name" is invalid: not of the form owner/name; expected owner/name, e.g. acme/shop-ops');
    assert.match(byPath.log_format ?? "", /^DISINTO_LOG_FORMAT="yaml" is invalid: .*; expected one of text, json$/);
    assert.match(byPath.timeout_minutes ?? "", /^PLUGIN_TIMEOUT_MINUTES="-5" is invalid: /);
  });

  for (const [env, expected] of [
    [{ PLUGIN_TIMEOUT_MINUTES: "1e12" }, 'timeout_minutes: PLUGIN_TIMEOUT_MINUTES="1e12" is invalid: must be at most 1440 (a day), got 1000000000000; expected minutes, e.g. 55'],
    [{ PLUGIN_PROJECT: "p".repeat(300) }, /^project: PLUGIN_PROJECT=.* is invalid: must be at most 255 characters long, got 300/],
    [{ PLUGIN_OPS_REPO: `a/${"b".repeat(300)}` }, /^ops_repo: PLUGIN_OPS_REPO=.* is invalid: must be at most 255 characters long, got 302/],
    [{ PLUGIN_FORGE_URL: `https://x.example/${"p".repeat(3000)}` }, /^forge_url: PLUGIN_FORGE_URL=.* is invalid: longer than 2048 characters/],
    [{ PLUGIN_BACKEND: "b".repeat(256) }, /^backend: PLUGIN_BACKEND=.* is invalid: must be at most 255 characters long, got 256/],
  ] as const) {
    it(`bounds ${Object.keys(env)[0]}: the key, the value and the bound`, () => {
      const err = configError(() => loadSettings(baseSettingsSchema, { env }));
      assert.equal(err.issues.length, 1, err.message);
      const line = `${err.issues[0]!.path}: ${err.issues[0]!.message}`;
      if (typeof expected === "string") assert.equal(line, expected);
      else assert.match(line, expected);
    });
  }

  it("a secret over its bound is named, never shown", () => {
    const err = configError(() => loadSettings(baseSettingsSchema, { env: { PLUGIN_FORGE_TOKEN: CANARY.repeat(2000) } }));
    assert.match(err.message, /forge_token: .*must be at most 16384 characters long, got 36000/);
    assert.doesNotMatch(err.message, new RegExp(CANARY));
  });

  it("names a flag as the source when the value came from one", () => {
    const err = configError(() => loadSettings(baseSettingsSchema, { env: { PLUGIN_CI_URL: "https://ci.example.com" }, flags: { "ci-url": "ci.example.com" } }));
    assert.match(err.message, /^settings: ci_url: --ci-url="ci\.example\.com" is invalid/);
  });

  it("says where a missing required setting can be given", () => {
    const schema = baseSettingsSchema.extend({ agent: z.string() });
    const err = configError(() => loadSettings(schema, { env: {} }));
    assert.equal(err.message, "settings: agent: missing; set the `agent` setting (PLUGIN_AGENT), the `agent` input (INPUT_AGENT), DISINTO_AGENT or --agent");
  });

  it("never shows the value of a secret setting", () => {
    const redactor = new Redactor();
    const err = configError(() => loadSettings(agentSchema, { env: { PLUGIN_REVIEW_TOKEN: CANARY }, redactor }));
    assert.ok(!err.message.includes(CANARY), err.message);
    assert.equal(err.message, `settings: review_token: PLUGIN_REVIEW_TOKEN="${MASK}" is invalid: does not start with rv-; expected text`);
    // Registered before validation, so whoever prints the error masks it too.
    assert.ok(redactor.values.includes(CANARY));
  });

  it("never shows a map's value: it may hold secrets under any name", () => {
    const bad = `{"openai":{"api_key":"${CANARY}",`;
    const err = configError(() => loadSettings(agentSchema, { env: { PLUGIN_BACKENDS: bad } }));
    assert.equal(err.message, 'settings: backends: PLUGIN_BACKENDS is not a valid JSON object; expected a JSON object, e.g. {"key":"value"}');
    const nested = configError(() => loadSettings(agentSchema, { env: { PLUGIN_BACKENDS: `{"openai":{"api_key":"${CANARY}","url":"nope"}}` } }));
    assert.ok(!nested.message.includes(CANARY));
    assert.match(nested.message, /^settings: backends\.openai\.url: invalid in PLUGIN_BACKENDS: /);
  });

  it("masks credentials inside a shown value", () => {
    const err = configError(() => loadSettings(baseSettingsSchema, { env: { PLUGIN_FORGE_URL: `ftp://bot:${CANARY}@git.example.com` } }));
    assert.ok(!err.message.includes(CANARY), err.message);
    assert.match(err.message, /PLUGIN_FORGE_URL="ftp:\/\/bot:\*{8}@git\.example\.com" is invalid: not an http\(s\) URL/);
  });

  it("reports every bad setting at once", () => {
    const err = configError(() => loadSettings(agentSchema, { env: { PLUGIN_DRY_RUN: "maybe", PLUGIN_LIMITS: "1,x" } }));
    assert.deepEqual(
      err.issues.map((i) => i.message),
      ['PLUGIN_DRY_RUN="maybe" is not a boolean; expected true or false', "PLUGIN_LIMITS has an element (#2) that is not a number; expected a comma-separated list or a JSON array"],
    );
  });
});

describe("settingsCliOptions", () => {
  it("offers every field but the secrets as a kebab-case flag with its type and description", () => {
    const o = settingsCliOptions(agentSchema);
    assert.deepEqual(o["dry-run"], { type: "boolean", description: "Decide and log what would be done, change nothing." });
    assert.equal(o["forge-url"]?.type, "string");
    assert.equal(o["forge-url"]?.value, "URL");
    assert.equal(o["ops-repo"]?.value, "OWNER/NAME");
    assert.equal(o["log-format"]?.value, "text|json");
    assert.match(o["timeout-minutes"]?.description ?? "", /Default: 55\.$/);
    // secrets have no flag: they come from the environment only
    assert.equal(o["forge-token"], undefined);
    assert.equal(o["ci-token"], undefined);
    assert.equal(o.labels?.description, "Labels to pick up. Default: [].");
    assert.ok(Object.keys(o).every((k) => /^[a-z]+(-[a-z]+)*$/.test(k)));
  });
});

describe("isSecretKey", () => {
  it("matches names that end in a secret word of their own", () => {
    for (const k of ["forge_token", "api_key", "db-password", "apiKey", "GITHUB_TOKEN", "token", "client_secret"]) assert.ok(isSecretKey(k), k);
    for (const k of ["monkey", "turnkey", "tokens", "max_tokens", "key", "keyboard", "agent"]) assert.ok(!isSecretKey(k), k);
  });
});
