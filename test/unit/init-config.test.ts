// The project config and label catalogue `disinto init` writes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseProjectConfig } from "../../src/config/load.ts";
import { DEFAULT_SCHEDULES, LABEL_KEYS } from "../../src/config/project.ts";
import { DEFAULT_BACKEND, projectToml, type GeneratedConfig } from "../../src/init/config.ts";
import { opsLabels, projectLabels } from "../../src/init/labels.ts";

const gen: GeneratedConfig = {
  name: "shop",
  forgeUrl: "https://git.example.com",
  repo: "acme/shop",
  opsRepo: "acme/shop-ops",
  primaryBranch: "trunk",
  ciUrl: "https://ci.example.com",
  ciRepoId: 7,
  identities: [
    { role: "dev", login: "dev-bot", tokenSecret: "FORGE_DEV_TOKEN" },
    { role: "review", login: "review-bot", tokenSecret: "FORGE_REVIEW_TOKEN" },
  ],
};

describe("generated project config", () => {
  it("is valid, names secrets only, and keeps every other default", () => {
    const text = projectToml(gen);
    const c = parseProjectConfig(text, "projects/shop.toml");
    assert.equal(c.name, "shop");
    assert.equal(c.repo, "acme/shop");
    assert.equal(c.ops_repo, "acme/shop-ops");
    assert.equal(c.primary_branch, "trunk");
    assert.equal(c.ci.woodpecker_url, "https://ci.example.com");
    assert.equal(c.ci.woodpecker_repo_id, 7);
    assert.deepEqual(c.identities.dev, { login: "dev-bot", token_secret: "FORGE_DEV_TOKEN", backend: DEFAULT_BACKEND });
    assert.deepEqual(c.identities.review, { login: "review-bot", token_secret: "FORGE_REVIEW_TOKEN", backend: DEFAULT_BACKEND });
    assert.equal(c.backends[DEFAULT_BACKEND]?.type, "claude-cli");
    assert.equal(c.schedules.dev, DEFAULT_SCHEDULES.dev);
    assert.equal(c.schedules.review, DEFAULT_SCHEDULES.review);
    assert.equal(c.labels.backlog, "backlog");
  });

  it("without Woodpecker's repo id there is no [ci] table (the rules need both keys)", () => {
    const c = parseProjectConfig(projectToml({ ...gen, ciRepoId: undefined }), "projects/shop.toml");
    assert.equal(c.ci.woodpecker_url, undefined);
    assert.equal(c.ci.woodpecker_repo_id, undefined);
  });

  it("writes the project CI's pull-request contexts as required contexts", () => {
    const c = parseProjectConfig(projectToml({ ...gen, ciRepoId: undefined, requiredContexts: ["ci/woodpecker/pr/lint", "ci/woodpecker/pr/test"] }), "projects/shop.toml");
    assert.deepEqual(c.ci.required_contexts, ["ci/woodpecker/pr/lint", "ci/woodpecker/pr/test"]);
    assert.equal(c.ci.woodpecker_repo_id, undefined);
    assert.deepEqual(parseProjectConfig(projectToml(gen), "projects/shop.toml").ci.required_contexts, []);
  });

  it("quotes values TOML would otherwise misread", () => {
    const c = parseProjectConfig(projectToml({ ...gen, primaryBranch: 'rel"ease#1' }), "projects/shop.toml");
    assert.equal(c.primary_branch, 'rel"ease#1');
  });
});

describe("label catalogue", () => {
  it("covers every label role once: the ops repo's own on the ops repo, the rest on the project", () => {
    const c = parseProjectConfig(projectToml(gen), "projects/shop.toml");
    const p = projectLabels(c).map((l) => l.name);
    const o = opsLabels(c).map((l) => l.name);
    assert.deepEqual(o.sort(), ["incident", "pending-approval", "vault"]);
    assert.equal(p.length + o.length, LABEL_KEYS.length);
    assert.ok(p.includes("backlog") && p.includes("in-progress") && p.includes("tech-debt"));
    for (const l of [...projectLabels(c), ...opsLabels(c)]) assert.match(l.color, /^[0-9a-f]{6}$/, l.name);
  });

  it("uses the names the config gives", () => {
    const c = parseProjectConfig(`${projectToml(gen)}\n[labels]\nbacklog = "ready"\nvault = "ops/vault"\n`, "projects/shop.toml");
    assert.ok(projectLabels(c).some((l) => l.name === "ready"));
    assert.ok(!projectLabels(c).some((l) => l.name === "backlog"));
    assert.ok(opsLabels(c).some((l) => l.name === "ops/vault"));
  });
});
