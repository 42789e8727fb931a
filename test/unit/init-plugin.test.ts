// The plugin as users get it: the image's Dockerfile and entrypoint, the plugin-index page
// (docs.md), the Actions actions and this repository's own disinto pipelines — each checked
// against the code it is generated from or refers to.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse } from "yaml";
import { agentSettingsSchema } from "../../src/agents/runtime.ts";
import { credentialDocs, ownCiWorkflows, pluginFiles, settingDocs } from "../../src/build/plugin.ts";
import { PLUGIN_AGENTS } from "../../src/init/agents.ts";
import { VAULT_AGENT } from "../../src/vault/pipeline.ts";
import { PLUGIN_IMAGE } from "../../src/lib/plugin-image.ts";

const pexec = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const read = (rel: string): string => readFileSync(join(root, rel), "utf8");

describe("generated plugin files", () => {
  it("docs.md, actions/*/action.yml and .woodpecker/disinto-*.yml are current (run `node src/build/plugin.ts`)", () => {
    for (const [rel, text] of Object.entries(pluginFiles())) {
      assert.ok(existsSync(join(root, rel)), `${rel} is missing: run \`node src/build/plugin.ts\``);
      assert.equal(read(rel), text, `${rel} is out of date: run \`node src/build/plugin.ts\``);
    }
  });

  it("the agents that ship are exactly the bundle entrypoints (besides the CLI and the light tick, which only wakes them)", () => {
    const entries = readdirSync(join(root, "src", "entrypoints"))
      .filter((f) => f.endsWith(".ts") && f !== "cli.ts" && f !== "tick.ts")
      .map((f) => f.slice(0, -3))
      .sort();
    assert.deepEqual([...PLUGIN_AGENTS.map((a) => a.name), VAULT_AGENT.name].sort(), entries);
  });

  it("this repository's review pipeline waits for its own CI", () => {
    assert.ok(ownCiWorkflows().includes("ci"));
    const review = parse(read(".woodpecker/disinto-review.yml")) as { depends_on: { name: string }[] };
    assert.deepEqual(review.depends_on.map((d) => d.name), ownCiWorkflows());
  });
});

