// Cold start of the CLI bundle: what every CI step pays before doing anything.
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { median, type Bench } from "./bench.ts";

const RUNS = 15;

function time(args: string[]): number[] {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: "utf8" });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    if (i >= 2) times.push(ms); // the first runs warm the page cache, like any real step
  }
  return times;
}

export const bench: Bench = () => {
  const cli = time(["bundles/cli.mjs", "--version"]);
  // Node's own start on this machine right now: the floor under any figure above.
  const bare = time(["-e", "0"]);
  const m = median(cli);
  return Promise.resolve([
    { name: "cli cold start (node bundles/cli.mjs --version), median", value: m, unit: "ms", target: "≤ 150 ms", ok: m <= 150, detail: `${RUNS} runs, min ${Math.min(...cli).toFixed(1)} ms, max ${Math.max(...cli).toFixed(1)} ms` },
    { name: "bare node start (node -e 0), median", value: median(bare), unit: "ms", detail: "baseline: what node itself costs on this machine" },
  ]);
};
