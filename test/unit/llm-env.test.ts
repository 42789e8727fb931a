import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isAllowedName, llmEnv, pickCredentials } from "../../src/llm/env.ts";

describe("LLM environment allowlist", () => {
  const parent = {
    PATH: "/usr/bin",
    HOME: "/home/agent",
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    TMPDIR: "/tmp/x",
    TERM: "dumb",
    FORGE_TOKEN: "t1",
    DISINTO_FORGE_TOKEN: "t2",
    PLUGIN_TOKEN: "t3",
    INPUT_TOKEN: "t4",
    CI_NETRC_PASSWORD: "t5",
    GITHUB_TOKEN: "t6",
    ANTHROPIC_API_KEY: "k-parent",
    SOMETHING_NEW_NOBODY_LISTED: "t7",
  };

  it("passes only PATH, HOME, locale, TMPDIR, TERM and what the caller adds explicitly", () => {
    const env = llmEnv(parent, { ANTHROPIC_API_KEY: "k-explicit" });
    assert.deepEqual(Object.keys(env).sort(), ["ANTHROPIC_API_KEY", "HOME", "LANG", "LC_ALL", "PATH", "TERM", "TMPDIR"]);
    assert.equal(env["ANTHROPIC_API_KEY"], "k-explicit");
  });

  it("never inherits credentials from the parent, even the backend's own", () => {
    const env = llmEnv(parent);
    assert.equal(env["ANTHROPIC_API_KEY"], undefined);
    for (const v of Object.values(env)) assert.ok(!/^t\d$/.test(v));
  });

  it("names are matched exactly", () => {
    assert.equal(isAllowedName("LC_CTYPE"), true);
    assert.equal(isAllowedName("PATH_EXTRA"), false);
    assert.equal(isAllowedName("LC_"), false);
    assert.equal(isAllowedName("path"), false);
  });

  it("pickCredentials takes only the named, non-empty values", () => {
    assert.deepEqual(pickCredentials(["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN"], { ...parent, CLAUDE_CODE_OAUTH_TOKEN: "" }), { ANTHROPIC_API_KEY: "k-parent" });
  });
});
