// `disinto init --host actions` against the sandbox forge, with no CI server at all: the same
// labels, ops repo, config and protections as on Woodpecker, and instead of crons, Woodpecker
// secrets and `.woodpecker/` pipelines, the project repo's Actions secrets the workflows read
// (set from the environment, only where missing, never printed) and a pull request adding one
// Forgejo Actions workflow per agent. A second run changes nothing.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { main } from "../../src/cli/main.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import { startSandboxForge, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { api } from "../helpers/sandbox-forge.ts";
import { captureIo } from "../helpers/io.ts";

const CANARY = "sk-ant-api03-canary-7f3a9c1e5b2d4086";
const ROTATED = "sk-ant-api03-rotated-2b8e6d0f4a1c3957";

describe("disinto init --host actions", () => {
  let sb: SandboxForge;
  let env: Record<string, string>;
  const argv = (...extra: string[]): string[] => ["init", "admin/shop", "--forge-url", sb.url, "--host", "actions", ...extra];

  async function init(args: string[], overrides: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
    const merged: Record<string, string> = { ...env };
    for (const [k, v] of Object.entries(overrides)) {
      if (v === undefined) delete merged[k];
      else merged[k] = v;
    }
    const io = captureIo(merged);
    const code = await main(args, io);
    return { code, out: io.out(), err: io.err() };
  }

  /** What init could have written: the Actions secrets, the ops repo, the project's branches. */
  async function written(): Promise<unknown> {
    const a = api(sb, "admin");
    const branches = (await a("GET", "/repos/admin/shop/branches")).body as { name: string; commit: { id: string } }[];
    return { secrets: sb.actionsSecrets("admin/shop"), ops: (await a("GET", "/repos/admin/shop-ops")).status, branches: branches.map((b) => [b.name, b.commit.id]) };
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
      ANTHROPIC_API_KEY: CANARY,
    };
  });
  after(() => sb.stop());

  it("a dry run lists the secrets it would set, by name and variable, and writes nothing", async () => {
    const before = await written();
    const r = await init(argv("--dry-run"));
    assert.equal(r.code, 0, r.err + r.out);
    for (const name of ["ANTHROPIC_API_KEY", "FORGE_DEV_TOKEN", "FORGE_REVIEW_TOKEN"]) {
      assert.match(r.out, new RegExp(`^would create Actions secret ${name} on admin/shop \\(from ${name}\\)$`, "m"));
    }
    assert.deepEqual(await written(), before);
    assert.deepEqual(sb.actionsSecrets("admin/shop"), {});
    for (const value of Object.values(env)) assert.ok(!r.out.includes(value) && !r.err.includes(value), "no secret value in the output");
  });

  it("a value missing from the environment stops init with exit 2 before any write, naming the variable", async () => {
    const before = await written();
    const r = await init(argv(), { FORGE_REVIEW_TOKEN: undefined });
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err, /init cannot go on; nothing was changed/);
    assert.match(r.err, /FORGE_REVIEW_TOKEN is not set: .*stores it as the Actions secret FORGE_REVIEW_TOKEN of admin\/shop/);
    assert.deepEqual(await written(), before);
  });

  it("sets the Actions secrets the workflows read and opens the pull request; the value is never printed", async () => {
    const r = await init(argv());
    assert.equal(r.code, 0, r.err + r.out);
    assert.match(r.out, /^created Actions secret ANTHROPIC_API_KEY on admin\/shop \(from ANTHROPIC_API_KEY\)$/m);
    assert.match(r.out, /^created Actions secret FORGE_DEV_TOKEN on admin\/shop \(from FORGE_DEV_TOKEN\)$/m);
    assert.match(r.out, /^created Actions secret FORGE_REVIEW_TOKEN on admin\/shop \(from FORGE_REVIEW_TOKEN\)$/m);
    assert.match(r.out, /^opened a pull request on admin\/shop adding \.forgejo\/workflows\/disinto-dev\.yml, \.forgejo\/workflows\/disinto-review\.yml \(branch disinto\/init\)$/m);
    assert.doesNotMatch(r.out, /set the repository secrets|(created|updated) (cron|secret)|in Woodpecker/m);
    for (const value of Object.values(env)) assert.ok(!r.out.includes(value) && !r.err.includes(value), "no secret value in the output");
    assert.deepEqual(sb.actionsSecrets("admin/shop"), { ANTHROPIC_API_KEY: CANARY, FORGE_DEV_TOKEN: env.FORGE_DEV_TOKEN, FORGE_REVIEW_TOKEN: env.FORGE_REVIEW_TOKEN });

    const app = new ForgejoForge({ url: sb.url, token: sb.users["admin"]!.token }).repo({ owner: "admin", name: "shop" });
    const devText = (await app.contents.get(".forgejo/workflows/disinto-dev.yml", { ref: "disinto/init" }))!.text;
    const dev = parse(devText) as { on: Record<string, unknown>; concurrency: { group: string }; jobs: { dev: { steps: { with: Record<string, string> }[] } } };
    assert.deepEqual(Object.keys(dev.on).sort(), ["issue_comment", "issues", "pull_request_review", "schedule", "workflow_dispatch"]);
    assert.match(dev.concurrency.group, /^disinto-dev-/);
    // The names the workflow reads are the names init stored.
    const read = Object.values(dev.jobs.dev.steps[0]!.with).flatMap((v) => [.../\$\{\{ secrets\.(\w+) \}\}/.exec(v)?.slice(1) ?? []]);
    assert.deepEqual(read.sort(), ["ANTHROPIC_API_KEY", "FORGE_DEV_TOKEN"]);
    const pr = await app.pulls.findByHead("disinto/init", { state: "open" });
    assert.match(pr!.body, /The repository secrets they read \(`ANTHROPIC_API_KEY`, `FORGE_DEV_TOKEN`, `FORGE_REVIEW_TOKEN`\) are set on this repository/);
    assert.doesNotMatch(pr!.body, /Set the repository secrets/);

    const again = await init(argv());
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /^nothing to do: admin\/shop is set up$/m);
    assert.deepEqual(sb.actionsSecrets("admin/shop"), { ANTHROPIC_API_KEY: CANARY, FORGE_DEV_TOKEN: env.FORGE_DEV_TOKEN, FORGE_REVIEW_TOKEN: env.FORGE_REVIEW_TOKEN });
  });

  it("a secret that exists needs no value; one that is missing on the forge does, and nothing is written without it", async () => {
    const kept = await init(argv(), { FORGE_REVIEW_TOKEN: undefined });
    assert.equal(kept.code, 0, kept.err + kept.out);
    assert.match(kept.out, /^nothing to do: admin\/shop is set up$/m);

    const admin = new ForgejoForge({ url: sb.url, token: sb.users["admin"]!.token });
    assert.equal(await admin.repo({ owner: "admin", name: "shop" }).actionsSecrets.delete("FORGE_REVIEW_TOKEN"), true);
    await admin.close();
    const before = await written();
    const r = await init(argv(), { FORGE_REVIEW_TOKEN: undefined });
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err, /- FORGE_REVIEW_TOKEN is not set: init stores it as the Actions secret FORGE_REVIEW_TOKEN of admin\/shop/);
    assert.deepEqual(await written(), before);

    const back = await init(argv());
    assert.equal(back.code, 0, back.err);
    assert.deepEqual(back.out.split("\n").filter((l) => /Actions secret/.test(l)), ["created Actions secret FORGE_REVIEW_TOKEN on admin/shop (from FORGE_REVIEW_TOKEN)"]);
  });

  it("--update-secrets sets every secret again from the environment, printing no value", async () => {
    const r = await init(argv("--update-secrets"), { ANTHROPIC_API_KEY: ROTATED });
    assert.equal(r.code, 0, r.err + r.out);
    assert.deepEqual(
      r.out.split("\n").filter((l) => /Actions secret/.test(l)),
      ["ANTHROPIC_API_KEY", "FORGE_DEV_TOKEN", "FORGE_REVIEW_TOKEN"].map((n) => `updated Actions secret ${n} on admin/shop (from ${n})`),
    );
    assert.ok(!r.out.includes(ROTATED) && !r.err.includes(ROTATED));
    assert.equal(sb.actionsSecrets("admin/shop").ANTHROPIC_API_KEY, ROTATED);

    const without = await init(argv("--update-secrets"), { ANTHROPIC_API_KEY: undefined, CLAUDE_CODE_OAUTH_TOKEN: "oauth-canary-5d1c" });
    assert.equal(without.code, 2, without.out + without.err);
    assert.match(without.err, /ANTHROPIC_API_KEY is not set: --update-secrets sets every secret again/);
    assert.ok(!without.err.includes("oauth-canary-5d1c") && !without.out.includes("oauth-canary-5d1c"));
    assert.equal(sb.actionsSecrets("admin/shop").ANTHROPIC_API_KEY, ROTATED);
    assert.equal(sb.actionsSecrets("admin/shop").CLAUDE_CODE_OAUTH_TOKEN, undefined);
  });

  it("a variable Forgejo would refuse as a secret name stops init with exit 2, naming it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "actions-init-name-"));
    try {
      const file = join(dir, "shop.toml");
      const ops = new ForgejoForge({ url: sb.url, token: sb.users["admin"]!.token });
      const toml = (await ops.repo({ owner: "admin", name: "shop-ops" }).contents.get("projects/shop.toml"))!.text;
      await ops.close();
      await writeFile(file, toml.replace('token_secret = "FORGE_DEV_TOKEN"', 'token_secret = "FORGEJO_DEV_TOKEN"'));
      const before = await written();
      const r = await init(argv("--config", file), { FORGEJO_DEV_TOKEN: env.FORGE_DEV_TOKEN });
      assert.equal(r.code, 2, r.out + r.err);
      assert.match(r.err, /FORGEJO_DEV_TOKEN: the workflows read it as the Actions secret of that name, and Forgejo refuses it: .*prefix FORGEJO_ is reserved/);
      assert.deepEqual(await written(), before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses an unknown host with exit 2 before asking anything", async () => {
    const r = await init(["init", "admin/shop", "--forge-url", sb.url, "--host", "jenkins"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /--host takes woodpecker or actions, got "jenkins"/);
  });
});
