// The planner and the predictor when nothing changed: each decides from a handful of reads,
// with no git and no tokens (the planner: the default branch, three ops documents, the
// open predictions and vision issues, its watermarks; the predictor: its evidence — most of
// it 14 days of spend ledger — and its watermark). Then the predictor's evidence over 200 pipelines: CI requests and time.
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { Writable } from "node:stream";
import { agentSettingsSchema, createRuntime, type AgentRuntime } from "../../src/agents/runtime.ts";
import { runPlannerTick } from "../../src/agents/planner/tick.ts";
import { plannerLabels } from "../../src/agents/planner/policy.ts";
import { marksOf, marksPath, readInputs } from "../../src/agents/planner/survey.ts";
import { runPredictorTick } from "../../src/agents/predictor/tick.ts";
import { digest, gatherEvidence, PIPELINES } from "../../src/agents/predictor/evidence.ts";
import type { Ci, Pipeline, PipelineListOptions, RepoCi } from "../../src/ci/types.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import { createRunContext } from "../../src/host/context.ts";
import { Logger } from "../../src/host/logger.ts";
import { startSandboxForge } from "../../src/sandbox/forge/index.ts";
import { Ledger, StateStore, Watermarks } from "../../src/state/index.ts";
import { median, type Bench } from "./bench.ts";

const RUNS = 7;

async function runtime(env: Record<string, string>, role: "planner" | "predictor"): Promise<AgentRuntime> {
  const ctx = createRunContext({ env, now: Date.now(), schema: agentSettingsSchema });
  const log = new Logger({ out: new Writable({ write: (_c, _e, cb) => cb() }), redactor: ctx.redactor, host: "local" });
  return createRuntime(ctx, log, role, { env });
}

