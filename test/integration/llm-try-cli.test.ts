// `disinto llm try` as an operator runs it: `node src/entrypoints/cli.ts llm try …` in a child
// process, against the scripted backend, the fake OpenAI server, the fake claude and the
// sandbox forge's ops repo. Canary tokens in its environment must reach neither its output nor
// the LLM's process.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ForgejoForge } from "../../src/forge/index.ts";
import { startSandboxForge, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { ledgerEntrySchema, StateStore } from "../../src/state/index.ts";
import { fakeClaude } from "../fakes/fake-claude.ts";
import { startFakeOpenAi, type FakeOpenAi } from "../fakes/openai-server.ts";

const CONFIG = "test/fixtures/llm/projects/demo.toml";
const CANARY = "canary-forge-token-7f3e9a2b1c";
const NETRC_CANARY = "canary-netrc-password-5d4c3b2a";
const OPENAI_KEY = "sk-try-openai-key-0123456789abcdef";
const ANTHROPIC_KEY = "sk-ant-try-key-0123456789abcdef";
/** What a CI step's environment holds besides the backend's own credentials. */
const CANARIES = { FORGE_TOKEN: CANARY, DISINTO_FORGE_TOKEN: CANARY, CI_NETRC_PASSWORD: NETRC_CANARY, GITHUB_TOKEN: CANARY };

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["src/entrypoints/cli.ts", "llm", "try", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: `${dirname(process.execPath)}:${process.env["PATH"] ?? ""}`, HOME: process.env["HOME"] ?? "/tmp", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function assertNoSecrets(r: Ran, ...secrets: string[]): void {
  for (const s of [CANARY, NETRC_CANARY, ...secrets]) {
    assert.ok(!r.stdout.includes(s), `stdout leaks ${s.slice(0, 12)}…`);
    assert.ok(!r.stderr.includes(s), `stderr leaks ${s.slice(0, 12)}…`);
  }
}

function tempConfig(toml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "llm-try-cli-"));
  const file = join(dir, "demo.toml");
  writeFileSync(file, `name = "demo"\nforge_url = "http://forge.invalid"\nrepo = "demo/calc"\n\n${toml}`);
  return file;
}

