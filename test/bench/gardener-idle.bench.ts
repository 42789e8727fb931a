// The gardener beside the dev agent's idle tick: it runs every 30 minutes, so its idle run must
// cost as little. On 1,000 open issues with nothing to groom (800 plain issues, 200 backlog
// issues that pass the quality gate and wait only for each other) it must decide from the
// open-issue pages plus at most 4 reads (config, memory, dust ledger, and the ops repo's open
// PRs: the filer's `file-subissues` and `vision-complete` look for `architect:` pitch PRs there,
// and the ops repo is read nowhere else in an idle run — it cannot ride on another request), with
// no git and no tokens. Each open pitch waiting for approval adds one reviews read (the architect
// keeps at most 3 open); this tracker has none. Then the survey on the same tracker when the last bucket is the only non-empty one
// (AGENTS.md stale): its requests and time, without doing the task.
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import { agentSettingsSchema, createRuntime, type AgentRuntime } from "../../src/agents/runtime.ts";
import { look, plan, runGardenerTick } from "../../src/agents/gardener/tick.ts";
import { gardenerLabels } from "../../src/agents/gardener/labels.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import type { RepoForge } from "../../src/forge/types.ts";
import { createRunContext } from "../../src/host/context.ts";
import { Logger } from "../../src/host/logger.ts";
import { startSandboxForge } from "../../src/sandbox/forge/index.ts";
import { Ledger, StateStore } from "../../src/state/index.ts";
import { median, type Bench } from "./bench.ts";
import { idleProject, inParallel } from "./idle-project.ts";

const OPEN = 1000;
const BACKLOG = 200;
const RUNS = 7;
const PAGE = 50;
const DAY_MS = 24 * 3600_000;

/** Nothing to groom: neutral plain issues, and backlog issues with both sections waiting for each other. */
async function seed(app: RepoForge): Promise<void> {
  await inParallel(OPEN - BACKLOG, 12, (i) => app.issues.create({ title: `Open issue ${i}`, body: "A plain note, not for the factory yet." }));
  const body = (i: number): string => `Part ${i} of the backlog.\n\n## Affected files\n\n- src/part-${i}.ts\n\n## Acceptance criteria\n\n- [ ] part ${i} works\n${i > 0 ? `\n## Dependencies\n\n- #${OPEN - BACKLOG + i}\n` : ""}`;
  await inParallel(BACKLOG, 12, (i) => app.issues.create({ title: `Backlog ${i}`, body: body(i), labels: ["backlog"] }));
}

async function runtime(env: Record<string, string>, shift = 0): Promise<AgentRuntime> {
  const ctx = createRunContext({ env, now: Date.now() + shift, schema: agentSettingsSchema });
  const log = new Logger({ out: new Writable({ write: (_c, _e, cb) => cb() }), redactor: ctx.redactor, host: "local" });
  const rt = await createRuntime(ctx, log, "gardener", { env });
  // Later "days" without waiting for them: the clock the gardener decides by, moved on.
  if (shift !== 0) rt.now = () => Date.now() + shift;
  return rt;
}

const routesOf = (routes: Record<string, number>): string =>
  Object.entries(routes)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${n}× ${r}`)
    .join(", ");

export const bench: Bench = async () => {
  const sandbox = await startSandboxForge({ seed: "empty" });
  const admin = new ForgejoForge({ url: sandbox.url, token: sandbox.users.admin!.token });
  try {
    const { app, env } = await idleProject(sandbox, admin, "gardener");
    await seed(app);

    // ── idle runs ───────────────────────────────────────────────────────────────────────────
    const times: number[] = [];
    let routes: Record<string, number> = {};
    let total = 0;
    let summary = "";
    for (let i = 0; i < RUNS + 1; i++) {
      const t0 = performance.now();
      const rt = await runtime(env);
      const outcome = await runGardenerTick(rt);
      const stats = rt.forge.requestStats();
      await rt.close();
      const ms = performance.now() - t0;
      if (outcome.outcome !== "idle") throw new Error(`the gardener was not idle: ${outcome.outcome} ${outcome.summary}`);
      summary = outcome.summary;
      // The first run warms the server and the module graph, and is the day's look at AGENTS.md.
      if (i > 0) times.push(ms);
      routes = stats.byRoute;
      total = stats.total;
    }
    const store = new StateStore({ contents: admin.repo({ owner: "acme", name: "app-ops" }).contents, author: { agent: "bench" } });
    const spent = await new Ledger(store).byBackend(new Date());
    const tokens = Object.values(spent).reduce((n, t) => n + t.tokens, 0);
    const pages = Math.ceil(OPEN / PAGE);
    const target = pages + 4;
    const m = median(times);

    // ── the survey when only the last bucket has work: AGENTS.md is stale ────────────────────
    await app.contents.create("AGENTS.md", { text: "<!-- last-reviewed: 0000000000000000000000000000000000000000 -->\n# app\n", message: "AGENTS.md" });
    const surveyTimes: number[] = [];
    let surveyTotal = 0;
    let surveyRoutes: Record<string, number> = {};
    let picked = "";
    for (let i = 0; i < RUNS + 1; i++) {
      // A day later each time: AGENTS.md is due for a look again.
      const rt = await runtime(env, (i + 1) * DAY_MS);
      const t0 = performance.now();
      const view = await look(rt);
      const todo = await plan(rt, view, gardenerLabels(rt.config));
      const ms = performance.now() - t0;
      const before = rt.forge.requestStats();
      await rt.close();
      if (todo?.task !== "agents-md-stale") throw new Error(`the survey picked ${todo === undefined ? "nothing" : todo.task}, not agents-md-stale`);
      picked = todo.task;
      if (i > 0) surveyTimes.push(ms);
      surveyRoutes = before.byRoute;
      surveyTotal = before.total;
    }
    const sm = median(surveyTimes);
    return [
      { name: `gardener idle run: forge requests (${OPEN} open issues, nothing to groom)`, value: total, unit: "requests", target: `≤ ${target} (${pages} open-issue pages + 4)`, ok: total <= target, detail: `${routesOf(routes)} — "${summary}"` },
      { name: "gardener idle run: median wall time in process", value: m, unit: "ms", target: `≤ 50 ms per 10 requests (≤ ${(total * 5).toFixed(0)} ms)`, ok: (m / total) * 10 <= 50, detail: `${RUNS} runs, min ${Math.min(...times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms` },
      { name: "gardener idle runs: tokens", value: tokens, unit: "tokens", target: "0", ok: tokens === 0, detail: "from the ops repo's ledger: an idle run never calls the model" },
      { name: `gardener survey, only the last bucket (${picked}) non-empty: forge requests`, value: surveyTotal, unit: "requests", target: `≤ ${pages + 6} (pages + config, memory, dust, ops PRs, branch, AGENTS.md)`, ok: surveyTotal <= pages + 6, detail: routesOf(surveyRoutes) },
      { name: "gardener survey, only the last bucket non-empty: median wall time in process", value: sm, unit: "ms", target: `≤ 50 ms per 10 requests (≤ ${(surveyTotal * 5).toFixed(0)} ms)`, ok: (sm / surveyTotal) * 10 <= 50, detail: `${RUNS} surveys (runtime set up beforehand), min ${Math.min(...surveyTimes).toFixed(1)} ms, max ${Math.max(...surveyTimes).toFixed(1)} ms` },
    ];
  } finally {
    await admin.close();
    await sandbox.stop();
  }
};