const routesOf = (routes: Record<string, number>): string =>
  Object.entries(routes)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${n}× ${r}`)
    .join(", ");

/** A CI that answers from memory: `total` pipelines, one in five red on a step; it counts what it is asked. */
function memoryCi(total: number): { ci: Ci; requests: () => number } {
  let n = 0;
  const t0 = Date.now() - total * 600_000;
  const pipeline = (k: number): Pipeline => {
    const started = new Date(t0 + k * 600_000);
    const red = k % 5 === 0;
    return {
      id: k, number: k, parent: 0, event: "push", status: red ? "failure" : "success", errors: [], created: started, updated: started, started, finished: new Date(started.getTime() + (3 + (k % 4)) * 60_000), commit: `c${Math.floor(k / 2)}`, branch: "main", ref: "refs/heads/main", refspec: "", message: "", title: "", author: "", forgeUrl: "", deployTo: "", deployTask: "", variables: {},
      workflows: [],
    };
  };
  const withSteps = (p: Pipeline): Pipeline => ({ ...p, workflows: [{ id: 1, pid: 1, name: "ci", state: p.status, error: "", started: p.started, finished: p.finished, steps: [{ id: 2, pid: 2, ppid: 1, name: p.number % 10 === 0 ? "build" : "test", state: p.status, error: "", exitCode: 1, type: "commands", started: p.started, finished: p.finished }] }] });
  const all = Array.from({ length: total }, (_, i) => pipeline(total - i));
  const pipelines = {
    list(opts: PipelineListOptions = {}): Promise<Pipeline[]> {
      const max = opts.max ?? total;
      n += Math.ceil(Math.min(max, total) / 50);
      return Promise.resolve(all.slice(0, max));
    },
    get(number: number): Promise<Pipeline | undefined> {
      n++;
      const p = all.find((x) => x.number === number);
      return Promise.resolve(p && withSteps(p));
    },
  } as unknown as RepoCi["pipelines"];
  const ci = {
    lookupRepo: () => {
      n++;
      return Promise.resolve({ id: 1 });
    },
    repo: () => ({ id: 1, pipelines }),
  } as unknown as Ci;
  return { ci, requests: () => n };
}

export const bench: Bench = async () => {
  const sandbox = await startSandboxForge({ seed: "empty" });
  const admin = new ForgejoForge({ url: sandbox.url, token: sandbox.users.admin!.token });
  try {
    await admin.createOrg({ name: "acme" });
    await admin.createRepo({ name: "app", org: "acme", autoInit: true, defaultBranch: "main" });
    await admin.createRepo({ name: "app-ops", org: "acme", autoInit: true, defaultBranch: "main" });
    const app = admin.repo({ owner: "acme", name: "app" });
    const ops = admin.repo({ owner: "acme", name: "app-ops" });
    await app.collaborators.add("planner-bot", "write");
    await ops.collaborators.add("planner-bot", "write");
    const ids = ["planner", "predictor"].map((r) => `[identities.${r}]\nlogin = "planner-bot"\ntoken_secret = "FORGE_${r.toUpperCase()}_TOKEN"\nbackend = "scripted"\n`);
    await ops.contents.create("projects/app.toml", { message: "config", text: ['name = "app"', `forge_url = "${sandbox.url}"`, 'repo = "acme/app"', ...ids, "[backends.scripted]", 'type = "scripted"', 'script = "/nonexistent/never-read.json"', ""].join("\n") });
    await app.labels.ensure(["backlog", "vision", "blocked", "prediction/unreviewed", "prediction/actioned", "prediction/dismissed"].map((name) => ({ name, color: "#0075ca" })));
    await app.issues.create({ title: "Export", body: "Later.", labels: ["vision"] });
    await app.issues.create({ title: "Stuck", body: "On a person.", labels: ["blocked"] });
    const env = { DISINTO_FORGE_URL: sandbox.url, DISINTO_FORGE_TOKEN: sandbox.users["planner-bot"]!.token, DISINTO_PROJECT: "app", DISINTO_OPS_REPO: "acme/app-ops" };

    // What the last runs recorded: the planner's watermarks and the predictor's digest, as now.
    const seedRt = await runtime(env, "planner");
    const marks = { ...marksOf(await readInputs(seedRt, plannerLabels(seedRt.config))), runs: "1" };
    await seedRt.state.updateJson(marksPath("app"), z.record(z.string(), z.string()), () => marks, { why: "bench: planner watermarks" });
    await seedRt.close();
    const predRt = await runtime(env, "predictor");
    await new Watermarks(predRt.state, "app", "predictor").set("evidence", digest(await gatherEvidence(predRt, "blocked")));
    await predRt.close();

    const figures = [];
    for (const role of ["planner", "predictor"] as const) {
      const times: number[] = [];
      let total = 0;
      let routes: Record<string, number> = {};
      let summary = "";
      for (let i = 0; i < RUNS + 1; i++) {
        const t0 = performance.now();
        const rt = await runtime(env, role);
        const out = await (role === "planner" ? runPlannerTick(rt) : runPredictorTick(rt));
        const stats = rt.forge.requestStats();
        await rt.close();
        if (out.outcome !== "idle") throw new Error(`the ${role} was not idle: ${out.outcome} ${out.summary}`);
        if (i > 0) times.push(performance.now() - t0);
        total = stats.total;
        routes = stats.byRoute;
        summary = out.summary;
      }
      // planner: config, RESOURCES.md, tree, memory, watermarks, the branch, two label-filtered
      // issue lists and the label ids they need; predictor: config, 14 days of ledger, the
      // incidents listing, blocked issues and their label ids, merged PRs, watermark (the journal
      // listings are read only for a prompt).
      const target = role === "planner" ? 10 : 21;
      const m = median(times);
      figures.push(
        { name: `${role} skip run (nothing changed): forge requests`, value: total, unit: "requests", target: `≤ ${target}`, ok: total <= target, detail: `${routesOf(routes)} — "${summary}"` },
        { name: `${role} skip run: median wall time in process`, value: m, unit: "ms", target: `≤ 50 ms per 10 requests (≤ ${(total * 5).toFixed(0)} ms)`, ok: (m / total) * 10 <= 50, detail: `${RUNS} runs, min ${Math.min(...times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms` },
      );
    }
    const store = new StateStore({ contents: ops.contents, author: { agent: "bench" } });
    const tokens = Object.values(await new Ledger(store).byBackend(new Date())).reduce((n, t) => n + t.tokens, 0);
    figures.push({ name: "planner and predictor skip runs: tokens", value: tokens, unit: "tokens", target: "0", ok: tokens === 0, detail: "from the ops repo's ledger" });

    // ── evidence over 200 pipelines (a CI answering from memory: its requests, our time) ──
    const times: number[] = [];
    let ciRequests = 0;
    let forgeRequests = 0;
    for (let i = 0; i < RUNS + 1; i++) {
      const rt = await runtime(env, "predictor");
      const mem = memoryCi(PIPELINES);
      rt.ci = mem.ci;
      const t0 = performance.now();
      const e = await gatherEvidence(rt, "blocked");
      const ms = performance.now() - t0;
      forgeRequests = rt.forge.requestStats().total;
      await rt.close();
      if (e.ci?.pipelines !== PIPELINES) throw new Error(`evidence read ${e.ci?.pipelines ?? 0} pipelines`);
      if (i > 0) times.push(ms);
      ciRequests = mem.requests();
    }
    const m = median(times);
    figures.push(
      { name: `predictor evidence over ${PIPELINES} pipelines: CI requests`, value: ciRequests, unit: "requests", target: `≤ ${PIPELINES / 50 + 1 + PIPELINES / 5} (list pages + repo + one read per red pipeline)`, ok: ciRequests <= PIPELINES / 50 + 1 + PIPELINES / 5, detail: `one in five red; forge and ops requests besides: ${forgeRequests}` },
      { name: `predictor evidence over ${PIPELINES} pipelines: median wall time in process`, value: m, unit: "ms", target: "≤ 1000 ms", ok: m <= 1000, detail: `${RUNS} runs (the CI answers from memory; the forge is the sandbox)` },
    );
    return figures;
  } finally {
    await admin.close();
    await sandbox.stop();
  }
};
