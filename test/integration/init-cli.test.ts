// `disinto init` against the sandbox forge and CI: a dry run changes nothing, a real run
// creates everything, a second run is a no-op, and missing permissions or tokens stop it with
// exit 2 before anything is written. Forge and CI state are compared through their APIs.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { main } from "../../src/cli/main.ts";
import { parseProjectConfig } from "../../src/config/load.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import { INIT_BRANCH } from "../../src/init/init.ts";
import { PLUGIN_IMAGE } from "../../src/lib/plugin-image.ts";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.ts";
import { StateStore } from "../../src/state/index.ts";
import { captureIo } from "../helpers/io.ts";
import { api, unb64 } from "../helpers/sandbox-forge.ts";

const CI_YML = 'when:\n  - event: [push, pull_request]\nsteps:\n  - name: test\n    image: alpine\n    commands: ["true"]\n';

describe("disinto init", () => {
  let sb: Sandbox;
  let noBundles: string;
  let env: Record<string, string>;
  let argv: (repo: string, ...extra: string[]) => string[];

  // Everything init may create or change, read through the APIs: repos, branch heads (so any
  // commit shows), labels, collaborators, protections, pull requests; the CI repo, crons, secrets.
  async function snapshot(): Promise<unknown> {
    await sb.ci.waitIdle();
    const a = api(sb.forge, "admin");
    const out: Record<string, unknown> = {};
    for (const r of ["admin/shop", "admin/shop-ops", "admin/tools", "admin/tools-ops"]) {
      const repo = await a("GET", `/repos/${r}`);
      if (repo.status === 404) {
        out[r] = null;
        continue;
      }
      const get = async (path: string): Promise<unknown> => (await a("GET", `/repos/${r}${path}`)).body;
      out[r] = {
        private: (repo.body as { private: boolean }).private,
        branches: ((await get("/branches")) as { name: string; commit: { id: string } }[]).map((b) => [b.name, b.commit.id]),
        labels: ((await get("/labels?limit=50")) as { name: string; color: string }[]).map((l) => `${l.name} ${l.color}`).sort(),
        collaborators: ((await get("/collaborators")) as { login: string }[]).map((u) => u.login).sort(),
        protections: await get("/branch_protections"),
        pulls: ((await get("/pulls?state=all")) as { number: number; state: string; head: { ref: string; sha: string } }[]).map((p) => [p.number, p.state, p.head.ref, p.head.sha]),
      };
    }
    const ci = async (path: string): Promise<{ status: number; body: unknown }> => {
      const res = await fetch(`${sb.ci.url}/api${path}`, { headers: { Authorization: `Bearer ${sb.ci.token("admin")}` } });
      const text = await res.text();
      return { status: res.status, body: res.ok ? (JSON.parse(text) as unknown) : text };
    };
    for (const r of ["admin/shop", "admin/tools"]) {
      const repo = await ci(`/repos/lookup/${r}`);
      if (repo.status !== 200) {
        out[`ci ${r}`] = repo.status;
        continue;
      }
      const id = (repo.body as { id: number; active: boolean }).id;
      out[`ci ${r}`] = {
        active: (repo.body as { active: boolean }).active,
        crons: ((await ci(`/repos/${id}/cron`)).body as { name: string; schedule: string; enabled: boolean }[]).map((c) => [c.name, c.schedule, c.enabled]),
        secrets: ((await ci(`/repos/${id}/secrets`)).body as { name: string; events: string[]; images: string[] }[]).map((s) => [s.name, s.events, s.images]),
      };
    }
    return out;
  }

  async function init(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo({ ...env, ...extraEnv });
    const code = await main(args, io);
    return { code, out: io.out(), err: io.err() };
  }

  before(async () => {
    // Pipelines the init PR starts find no bundle and fail at once: this test is about init.
    noBundles = await mkdtemp(join(tmpdir(), "init-no-bundles-"));
    sb = await startSandbox({ seed: "empty", scheduler: false, bundlesDir: noBundles });
    const admin = new ForgejoForge({ url: sb.forge.url, token: sb.forge.users["admin"]!.token });
    for (const name of ["shop", "tools"]) {
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
      FORGE_GARDENER_TOKEN: users["gardener-bot"]!.token,
      ANTHROPIC_API_KEY: "sk-ant-api03-sandbox-fake-0123456789",
    };
    argv = (repo, ...extra) => ["init", repo, "--forge-url", sb.forge.url, "--ci-url", sb.ci.url, ...extra];
  });

  after(async () => {
    await sb.stop();
    await rm(noBundles, { recursive: true, force: true });
  });

  it("--dry-run prints one line per change and writes nothing", async () => {
    const before = await snapshot();
    const r = await init(argv("admin/shop", "--dry-run"));
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split("\n");
    assert.equal(lines[0], "disinto init admin/shop (dry run: nothing is changed)");
    for (const expected of [
      "would create the ops repo admin/shop-ops (private)",
      "would create 21 labels on admin/shop: backlog, priority, in-progress,",
      "would create 3 labels on admin/shop-ops: vault, pending-approval, incident",
      "would add dev-bot (dev) as a collaborator with write access to admin/shop",
      "would add review-bot (review) as a collaborator with write access to admin/shop-ops",
      "would add gardener-bot (gardener) as a collaborator with write access to admin/shop",
      "would add gardener-bot (gardener) as a collaborator with write access to admin/shop-ops",
      "would lay out the ops repo admin/shop-ops (",
      `would activate admin/shop in Woodpecker (${sb.ci.url})`,
      "would write admin/shop-ops:projects/shop.toml (dev: dev-bot, review: review-bot, gardener: gardener-bot; backend claude-cli)",
      "would protect the main branch of admin/shop-ops (pushes only by admin, dev-bot, review-bot, gardener-bot; merges need 1 approval)",
      "would protect the main branch of admin/shop (merges need 1 approval by review-bot, admin and none of them requesting changes; a new commit dismisses it)",
      "would create cron disinto-dev (*/5 * * * *, disabled: the tick starts it)",
      "would create cron disinto-review (*/5 * * * *, disabled: the tick starts it)",
      "would create cron disinto-gardener (*/30 * * * *, disabled: the tick starts it)",
      "would create cron disinto-tick (*/5 * * * *)",
      `would create secret forge_dev_token (from FORGE_DEV_TOKEN; events cron, manual; image ${PLUGIN_IMAGE} only)`,
      `would create secret forge_review_token (from FORGE_REVIEW_TOKEN; events cron, manual, pull_request; image ${PLUGIN_IMAGE} only)`,
      `would create secret forge_gardener_token (from FORGE_GARDENER_TOKEN; events cron, manual; image ${PLUGIN_IMAGE} only)`,
      "would create secret anthropic_api_key (from ANTHROPIC_API_KEY; events cron, manual, pull_request;",
      "would create secret disinto_ci_token (from the CI token init uses;",
      `would open a pull request on admin/shop adding .woodpecker/disinto-dev.yml, .woodpecker/disinto-review.yml, .woodpecker/disinto-gardener.yml, .woodpecker/disinto-tick.yml (branch ${INIT_BRANCH})`,
    ]) {
      assert.ok(lines.some((l) => l.startsWith(expected)), `missing line: ${expected}\n${r.out}`);
    }
    assert.equal(lines.at(-1), "24 changes planned; run without --dry-run to make them");
    assert.ok(!r.out.includes(env.ANTHROPIC_API_KEY!) && !r.out.includes(env.FORGE_DEV_TOKEN!));
    assert.deepEqual(await snapshot(), before);
  });

  it("a real run creates everything the plan listed", async () => {
    const r = await init(argv("admin/shop"));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^created the ops repo admin\/shop-ops \(private\)$/m);
    assert.match(r.out, /^done: 24 changes; merge pull request #1 \(.+\/admin\/shop\/pulls\/1\) to start the agents$/m);
    await sb.ci.waitIdle();

    const a = api(sb.forge, "admin");
    const ops = await a("GET", "/repos/admin/shop-ops");
    assert.equal(ops.status, 200);
    assert.equal((ops.body as { private: boolean }).private, true);

    // the project config: valid, identities from the tokens, Woodpecker's repo id
    const lookup = await fetch(`${sb.ci.url}/api/repos/lookup/admin/shop`, { headers: { Authorization: `Bearer ${sb.ci.token("admin")}` } });
    const ciRepo = (await lookup.json()) as { id: number; active: boolean };
    assert.equal(ciRepo.active, true);
    const toml = unb64(((await a("GET", "/repos/admin/shop-ops/contents/projects/shop.toml")).body as { content: string }).content);
    const cfg = parseProjectConfig(toml, "projects/shop.toml");
    assert.equal(cfg.repo, "admin/shop");
    assert.equal(cfg.ops_repo, "admin/shop-ops");
    assert.deepEqual([cfg.identities.dev?.login, cfg.identities.review?.login, cfg.identities.gardener?.login], ["dev-bot", "review-bot", "gardener-bot"]);
    assert.deepEqual([cfg.identities.dev?.token_secret, cfg.identities.review?.token_secret, cfg.identities.gardener?.token_secret], ["FORGE_DEV_TOKEN", "FORGE_REVIEW_TOKEN", "FORGE_GARDENER_TOKEN"]);
    assert.equal(cfg.schedules.gardener, "*/30 * * * *");
    assert.equal(cfg.ci.woodpecker_repo_id, ciRepo.id);
    // review and merge wait for the project's CI on pull requests, never for disinto's own workflows
    assert.deepEqual(cfg.ci.required_contexts, ["ci/woodpecker/pr/test"]);
    assert.ok(!toml.includes(env.FORGE_DEV_TOKEN!), "no token in the config");

    // layout, labels, collaborators, protection
    for (const path of ["locks/.gitkeep", "state/.gitkeep", "vault/pending/.gitkeep", "prerequisites.md"]) {
      assert.equal((await a("GET", `/repos/admin/shop-ops/contents/${path}`)).status, 200, path);
    }
    const labels = ((await a("GET", "/repos/admin/shop/labels?limit=50")).body as { name: string }[]).map((l) => l.name);
    for (const l of ["backlog", "priority", "in-progress", "blocked", "underspecified", "tech-debt", "prediction/unreviewed"]) assert.ok(labels.includes(l), l);
    const opsLabels = ((await a("GET", "/repos/admin/shop-ops/labels")).body as { name: string }[]).map((l) => l.name).sort();
    assert.deepEqual(opsLabels, ["incident", "pending-approval", "vault"]);
    for (const repo of ["admin/shop", "admin/shop-ops"]) {
      const who = ((await a("GET", `/repos/${repo}/collaborators`)).body as { login: string }[]).map((u) => u.login).sort();
      assert.deepEqual(who, ["dev-bot", "gardener-bot", "review-bot"], repo);
    }
    const prot = (await a("GET", "/repos/admin/shop-ops/branch_protections/main")).body as { enable_push: boolean; push_whitelist_usernames: string[]; required_approvals: number };
    assert.equal(prot.enable_push, true);
    assert.deepEqual([...prot.push_whitelist_usernames].sort(), ["admin", "dev-bot", "gardener-bot", "review-bot"]);
    assert.equal(prot.required_approvals, 1);
    // The project's primary branch: the forge itself holds a merge to the review identity's (or an admin's) approval of the head.
    const main = (await a("GET", "/repos/admin/shop/branch_protections/main")).body as Record<string, unknown>;
    assert.deepEqual(
      [main.required_approvals, main.enable_approvals_whitelist, [...(main.approvals_whitelist_username as string[])].sort(), main.dismiss_stale_approvals, main.block_on_rejected_reviews, main.enable_push, main.enable_push_whitelist],
      [1, true, ["admin", "review-bot"], true, true, true, false],
    );
    // the agents can still write their state under the protection; others cannot
    const asDev = new ForgejoForge({ url: sb.forge.url, token: env.FORGE_DEV_TOKEN! });
    try {
      const store = new StateStore({ contents: asDev.repo({ owner: "admin", name: "shop-ops" }).contents, author: { agent: "dev", identity: "dev-bot" } });
      await store.createText("journal/probe.md", "probe\n", "probe");
    } finally {
      await asDev.close();
    }
    const planner = api(sb.forge, "planner-bot");
    const denied = await planner("POST", "/repos/admin/shop-ops/contents/journal/other.md", { content: Buffer.from("x").toString("base64"), message: "x" });
    assert.ok(denied.status === 403 || denied.status === 404, `planner-bot wrote to the ops repo (${denied.status})`);

    // crons and secrets in Woodpecker
    const ci = async (path: string): Promise<unknown> => (await fetch(`${sb.ci.url}/api/repos/${ciRepo.id}${path}`, { headers: { Authorization: `Bearer ${sb.ci.token("admin")}` } })).json();
    const crons = (await ci("/cron")) as { name: string; schedule: string; enabled: boolean }[];
    assert.deepEqual(
      crons.map((c) => [c.name, c.schedule, c.enabled]).sort(),
      [
        // The one-tick layout (init's default): the tick fires, the agents' crons wait for it.
        ["disinto-dev", "*/5 * * * *", false],
        ["disinto-gardener", "*/30 * * * *", false],
        ["disinto-review", "*/5 * * * *", false],
        ["disinto-tick", "*/5 * * * *", true],
      ],
    );
    const secrets = Object.fromEntries(((await ci("/secrets")) as { name: string; events: string[]; images: string[] }[]).map((s) => [s.name, { events: [...s.events].sort(), images: s.images }]));
    assert.deepEqual(secrets, {
      forge_dev_token: { events: ["cron", "manual"], images: [PLUGIN_IMAGE] },
      forge_review_token: { events: ["cron", "manual", "pull_request"], images: [PLUGIN_IMAGE] },
      forge_gardener_token: { events: ["cron", "manual"], images: [PLUGIN_IMAGE] },
      anthropic_api_key: { events: ["cron", "manual", "pull_request"], images: [PLUGIN_IMAGE] },
      disinto_ci_token: { events: ["cron", "manual", "pull_request"], images: [PLUGIN_IMAGE] },
    });

    // the pull request with the pipelines, which name those secrets
    const pulls = (await a("GET", "/repos/admin/shop/pulls?state=all")).body as { number: number; state: string; head: { ref: string } }[];
    assert.deepEqual(pulls.map((p) => [p.number, p.state, p.head.ref]), [[1, "open", INIT_BRANCH]]);
    const file = async (path: string): Promise<Record<string, unknown>> => parse(unb64(((await a("GET", `/repos/admin/shop/contents/${path}?ref=${encodeURIComponent(INIT_BRANCH)}`)).body as { content: string }).content)) as Record<string, unknown>;
    const review = await file(".woodpecker/disinto-review.yml");
    assert.deepEqual(review.depends_on, [{ name: "test", optional: true }]);
    const step = (review.steps as { image: string; settings: Record<string, unknown> }[])[0]!;
    assert.equal(step.image, PLUGIN_IMAGE);
    assert.equal(step.settings.agent, "review");
    assert.equal(step.settings.project, "shop");
    assert.equal(step.settings.ops_repo, "admin/shop-ops");
    for (const [setting, secret] of [["forge_token", "forge_review_token"], ["ci_token", "disinto_ci_token"], ["anthropic_api_key", "anthropic_api_key"]] as const) {
      assert.deepEqual(step.settings[setting], { from_secret: secret });
      assert.ok(secret in secrets, `the pipeline reads ${secret}, which init created`);
    }
    const dev = await file(".woodpecker/disinto-dev.yml");
    assert.deepEqual(dev.when, [{ event: "cron", cron: "disinto-dev" }, { event: "manual" }]);
    const gardenerPipeline = await file(".woodpecker/disinto-gardener.yml");
    assert.deepEqual(gardenerPipeline.when, [{ event: "cron", cron: "disinto-gardener" }, { event: "manual" }]);
    const gardenerStep = (gardenerPipeline.steps as { settings: Record<string, unknown> }[])[0]!;
    assert.equal(gardenerStep.settings.agent, "gardener");
    assert.deepEqual(gardenerStep.settings.forge_token, { from_secret: "forge_gardener_token" });
  });

  it("a second run changes nothing and says so", async () => {
    const before = await snapshot();
    const r = await init(argv("admin/shop"));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^note: pull request #1 adding .woodpecker\/disinto-dev.yml, .woodpecker\/disinto-review.yml, .woodpecker\/disinto-gardener.yml, .woodpecker\/disinto-tick.yml is open/m);
    assert.equal(r.out.trim().split("\n").at(-1), "nothing to do: admin/shop is set up");
    const dry = await init(argv("admin/shop", "--dry-run"));
    assert.equal(dry.out.trim().split("\n").at(-1), "nothing to do: admin/shop is set up");
    assert.deepEqual(await snapshot(), before);
  });

  it("keeps what a human changed, and repairs what is missing", async () => {
    const a = api(sb.forge, "admin");
    // someone deletes a label and disables the tick's cron, which the config still schedules
    const labels = (await a("GET", "/repos/admin/shop/labels?limit=50")).body as { id: number; name: string }[];
    assert.equal((await a("DELETE", `/repos/admin/shop/labels/${labels.find((l) => l.name === "vision")!.id}`)).status, 204);
    const lookup = (await (await fetch(`${sb.ci.url}/api/repos/lookup/admin/shop`, { headers: { Authorization: `Bearer ${sb.ci.token("admin")}` } })).json()) as { id: number };
    const auth = { Authorization: `Bearer ${sb.ci.token("admin")}`, "Content-Type": "application/json" };
    const crons = (await (await fetch(`${sb.ci.url}/api/repos/${lookup.id}/cron`, { headers: auth })).json()) as { id: number; name: string }[];
    const tick = crons.find((c) => c.name === "disinto-tick")!;
    assert.equal((await fetch(`${sb.ci.url}/api/repos/${lookup.id}/cron/${tick.id}`, { method: "PATCH", headers: auth, body: JSON.stringify({ enabled: false }) })).status, 200);

    const r = await init(argv("admin/shop"));
    assert.equal(r.code, 0, r.err);
    const changes = r.out.split("\n").filter((l) => /^(created|updated|added|opened|wrote|protected|activated|laid out)/.test(l));
    assert.deepEqual(changes, ["created 1 label on admin/shop: vision", "updated cron disinto-tick (enabled again: the config schedules it)"]);
  });

  it("leaves the gardener out of a config it writes when its token is not given, and says how to add it", async () => {
    const before = await snapshot();
    const r = await init(argv("admin/tools", "--dry-run"), { FORGE_GARDENER_TOKEN: undefined });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^note: no gardener agent: FORGE_GARDENER_TOKEN is not set \(.*add \[identities\.gardener\] to the config and run init again\)$/m);
    assert.match(r.out, /^would write admin\/tools-ops:projects\/tools.toml \(dev: dev-bot, review: review-bot; backend claude-cli\)$/m);
    assert.doesNotMatch(r.out, /disinto-gardener|forge_gardener_token|gardener-bot/);
    assert.deepEqual(await snapshot(), before);
  });

  it("raises an agent that is only a reader to write access (a reader's approval does not count)", async () => {
    const admin = new ForgejoForge({ url: sb.forge.url, token: sb.forge.users["admin"]!.token });
    await admin.createRepo({ name: "reader", autoInit: true });
    await admin.repo({ owner: "admin", name: "reader" }).contents.create(".woodpecker/test.yml", { text: CI_YML, message: "CI" });
    await admin.repo({ owner: "admin", name: "reader" }).collaborators.add("review-bot", "read");
    const r = await init(argv("admin/reader", "--dry-run"));
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.includes("would add review-bot (review) as a collaborator with write access to admin/reader\n"), r.out);
    assert.equal(await admin.repo({ owner: "admin", name: "reader" }).collaborators.permission("review-bot"), "read", "a dry run changes nothing");
    await admin.close();
  });

  it("stops with exit 2, naming the missing permission, when the forge token is not an admin's", async () => {
    const before = await snapshot();
    const r = await init(argv("admin/shop"), { DISINTO_FORGE_TOKEN: sb.forge.users["dev-bot"]!.token });
    assert.equal(r.code, 2);
    assert.match(r.err, /init cannot go on; nothing was changed:\n {2}- dev-bot is not an admin of admin\/shop: init needs an admin's forge token/);
    assert.deepEqual(await snapshot(), before);
  });

  it("stops with exit 2, naming every missing token, before writing anything for a new project", async () => {
    const before = await snapshot();
    const r = await init(argv("admin/tools"), { FORGE_REVIEW_TOKEN: undefined, ANTHROPIC_API_KEY: undefined });
    assert.equal(r.code, 2);
    assert.match(r.err, /- FORGE_REVIEW_TOKEN is not set: it must hold the forge token of the review agent's own account/);
    assert.match(r.err, /- the claude backend \(claude-cli\) needs a credential: set ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN/);
    const renamed = await init(argv("admin/tools", "--token-secret", "review=REVIEWER_TOKEN"));
    assert.equal(renamed.code, 2);
    assert.match(renamed.err, /- REVIEWER_TOKEN is not set: .* stores it as the Woodpecker secret reviewer_token\)/);
    const typo = await init(argv("admin/tools", "--token-secret", "reviewer=X"));
    assert.equal(typo.code, 2);
    assert.match(typo.err, /--token-secret takes AGENT=NAME with AGENT one of dev, review/);
    const same = await init(argv("admin/tools"), { FORGE_REVIEW_TOKEN: sb.forge.users["dev-bot"]!.token });
    assert.equal(same.code, 2);
    assert.match(same.err, /the dev and review tokens belong to the same user \(dev-bot\)/);
    const sameGardener = await init(argv("admin/tools"), { FORGE_GARDENER_TOKEN: sb.forge.users["review-bot"]!.token });
    assert.equal(sameGardener.code, 2);
    assert.match(sameGardener.err, /the review and gardener tokens belong to the same user \(review-bot\)/);
    const namedGardener = await init(argv("admin/tools", "--token-secret", "gardener=GARDENER_TOKEN"));
    assert.equal(namedGardener.code, 2, "a renamed gardener token is asked for, not skipped");
    assert.match(namedGardener.err, /- GARDENER_TOKEN is not set: it must hold the forge token of the gardener agent's own account/);
    const badCi = await init(argv("admin/tools"), { DISINTO_CI_TOKEN: "not-a-woodpecker-token" });
    assert.equal(badCi.code, 2);
    assert.match(badCi.err, /the CI token \(DISINTO_CI_TOKEN\) was refused by .+ \(HTTP 401\)/);
    assert.deepEqual(await snapshot(), before);
  });

  it("a schedule Woodpecker would refuse stops init with exit 2 before its first write, naming the file, key and value", async () => {
    const dir = await mkdtemp(join(tmpdir(), "init-bad-cron-"));
    try {
      const file = join(dir, "tools.toml");
      await writeFile(
        file,
        `name = "tools"\nforge_url = "${sb.forge.url}"\nrepo = "admin/tools"\n\n[identities.dev]\nlogin = "dev-bot"\ntoken_secret = "DEV_TOKEN"\nbackend = "local"\n\n[backends.local]\ntype = "scripted"\nscript = "scripts/demo.toml"\n\n[schedules]\ndev = "61 * * * *"\nreview = "0 0 32 * *"\n`,
      );
      const before = await snapshot();
      const r = await init(argv("admin/tools", "--config", file), { DEV_TOKEN: sb.forge.users["dev-bot"]!.token });
      assert.equal(r.code, 2, r.out + r.err);
      assert.match(r.err, /init cannot go on; nothing was changed/);
      assert.ok(r.err.includes(`${file}:15: schedules.dev: expected a cron schedule like "*/5 * * * *"`), r.err);
      assert.match(r.err, /got "61 \* \* \* \*": minute field: .*above maximum \(59\)/);
      assert.match(r.err, /schedules\.review: .*got "0 0 32 \* \*": day of month field: .*above maximum \(31\)/);
      assert.deepEqual(await snapshot(), before, "nothing written to the forge or the CI");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("installs a given config (--config) with its own identities and backend", async () => {
    const dir = await mkdtemp(join(tmpdir(), "init-config-"));
    try {
      const file = join(dir, "tools.toml");
      await writeFile(
        file,
        `name = "tools"\nforge_url = "${sb.forge.url}"\nrepo = "admin/tools"\n\n[identities.dev]\nlogin = "dev-bot"\ntoken_secret = "DEV_TOKEN"\nbackend = "local"\n\n[backends.local]\ntype = "scripted"\nscript = "scripts/demo.toml"\n\n[schedules]\ndev = "*/7 * * * *"\nlayout = "per-agent"\n`,
      );
      const r = await init(argv("admin/tools", "--config", file), { DEV_TOKEN: sb.forge.users["dev-bot"]!.token, ANTHROPIC_API_KEY: undefined, FORGE_REVIEW_TOKEN: undefined });
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^wrote admin\/tools-ops:projects\/tools.toml from .*tools\.toml$/m);
      assert.match(r.out, /^created cron disinto-dev \(\*\/7 \* \* \* \*\)$/m);
      assert.match(r.out, /^created secret dev_token \(from DEV_TOKEN; events cron, manual;/m);
      assert.doesNotMatch(r.out, /disinto-review|disinto-tick|anthropic/);
      assert.match(r.out, /^opened a pull request on admin\/tools adding .woodpecker\/disinto-dev.yml \(branch disinto\/init\)$/m);
      const again = await init(argv("admin/tools", "--config", file), { DEV_TOKEN: sb.forge.users["dev-bot"]!.token });
      assert.equal(again.out.trim().split("\n").at(-1), "nothing to do: admin/tools is set up");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
