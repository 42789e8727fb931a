// The architect's idle run: no vision issue to pitch and 3 open pitch PRs with nothing new (no
// comment since its last answer, no approval). What its 15-minute cron costs when there is
// nothing to do — forge requests by route, wall time — and that it calls no model.
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import { runAgent } from "../../src/agents/runtime.ts";
import { runArchitectTick } from "../../src/agents/architect/tick.ts";
import type { RequestStats } from "../../src/http/counter.ts";
import { architectWorld, PITCH } from "../fixtures/architect/world.ts";
import { median, type Bench } from "./bench.ts";

const RUNS = 7;

export const bench: Bench = async () => {
  const g = await architectWorld();
  try {
    const p = await g.project("idle", [1, 2, 3].map((n) => ({ title: `Vision ${n}`, body: "Big.", labels: ["vision"] })));
    await p.setScript([{ match: "# Task: pitch", structured: PITCH }]);
    for (let i = 0; i < 3; i++) await p.tick();
    if ((await p.pitches("open")).length !== 3) throw new Error("the bench needs 3 open pitches");
    const quiet = new Writable({ write: (_c, _e, cb) => cb() });
    const times: number[] = [];
    let stats: RequestStats | undefined;
    let summary = "";
    let modelCalls = 0;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const code = await runAgent(
        "architect",
        async (rt) => {
          const o = await runArchitectTick(rt);
          stats = rt.forge.requestStats();
          summary = `${o.outcome}: ${o.summary}`;
          return o;
        },
        { env: p.env(), streams: { stdout: quiet }, wrapBackend: (b) => (modelCalls++, b) },
      );
      times.push(performance.now() - t0);
      if (code !== 0 || !summary.startsWith("idle")) throw new Error(`the idle architect run was not idle (exit ${code}): ${summary}`);
    }
    const s = stats!;
    const routes = Object.entries(s.byRoute)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, n]) => `${n}× ${route}`)
      .join("; ");
    // The project config, the open ops PRs, then each pitch's comments and reviews.
    const target = 1 + 1 + 3 * 2;
    return [
      { name: "architect idle run (no vision to pitch, 3 pitches with nothing new): forge requests", value: s.total, unit: "requests", target: `≤ ${target}`, ok: s.total <= target, detail: `${routes} — "${summary}"` },
      { name: "architect idle run: wall time in-process, median", value: median(times), unit: "ms", detail: `${RUNS} runs, min ${Math.min(...times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms; no git, no model` },
      { name: "architect idle runs: model runs (tokens)", value: modelCalls, unit: "runs", target: "0", ok: modelCalls === 0, detail: "the backend is never built on an idle run" },
    ];
  } finally {
    await g.stop();
  }
};
