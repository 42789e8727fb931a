// Every (method, path) the project's clients send — the Forgejo client's route table (the state
// store reaches the forge through its contents entries) and the Woodpecker client's — is served
// by the sandbox: the sandbox's own router resolves a concrete path to the same template (so
// `/pulls/3.diff` is not taken by `/pulls/{index}`, `/pipelines/latest` not by `{number}`), and
// over HTTP an anonymous request reaches the route (401 sign-in, or the answer itself), never a
// 404 or 405 of the router.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ROUTE_TABLE as FORGE_ROUTES } from "../../src/forge/forgejo/routes.ts";
import { API_PREFIX as CI_PREFIX, ROUTE_TABLE as CI_ROUTES } from "../../src/ci/woodpecker/routes.ts";
import { API_PREFIX as FORGE_PREFIX, buildRouter } from "../../src/sandbox/forge/server.ts";
import { buildApi } from "../../src/sandbox/ci/api.ts";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.ts";

/** Concrete values of the placeholders; slashes where the parameter may hold them. */
const SAMPLE: Record<string, string> = {
  owner: "demo",
  repo: "calc",
  org: "demo",
  username: "admin",
  collaborator: "dev-bot",
  index: "3",
  id: "7",
  identifier: "12",
  diffType: "diff",
  ref: "refs/heads/fix/issue-3",
  sha: "0123456789abcdef0123456789abcdef01234567",
  filepath: "state/calc/dev/dev-bot.json",
  branch: "fix/issue-3",
  name: "release/v1",
  repo_id: "4",
  number: "9",
  step_id: "21",
  cron_id: "2",
  secretname: "PROBE_TOKEN",
};

const normalise = (p: string): string => p.replace(/\{[^}]+\}/g, "{}");

/** Woodpecker names (repos, secrets) are one path segment. */
const CI_SAMPLE: Record<string, string> = { name: "probe_token" };

function concrete(template: string, overrides: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = overrides[name] ?? SAMPLE[name];
    if (v === undefined) throw new Error(`no sample value for {${name}} in ${template}`);
    return v.split("/").map(encodeURIComponent).join("/");
  });
}

describe("the sandbox serves every route the clients call", () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox({ seed: "empty", scheduler: false });
  });
  after(async () => {
    await sb.stop();
  });

  describe("forge: the Forgejo client's route table", () => {
    const router = buildRouter();
    for (const route of FORGE_ROUTES) {
      it(`${route.name}: ${route.method} ${route.path}`, async () => {
        const path = concrete(route.path);
        const m = router.match(route.method, path);
        assert.ok(m, `the sandbox forge has no route for ${route.method} ${path}`);
        assert.equal(normalise(m.route.template), normalise(route.path), `${path} resolves to another route`);

        const res = await fetch(`${sb.forge.url}${FORGE_PREFIX}${path}`, { method: route.method });
        const body = await res.text();
        const expected = m.route.anonymous ? 200 : 401;
        assert.equal(res.status, expected, `${route.method} ${path} → ${res.status} ${body}`);
      });
    }
  });

  describe("CI: the Woodpecker client's route table", () => {
    const api = buildApi();
    for (const route of CI_ROUTES) {
      it(`${route.name}: ${route.method} ${route.path}`, async () => {
        const path = concrete(CI_PREFIX + route.path, CI_SAMPLE);
        const m = api.match(route.method, path);
        assert.ok(m !== undefined && m !== "method", `the sandbox CI has no route for ${route.method} ${path}`);
        assert.equal(normalise(m.template), normalise(CI_PREFIX + route.path), `${path} resolves to another route`);

        const res = await fetch(`${sb.ci.url}${path}`, { method: route.method });
        const body = await res.text();
        assert.equal(res.status, 401, `${route.method} ${path} → ${res.status} ${body}`);
      });
    }
  });
});
