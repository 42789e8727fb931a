// State store: what a lease costs uncontended, and update under contention.
import { performance } from "node:perf_hooks";
import { startSandboxForge } from "../../src/sandbox/forge/index.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import { Leases, StateStore } from "../../src/state/index.ts";
import { median, type Bench } from "./bench.ts";

export const bench: Bench = async () => {
  const sandbox = await startSandboxForge({ seed: "empty" });
  const admin = new ForgejoForge({ url: sandbox.url, token: sandbox.users["admin"]!.token });
  try {
    await admin.createRepo({ name: "ops", autoInit: true });
    const forge = new ForgejoForge({ url: sandbox.url, token: sandbox.users["admin"]!.token });
    const store = new StateStore({ contents: forge.repo({ owner: "admin", name: "ops" }).contents, author: { agent: "bench" } });
    const leases = new Leases(store);
    const acq: number[] = [];
    const rel: number[] = [];
    const acqReq: number[] = [];
    const relReq: number[] = [];
    for (let i = 0; i < 15; i++) {
      let before = forge.requestStats().total;
      let t0 = performance.now();
      const r = await leases.acquire("dev/bench/dev-bot", { ttlMs: 60_000, holder: { id: "bench" } });
      acq.push(performance.now() - t0);
      acqReq.push(forge.requestStats().total - before);
      if (!r.acquired) throw new Error("uncontended acquire failed");
      before = forge.requestStats().total;
      t0 = performance.now();
      await leases.release(r.lease);
      rel.push(performance.now() - t0);
      relReq.push(forge.requestStats().total - before);
    }
    await forge.close();

    // 8 writers, each its own client (as separate CI steps are), appending 5 lines each.
    const writers = Array.from({ length: 8 }, () => new ForgejoForge({ url: sandbox.url, token: sandbox.users["admin"]!.token }));
    const perUpdate: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      writers.map(async (w, i) => {
        const s = new StateStore({ contents: w.repo({ owner: "admin", name: "ops" }).contents, author: { agent: "bench" } });
        for (let k = 0; k < 5; k++) {
          const u0 = performance.now();
          await s.updateText("journal/bench.md", (cur) => `${cur ?? ""}w${i}-${k}\n`, "append");
          perUpdate.push(performance.now() - u0);
        }
      }),
    );
    const wall = performance.now() - t0;
    const contendedRequests = writers.reduce((n, w) => n + w.requestStats().total, 0);
    await Promise.all(writers.map((w) => w.close()));
    return [
      { name: "uncontended lease acquire: requests", value: median(acqReq), unit: "requests", target: "1", ok: Math.max(...acqReq) <= 1 },
      { name: "uncontended lease release: requests", value: median(relReq), unit: "requests", target: "1", ok: Math.max(...relReq) <= 1 },
      { name: "uncontended lease acquire, median", value: median(acq), unit: "ms" },
      { name: "uncontended lease release, median", value: median(rel), unit: "ms" },
      { name: "update under 8-way contention (40 appends), median per update", value: median(perUpdate), unit: "ms", detail: `${contendedRequests} requests for 40 appends (${(contendedRequests / 40).toFixed(1)} per append), ${wall.toFixed(0)} ms wall` },
    ];
  } finally {
    await admin.close();
    await sandbox.stop();
  }
};
