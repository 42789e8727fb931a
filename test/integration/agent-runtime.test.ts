// The agent runtime against the sandbox forge: settings → config from the ops repo → clients.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startSandboxForge, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import { runAgent } from "../../src/agents/runtime.ts";
import { lookupSecret } from "../../src/host/secrets.ts";
import { Redactor } from "../../src/lib/redact.ts";
import { main } from "../../src/cli/main.ts";
import { api } from "../helpers/sandbox-forge.ts";
import { captureIo, sink } from "../helpers/io.ts";

const CONFIG = `name = "shop"
forge_url = "http://forge.invalid"
repo = "admin/shop"
ops_repo = "admin/shop-ops"

[identities.dev]
login = "dev-bot"
token_secret = "DEV_TOKEN"
backend = "local"

[identities.review]
login = "review-bot"
token_secret = "REVIEW_TOKEN"
backend = "local"

[backends.local]
type = "openai"
base_url = "http://127.0.0.1:9/v1"
model = "tiny"
api_key_env = "LOCAL_LLM_KEY"
max_turns = 12

[backends.cheap]
type = "openai"
base_url = "http://127.0.0.1:9/v1"
model = "tinier"
max_turns = 3

[limits]
budget_usd_per_day = 5
`;

describe("agent runtime", () => {
  let sandbox: SandboxForge;
  let admin: ForgejoForge;

  before(async () => {
    sandbox = await startSandboxForge({ seed: "empty" });
    admin = new ForgejoForge({ url: sandbox.url, token: sandbox.users["admin"]!.token });
    await admin.createRepo({ name: "shop", autoInit: true });
    await admin.createRepo({ name: "shop-ops", autoInit: true });
    await admin.repo({ owner: "admin", name: "shop-ops" }).contents.create("projects/shop.toml", { text: CONFIG, message: "config" });
  });
  after(async () => {
    await admin.close();
    await sandbox.stop();
  });

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    DISINTO_FORGE_URL: sandbox.url,
    DISINTO_FORGE_TOKEN: sandbox.users["admin"]!.token,
    DISINTO_PROJECT: "shop",
    DISINTO_OPS_REPO: "admin/shop-ops",
    ...extra,
  });

  it("loads the project config from the ops repo and hands the agent working clients", async () => {
    const s = sink();
    let seen: { login: string; repo: string; gitUrl: string; cred: Record<string, string>; caps: unknown; maxTurns: number | undefined } | undefined;
    const code = await runAgent(
      "dev",
      async (rt) => {
        const b = await rt.backend();
        seen = { login: rt.login, repo: rt.repo.ref.owner + "/" + rt.repo.ref.name, gitUrl: rt.git.url, cred: { ...rt.backendEnv(b) }, caps: rt.accounting.caps, maxTurns: rt.llmLimits.maxTurns };
        // The state store writes to the ops repo as this identity.
        await rt.state.updateText("journal/dev/test.md", () => "hello\n", "test write");
        return { outcome: "done", summary: "checked" };
      },
      { env: env({ LOCAL_LLM_KEY: "llm-key-canary-1234" }), streams: { stdout: s.out } },
    );
    assert.equal(code, 0, s.text());
    assert.deepEqual(seen, {
      login: "dev-bot",
      repo: "admin/shop",
      gitUrl: `${sandbox.url}/admin/shop.git`,
      cred: { LOCAL_LLM_KEY: "llm-key-canary-1234" },
      caps: { perDayUsd: 5 },
      maxTurns: 12,
    });
    const written = await admin.repo({ owner: "admin", name: "shop-ops" }).contents.get("journal/dev/test.md");
    assert.equal(written?.text, "hello\n");
    assert.match(s.text(), /^dev: checked/m, "the outcome line is named after the role");
    assert.doesNotMatch(s.text(), /llm-key-canary-1234/);
  });

  it("missing forge_token is bad input: exit 2 naming the setting, and no agent body runs", async () => {
    const s = sink();
    let ran = false;
    const e = env();
    delete e.DISINTO_FORGE_TOKEN;
    const code = await runAgent("dev", () => ((ran = true), Promise.resolve({ outcome: "done" as const, summary: "" })), { env: e, streams: { stdout: s.out } });
    assert.equal(code, 2);
    assert.equal(ran, false);
    assert.match(s.text(), /forge_token: missing; this agent's forge API token/);
  });

  it("a role without an identity in the config is exit 2 naming the key", async () => {
    const s = sink();
    const code = await runAgent("gardener", () => Promise.resolve({ outcome: "done" as const, summary: "" }), { env: env(), streams: { stdout: s.out } });
    assert.equal(code, 2);
    assert.match(s.text(), /identities\.gardener: missing; the gardener agent needs a forge identity and a backend/);
  });

  it("a missing project config in the ops repo is exit 2 naming the file", async () => {
    const s = sink();
    const code = await runAgent("dev", () => Promise.resolve({ outcome: "done" as const, summary: "" }), { env: env({ DISINTO_PROJECT: "nope" }), streams: { stdout: s.out } });
    assert.equal(code, 2);
    assert.match(s.text(), /admin\/shop-ops:projects\/nope\.toml: not found in the ops repo/);
  });

  it("the backend setting picks a [backends.<name>] of the config for this run instead of the identity's", async () => {
    const s = sink();
    let seen: { name: string; maxTurns: number | undefined } | undefined;
    const code = await runAgent(
      "dev",
      async (rt) => {
        seen = { name: (await rt.backend()).name, maxTurns: rt.llmLimits.maxTurns };
        return { outcome: "done", summary: "checked" };
      },
      { env: env({ DISINTO_BACKEND: "cheap" }), streams: { stdout: s.out } },
    );
    assert.equal(code, 0, s.text());
    assert.deepEqual(seen, { name: "openai:tinier", maxTurns: 3 });
  });

  it("`run dev --backend nonsense` is exit 2 listing the configured backends; nothing runs or is written", async () => {
    const ops = api(sandbox, "admin");
    const head = async (): Promise<unknown> => ((await ops("GET", "/repos/admin/shop-ops/branches/main")).body as { commit: { id: string } }).commit.id;
    const before = await head();
    const io = captureIo(env());
    const code = await main(["run", "dev", "--backend", "nonsense"], io);
    assert.equal(code, 2, io.out() + io.err());
    assert.match(io.out(), /settings: backend: "nonsense" is not a backend of projects\/shop\.toml; configured: local, cheap/);
    assert.doesNotMatch(io.out(), /dry run|lease|claim/);
    assert.equal(await head(), before);
  });

  it("a dry run refuses a write nothing simulates: exit 0, the outcome names the request, the forge is unchanged", async () => {
    const s = sink();
    const code = await runAgent(
      "dev",
      async (rt) => {
        await rt.repo.issues.create({ title: "Should not exist", body: "dry" });
        return { outcome: "done", summary: "created an issue" };
      },
      { env: env({ DISINTO_DRY_RUN: "true" }), streams: { stdout: s.out } },
    );
    assert.equal(code, 0, s.text());
    assert.match(s.text(), /^dev: dry run: would POST \/repos\/admin\/shop\/issues; planned writes: 0 · /m);
    assert.match(s.text(), /dry run: would POST \/repos\/admin\/shop\/issues — title="Should not exist" body="dry"; the dry run stops here/);
    assert.deepEqual(await admin.repo({ owner: "admin", name: "shop" }).issues.list({ state: "all" }), []);
  });

  it("checkpoint kills only at the named point", async () => {
    const s = sink();
    const kills: string[] = [];
    let at = "";
    const code = await runAgent(
      "dev",
      async (rt) => {
        at = "a";
        await rt.checkpoint("after-claim");
        at = "b";
        await rt.checkpoint("after-push");
        return { outcome: "idle", summary: "" };
      },
      { env: env({ DISINTO_CRASH_AT: "after-push" }), streams: { stdout: s.out }, kill: () => kills.push(at) },
    );
    assert.equal(code, 0);
    assert.deepEqual(kills, ["b"]);
  });
});

describe("lookupSecret", () => {
  it("finds a named secret in Woodpecker, Actions, DISINTO_ and plain form, in that order, and masks it", () => {
    const r = new Redactor();
    assert.equal(lookupSecret({ PLUGIN_DEV_TOKEN: "p-secret-1", DEV_TOKEN: "plain-1" }, "DEV_TOKEN", r), "p-secret-1");
    assert.equal(lookupSecret({ INPUT_DEV_TOKEN: "i-secret-1", DEV_TOKEN: "plain-1" }, "DEV_TOKEN"), "i-secret-1");
    assert.equal(lookupSecret({ DEV_TOKEN: "plain-secret" }, "DEV_TOKEN", r), "plain-secret");
    assert.equal(lookupSecret({ PLUGIN_DEV_TOKEN: "" }, "DEV_TOKEN"), undefined);
    assert.equal(r.redact("x p-secret-1 plain-secret"), "x ******** ********");
  });
});
