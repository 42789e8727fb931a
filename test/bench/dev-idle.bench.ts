// The dev agent's idle tick — the factory's most frequent run — on a busy tracker: 1,000 open
// issues, 200 of them in the backlog and each of those waiting for another open issue. The
// tick must decide "nothing to do" from a handful of listings, not ~3 requests per candidate
// as the original did. Reports the forge requests (and which), and the tick's median wall time
// in process against the sandbox forge.
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import { agentSettingsSchema, createRuntime } from "../../src/agents/runtime.ts";
import { runDevTick } from "../../src/agents/dev/tick.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import type { RepoForge } from "../../src/forge/types.ts";
import { createRunContext } from "../../src/host/context.ts";
import { Logger } from "../../src/host/logger.ts";
import { startSandboxForge } from "../../src/sandbox/forge/index.ts";
import { median, type Bench } from "./bench.ts";
import { idleProject, inParallel } from "./idle-project.ts";

const OPEN = 1000;
const BACKLOG = 200;
const RUNS = 7;
const PAGE = 50;

/** The backlog issues, each waiting for another open issue. */
async function seed(app: RepoForge): Promise<void> {
  // The blockers first (plain open issues), then the backlog issues that wait for them.
  const blockers = await inParallel(OPEN - BACKLOG, 12, (i) => app.issues.create({ title: `Open issue ${i}` }));
  await inParallel(BACKLOG, 12, (i) => app.issues.create({ title: `Backlog ${i}`, body: `Needs a prerequisite.\n\n## Dependencies\n\n- #${blockers[i]!.number}\n`, labels: ["backlog"] }));
}

export const bench: Bench = async () => {
  const sandbox = await startSandboxForge({ seed: "empty" });
  const admin = new ForgejoForge({ url: sandbox.url, token: sandbox.users.admin!.token });
  try {
    const { app, env } = await idleProject(sandbox, admin);
    await seed(app);

    const times: number[] = [];
    let routes: Record<string, number> = {};
    let total = 0;
    let summary = "";
    for (let i = 0; i < RUNS + 1; i++) {
      const t0 = performance.now();
      const ctx = createRunContext({ env, now: Date.now(), schema: agentSettingsSchema });
      const log = new Logger({ out: new Writable({ write: (_c, _e, cb) => cb() }), redactor: ctx.redactor, host: "local" });
      const rt = await createRuntime(ctx, log, "dev", { env });
      const outcome = await runDevTick(rt);
      const stats = rt.forge.requestStats();
      await rt.close();
      const ms = performance.now() - t0;
      if (outcome.outcome !== "idle") throw new Error(`the tick was not idle: ${outcome.outcome} ${outcome.summary}`);
      summary = outcome.summary;
      if (i > 0) times.push(ms); // the first tick warms the server's caches and the module graph
      routes = stats.byRoute;
      total = stats.total;
    }
    const backlogPages = Math.ceil(BACKLOG / PAGE);
    const openPages = Math.ceil(OPEN / PAGE);
    const target = 3 + backlogPages + Math.min(BACKLOG, openPages);
    const m = median(times);
    const perTen = (m / total) * 10;
    const which = Object.entries(routes)
      .sort((a, b) => b[1] - a[1])
      .map(([r, n]) => `${n}× ${r}`)
      .join(", ");
    return [
      { name: `dev idle tick: forge requests (${OPEN} open issues, ${BACKLOG} backlog, each blocked)`, value: total, unit: "requests", target: `≤ ${target}`, ok: total <= target, detail: `${which} — "${summary}"` },
      { name: "dev idle tick: median wall time in process", value: m, unit: "ms", target: `≤ 50 ms per 10 requests (≤ ${(total * 5).toFixed(0)} ms)`, ok: perTen <= 50, detail: `${RUNS} ticks, ${perTen.toFixed(1)} ms per 10 requests, min ${Math.min(...times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms` },
    ];
  } finally {
    await admin.close();
    await sandbox.stop();
  }
};
