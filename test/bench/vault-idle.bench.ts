// The vault dispatcher's idle run: 20 actions on the ops repo's main, every one with a result.
// What a push or cron run costs when there is nothing to run — forge requests (by route) and
// wall time — with no git clone of the ops repo and no formula started.
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import { runAgent } from "../../src/agents/runtime.ts";
import { runVaultTick } from "../../src/agents/vault/tick.ts";
import type { RequestStats } from "../../src/http/counter.ts";
import { actionPath, renderAction, resultPath } from "../../src/vault/action.ts";
import { SECRETS, vaultWorld } from "../fixtures/vault/world.ts";
import { median, type Bench } from "./bench.ts";

const ACTIONS = 20;
const RUNS = 7;

export const bench: Bench = async () => {
  const w = await vaultWorld();
  try {
    const p = await w.project("idle", { ...SECRETS, WEBHOOK_URL: "http://127.0.0.1:9/unused", RELEASE_TOKEN: "unused-release-token" });
    const files = [];
    for (let i = 0; i < ACTIONS; i++) {
      const id = `done-${i}`;
      files.push({ operation: "create" as const, path: actionPath(id), text: renderAction({ id, formula: "webhook", context: "bench", secrets: [], params: {}, timeout_minutes: 1 }) });
      const at = new Date().toISOString();
      files.push({ operation: "create" as const, path: resultPath(id), text: JSON.stringify({ id, status: "ok", exit_code: 0, started: at, finished: at, log: "" }) });
    }
    await p.ops.contents.commitFiles({ message: "20 actions with results", files });
    const quiet = new Writable({ write: (_c, _e, cb) => cb() });
    const times: number[] = [];
    let stats: RequestStats | undefined;
    let summary = "";
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const code = await runAgent(
        "vault",
        async (rt) => {
          const o = await runVaultTick(rt);
          stats = rt.forge.requestStats();
          summary = `${o.outcome}: ${o.summary}`;
          return o;
        },
        { env: p.env(), streams: { stdout: quiet } },
      );
      times.push(performance.now() - t0);
      if (code !== 0 || !summary.startsWith("idle")) throw new Error(`the idle dispatcher run was not idle (exit ${code}): ${summary}`);
    }
    const s = stats!;
    const routes = Object.entries(s.byRoute)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, n]) => `${n}× ${route}`)
      .join("; ");
    // The project config, then the actions, the results and the recently closed PRs.
    const target = 4;
    return [
      { name: `vault idle run (${ACTIONS} actions, all with results): forge requests`, value: s.total, unit: "requests", target: `≤ ${target}`, ok: s.total <= target, detail: routes },
      {
        name: `vault idle run (${ACTIONS} actions, all with results): wall time in-process, median`,
        value: median(times),
        unit: "ms",
        detail: `${RUNS} runs, min ${Math.min(...times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms; config load included, no git clone, no formula`,
      },
    ];
  } finally {
    await w.stop();
  }
};
