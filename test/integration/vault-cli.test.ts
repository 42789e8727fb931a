// `disinto vault request|list|show` and the vault in `disinto status`, against the sandbox
// forge: a request from a file opens the approval PR (exit 2 naming the key for an invalid
// file, nothing written), list shows it pending with its age, show shows the file and the PR,
// and after approval and a dispatcher run status lists the result.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import { statusReportSchema } from "../../src/status/schema.ts";
import { captureIo } from "../helpers/io.ts";
import { opsTexts, REQUESTER_LOGIN, SECRETS, vaultWorld, type VaultWorld } from "../fixtures/vault/world.ts";

describe("disinto vault and status", () => {
  let w: VaultWorld;
  before(async () => {
    w = await vaultWorld();
  });
  after(() => w.stop());

  it("request, list, show, then status shows the pending approval and, after the run, the result", async () => {
    const p = await w.project("cli", { ...SECRETS, WEBHOOK_URL: "http://127.0.0.1:9/x", RELEASE_TOKEN: "unused-release-token" });
    await p.ops.contents.create("formulas/vault/hello.sh", { text: "#!/usr/bin/env bash\necho hello from $VAULT_ID\n", message: "hello formula" });
    const dir = await mkdtemp(join(tmpdir(), "vault-cli-"));
    await writeFile(join(dir, "hello.toml"), 'id = "hello-1"\nformula = "hello"\ncontext = "say hello"\n');
    await writeFile(join(dir, "bad.toml"), 'id = "bad-1"\nformula = "nope"\ncontext = "x"\nsecrets = ["AWS_SECRET"]\n');
    const env = { DISINTO_FORGE_URL: w.forge.url, DISINTO_FORGE_TOKEN: w.forge.users[REQUESTER_LOGIN]!.token, DISINTO_OPS_REPO: `admin/${p.opsRef.name}`, DISINTO_PROJECT: "cli" };
    const run = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
      const io = captureIo(env, dir);
      const code = await main(argv, io);
      return { code, out: io.out(), err: io.err() };
    };

    const before = await opsTexts(p.ops);
    const bad = await run("vault", "request", "bad.toml");
    assert.equal(bad.code, 2);
    assert.match(bad.err, /bad\.toml: formula: unknown formula "nope"/);
    assert.match(bad.err, /bad\.toml: secrets\.0: AWS_SECRET is not in the project config's \[vault\] secrets allowlist/);
    assert.equal(await opsTexts(p.ops), before, "an invalid request writes nothing");

    const req = await run("vault", "request", "hello.toml");
    assert.equal(req.code, 0, req.err);
    assert.match(req.out, /^hello-1: high tier → PR #1 waits for an admin's approval/);
    assert.match(req.out, /the policy does not name hello: high \(default deny\)/);
    const twice = await run("vault", "request", "hello.toml");
    assert.match(twice.out, /hello-1: requested before \(pending, PR #1\); nothing written/);

    const list = await run("vault", "list");
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /pending approval: \n {2}hello-1 {2}PR #1 by gardener-bot, 0m old/);
    const show = await run("vault", "show", "hello-1");
    assert.match(show.out, /^hello-1: pending approval\nrequest: PR #1 \(open\)/);
    assert.match(show.out, /action \(on its request branch\):\n {2}id = "hello-1"/);
    assert.equal((await run("vault", "show", "nobody")).code, 2);

    const status = await run("status", "--json");
    assert.equal(status.code, 0, status.err);
    const report = statusReportSchema.parse(JSON.parse(status.out));
    assert.deepEqual(report.projects[0]!.vault!.pending.map((x) => [x.id, x.pr]), [["hello-1", 1]]);

    await p.approveAndMerge(1);
    const d = await p.dispatch();
    assert.equal(d.code, 0, d.out);
    const after = statusReportSchema.parse(JSON.parse((await run("status", "--json")).out));
    assert.deepEqual(after.projects[0]!.vault, { pending: [], queued: [], last_results: [{ id: "hello-1", status: "ok", exit_code: 0, finished: after.projects[0]!.vault!.last_results[0]!.finished, reason: null }] });
    const text = await run("status");
    assert.match(text.out, /vault: 0 waiting for approval, 0 queued\n {4}ok {7}hello-1/);
    const shown = await run("vault", "show", "hello-1");
    assert.match(shown.out, /result: ok, exit 0, .* approved by admin in PR #1/);
    assert.match(shown.out, /hello from hello-1/);
  });

  it("a low-tier request goes straight to main as a direct action, no PR; the dispatcher runs it without approval", async () => {
    const p = await w.project("clilow", { ...SECRETS, WEBHOOK_URL: "http://127.0.0.1:9/x", RELEASE_TOKEN: "unused-release-token" });
    await p.ops.contents.create("formulas/vault/tidy.sh", { text: "#!/usr/bin/env bash\necho tidied $VAULT_ID\n", message: "tidy formula" });
    await p.ops.contents.create("vault/policy.toml", { text: '[tiers]\ntidy = "low"\n', message: "tidy is low" });
    const dir = await mkdtemp(join(tmpdir(), "vault-cli-low-"));
    await writeFile(join(dir, "tidy.toml"), 'id = "tidy-1"\nformula = "tidy"\ncontext = "tidy up"\n');
    const env = { DISINTO_FORGE_URL: w.forge.url, DISINTO_FORGE_TOKEN: w.forge.users[REQUESTER_LOGIN]!.token, DISINTO_OPS_REPO: `admin/${p.opsRef.name}`, DISINTO_PROJECT: "clilow" };
    const run = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
      const io = captureIo(env, dir);
      const code = await main(argv, io);
      return { code, out: io.out(), err: io.err() };
    };

    const req = await run("vault", "request", "tidy.toml");
    assert.equal(req.code, 0, req.err);
    assert.match(req.out, /^tidy-1: low tier → committed to main as vault\/actions\/tidy-1\.toml \(dispatch_mode = "direct"\)/);
    assert.match(req.out, /- the policy puts tidy at low/);
    const file = (await p.ops.contents.get("vault/actions/tidy-1.toml"))!;
    assert.match(file.text, /^dispatch_mode = "direct"$/m);
    assert.match(file.text, /^context = "tidy up"$/m);
    assert.deepEqual(await p.ops.pulls.list({ state: "all" }), []);
    assert.equal(await p.ops.branches.get("vault/tidy-1"), undefined);

    const json = JSON.parse((await run("vault", "request", "tidy.toml", "--json")).out) as { created: boolean; state: string };
    assert.deepEqual([json.created, json.state], [false, "direct"]);
    const list = await run("vault", "list");
    assert.match(list.out, /tidy-1/);
    assert.doesNotMatch(list.out, /pending approval: \n {2}tidy-1/);

    const d = await p.dispatch();
    assert.equal(d.code, 0, d.out);
    assert.match(d.out, /tidy-1 is low tier .*runs without approval/);
    const shown = await run("vault", "show", "tidy-1");
    assert.match(shown.out, /result: ok, exit 0/);
    assert.match(shown.out, /tidied tidy-1/);
    assert.match((await run("vault", "request", "tidy.toml")).out, /tidy-1: requested before \(ok\); nothing written/);
  });
});
