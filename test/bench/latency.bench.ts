// Label → merged for one backlog issue on the sandbox forge and CI, with production cadences:
// every cron every 5 minutes, the scripted backend, the project's CI taking a fixed 10 s. Time
// is compressed: the agents' runs are real (in process, timed), the CI runs for real but is
// counted as 10 s, and the waits for a cron are computed on a virtual clock from the */5
// schedule instead of slept — a faithful run would take ~10 minutes of mostly waiting. The
// same real runs give both layouts' figures: with wakes (review's verdict starts dev's cron at
// once, what the agents do now) and without (dev waits for its next cron after the approval).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { runAgent } from "../../src/agents/runtime.ts";
import { runReviewTick } from "../../src/agents/review/tick.ts";
import { nextCronRun } from "../../src/lib/cron.ts";
import { devWorld, implementTask } from "../fixtures/dev/world.ts";
import { agentCrons } from "../fixtures/wake-crons.ts";
import { sink } from "../helpers/io.ts";
import type { Bench } from "./bench.ts";

const CRON = "*/5 * * * *";
const CI_MS = 10_000;

export const bench: Bench = async () => {
  const w = await devWorld();
  const work = await mkdtemp(join(tmpdir(), "latency-"));
  try {
    const p = await w.project("latency", { testCommand: "sh ci/test.sh" });
    await agentCrons(w.sb, p.app, p.ciRepoId, ["dev", "review"]);
    await p.setScript([
      { name: "review", match: String.raw`^# Task: review of pull request`, structured: { verdict: "APPROVE", reason: "fine", findings: [], review_markdown: "### Summary\n\nFine." } },
      implementTask("Add sub"),
    ]);
    const timed = async <T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> => {
      const t0 = performance.now();
      const value = await f();
      return { ms: performance.now() - t0, value };
    };
    const review = async (): Promise<string> => {
      const s = sink();
      const env = {
        DISINTO_FORGE_URL: w.sb.forge.url,
        DISINTO_FORGE_TOKEN: w.sb.forge.users["review-bot"]!.token,
        DISINTO_PROJECT: p.name,
        DISINTO_OPS_REPO: `${p.ops.owner}/${p.ops.name}`,
        DISINTO_CI_URL: w.sb.ci.url,
        DISINTO_CI_TOKEN: w.sb.ci.token("review-bot"),
        DISINTO_WORK_DIR: work,
      };
      const code = await runAgent("review", runReviewTick, { env, streams: { stdout: s.out } });
      if (code !== 0) throw new Error(`review failed:\n${s.text()}`);
      return s.text();
    };

    // The label lands 30 s after a cron fired: the first pick waits 4.5 min, as it would.
    const labelAt = Date.parse("2026-01-05T10:00:30Z");
    const nextCron = (t: number): number => nextCronRun(CRON, new Date(t - 1))!.getTime();
    const issue = await p.issue({ title: "Add sub", body: "## Acceptance criteria\n\n- [ ] `sub(a, b)` exists\n" });

    const firstWait = nextCron(labelAt) - labelAt;
    const pick = await timed(() => p.tick());
    if (pick.value.code !== 0) throw new Error(`dev failed:\n${pick.value.out}`);
    await p.ciIdle();
    // The review pipeline runs on the pull_request event, after the project's CI.
    const rev = await timed(review);
    const woke = /woke dev: review posted a verdict/.test(rev.value);
    const merge = await timed(() => p.tick());
    if (merge.value.code !== 0) throw new Error(`dev failed:\n${merge.value.out}`);
    const pr = (await p.pulls("all")).find((x) => x.body.includes(`#${issue.number}`));
    if (pr?.merged !== true) throw new Error(`not merged:\n${merge.value.out}`);
    await p.ciIdle();

    const agentMs = pick.ms + rev.ms + merge.ms;
    const approvedAt = labelAt + firstWait + pick.ms + CI_MS + rev.ms;
    const withWakes = approvedAt + merge.ms - labelAt;
    const cronWaitAfter = nextCron(approvedAt) - approvedAt;
    const withoutWakes = approvedAt + cronWaitAfter + merge.ms - labelAt;
    const goal = 2 * (CI_MS + agentMs) + 60_000;
    const s = (ms: number): number => ms / 1000;
    return [
      { name: "label → merged, agents waking each other (compressed time)", value: s(withWakes), unit: "s", target: `≤ ${s(firstWait + goal).toFixed(0)} s (first pick ${s(firstWait).toFixed(0)} s + 2 × (CI + agents) + 60 s)`, ok: withWakes <= firstWait + goal, detail: `cron wait ${s(firstWait).toFixed(0)} s (the first pick only), CI ${s(CI_MS)} s, agents ${s(agentMs).toFixed(1)} s (dev ${s(pick.ms).toFixed(1)} + review ${s(rev.ms).toFixed(1)} + dev ${s(merge.ms).toFixed(1)}); review ${woke ? "woke" : "did NOT wake"} dev` },
      { name: "label → merged, crons only (no wake after the approval)", value: s(withoutWakes), unit: "s", detail: `cron wait ${s(firstWait + cronWaitAfter).toFixed(0)} s (first pick ${s(firstWait).toFixed(0)} s + ${s(cronWaitAfter).toFixed(0)} s after the approval)` },
      { name: "cron wait after the first pick, with wakes", value: woke ? 0 : s(cronWaitAfter), unit: "s", target: "0", ok: woke },
    ];
  } finally {
    await w.stop();
    await rm(work, { recursive: true, force: true });
  }
};
