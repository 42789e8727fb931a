// Forge client and sandbox: requests to list the backlog, and the sandbox's list latency.
import { performance } from "node:perf_hooks";
import { startSandboxForge } from "../../src/sandbox/forge/index.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import { median, type Bench } from "./bench.ts";

const OPEN = 1000;
const BACKLOG = 200;

export const bench: Bench = async () => {
  const sandbox = await startSandboxForge({ seed: "empty" });
  const forge = new ForgejoForge({ url: sandbox.url, token: sandbox.users["admin"]!.token });
  try {
    await forge.createRepo({ name: "bench", autoInit: true });
    const repo = forge.repo({ owner: "admin", name: "bench" });
    await repo.labels.ensure([{ name: "backlog", color: "0075ca" }]);
    // Backlog issues spread among the others, created 8 at a time.
    const every = OPEN / BACKLOG;
    for (let i = 0; i < OPEN; i += 8) {
      await Promise.all(
        Array.from({ length: Math.min(8, OPEN - i) }, (_, k) => i + k).map((j) =>
          repo.issues.create({ title: `issue ${j}`, body: "bench", ...(j % every === 0 ? { labels: ["backlog"] } : {}) }),
        ),
      );
    }
    // A fresh client, as an agent run has: label names resolve once per run, then the list.
    const run = new ForgejoForge({ url: sandbox.url, token: sandbox.users["admin"]!.token });
    const r = run.repo({ owner: "admin", name: "bench" });
    await r.labels.resolve(["backlog"]);
    const afterLabels = run.requestStats().total;
    const backlog = await r.issues.list({ state: "open", labels: ["backlog"], type: "issues" });
    const listRequests = run.requestStats().total - afterLabels;
    await run.close();
    if (backlog.length !== BACKLOG) throw new Error(`listed ${backlog.length} backlog issues, expected ${BACKLOG}`);

    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      await repo.issues.list({ state: "open", page: 1, limit: 50 });
      times.push(performance.now() - t0);
    }
    const target = Math.ceil(BACKLOG / 50);
    return [
      { name: `requests to list ${BACKLOG} backlog issues among ${OPEN} open`, value: listRequests, unit: "requests", target: `≤ ${target}`, ok: listRequests <= target, detail: `plus ${afterLabels} to resolve the label name, once per run` },
      { name: "sandbox issue list (50 of 1,000 open), median", value: median(times), unit: "ms", detail: `30 requests, max ${Math.max(...times).toFixed(1)} ms` },
    ];
  } finally {
    await forge.close();
    await sandbox.stop();
  }
};
