// The supervisor on the bench world: 1,000 open issues, 20 open PRs and 50 finished pipelines
// on the sandbox forge and CI. A healthy run (every probe of the shipped recipes reads, nothing
// fires) — forge and CI requests by route, wall time in process, tokens — and one run where
// three recipes fire as direct fixes (a dead lease, an orphaned in-progress issue, a
// ci_exhausted issue with its PR), which must use no tokens either.
import { performance } from "node:perf_hooks";
import { runAgent } from "../../src/agents/runtime.ts";
import { runSupervisorTick } from "../../src/agents/supervisor/tick.ts";
import type { RequestStats } from "../../src/http/counter.ts";
import { sink } from "../helpers/io.ts";
import { blockComment, HOUR, supervisorWorld, type SupervisorProject } from "../fixtures/supervisor/world.ts";
import { median, type Bench } from "./bench.ts";
import { inParallel } from "./idle-project.ts";

const OPEN = 1000;
const PULLS = 20;
const PIPELINES = 50;
const RUNS = 5;
const PAGE = 50;

interface Measured {
  ms: number;
  forge: RequestStats;
  ci: RequestStats | undefined;
  tokens: number;
  summary: string;
}

async function measure(p: SupervisorProject, shiftMs = 0): Promise<Measured> {
  let forge: RequestStats | undefined;
  let ci: RequestStats | undefined;
  let tokens = 0;
  let summary = "";
  const s = sink();
  const real = Date.now;
  if (shiftMs) Date.now = () => real() + shiftMs;
  const t0 = performance.now();
  try {
    const code = await runAgent(
      "supervisor",
      async (rt) => {
        const o = await runSupervisorTick(rt);
        forge = rt.forge.requestStats();
        ci = rt.ci?.requestStats();
        tokens = typeof o.details?.tokens === "number" ? o.details.tokens : 0;
        summary = `${o.outcome}: ${o.summary}`;
        return o;
      },
      { env: p.env(), streams: { stdout: s.out } },
    );
    if (code !== 0) throw new Error(`the supervisor run failed (exit ${code}): ${s.text()}`);
  } finally {
    Date.now = real;
  }
  return { ms: performance.now() - t0, forge: forge!, ci, tokens, summary };
}

const routes = (s: RequestStats | undefined): string =>
  Object.entries(s?.byRoute ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([r, n]) => `${n}× ${r}`)
    .join("; ");

export const bench: Bench = async () => {
  const w = await supervisorWorld();
  try {
    const p = await w.project("bench", { mainCi: true });
    await inParallel(OPEN, 12, (i) => p.app.issues.create({ title: `Issue ${i}`, body: "x", labels: i % 5 === 0 ? ["backlog"] : [] }));
    // 20 PRs (a pull_request pipeline each) and main's pushes make the 50 pipelines.
    for (let i = 0; i < PULLS; i++) {
      await p.app.branches.create(`feature-${i}`, "main");
      await p.app.contents.create(`f${i}.txt`, { text: `${i}\n`, message: `feature ${i}`, branch: `feature-${i}` });
      await p.app.pulls.create({ title: `Feature ${i}`, body: "", head: `feature-${i}`, base: "main" });
    }
    for (let i = 1; i < PIPELINES - PULLS; i++) await p.commitMain({ "counter.txt": `${i}\n` }, `push ${i}`);
    await p.ciIdle();

    // Healthy: the first run records the health once; the runs after it are what every 20 minutes costs.
    await measure(p);
    const healthy: Measured[] = [];
    for (let i = 0; i < RUNS; i++) healthy.push(await measure(p));
    const h = healthy.at(-1)!;
    if (!h.summary.startsWith("idle")) throw new Error(`the healthy run was not idle: ${h.summary}`);

    // Three direct fixes: a dead lease, an orphan, a ci_exhausted issue with its PR.
    const past = new Date(Date.now() - HOUR).toISOString();
    await p.writeOps(`locks/dev/bench/dev-bot.json`, JSON.stringify({ name: "dev/bench/dev-bot", holder: { id: "dev/dev-bot@gone" }, token: "t", acquired_at: past, expires_at: past, fence: 1 }));
    await p.app.issues.create({ title: "Orphan", labels: ["in-progress"] });
    const stuck = await p.app.issues.create({ title: "Flaky", labels: ["blocked"] });
    await p.app.branches.create(`fix/issue-${stuck.number}`, "main");
    await p.app.pulls.create({ title: `fix: #${stuck.number}`, body: "", head: `fix/issue-${stuck.number}`, base: "main" });
    await p.app.comments.create(stuck.number, blockComment(stuck.number, "ci_exhausted"));
    const fixes = await measure(p, 2 * HOUR);
    const fired = (fixes.summary.match(/→ done/g) ?? []).length;

    const issuePages = Math.ceil((OPEN + 2) / PAGE);
    const target = 15 + issuePages;
    const total = (m: Measured): number => m.forge.total + (m.ci?.total ?? 0);
    const times = healthy.map((m) => m.ms);
    return [
      { name: `supervisor healthy run (${OPEN} issues, ${PULLS} PRs, ${PIPELINES} pipelines): forge + CI requests`, value: total(h), unit: "requests", target: `≤ ${target} (15 + ${issuePages} issue pages)`, ok: total(h) <= target, detail: `forge: ${routes(h.forge)} | CI: ${routes(h.ci)} — "${h.summary}"` },
      { name: "supervisor healthy run: wall time in process, median", value: median(times), unit: "ms", detail: `${RUNS} runs, min ${Math.min(...times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms; config load included` },
      { name: "supervisor healthy run: tokens", value: h.tokens, unit: "tokens", target: "0", ok: h.tokens === 0 },
      { name: "supervisor run with three recipes firing as direct fixes: forge + CI requests", value: total(fixes), unit: "requests", detail: `${fired} fixes done; forge: ${routes(fixes.forge)} | CI: ${routes(fixes.ci)}` },
      { name: "supervisor run with three direct fixes: wall time in process", value: fixes.ms, unit: "ms" },
      { name: "supervisor run with three direct fixes: tokens", value: fixes.tokens, unit: "tokens", target: "0", ok: fixes.tokens === 0 && fired >= 3, detail: fixes.summary },
    ];
  } finally {
    await w.stop();
  }
};
