// The predictor's evidence, gathered in code before any model call (disinto-behaviour §9.2,
// issue 17): CI failure rates per workflow and step over the last pipelines (flaky: the same
// commit also went green; broken: it did not), the CI duration trend, dev escalations, review
// rounds per merged PR, spend per issue and its trend, ops-repo growth and recurring supervisor
// incidents. The numbers are rounded so the digest — the predictor's skip watermark — changes
// only when the evidence does, not with every new timestamp.
import { createHash } from "node:crypto";
import type { Pipeline } from "../../ci/types.ts";
import type { Issue } from "../../forge/types.ts";
import type { LedgerEntry } from "../../state/ledger.ts";
import type { AgentRuntime } from "../runtime.ts";

// Here, not in tick.ts: the light tick's survey reads the watermark under this name and loads
// only this module, not the manifest runner.
export const AGENT = "predictor";

/** Pipelines looked at, newest first. */
export const PIPELINES = 200;
const MERGED_PRS = 15;
const SPEND_DAYS = 14;

export interface StepRate {
  /** `workflow/step`. */
  step: string;
  failures: number;
  /** Failures on a commit that also had a green pipeline: flaky. */
  flaky: number;
}

export interface Evidence {
  ci: { pipelines: number; failed: number; failureRate: number; steps: StepRate[]; durationTrend: { olderMin: number; newerMin: number } | null } | null;
  escalations: { open: number; issues: string[] };
  reviewRounds: { prs: number; mean: number; max: number; worst: string | null };
  spend: { perIssue: number; olderPerIssue: number; newerPerIssue: number; issues: number } | null;
  ops: { journalFiles: Record<string, number> };
  incidents: { recurring: { name: string; count: number }[] };
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;
const minutes = (p: Pipeline): number | undefined => (p.started && p.finished ? (p.finished.getTime() - p.started.getTime()) / 60_000 : undefined);
const RED = new Set(["failure", "error", "killed"]);

/** Failure rates and the duration trend of `pipelines` (newest first; failed ones with their workflows). */
export function ciEvidence(pipelines: readonly Pipeline[]): NonNullable<Evidence["ci"]> {
  const done = pipelines.filter((p) => p.finished !== undefined || RED.has(p.status) || p.status === "success");
  const green = new Set(done.filter((p) => p.status === "success").map((p) => p.commit));
  const failed = done.filter((p) => RED.has(p.status));
  const steps = new Map<string, StepRate>();
  for (const p of failed) {
    const red = p.workflows.flatMap((w) => w.steps.filter((s) => RED.has(s.state)).map((s) => `${w.name}/${s.name}`));
    for (const name of red.length > 0 ? red : ["(pipeline)/(unknown)"]) {
      const r = steps.get(name) ?? { step: name, failures: 0, flaky: 0 };
      r.failures++;
      if (green.has(p.commit)) r.flaky++;
      steps.set(name, r);
    }
  }
  const durations = done.map(minutes).filter((m): m is number => m !== undefined);
  const half = Math.floor(durations.length / 2);
  const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  return {
    pipelines: done.length,
    failed: failed.length,
    failureRate: done.length === 0 ? 0 : round(failed.length / done.length),
    steps: [...steps.values()].sort((a, b) => b.failures - a.failures || a.step.localeCompare(b.step)).slice(0, 10),
    // Newest first: the first half is the newer one.
    durationTrend: half >= 2 ? { newerMin: round(mean(durations.slice(0, half)), 1), olderMin: round(mean(durations.slice(half)), 1) } : null,
  };
}

/** Spend per issue key (`issue/N` or `…/issue/N`), overall and per half of the window. */
export function spendEvidence(entries: readonly LedgerEntry[], now: number, days = SPEND_DAYS): Evidence["spend"] {
  const key = (e: LedgerEntry): string | undefined => /(?:^|\/)issue\/(\d+)/.exec(e.key ?? "")?.[1];
  const mid = now - (days / 2) * 24 * 3600_000;
  const per = (es: readonly LedgerEntry[]): { perIssue: number; issues: number } => {
    const by = new Map<string, number>();
    for (const e of es) {
      const k = key(e);
      if (k !== undefined) by.set(k, (by.get(k) ?? 0) + e.cost_usd);
    }
    const total = [...by.values()].reduce((a, b) => a + b, 0);
    return { perIssue: by.size === 0 ? 0 : round(total / by.size), issues: by.size };
  };
  const all = per(entries);
  if (all.issues === 0) return null;
  return { ...all, olderPerIssue: per(entries.filter((e) => Date.parse(e.at) < mid)).perIssue, newerPerIssue: per(entries.filter((e) => Date.parse(e.at) >= mid)).perIssue };
}

/** Incident files `incidents/<YYYY-MM-DD>-<name>.md` whose name comes back. */
export function recurringIncidents(files: readonly string[]): Evidence["incidents"]["recurring"] {
  const by = new Map<string, number>();
  for (const f of files) {
    const m = /^\d{4}-\d\d-\d\d-(.+)\.md$/.exec(f);
    if (m) by.set(m[1]!, (by.get(m[1]!) ?? 0) + 1);
  }
  return [...by].filter(([, n]) => n >= 2).map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

/**
 * The evidence the watermark covers: everything but ops growth, which `digest` leaves out, so
 * the light tick's survey and an idle run do not list every journal folder for nothing.
 */
export type WatermarkedEvidence = Omit<Evidence, "ops">;

export async function gatherEvidence(rt: AgentRuntime, blockedLabel: string): Promise<WatermarkedEvidence> {
  const now = rt.now();
  const [ci, escalated, merged, ledger, incidents] = await Promise.all([
    readCi(rt),
    rt.repo.issues.list({ state: "open", type: "issues", labels: [blockedLabel] }),
    rt.repo.pulls.list({ state: "closed", page: 1, limit: 50 }).then((ps) => ps.filter((p) => p.merged).slice(0, MERGED_PRS)),
    readSpend(rt, now),
    rt.state.list("incidents"),
  ]);
  const rounds = await Promise.all(merged.map(async (p) => ({ pr: p.number, rounds: (await rt.repo.reviews.list(p.number)).filter((r) => r.state === "REQUEST_CHANGES").length })));
  const worst = [...rounds].sort((a, b) => b.rounds - a.rounds)[0];
  // The keys keep their order: the digest hashes this JSON, and a new order would wake every
  // predictor once for nothing.
  return {
    ci,
    escalations: { open: escalated.length, issues: escalated.slice(0, 10).map((i: Issue) => `#${i.number}`) },
    reviewRounds: { prs: rounds.length, mean: rounds.length === 0 ? 0 : round(rounds.reduce((a, r) => a + r.rounds, 0) / rounds.length), max: worst?.rounds ?? 0, worst: worst && worst.rounds > 0 ? `#${worst.pr}` : null },
    spend: spendEvidence(ledger, now),
    incidents: { recurring: recurringIncidents(incidents.filter((e) => e.type === "file").map((e) => e.name)) },
  };
}

/** Ops growth: the journal files per agent (1 + one listing per agent), read only for a prompt. */
export async function opsEvidence(rt: AgentRuntime): Promise<Evidence["ops"]> {
  const journals = await rt.state.list("journal");
  const journalFiles: Record<string, number> = {};
  for (const d of journals.filter((e) => e.type === "dir")) journalFiles[d.name] = (await rt.state.list(`journal/${d.name}`)).length;
  return { journalFiles };
}

async function readCi(rt: AgentRuntime): Promise<Evidence["ci"]> {
  if (rt.ci === undefined) return null;
  const id = rt.config.ci.woodpecker_repo_id ?? (await rt.ci.lookupRepo(rt.config.repo))?.id;
  if (id === undefined) return null;
  const api = rt.ci.repo(id).pipelines;
  const list = await api.list({ max: PIPELINES });
  // Lists carry no workflows: a red pipeline is read once more for the step that failed.
  const full = await Promise.all(list.map(async (p) => (RED.has(p.status) ? ((await api.get(p.number)) ?? p) : p)));
  return ciEvidence(full);
}

async function readSpend(rt: AgentRuntime, now: number): Promise<LedgerEntry[]> {
  const days = Array.from({ length: SPEND_DAYS }, (_, i) => new Date(now - i * 24 * 3600_000));
  const per = await Promise.all(days.map((d) => rt.ledger.entries(d)));
  return per.flat().filter((e) => e.project === undefined || e.project === rt.config.name);
}

/**
 * The skip watermark. Ops growth is left out: journals grow by a file a day whatever happens,
 * and would wake the predictor every day for nothing.
 */
export function digest(e: WatermarkedEvidence | Evidence): string {
  const { ops: _ops, ...rest }: Partial<Evidence> = e;
  return createHash("sha256").update(JSON.stringify(rest)).digest("hex").slice(0, 16);
}

/** The evidence as the model reads it (trusted: numbers the runner computed). */
export function renderEvidence(e: Evidence): string {
  const out: string[] = [];
  if (e.ci === null) out.push("- CI: no CI configured or the repo is unknown to it.");
  else {
    out.push(`- CI: ${e.ci.failed} of the last ${e.ci.pipelines} pipelines failed (rate ${e.ci.failureRate}).`);
    for (const s of e.ci.steps) out.push(`  - \`${s.step}\`: ${s.failures} failure${s.failures === 1 ? "" : "s"}, ${s.flaky} on a commit that also went green (flaky)`);
    if (e.ci.durationTrend) out.push(`- CI duration: older half ${e.ci.durationTrend.olderMin} min, newer half ${e.ci.durationTrend.newerMin} min.`);
  }
  out.push(`- Dev escalations: ${e.escalations.open} open blocked issue${e.escalations.open === 1 ? "" : "s"}${e.escalations.issues.length > 0 ? ` (${e.escalations.issues.join(", ")})` : ""}.`);
  out.push(`- Review rounds (changes requested) over the last ${e.reviewRounds.prs} merged PRs: mean ${e.reviewRounds.mean}, max ${e.reviewRounds.max}${e.reviewRounds.worst ? ` (${e.reviewRounds.worst})` : ""}.`);
  out.push(e.spend === null ? "- Spend: no spend recorded per issue in the last 14 days." : `- Spend per issue (14 days, ${e.spend.issues} issues): $${e.spend.perIssue}; older week $${e.spend.olderPerIssue}, newer week $${e.spend.newerPerIssue}.`);
  out.push(`- Ops-repo journal files per agent: ${Object.entries(e.ops.journalFiles).map(([a, n]) => `${a} ${n}`).join(", ") || "none"}.`);
  out.push(`- Recurring supervisor incidents: ${e.incidents.recurring.map((r) => `${r.name} ×${r.count}`).join(", ") || "none"}.`);
  return out.join("\n");
}
