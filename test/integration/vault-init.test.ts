// `disinto init` with a vault identity, against the sandbox forge and CI: the dispatcher's
// pipeline lands in the ops repo, the ops repo is active in Woodpecker with the cron
// disinto-vault, the vault identity is an admin of the ops repo and may push results, merges
// need the admin's approval, and the Woodpecker secrets are the vault token and the allowlisted
// secrets init has values for (the missing ones are listed). A second run changes nothing.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { main } from "../../src/cli/main.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import { PLUGIN_IMAGE } from "../../src/lib/plugin-image.ts";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.ts";
import { VAULT_PIPELINE_PATH } from "../../src/vault/pipeline.ts";
import { captureIo } from "../helpers/io.ts";

describe("disinto init sets up the vault", () => {
  let sb: Sandbox;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "vault-init-"));
    sb = await startSandbox({ seed: "empty", scheduler: false, bundlesDir: dir });
    const admin = new ForgejoForge({ url: sb.forge.url, token: sb.forge.users["admin"]!.token });
    await admin.createRepo({ name: "shop", autoInit: true });
    await admin.close();
  });
  after(async () => {
    await sb.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the ops repo's pipeline, activates it with its cron and secrets, protects merges; a second run is a no-op", async () => {
    const file = join(dir, "shop.toml");
    await writeFile(
      file,
      [
        'name = "shop"',
        `forge_url = "${sb.forge.url}"`,
        'repo = "admin/shop"',
        "",
        "[identities.dev]",
        'login = "dev-bot"',
        'token_secret = "FORGE_DEV_TOKEN"',
        'backend = "local"',
        "",
        "[identities.vault]",
        'login = "supervisor-bot"',
        'token_secret = "FORGE_VAULT_TOKEN"',
        "",
        "[backends.local]",
        'type = "scripted"',
        'script = "scripts/demo.toml"',
        "",
        "[vault]",
        'secrets = ["WEBHOOK_URL", "RELEASE_TOKEN"]',
        "",
      ].join("\n"),
    );
    const env = {
      DISINTO_FORGE_TOKEN: sb.forge.users["admin"]!.token,
      DISINTO_CI_TOKEN: sb.ci.token("admin"),
      FORGE_DEV_TOKEN: sb.forge.users["dev-bot"]!.token,
      FORGE_VAULT_TOKEN: sb.forge.users["supervisor-bot"]!.token,
      WEBHOOK_URL: "http://127.0.0.1:9/hooks/canary-init-3f9a1c7e",
    };
    const run = async (): Promise<{ code: number; out: string; err: string }> => {
      const io = captureIo(env);
      const code = await main(["init", "admin/shop", "--forge-url", sb.forge.url, "--ci-url", sb.ci.url, "--config", file], io);
      return { code, out: io.out(), err: io.err() };
    };
    const r = await run();
    assert.equal(r.code, 0, r.out + r.err);
    for (const line of [
      `wrote ${VAULT_PIPELINE_PATH} in admin/shop-ops`,
      "added supervisor-bot (vault) as an admin of admin/shop-ops",
      "protected merges into main of admin/shop-ops: 1 approval, counted only from admin",
      "activated admin/shop-ops in Woodpecker",
      "created cron disinto-vault (@hourly) of admin/shop-ops",
      `created secret forge_vault_token of admin/shop-ops (from FORGE_VAULT_TOKEN; events push, cron, manual; image ${PLUGIN_IMAGE} only)`,
      "created secret webhook_url of admin/shop-ops (from WEBHOOK_URL;",
    ]) {
      assert.ok(r.out.split("\n").some((l) => l.includes(line)), `missing: ${line}\n${r.out}`);
    }
    assert.match(r.out + r.err, /vault secrets not in init's environment, so not stored in Woodpecker for admin\/shop-ops: RELEASE_TOKEN/);
    assert.ok(!(r.out + r.err).includes(env.WEBHOOK_URL) && !(r.out + r.err).includes(env.FORGE_VAULT_TOKEN));

    const admin = new ForgejoForge({ url: sb.forge.url, token: sb.forge.users["admin"]!.token });
    try {
      const ops = admin.repo({ owner: "admin", name: "shop-ops" });
      const pipeline = parse((await ops.contents.get(VAULT_PIPELINE_PATH))!.text) as { when: unknown[] };
      assert.deepEqual(pipeline.when[0], { event: "push", branch: "main", path: { include: ["vault/actions/**"] } });
      assert.equal(await ops.collaborators.permission("supervisor-bot"), "admin");
      const p = (await ops.protections.get("main"))!;
      assert.ok(p.requiredApprovals >= 1);
      assert.equal(p.enableApprovalsWhitelist, true);
      assert.deepEqual(p.approvalsWhitelistUsernames, ["admin"]);
      if (p.enablePush) assert.ok(p.pushWhitelistUsernames.includes("supervisor-bot"), JSON.stringify(p));
      const ci = async (path: string): Promise<unknown> => (await fetch(`${sb.ci.url}/api${path}`, { headers: { Authorization: `Bearer ${sb.ci.token("admin")}` } })).json();
      const repo = (await ci("/repos/lookup/admin/shop-ops")) as { id: number; active: boolean };
      assert.equal(repo.active, true);
      const secrets = ((await ci(`/repos/${repo.id}/secrets`)) as { name: string; events: string[]; images: string[] }[]).map((s) => [s.name, [...s.events].sort(), s.images]).sort();
      assert.deepEqual(
        secrets.filter(([n]) => n !== "disinto_ci_token"),
        [
          ["forge_vault_token", ["cron", "manual", "push"], [PLUGIN_IMAGE]],
          ["webhook_url", ["cron", "manual", "push"], [PLUGIN_IMAGE]],
        ],
      );
      const crons = ((await ci(`/repos/${repo.id}/cron`)) as { name: string }[]).map((c) => c.name);
      assert.deepEqual(crons, ["disinto-vault"]);
    } finally {
      await admin.close();
    }

    const again = await run();
    assert.equal(again.code, 0, again.out + again.err);
    assert.doesNotMatch(again.out, /shop-ops.*(wrote|added|activated|created|protected)|(wrote|added|activated|created|protected).*shop-ops/);
  });
});
