// `disinto init` sets the architect up when its token is given: its identity in the config it
// writes, a collaborator on both repos, the cron disinto-architect every 15 minutes, its secret
// and .woodpecker/disinto-architect.yml in the init pull request; without the token a written
// config has no architect and init says how to add it later.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import { INIT_BRANCH } from "../../src/init/init.ts";
import { PLUGIN_IMAGE } from "../../src/lib/plugin-image.ts";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.ts";
import { captureIo } from "../helpers/io.ts";

const CI_YML = 'when:\n  - event: [push, pull_request]\nsteps:\n  - name: test\n    image: alpine\n    commands: ["true"]\n';

describe("disinto init: the architect", () => {
  let sb: Sandbox;
  let noBundles: string;
  let env: Record<string, string>;
  before(async () => {
    noBundles = await mkdtemp(join(tmpdir(), "init-no-bundles-"));
    sb = await startSandbox({ seed: "empty", scheduler: false, bundlesDir: noBundles });
    const admin = new ForgejoForge({ url: sb.forge.url, token: sb.forge.users["admin"]!.token });
    for (const name of ["shop", "plain"]) {
      await admin.createRepo({ name, autoInit: true });
      await admin.repo({ owner: "admin", name }).contents.create(".woodpecker/test.yml", { text: CI_YML, message: "CI" });
    }
    await admin.close();
    const users = sb.forge.users;
    env = {
      DISINTO_FORGE_TOKEN: users["admin"]!.token,
      DISINTO_CI_TOKEN: sb.ci.token("admin"),
      FORGE_DEV_TOKEN: users["dev-bot"]!.token,
      FORGE_REVIEW_TOKEN: users["review-bot"]!.token,
      ANTHROPIC_API_KEY: "sk-ant-api03-sandbox-fake-0123456789",
    };
  });
  after(async () => {
    await sb.stop();
    await rm(noBundles, { recursive: true, force: true });
  });
  const init = async (repo: string, extra: Record<string, string> = {}, ...args: string[]) => {
    const io = captureIo({ ...env, ...extra });
    const code = await main(["init", repo, "--forge-url", sb.forge.url, "--ci-url", sb.ci.url, ...args], io);
    return { code, out: io.out(), err: io.err() };
  };

  it("with FORGE_ARCHITECT_TOKEN: identity, collaborator, cron */15, secret, pipeline", async () => {
    const r = await init("admin/shop", { FORGE_ARCHITECT_TOKEN: sb.forge.users["planner-bot"]!.token }, "--dry-run");
    assert.equal(r.code, 0, r.err);
    for (const line of [
      "would add planner-bot (architect) as a collaborator with write access to admin/shop-ops",
      "would create cron disinto-architect (*/15 * * * *, disabled: the tick starts it)",
      `would create secret forge_architect_token (from FORGE_ARCHITECT_TOKEN; events cron, manual; image ${PLUGIN_IMAGE} only)`,
    ]) {
      assert.ok(r.out.includes(line), `${line}\n---\n${r.out}`);
    }
    // it writes only to the ops repo: init never grants it write on the project
    assert.doesNotMatch(r.out, /planner-bot \(architect\) as a collaborator with write access to admin\/shop\n/);
    assert.match(r.out, /architect: planner-bot/);
    assert.match(r.out, new RegExp(`would open a pull request on admin/shop adding [^\\n]*\\.woodpecker/disinto-architect\\.yml[^\\n]* \\(branch ${INIT_BRANCH}\\)`));
  });

  it("without it: no architect in the written config, and a note on how to add it", async () => {
    const r = await init("admin/plain", {}, "--dry-run");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /no architect agent: FORGE_ARCHITECT_TOKEN is not set/);
    assert.doesNotMatch(r.out, /disinto-architect/);
  });
});
