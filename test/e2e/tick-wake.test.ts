// The light tick against the sandbox forge and CI: one step asks every agent's survey and
// starts, through run-cron-now, only the crons of agents with work — here the per-agent crons
// are disabled, as the one-tick layout keeps them. An idle project starts nothing; a backlog
// issue wakes dev alone; an open PR wakes review; an agent scheduled "off" is never asked.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runAgent } from "../../src/agents/runtime.ts";
import { runTick } from "../../src/agents/tick/tick.ts";
import { devWorld, type DevWorld, type Project } from "../fixtures/dev/world.ts";
import { agentCrons, cronPipelines } from "../fixtures/wake-crons.ts";
import { captureIo, sink } from "../helpers/io.ts";
import { main } from "../../src/cli/main.ts";

let w: DevWorld;
let work: string;
before(async () => {
  w = await devWorld();
  work = await mkdtemp(join(tmpdir(), "tick-"));
});
after(async () => {
  await w.stop();
  await rm(work, { recursive: true, force: true });
});

async function tick(p: Project, extra: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const s = sink();
  const code = await runAgent("dev", runTick, {
    env: {
      DISINTO_FORGE_URL: w.sb.forge.url,
      DISINTO_FORGE_TOKEN: w.sb.forge.users["dev-bot"]!.token,
      DISINTO_PROJECT: p.name,
      DISINTO_OPS_REPO: `${p.ops.owner}/${p.ops.name}`,
      DISINTO_CI_URL: w.sb.ci.url,
      DISINTO_CI_TOKEN: w.sb.ci.token("dev-bot"),
      DISINTO_WORK_DIR: work,
      ...extra,
    },
    streams: { stdout: s.out },
  });
  return { code, out: s.text() };
}

const woken = async (p: Project): Promise<string[]> => (await cronPipelines(w.sb, p.ciRepoId)).map((x) => x.cron ?? "").sort();

describe("disinto-tick", () => {
  it("wakes only the agents whose survey found work", async () => {
    const p = await w.project("ticked");
    await agentCrons(w.sb, p.app, p.ciRepoId, ["dev", "review"], { enabled: false });

    const idle = await tick(p);
    assert.equal(idle.code, 0, idle.out);
    assert.match(idle.out, /no agent has work/);
    assert.match(idle.out, /tick: dev: idle: no backlog, nothing in progress/);
    assert.match(idle.out, /tick: review: idle: 0 open PRs, none to review/);
    assert.match(idle.out, /tick: gardener: skipped: no identity/);
    assert.deepEqual(await woken(p), []);

    await p.issue({ title: "Add sub", body: "## Acceptance criteria\n\n- [ ] sub\n" });
    const one = await tick(p);
    assert.equal(one.code, 0, one.out);
    assert.match(one.out, /woke dev\b/);
    assert.match(one.out, /tick: review: idle/);
    assert.deepEqual(await woken(p), ["disinto-dev"]);

    // A PR is work for review (not yet reviewed); dev has its backlog still.
    await p.app.branches.create("feature", "main");
    const files = [{ operation: "create" as const, path: "feature.txt", text: "x\n" }];
    await p.app.contents.commitFiles({ branch: "feature", message: "feature", files });
    await p.app.pulls.create({ title: "Feature", head: "feature", base: "main", body: "" });
    const two = await tick(p);
    assert.equal(two.code, 0, two.out);
    assert.match(two.out, /tick: review: woken: 1 PR to review: #\d+/);
    assert.deepEqual(await woken(p), ["disinto-dev", "disinto-dev", "disinto-review"]);
    await p.ciIdle();
  });

  it("an agent scheduled \"off\" is not asked", async () => {
    const p = await w.project("offdev");
    await agentCrons(w.sb, p.app, p.ciRepoId, ["dev"], { enabled: false });
    await p.issue({ title: "Something", body: "x" });
    const cfg = (await p.opsRepo.contents.get(`projects/${p.name}.toml`))!.text;
    const file = join(work, "offdev.toml");
    await writeFile(file, `${cfg}\n[schedules]\ndev = "off"\n`);
    const r = await tick(p, { DISINTO_CONFIG: file });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /tick: dev: skipped: schedule off/);
    assert.deepEqual(await woken(p), []);
  });

  it("`disinto run tick` runs the same tick locally; with --dry-run it names the wake and starts nothing", async () => {
    const p = await w.project("runtick");
    await agentCrons(w.sb, p.app, p.ciRepoId, ["dev"], { enabled: false });
    await p.issue({ title: "Add sub", body: "## Acceptance criteria\n\n- [ ] sub\n" });
    const run = async (...extra: string[]): Promise<{ code: number; out: string }> => {
      const io = captureIo({ DISINTO_FORGE_TOKEN: w.sb.forge.users["dev-bot"]!.token, DISINTO_CI_TOKEN: w.sb.ci.token("dev-bot"), DISINTO_WORK_DIR: work });
      const args = ["run", "tick", "--forge-url", w.sb.forge.url, "--project", p.name, "--ops-repo", `${p.ops.owner}/${p.ops.name}`, "--ci-url", w.sb.ci.url, ...extra];
      const code = await main(args, io);
      return { code, out: io.out() + io.err() };
    };
    const dry = await run("--dry-run");
    assert.equal(dry.code, 0, dry.out);
    assert.match(dry.out, /would run cron disinto-dev now/, dry.out);
    assert.deepEqual(await woken(p), [], "a dry run starts no cron");
    const real = await run();
    assert.equal(real.code, 0, real.out);
    assert.match(real.out, /^tick: woke dev\b/m, "the outcome line names the tick, as its pipeline step does");
    assert.deepEqual(await woken(p), ["disinto-dev"]);
    await p.ciIdle();
  });

  it("runs as the disinto-tick plugin step: Woodpecker's cron environment, settings as PLUGIN_*", async () => {
    const p = await w.project("plugin");
    await agentCrons(w.sb, p.app, p.ciRepoId, ["dev", "review"], { enabled: false });
    await p.issue({ title: "Something", body: "x" });
    const entry = fileURLToPath(new URL("../../src/entrypoints/tick.ts", import.meta.url));
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: work,
      CI: "woodpecker",
      CI_PIPELINE_EVENT: "cron",
      CI_PIPELINE_CRON: "disinto-tick",
      CI_REPO: `${p.ref.owner}/${p.ref.name}`,
      PLUGIN_AGENT: "tick",
      PLUGIN_PROJECT: p.name,
      PLUGIN_OPS_REPO: `${p.ops.owner}/${p.ops.name}`,
      PLUGIN_FORGE_URL: w.sb.forge.url,
      PLUGIN_FORGE_TOKEN: w.sb.forge.users["dev-bot"]!.token,
      PLUGIN_CI_URL: w.sb.ci.url,
      PLUGIN_CI_TOKEN: w.sb.ci.token("dev-bot"),
      PLUGIN_WORK_DIR: work,
    };
    const r = await new Promise<{ code: number; out: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [entry], { cwd: work, env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (b: Buffer) => (out += b.toString()));
      child.stderr.on("data", (b: Buffer) => (out += b.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 128, out }));
    });
    assert.equal(r.code, 0, r.out);
    // A cron tick asks only the agents due now; dev and review are due every 5 minutes.
    assert.match(r.out, /tick: dev: woken/);
    assert.deepEqual(await woken(p), ["disinto-dev"]);
    await p.ciIdle();
  });
});
