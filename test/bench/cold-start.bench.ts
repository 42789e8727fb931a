// Cold start of the CLI bundle: what every CI step pays before doing anything.
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { median, type Bench } from "./bench.ts";

const RUNS = 15;

export const bench: Bench = () => {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ["bundles/cli.mjs", "--version"], { encoding: "utf8" });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`bundles/cli.mjs --version exited ${r.status}: ${r.stderr}`);
    if (i >= 2) times.push(ms); // the first runs warm the page cache, like any real step
  }
  const m = median(times);
  return Promise.resolve([
    { name: "cli cold start (node bundles/cli.mjs --version), median", value: m, unit: "ms", target: "≤ 150 ms", ok: m <= 150, detail: `${RUNS} runs, min ${Math.min(...times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms` },
  ]);
};
