// The review agent's idle sweep: 20 open PRs, every head already reviewed. What a cron tick
// costs when there is nothing to do — forge requests (by route) and wall time — with no git
// and no LLM.
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import { runAgent } from "../../src/agents/runtime.ts";
import { runReviewTick } from "../../src/agents/review/tick.ts";
import { reviewedMarker } from "../../src/agents/review/markers.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import type { RequestStats } from "../../src/http/counter.ts";
import { APP, OPS, world } from "../fixtures/review/world.ts";
import { median, type Bench } from "./bench.ts";

const PRS = 20;
const RUNS = 7;

export const bench: Bench = async () => {
  const w = await world();
  const reviewer = new ForgejoForge({ url: w.sandbox.url, token: w.sandbox.users["review-bot"]!.token });
  try {
    // 20 PRs, each with CI green, the review comment and the formal review on its head.
    for (let i = 0; i < PRS; i += 5) {
      await Promise.all(
        Array.from({ length: 5 }, (_, k) => i + k).map(async (n) => {
          const pr = await w.openPr({ branch: `bench-${n}`, files: { [`src/f${n}.js`]: `export const f${n} = ${n};\n` }, title: `PR ${n}` });
          const r = reviewer.repo(APP);
          await w.status(pr.head.sha, "success");
          await r.comments.create(pr.number, `## AI Review\n${reviewedMarker(pr.head.sha)}\n\nok\n\n### Verdict\n\n**APPROVE** — ok\n`);
          await r.reviews.create(pr.number, { event: "APPROVED", body: "AI review: **APPROVE** — ok", commitId: pr.head.sha });
        }),
      );
    }

    const env = {
      DISINTO_FORGE_URL: w.sandbox.url,
      DISINTO_FORGE_TOKEN: w.sandbox.users["review-bot"]!.token,
      DISINTO_PROJECT: "app",
      DISINTO_OPS_REPO: `${OPS.owner}/${OPS.name}`,
    };
    const quiet = new Writable({ write: (_c, _e, cb) => cb() });
    const times: number[] = [];
    let stats: RequestStats | undefined;
    let summary = "";
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const code = await runAgent(
        "review",
        async (rt) => {
          const o = await runReviewTick(rt);
          stats = rt.forge.requestStats();
          summary = o.summary;
          return o;
        },
        { env, streams: { stdout: quiet } },
      );
      times.push(performance.now() - t0);
      if (code !== 0 || !summary.includes(`${PRS} reviewed`)) throw new Error(`the idle sweep did not find ${PRS} reviewed PRs (exit ${code}): ${summary}`);
    }
    const s = stats!;
    const routes = Object.entries(s.byRoute)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, n]) => `${n}× ${route}`)
      .join("; ");
    const target = PRS + 3;
    const m = median(times);
    return [
      { name: `review idle sweep (${PRS} open PRs, all reviewed): forge requests`, value: s.total, unit: "requests", target: `≤ ${target}`, ok: s.total <= target, detail: routes },
      {
        name: `review idle sweep (${PRS} open PRs, all reviewed): wall time in-process, median`,
        value: m,
        unit: "ms",
        // The sandbox answers each PR and reviews read with a git child of its own: most of
        // this is the sandbox's, on a loaded machine most of all.
        detail: `${RUNS} runs, min ${Math.min(...times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms; config load included, process start not`,
      },
    ];
  } finally {
    await reviewer.close();
    await w.stop();
  }
};