describe("docs.md (Woodpecker plugin index)", () => {
  const text = read("docs.md");

  it("starts with the front matter the plugin index reads", () => {
    // the index's own pattern (docs site src/markdown.ts)
    const m = /^---([\s|\S]*?)---/.exec(text);
    assert.ok(m, "no front matter");
    const head = parse(m[1] ?? "") as Record<string, unknown>;
    for (const key of ["name", "description", "author", "tags", "containerImage", "url"]) assert.ok(head[key], `front matter lacks ${key}`);
    assert.ok(Array.isArray(head.tags));
    assert.equal(head.containerImage, PLUGIN_IMAGE);
    assert.match(String(head.url), /^https:\/\//);
  });

  it("documents every setting with its default and an example", () => {
    const docs = settingDocs();
    assert.deepEqual(
      docs.map((d) => d.name),
      Object.keys(agentSettingsSchema.shape),
    );
    for (const d of docs) {
      assert.notEqual(d.example, undefined, `setting ${d.name} has no example: add one to the schema's meta or SETTING_EXAMPLES`);
      const row = text.split("\n").find((l) => l.startsWith(`| \`${d.name}\` |`));
      assert.ok(row, `docs.md has no row for ${d.name}`);
      assert.ok(row.includes(`\`${d.name}: `), `the row of ${d.name} shows no example`);
      if (d.info.hasDefault) assert.ok(row.includes(`\`${typeof d.info.defaultValue === "string" ? d.info.defaultValue : JSON.stringify(d.info.defaultValue)}\``), `the row of ${d.name} shows no default`);
      if (d.secret) assert.match(row, /\*\*secret\*\*/);
    }
  });

  it("says GitHub as a forge is not supported yet", () => {
    assert.match(text, /GitHub as a \*forge\* is not supported yet/);
  });
});

describe("actions/<agent>/action.yml", () => {
  for (const agent of PLUGIN_AGENTS) {
    it(`${agent.name}: node24, main is the agent's bundle, inputs are the settings and credentials`, () => {
      const rel = `actions/${agent.name}/action.yml`;
      const doc = parse(read(rel)) as { name: string; description: string; inputs: Record<string, { description: string; required: boolean; default?: string }>; runs: { using: string; main: string } };
      assert.equal(doc.runs.using, "node24");
      const main = resolve(root, "actions", agent.name, doc.runs.main);
      assert.equal(main, join(root, "bundles", `${agent.name}.mjs`));
      assert.ok(existsSync(main), `${doc.runs.main} does not exist: run \`npm run build\``);
      const expected = [...Object.keys(agentSettingsSchema.shape).filter((k) => k !== "agent"), ...credentialDocs().map((c) => c.name)];
      assert.deepEqual(Object.keys(doc.inputs), expected);
      for (const [name, input] of Object.entries(doc.inputs)) {
        assert.ok(input.description.length > 10, `${name} has no description`);
        assert.equal(input.required, false);
        if (/_(token|password|key)$/.test(name)) assert.match(input.description, /^Secret: pass `\$\{\{ secrets\.[A-Z_]+ \}\}`/, name);
        if (input.default !== undefined) assert.equal(typeof input.default, "string", `${name}: Actions inputs are strings`);
      }
      assert.equal(doc.inputs.timeout_minutes?.default, "55");
    });
  }
});

describe("Dockerfile", () => {
  const text = read("Dockerfile");
  const lines = text.split("\n").filter((l) => !l.trimStart().startsWith("#"));
  const instr = (name: string): string[] => lines.filter((l) => l.startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim());

  it("builds on Node 24 with git and a pinned Claude Code CLI", () => {
    assert.match(instr("FROM")[0] ?? "", /^node:24[-.\w]*$/);
    assert.match(text, /apt-get install[^\n]*\bgit\b/);
    const version = /^CLAUDE_CODE_VERSION=(\S+)$/.exec(instr("ARG").find((a) => a.startsWith("CLAUDE_CODE_VERSION=")) ?? "")?.[1];
    assert.match(version ?? "", /^\d+\.\d+\.\d+$/, "the Claude Code CLI must be pinned to an exact version");
    assert.match(text, /npm install --global [^\n]*"@anthropic-ai\/claude-code@\$\{CLAUDE_CODE_VERSION\}"/);
    // the version the claude-cli contract was verified against, when the contracts are here
    const contract = join(root, "..", "shared", "contracts", "claude-cli.md");
    if (existsSync(contract)) assert.ok(readFileSync(contract, "utf8").includes(`@anthropic-ai/claude-code@${version ?? ""}`), "pin the version contracts/claude-cli.md was verified against");
  });

  it("copies only what exists, and the bundles with the formulas beside them", () => {
    const copies = instr("COPY").map((c) => c.split(/\s+/).filter((w) => !w.startsWith("--")));
    assert.ok(copies.length > 0);
    for (const c of copies) for (const src of c.slice(0, -1)) assert.ok(existsSync(join(root, src)), `COPY source ${src} does not exist`);
    const dests = new Map(copies.map((c) => [c.at(-1), c[0]]));
    assert.equal(dests.get("./bundles/"), "bundles/");
    assert.equal(dests.get("./formulas/"), "formulas/");
    assert.ok(existsSync(join(root, "formulas", "dev.toml")));
  });

  it("runs the agent as root and every model process as the unprivileged disinto-model user, through an entrypoint the image contains", () => {
    // root so that the model can run as another uid, which cannot read the agent's environ
    const user = instr("USER").at(-1);
    assert.ok(user === undefined || /^(root|0)(:.*)?$/.test(user), `the agent runs as root, got USER ${String(user)}`);
    assert.match(text, /useradd [^\n]*--system[^\n]* disinto-model\b/);
    assert.ok(instr("ENV").some((e) => /\bDISINTO_MODEL_USER=disinto-model\b/.test(e)) || /DISINTO_MODEL_USER=disinto-model\b/.test(lines.join("\n")), "ENV DISINTO_MODEL_USER=disinto-model");
    const entry = JSON.parse(instr("ENTRYPOINT").at(-1) ?? "null") as string[];
    assert.ok(Array.isArray(entry) && entry.length === 1, "ENTRYPOINT in exec form");
    const copy = instr("COPY").map((c) => c.split(/\s+/).filter((w) => !w.startsWith("--"))).find((c) => c.at(-1) === entry[0]);
    assert.ok(copy, `${String(entry[0])} is not copied into the image`);
    const script = join(root, copy[0] ?? "");
    assert.ok(statSync(script).mode & 0o111, `${copy[0] ?? ""} is not executable`);
  });
});

describe("docker/entrypoint.sh", () => {
  const script = join(root, "docker", "entrypoint.sh");

  async function run(env: Record<string, string>, bundles: string): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const r = await pexec("sh", [script], { env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, DISINTO_BUNDLES_DIR: bundles, ...env } });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it("runs bundles/<agent>.mjs for the agent setting, and refuses anything else with exit 2", async () => {
    const dir = await mkdtemp(join(tmpdir(), "entrypoint-"));
    try {
      await writeFile(join(dir, "dev.mjs"), 'console.log(`dev ran with ${process.env.PLUGIN_FORGE_URL}`); process.exitCode = 3;\n');
      await writeFile(join(dir, "review.mjs"), "console.log('review ran');\n");
      await writeFile(join(dir, "cli.mjs"), "console.log('cli ran');\n");

      const ok = await run({ PLUGIN_AGENT: "dev", PLUGIN_FORGE_URL: "https://git.example.com" }, dir);
      assert.deepEqual([ok.code, ok.stdout.trim()], [3, "dev ran with https://git.example.com"], "the agent's exit code passes through");
      assert.equal((await run({ DISINTO_AGENT: "review" }, dir)).stdout.trim(), "review ran");

      const none = await run({}, dir);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /no agent: set the step's `agent` setting to one of: dev review/);
      for (const bad of ["planner", "cli", "../dev", "Dev"]) {
        const r = await run({ PLUGIN_AGENT: bad }, dir);
        assert.equal(r.code, 2, bad);
        assert.match(r.stderr, new RegExp(`unknown agent "${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"; this image runs: dev review`));
        assert.equal(r.stdout, "");
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