describe("disinto llm try", () => {
  it("runs the scripted backend from --config and prints status, reply, usage, cost, turns and duration", async () => {
    const r = await cli(["--backend", "scripted", "--config", CONFIG]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^backend +scripted \(scripted\)$/m);
    assert.match(r.stdout, /^status +ok$/m);
    assert.match(r.stdout, /^reply +ready$/m);
    assert.match(r.stdout, /^usage +12 in · 3 out · 0 cache read · 0 cache write \(15 tokens\)$/m);
    assert.match(r.stdout, /^cost +\$0\.002100$/m);
    assert.match(r.stdout, /^turns +1$/m);
    assert.match(r.stdout, /^duration +\d+\.\d\ds$/m);
    assert.match(r.stdout, /^ledger +not recorded: no ops repo/m);
    assert.match(r.stderr, /scripted backend: task try · 0 actions · not a model/, "progress on stderr");
  });

  it("--json prints one JSON object", async () => {
    const r = await cli(["--backend", "scripted", "--config", CONFIG, "--json", "--prompt", "say ready"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines.length, 1);
    const o = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(o["ok"], true);
    assert.equal(o["status"], "ok");
    assert.equal(o["backend"], "scripted");
    assert.equal(o["kind"], "scripted");
    assert.equal(o["text"], "ready");
    assert.deepEqual(o["usage"], { inputTokens: 12, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0 });
    assert.equal(o["costUsd"], 0.0021);
    assert.equal(o["turns"], 1);
    assert.equal(typeof o["durationMs"], "number");
    assert.equal((o["ledger"] as { recorded: boolean }).recorded, false);
  });

  it("exits 1 with the reason when the backend fails", async () => {
    const r = await cli(["--backend", "broken", "--config", CONFIG]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^status +error$/m);
    assert.match(r.stdout, /^reason +the endpoint answered 401 Unauthorized$/m);
    const j = await cli(["--backend", "broken", "--config", CONFIG, "--json"]);
    assert.equal(j.code, 1);
    const o = JSON.parse(j.stdout) as { ok: boolean; status: string; reason: string };
    assert.deepEqual([o.ok, o.status, o.reason], [false, "error", "the endpoint answered 401 Unauthorized"]);
  });

  it("exits 2 on bad input: no --backend, an unknown backend, no config, a missing file, a bad flag value", async () => {
    const cases: [string[], RegExp][] = [
      [["--config", CONFIG], /--backend NAME is required/],
      [["--backend", "nope", "--config", CONFIG], /no backend named "nope" in test\/fixtures\/llm\/projects\/demo\.toml \(defined: scripted, broken\)/],
      [["--backend", "scripted"], /no backend config: give --config FILE .* missing forge_url \(DISINTO_FORGE_URL or --forge-url\), forge_token/],
      [["--backend", "scripted", "--config", "no/such.toml"], /no\/such\.toml: cannot read: no such file/],
      [["--backend", "scripted", "--config", CONFIG, "--timeout", "soon"], /--timeout must be a positive number, got 'soon'/],
      [["--backend", "scripted", "--config", CONFIG, "--cwd", "no/such/dir"], /--cwd no\/such\/dir is not a directory/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.equal(r.stdout, "", "no report on bad input");
    }
  });

  it("a scripted backend's script that is missing or invalid: exit 2 naming the config file and key, or the script and its key", async () => {
    const absent = tempConfig('[backends.s]\ntype = "scripted"\nscript = "/nonexistent/disinto-script.json"\n');
    const a = await cli(["--backend", "s", "--config", absent]);
    assert.equal(a.code, 2, a.stderr);
    assert.match(a.stderr, new RegExp(`${absent}: backends\\.s\\.script: cannot read /nonexistent/disinto-script\\.json \\(no such file\\): expected the scripted backend's script`));
    assert.doesNotMatch(a.stderr, /ENOENT/);
    const relative = tempConfig('[backends.s]\ntype = "scripted"\nscript = "scripts/none.toml"\n');
    const r = await cli(["--backend", "s", "--config", relative]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${relative}: backends\\.s\\.script: cannot read ${dirname(relative)}/scripts/none\\.toml \\(no such file\\)`));
    const bad = tempConfig('[backends.s]\ntype = "scripted"\nscript = "bad.json"\n');
    writeFileSync(join(dirname(bad), "bad.json"), JSON.stringify({ tasks: [{ match: "(", result: { status: "weird" } }] }));
    const b = await cli(["--backend", "s", "--config", bad]);
    assert.equal(b.code, 2, b.stderr);
    assert.match(b.stderr, /bad\.json: tasks\.0\.match: not a valid regular expression/);
    assert.match(b.stderr, /bad\.json: tasks\.0\.result\.status: /);
    for (const x of [a, r, b]) assert.equal(x.stdout, "");
  });

  describe("against the fake OpenAI server", () => {
    let server: FakeOpenAi;
    let unauthorized: FakeOpenAi;
    before(async () => {
      // A model that repeats its API key back: the report must mask it.
      server = await startFakeOpenAi([], { kind: "text", text: `ready (key ${OPENAI_KEY})`, usage: { prompt: 1000, completion: 20 } });
      unauthorized = await startFakeOpenAi([], { kind: "status", status: 401, body: JSON.stringify({ error: { message: "invalid api key" } }) });
    });
    after(async () => {
      await server.close();
      await unauthorized.close();
    });
    const config = (url: string) =>
      tempConfig(`[backends.local]\ntype = "openai"\nbase_url = "${url}/v1"\nmodel = "qwen-coder"\napi_key_env = "TRY_LLM_KEY"\nprice_input_per_mtok = 1\nprice_output_per_mtok = 10\n`);

    it("passes only the configured key, reports usage and cost, and leaks no secret", async () => {
      const before = server.requests.length;
      const r = await cli(["--backend", "local", "--config", config(server.url)], { TRY_LLM_KEY: OPENAI_KEY, ...CANARIES });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^backend +local \(openai:qwen-coder\)$/m);
      assert.match(r.stdout, /^reply +ready \(key \*+\)$/m);
      assert.match(r.stdout, /^usage +1000 in · 20 out/m);
      assert.match(r.stdout, /^cost +\$0\.001200$/m);
      assertNoSecrets(r, OPENAI_KEY);
      const req = server.requests[before];
      assert.ok(req);
      assert.equal(req.headers.authorization, `Bearer ${OPENAI_KEY}`);
      assert.ok(!JSON.stringify(req).includes(CANARY), "no canary in the request");
      assert.equal(req.body.messages.at(-1)?.content, "Reply with the single word: ready");

      const j = await cli(["--backend", "local", "--config", config(server.url), "--json"], { TRY_LLM_KEY: OPENAI_KEY, ...CANARIES });
      assert.equal(j.code, 0, j.stderr);
      const o = JSON.parse(j.stdout) as { text: string; costUsd: number; label: string };
      assert.equal(o.label, "openai:qwen-coder");
      assert.match(o.text, /^ready \(key \*+\)$/);
      assert.ok(Math.abs(o.costUsd - 0.0012) < 1e-12);
      assertNoSecrets(j, OPENAI_KEY);
    });

    it("exits 1 when the endpoint refuses the key, and 2 when the key's variable is not set", async () => {
      const r = await cli(["--backend", "local", "--config", config(unauthorized.url)], { TRY_LLM_KEY: OPENAI_KEY, ...CANARIES });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /^status +error$/m);
      assert.match(r.stdout, /^reason +.*401/m);
      assertNoSecrets(r, OPENAI_KEY);
      const missing = await cli(["--backend", "local", "--config", config(server.url)], CANARIES);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /backends\.local\.api_key_env: names TRY_LLM_KEY, which is not set in the environment/);
    });
  });

  describe("with the claude-cli backend (fake claude)", () => {
    it("hands claude its credential and nothing else from the environment", async () => {
      const dir = mkdtempSync(join(tmpdir(), "llm-try-claude-"));
      const fake = fakeClaude(dir, [{ type: "init" }, { type: "assistant", text: "ready" }, { type: "result", total_cost_usd: 0.0031 }]);
      const file = tempConfig(`[backends.claude]\ntype = "claude-cli"\nmodel = "sonnet"\n`);
      const r = await cli(["--backend", "claude", "--config", file, "--claude-bin", fake.binary], { ANTHROPIC_API_KEY: ANTHROPIC_KEY, ...CANARIES });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^backend +claude \(claude-cli:sonnet\)$/m);
      assert.match(r.stdout, /^reply +ready$/m);
      assert.match(r.stdout, /^cost +\$0\.003100$/m);
      assertNoSecrets(r, ANTHROPIC_KEY);
      const d = fake.dump();
      assert.equal(d.env["ANTHROPIC_API_KEY"], ANTHROPIC_KEY);
      for (const [k, v] of Object.entries(d.env)) {
        assert.ok(!v.includes(CANARY) && !v.includes(NETRC_CANARY), `${k} carries a canary into claude's environment`);
      }
      for (const k of ["FORGE_TOKEN", "DISINTO_FORGE_TOKEN", "CI_NETRC_PASSWORD", "GITHUB_TOKEN"]) assert.equal(d.env[k], undefined, k);
      assert.ok(d.argv.includes("--model") || d.argv.some((a) => a.startsWith("--model")), "the configured model is passed");

      const none = await cli(["--backend", "claude", "--config", file, "--claude-bin", fake.binary], CANARIES);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /needs ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN/);
    });
  });

  describe("with the ops repo (sandbox forge)", () => {
    let sandbox: SandboxForge;
    let admin: ForgejoForge;
    let store: StateStore;
    const project = (limits = "") =>
      `name = "demo"\nforge_url = "http://forge.invalid"\nrepo = "admin/calc"\n${limits}\n[backends.scripted]\ntype = "scripted"\nscript = "scripts/try.json"\n\n[backends.claude]\ntype = "claude-cli"\n`;

    before(async () => {
      sandbox = await startSandboxForge({ seed: "empty" });
      admin = new ForgejoForge({ url: sandbox.url, token: sandbox.users["admin"]!.token });
      await admin.createRepo({ name: "calc-ops", autoInit: true });
      store = new StateStore({ contents: admin.repo({ owner: "admin", name: "calc-ops" }).contents, author: { agent: "test" } });
      await store.createText("projects/demo.toml", project(), "test: project config");
      await store.createText("scripts/try.json", JSON.stringify({ tasks: [{ match: ".", costUsd: 0.0021, usage: { inputTokens: 12, outputTokens: 3 }, result: { text: "ready" } }] }), "test: script");
    });
    after(async () => {
      await admin.close();
      await sandbox.stop();
    });
    const opsEnv = (): Record<string, string> => ({
      DISINTO_FORGE_URL: sandbox.url,
      DISINTO_FORGE_TOKEN: sandbox.users["admin"]!.token,
      DISINTO_OPS_REPO: "admin/calc-ops",
      DISINTO_PROJECT: "demo",
      FORGE_TOKEN: CANARY,
      CI_NETRC_PASSWORD: NETRC_CANARY,
    });

    it("reads the backend from projects/<project>.toml, records the run in the ledger, and honours the daily cap", async () => {
      const r = await cli(["--backend", "scripted"], opsEnv());
      assert.equal(r.code, 0, r.stderr);
      const day = new Date().toISOString().slice(0, 10);
      assert.match(r.stdout, new RegExp(`^ledger +admin/calc-ops:ledger/${day}\\.jsonl \\(key llm-try\\)$`, "m"));
      assertNoSecrets(r, sandbox.users["admin"]!.token);
      const lines = (await store.readText(`ledger/${day}.jsonl`))!.value.trim().split("\n").map((l) => ledgerEntrySchema.parse(JSON.parse(l)));
      assert.equal(lines.length, 1);
      assert.deepEqual([lines[0]?.agent, lines[0]?.key, lines[0]?.backend, lines[0]?.cost_usd, lines[0]?.project], ["llm-try", "llm-try", "scripted", 0.0021, "demo"]);
      assert.equal(await store.readText("locks/llm/scripted/slot-0.json"), undefined, "its slot was released");

      // today's spend on this backend already exceeds the cap: refused, nothing recorded
      await store.updateText("projects/demo.toml", () => project("\n[limits]\nbudget_usd_per_day = 0.002\n"), "test: tight daily cap");
      const capped = await cli(["--backend", "scripted", "--json"], opsEnv());
      assert.equal(capped.code, 1, capped.stderr);
      const o = JSON.parse(capped.stdout) as { status: string; reason: string; ledger: { recorded: boolean } };
      assert.equal(o.status, "budget");
      assert.match(o.reason, /daily cap for scripted \(\$0\.002\) already spent: no LLM call made/);
      assert.equal(o.ledger.recorded, false);
      assert.equal((await store.readText(`ledger/${day}.jsonl`))!.value.trim().split("\n").length, 1);
      await store.updateText("projects/demo.toml", () => project(), "test: no cap");
    });

    it("keeps the forge token and the canaries out of claude's environment", async () => {
      const dir = mkdtempSync(join(tmpdir(), "llm-try-ops-claude-"));
      const fake = fakeClaude(dir, [{ type: "init" }, { type: "assistant", text: "ready" }, { type: "result" }]);
      const token = sandbox.users["admin"]!.token;
      const r = await cli(["--backend", "claude", "--claude-bin", fake.binary], { ...opsEnv(), CLAUDE_CODE_OAUTH_TOKEN: "oauth-try-token-0123456789" });
      assert.equal(r.code, 0, r.stderr);
      assertNoSecrets(r, token, "oauth-try-token-0123456789");
      const d = fake.dump();
      assert.equal(d.env["CLAUDE_CODE_OAUTH_TOKEN"], "oauth-try-token-0123456789");
      for (const [k, v] of Object.entries(d.env)) {
        assert.ok(!v.includes(token) && !v.includes(CANARY) && !v.includes(NETRC_CANARY), `${k} carries a secret into claude's environment`);
        assert.ok(!k.startsWith("DISINTO_"), `${k} reached claude`);
      }
    });

    it("exits 2 when the ops repo has no config for the project", async () => {
      const r = await cli(["--backend", "scripted"], { ...opsEnv(), DISINTO_PROJECT: "ghost" });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /admin\/calc-ops:projects\/ghost\.toml: not found in the ops repo/);
    });
  });
});
