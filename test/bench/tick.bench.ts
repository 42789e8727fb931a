// The light tick on the bench world (1,000 open issues, 20 open PRs already reviewed, every
// agent configured) on the sandbox forge and CI: the forge and CI requests of one tick and its
// wall time in process — a typical one (a cron tick at :05, when dev and review are due) and
// the worst (a manual run that asks every agent; on this fresh project the gardener, planner
// and predictor have their first run's work) — and the idle pipelines a day under each
// layout: a cron per agent (today's crons) against one `disinto-tick`.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import { agentSettingsSchema, createRuntime } from "../../src/agents/runtime.ts";
import { runTick } from "../../src/agents/tick/tick.ts";
import { DEFAULT_LABELS, DEFAULT_SCHEDULES, DEFAULT_TICK_SCHEDULE, SCHEDULED_AGENTS } from "../../src/config/project.ts";
import { createRunContext } from "../../src/host/context.ts";
import { Logger } from "../../src/host/logger.ts";
import { nextCronRun } from "../../src/lib/cron.ts";
import { devWorld } from "../fixtures/dev/world.ts";
import { agentCrons } from "../fixtures/wake-crons.ts";
import { median, type Bench } from "./bench.ts";
import { inParallel } from "./idle-project.ts";

const OPEN = 1000;
const PULLS = 20;
const RUNS = 5;
const DAY = 24 * 60 * 60_000;

/** Runs of `schedule` in one day (from a Monday 00:00 UTC, so weekly ones count once a week / 7). */
export function runsPerDay(schedule: string): number {
  if (schedule === "off") return 0;
  const start = Date.parse("2026-01-05T00:00:00Z");
  let n = 0;
  for (let t = nextCronRun(schedule, new Date(start - 1)); t !== null && t.getTime() < start + 7 * DAY; t = nextCronRun(schedule, t)) n++;
  return n / 7;
}

export const bench: Bench = async () => {
  const w = await devWorld();
  const dir = await mkdtemp(join(tmpdir(), "tick-bench-"));
  try {
    const p = await w.project("bench");
    await agentCrons(w.sb, p.app, p.ciRepoId, SCHEDULED_AGENTS, { enabled: false });
    await p.app.labels.ensure(Object.values(DEFAULT_LABELS).map((name) => ({ name, color: "#0075ca" })));
    await inParallel(OPEN, 12, (i) => p.app.issues.create({ title: `Open issue ${i}`, body: "## Acceptance criteria\n\n- [ ] something specific enough to leave alone\n\n## Affected files\n\n- src/math.js\n" }));
    // Open PRs the review agent has already reviewed at their head: no work for it.
    await inParallel(PULLS, 4, async (i) => {
      await p.app.branches.create(`b${i}`, "main");
      await p.app.contents.commitFiles({ branch: `b${i}`, message: `change ${i}`, files: [{ operation: "create", path: `f${i}.txt`, text: `${i}\n` }] });
      const pr = await p.app.pulls.create({ title: `Change ${i}`, head: `b${i}`, base: "main", body: "" });
      await p.asReviewer.reviews.create(pr.number, { event: "APPROVED", body: "seen", commitId: pr.head.sha });
    });
    const cfg = (await p.opsRepo.contents.get(`projects/${p.name}.toml`))!.text;
    const extra = ["gardener:gardener-bot", "supervisor:supervisor-bot", "planner:planner-bot", "predictor:planner-bot", "architect:planner-bot"]
      .map((x) => x.split(":"))
      .map(([role, login]) => `[identities.${role}]\nlogin = "${login}"\ntoken_secret = "FORGE_${role!.toUpperCase()}_TOKEN"\nbackend = "scripted"\n`)
      .join("\n");
    const file = join(dir, "bench.toml");
    await writeFile(file, `${cfg}\n${extra}`);
    const env = {
      DISINTO_FORGE_URL: w.sb.forge.url,
      DISINTO_FORGE_TOKEN: w.sb.forge.users["dev-bot"]!.token,
      DISINTO_CI_URL: w.sb.ci.url,
      DISINTO_CI_TOKEN: w.sb.ci.token("dev-bot"),
      DISINTO_CONFIG: file,
      DISINTO_WORK_DIR: dir,
    };

    const measure = async (mode: "cron" | "manual"): Promise<{ ms: number; requests: number; which: string; summary: string }> => {
      const times: number[] = [];
      let requests = 0;
      let which = "";
      let summary = "";
      for (let i = 0; i < RUNS + 1; i++) {
        const t0 = performance.now();
        const ctx = createRunContext({ env, now: Date.now(), schema: agentSettingsSchema });
        const log = new Logger({ out: new Writable({ write: (_c, _e, cb) => cb() }), redactor: ctx.redactor, host: "local" });
        const rt = await createRuntime(ctx, log, "dev", { env });
        // A cron tick at Monday 10:05 UTC: the */5 agents are due, the rest are not.
        const at = Date.parse("2026-01-05T10:05:00Z");
        const run = mode === "cron" ? { ...rt, ctx: { ...rt.ctx, event: "cron" as const }, now: () => at } : rt;
        const outcome = await runTick(run);
        const f = rt.forge.requestStats();
        const c = rt.ci?.requestStats();
        await rt.close();
        const ms = performance.now() - t0;
        if (i > 0) times.push(ms);
        requests = f.total + (c?.total ?? 0);
        which = Object.entries({ ...f.byRoute, ...(c?.byRoute ?? {}) })
          .sort((a, b) => b[1] - a[1])
          .map(([r, n]) => `${n}× ${r}`)
          .join(", ");
        summary = outcome.summary;
      }
      return { ms: median(times), requests, which, summary };
    };
    const typical = await measure("cron");
    const worst = await measure("manual");

    const perAgent = SCHEDULED_AGENTS.reduce((n, a) => n + runsPerDay(DEFAULT_SCHEDULES[a]), 0);
    const tick = runsPerDay(DEFAULT_TICK_SCHEDULE);
    return [
      { name: `tick (cron at :05, dev and review due): forge + CI requests (${OPEN} open issues, ${PULLS} reviewed PRs)`, value: typical.requests, unit: "requests", target: "≤ 60", ok: typical.requests <= 60, detail: `${typical.which} — "${typical.summary}"` },
      { name: "tick (cron at :05): median wall time in process", value: typical.ms, unit: "ms", target: "≤ 2000 ms", ok: typical.ms <= 2000, detail: `${RUNS} ticks` },
      { name: "tick (manual: every agent asked): forge + CI requests", value: worst.requests, unit: "requests", detail: `${worst.which} — "${worst.summary}"` },
      { name: "tick (manual: every agent asked): median wall time in process", value: worst.ms, unit: "ms", detail: `${RUNS} ticks` },
      { name: "idle pipelines a day, a cron per agent (default schedules)", value: perAgent, unit: "pipelines", detail: SCHEDULED_AGENTS.map((a) => `${a} ${runsPerDay(DEFAULT_SCHEDULES[a]).toFixed(1)}`).join(", ") },
      { name: "idle pipelines a day, one disinto-tick (init's default)", value: tick, unit: "pipelines", target: "≤ 300", ok: tick <= 300, detail: `the tick every 5 min; an idle tick wakes nothing` },
    ];
  } finally {
    await w.stop();
    await rm(dir, { recursive: true, force: true });
  }
};
