// The vault through the CI, as in production: `disinto init` writes the dispatcher's pipeline
// into the ops repo and stores its secrets in the sandbox Woodpecker; `disinto vault request`
// opens the approval PR; the admin approves and merges; the push to the ops repo's main starts
// the pipeline, whose plugin step runs the vault agent (from this source tree, through the
// demo's shims) and commits the result. A second action's formula reads /proc/*/environ from
// inside the step, where every secret of the pipeline sits in the dispatcher's environ: it finds
// only its own. The cron afterwards has nothing to do; no secret shows in any step log.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import { pluginDir } from "../../src/demo/plugins.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import type { RepoForge } from "../../src/forge/types.ts";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.ts";
import { vaultResultSchema, type VaultResult } from "../../src/vault/results.ts";
import { captureIo } from "../helpers/io.ts";
import { ciApi, stepLog } from "../integration/sandbox-ci-server-fixture.ts";

const DEPLOY_KEY = "canary-deploy-key-ci-4b8e1f0a7c3d";

describe("the vault as a pipeline of the ops repo", () => {
  let dir: string;
  let sb: Sandbox;
  let admin: ForgejoForge;
  let ops: RepoForge;
  let hook: Server;
  let hookUrl: string;
  const received: string[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "vault-ci-"));
    // the probe formula (run as the model user) writes what it found here
    await chmod(dir, 0o777);
    const shims = (await pluginDir(join(dir, "shims"))).dir;
    sb = await startSandbox({ seed: "empty", scheduler: false, bundlesDir: shims });
    admin = new ForgejoForge({ url: sb.forge.url, token: sb.forge.users["admin"]!.token });
    await admin.createRepo({ name: "shop", autoInit: true });
    ops = admin.repo({ owner: "admin", name: "shop-ops" });
    hook = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push(body);
        res.writeHead(200).end("{}");
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hooks/canary-ci-9d1e7a3f5b2c`;
  });
  after(async () => {
    await new Promise<void>((r) => hook.close(() => r()));
    await admin.close();
    await sb.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("request → approve → merge → the push pipeline dispatches and commits the result; the cron then idles", async () => {
    const config = join(dir, "shop.toml");
    await writeFile(
      config,
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
        'script = "scripts/none.toml"',
        "",
        "[vault]",
        'secrets = ["WEBHOOK_URL", "DEPLOY_KEY"]',
        "",
      ].join("\n"),
    );
    const secrets = { FORGE_VAULT_TOKEN: sb.forge.users["supervisor-bot"]!.token, WEBHOOK_URL: hookUrl, DEPLOY_KEY };
    const initIo = captureIo({ DISINTO_FORGE_TOKEN: sb.forge.users["admin"]!.token, DISINTO_CI_TOKEN: sb.ci.token("admin"), FORGE_DEV_TOKEN: sb.forge.users["dev-bot"]!.token, ...secrets });
    const code = await main(["init", "admin/shop", "--forge-url", sb.forge.url, "--ci-url", sb.ci.url, "--config", config], initIo);
    assert.equal(code, 0, initIo.out() + initIo.err());
    await sb.ci.waitIdle();
    // init's own commits to the ops repo's main start no dispatcher run (path filter, [skip ci]).
    const ci = ciApi(sb.ci.url, sb.ci.token("admin"));
    const repoId = ((await ci("GET", "/api/repos/lookup/admin/shop-ops")).body as { id: number }).id;
    const pipelines = async (): Promise<{ number: number; event: string; status: string }[]> => (await ci("GET", `/api/repos/${repoId}/pipelines`)).body as { number: number; event: string; status: string }[];
    assert.deepEqual(await pipelines(), []);

    // The probe: an ops-repo formula (a push outside vault/actions/, so no pipeline either).
    const probeFile = join(dir, "probe.txt");
    await ops.contents.create("formulas/vault/probe.sh", {
      text: `#!/usr/bin/env bash\n{ env; echo ---; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; } > ${JSON.stringify(probeFile)} || true\necho "probed $(wc -l < ${JSON.stringify(probeFile)}) lines"\n`,
      message: "probe formula",
    });
    await sb.ci.waitIdle();
    assert.deepEqual(await pipelines(), []);

    const request = async (name: string, toml: string): Promise<number> => {
      await writeFile(join(dir, name), toml);
      const io = captureIo({ DISINTO_FORGE_URL: sb.forge.url, DISINTO_FORGE_TOKEN: sb.forge.users["dev-bot"]!.token, DISINTO_OPS_REPO: "admin/shop-ops", DISINTO_PROJECT: "shop" }, dir);
      assert.equal(await main(["vault", "request", name], io), 0, io.err());
      const pr = /PR #(\d+) waits for an admin's approval/.exec(io.out());
      assert.ok(pr, io.out());
      return Number(pr[1]);
    };
    const approveAndMerge = async (n: number): Promise<void> => {
      const pr = (await ops.pulls.get(n))!;
      await ops.reviews.create(n, { event: "APPROVED", body: "ok", commitId: pr.head.sha });
      await ops.pulls.merge(n, { style: "merge", headCommitId: pr.head.sha });
      await sb.ci.waitIdle();
    };
    const result = async (id: string): Promise<VaultResult | undefined> => {
      const doc = await ops.contents.get(`vault/results/${id}.json`);
      return doc === undefined ? undefined : vaultResultSchema.parse(JSON.parse(doc.text));
    };

    const notify = await request("notify.toml", ['id = "notify-1"', 'formula = "webhook"', 'context = "tell the team"', 'secrets = ["WEBHOOK_URL"]', "", "[params]", `payload = '{"text": "shipped"}'`, ""].join("\n"));
    await sb.ci.waitIdle();
    assert.deepEqual(await pipelines(), [], "an open request starts nothing");
    await approveAndMerge(notify);
    const p1 = await pipelines();
    assert.deepEqual(p1.map((p) => `${p.event} ${p.status}`), ["push success"]);
    const r1 = (await result("notify-1"))!;
    assert.equal(r1.status, "ok", JSON.stringify(r1));
    assert.equal(r1.approved_by, "admin");
    assert.equal(r1.pr, notify);
    assert.match(r1.pipeline_url ?? "", new RegExp(`/repos/${repoId}/pipeline/${p1[0]!.number}$`));
    assert.deepEqual(received.map((b) => JSON.parse(b) as unknown), [{ text: "shipped" }]);

    const probe = await request("probe.toml", ['id = "probe-1"', 'formula = "probe"', 'context = "what can a formula see"', 'secrets = ["DEPLOY_KEY"]', ""].join("\n"));
    await approveAndMerge(probe);
    const r2 = (await result("probe-1"))!;
    assert.equal(r2.status, "ok", JSON.stringify(r2));
    const seen = await readFile(probeFile, "utf8");
    assert.ok(seen.includes(`DEPLOY_KEY=${DEPLOY_KEY}`), "the probe has its own secret");
    assert.ok(!seen.includes(hookUrl), "the probe read WEBHOOK_URL, a secret of the step it did not ask for");
    for (const t of [sb.forge.users["supervisor-bot"]!.token, sb.forge.users["admin"]!.token, sb.ci.token("admin")]) assert.ok(!seen.includes(t), "the probe read a forge or CI token");

    // The cron finds every action with a result: an idle run, nothing run twice.
    await sb.ci.fireCron("admin/shop-ops", "disinto-vault");
    await sb.ci.waitIdle();
    const all = await pipelines();
    assert.deepEqual(all.map((p) => `${p.event} ${p.status}`).sort(), ["cron success", "push success", "push success"]);
    assert.equal(received.length, 1, "the webhook was not called again");

    // No secret in any step log.
    for (const p of all) {
      const full = (await ci("GET", `/api/repos/${repoId}/pipelines/${p.number}`)).body as { workflows: { children: { id: number }[] }[] };
      for (const s of full.workflows.flatMap((w) => w.children)) {
        const log = await stepLog(ci, repoId, p.number, s.id);
        for (const [name, v] of Object.entries(secrets)) assert.ok(!log.includes(v), `${name} in the log of pipeline #${p.number}`);
        if (p.event === "cron") assert.match(log, /idle/);
      }
    }
  });
});
