// `disinto init --host actions` against the sandbox forge, with no CI server at all: the same
// labels, ops repo, config and protections as on Woodpecker, and instead of crons, secrets and
// `.woodpecker/` pipelines a pull request adding one Forgejo Actions workflow per agent, plus a
// note naming the repository secrets to set. A second run changes nothing.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { main } from "../../src/cli/main.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import { startSandboxForge, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { captureIo } from "../helpers/io.ts";

describe("disinto init --host actions", () => {
  let sb: SandboxForge;
  let env: Record<string, string>;

  async function init(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo(env);
    const code = await main(args, io);
    return { code, out: io.out(), err: io.err() };
  }

  before(async () => {
    sb = await startSandboxForge({ seed: "empty" });
    const admin = new ForgejoForge({ url: sb.url, token: sb.users["admin"]!.token });
    await admin.createRepo({ name: "shop", autoInit: true });
    await admin.close();
    env = {
      DISINTO_FORGE_TOKEN: sb.users["admin"]!.token,
      FORGE_DEV_TOKEN: sb.users["dev-bot"]!.token,
      FORGE_REVIEW_TOKEN: sb.users["review-bot"]!.token,
      ANTHROPIC_API_KEY: "sk-ant-api03-sandbox-fake-0123456789",
    };
  });
  after(() => sb.stop());

  it("opens a pull request with the Actions workflows and names the secrets; no CI is needed", async () => {
    const r = await init(["init", "admin/shop", "--forge-url", sb.url, "--host", "actions"]);
    assert.equal(r.code, 0, r.err + r.out);
    assert.match(r.out, /^opened a pull request on admin\/shop adding \.forgejo\/workflows\/disinto-dev\.yml, \.forgejo\/workflows\/disinto-review\.yml \(branch disinto\/init\)$/m);
    assert.match(r.out, /^note: set the repository secrets ANTHROPIC_API_KEY, FORGE_DEV_TOKEN, FORGE_REVIEW_TOKEN in admin\/shop/m);
    assert.doesNotMatch(r.out, /^(created|updated) (cron|secret)|in Woodpecker/m);
    const app = new ForgejoForge({ url: sb.url, token: sb.users["admin"]!.token }).repo({ owner: "admin", name: "shop" });
    const dev = parse((await app.contents.get(".forgejo/workflows/disinto-dev.yml", { ref: "disinto/init" }))!.text) as { on: Record<string, unknown>; concurrency: { group: string } };
    assert.deepEqual(Object.keys(dev.on).sort(), ["issue_comment", "issues", "pull_request_review", "schedule", "workflow_dispatch"]);
    assert.match(dev.concurrency.group, /^disinto-dev-/);

    const again = await init(["init", "admin/shop", "--forge-url", sb.url, "--host", "actions"]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /^nothing to do: admin\/shop is set up$/m);
  });

  it("refuses an unknown host with exit 2 before asking anything", async () => {
    const r = await init(["init", "admin/shop", "--forge-url", sb.url, "--host", "jenkins"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /--host takes woodpecker or actions, got "jenkins"/);
  });
});
