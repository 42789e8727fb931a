// The supervisor's probes (DESIGN §12): each one a small read-only function over the factory's
// forge, CI and ops repo, returning typed findings with their evidence. A probe never decides
// what is a problem — recipes do, with their thresholds — it measures (`value`) and says what
// it measured. A probe that cannot read (403, timeout) is itself a finding, never a crash.
import type { ProbeName } from "../../config/recipes.ts";
import type { Issue } from "../../forge/types.ts";
import { errorMessage } from "../../lib/errors.ts";
import { parseDeps } from "../../lib/deps.ts";
import { hasMarker } from "../../manifest/marker.ts";
import { sweptKey } from "./marks.ts";
import { lastBlock, minutesSince, type CiTarget, type FactoryView } from "./view.ts";

export type Evidence = Record<string, string | number | boolean | null>;

/** What a fix needs to find the thing again (it re-reads before it changes anything). */
export interface Subject {
  issue?: number;
  pr?: number;
  lease?: string;
  /** The lease holder's id when the probe saw it: a release names it. */
  holder?: string;
  pipeline?: { repoId: number; repo: string; number: number; parent: number };
  /** The block comment a sweep answers. */
  blockComment?: number;
}

export interface Finding {
  probe: ProbeName;
  /** Stable while the problem lasts: cooldowns and incidents are keyed by it. */
  key: string;
  /** One line for the journal, the incident and the outcome. */
  summary: string;
  /** What the probe measured; a recipe fires when it reaches the recipe's threshold. */
  value: number;
  /** The threshold when the recipe gives none. */
  defaultThreshold: number;
  evidence: Evidence;
  subject?: Subject;
}

/** A probe gets the smallest threshold any recipe asks of it, to skip reads that cannot matter. */
export type Probe = (v: FactoryView, minThreshold: number | undefined) => Promise<Finding[]>;

// ── CI ───────────────────────────────────────────────────────────────────────────────────────

async function eachCi(v: FactoryView, f: (t: CiTarget) => Promise<Finding[]>): Promise<Finding[]> {
  const targets = await v.ciTargets();
  if (targets === undefined) return [];
  return (await Promise.all(targets.map(f))).flat();
}

const ciRunning: Probe = (v) =>
  eachCi(v, async (t) =>
    (await v.pipelines(t))
      .filter((p) => p.status === "running")
      .map((p) => {
        const minutes = minutesSince(v.now, p.started ?? p.created);
        return {
          probe: "ci_running",
          key: `ci/${t.repo}/${p.number}`,
          summary: `${t.repo} pipeline #${p.number} (${p.event} on ${p.branch}) running for ${minutes} min`,
          value: minutes,
          defaultThreshold: v.rt.config.ci.stale_minutes,
          evidence: { repo: t.repo, pipeline: p.number, event: p.event, branch: p.branch, started: p.started?.toISOString() ?? null, restarted_from: p.parent || null },
          subject: { pipeline: { repoId: t.api.id, repo: t.repo, number: p.number, parent: p.parent } },
        } satisfies Finding;
      }),
  );

const ciPending: Probe = (v) =>
  eachCi(v, async (t) =>
    (await v.pipelines(t))
      .filter((p) => p.status === "pending")
      .map((p) => {
        const minutes = minutesSince(v.now, p.created);
        return {
          probe: "ci_pending",
          key: `ci/${t.repo}/${p.number}`,
          summary: `${t.repo} pipeline #${p.number} (${p.event} on ${p.branch}) pending for ${minutes} min`,
          value: minutes,
          defaultThreshold: 30,
          evidence: { repo: t.repo, pipeline: p.number, event: p.event, branch: p.branch, created: p.created?.toISOString() ?? null, restarted_from: p.parent || null },
          subject: { pipeline: { repoId: t.api.id, repo: t.repo, number: p.number, parent: p.parent } },
        } satisfies Finding;
      }),
  );

// ── ops-repo state ──────────────────────────────────────────────────────────────────────────

const leaseDead: Probe = async (v) => {
  const out: Finding[] = [];
  for (const l of await v.leases()) {
    if (l.holder === null) continue;
    const expires = l.expires_at !== null ? Date.parse(l.expires_at) : undefined;
    let since: number | undefined;
    let why = "";
    if (expires !== undefined && expires <= v.now) {
      since = expires;
      why = "expired unreleased";
    } else if (l.holder.pipeline_url !== undefined) {
      const f = await v.pipelineFinished(l.holder.pipeline_url);
      if (f?.finished) {
        since = f.at ?? v.now;
        why = "its pipeline has finished";
      }
    }
    if (since === undefined) continue;
    out.push({
      probe: "lease_dead",
      key: `lease/${l.name}/${l.fence}`,
      summary: `lease ${l.name} held by ${l.holder.id}: ${why}`,
      value: minutesSince(v.now, since),
      defaultThreshold: 0,
      evidence: { lease: l.name, holder: l.holder.id, pipeline: l.holder.pipeline_url ?? null, expires_at: l.expires_at, why },
      subject: { lease: l.name, holder: l.holder.id },
    });
  }
  return out;
};

const IN_FLIGHT = new Set(["implementing", "awaiting_ci", "awaiting_review", "merging", "paused"]);

function phaseDefault(phase: string, staleMinutes: number): number {
  switch (phase) {
    case "implementing":
      return 120;
    case "awaiting_ci":
      return 2 * staleMinutes;
    case "merging":
      return 60;
    default:
      return 1440;
  }
}

const phaseStuck: Probe = async (v) =>
  (await v.phases())
    .filter((r) => IN_FLIGHT.has(r.phase) && r.issue !== null)
    .map((r) => {
      const minutes = minutesSince(v.now, Date.parse(r.updated_at));
      return {
        probe: "phase_stuck",
        key: `phase/${r.identity}/${r.issue}/${r.phase}`,
        summary: `${r.identity} has been ${r.phase} on #${r.issue}${r.pr !== null ? ` (PR #${r.pr})` : ""} for ${minutes} min`,
        value: minutes,
        defaultThreshold: phaseDefault(r.phase, v.rt.config.ci.stale_minutes),
        evidence: { identity: r.identity, issue: r.issue, pr: r.pr, phase: r.phase, updated_at: r.updated_at },
        subject: { issue: r.issue as number },
      } satisfies Finding;
    });

const orphanInProgress: Probe = async (v) => {
  const label = v.rt.config.labels["in-progress"];
  const held = (await v.openIssues()).filter((i) => i.labels.includes(label));
  if (held.length === 0) return [];
  const [phases, leases] = await Promise.all([v.phases(), v.leases()]);
  const tracked = new Set(phases.filter((r) => r.issue !== null && (IN_FLIGHT.has(r.phase) || r.phase === "escalated")).map((r) => r.issue));
  const devLeases = new Set(leases.filter((l) => l.holder !== null && v.rt.leases.isHeld(l) && l.name.startsWith(`dev/${v.rt.config.name}/`)).map((l) => l.name.split("/")[2]?.toLowerCase()));
  const out: Finding[] = [];
  for (const i of held) {
    if (tracked.has(i.number)) continue;
    if (i.assignees.some((a) => devLeases.has(a.toLowerCase()))) continue;
    const minutes = minutesSince(v.now, i.updatedAt);
    out.push({
      probe: "orphan_in_progress",
      key: `orphan/${i.number}`,
      summary: `#${i.number} is ${label}${i.assignees.length > 0 ? ` (assigned to ${i.assignees.join(", ")})` : ""} but no dev lease or phase record holds it; unchanged for ${minutes} min`,
      value: minutes,
      defaultThreshold: 60,
      evidence: { issue: i.number, assignees: i.assignees.join(", ") || null, updated_at: i.updatedAt.toISOString() },
      subject: { issue: i.number },
    });
  }
  return out;
};

// ── forge ───────────────────────────────────────────────────────────────────────────────────

const prStale: Probe = async (v, min) => {
  const limit = min ?? 1440;
  const out: Finding[] = [];
  for (const pr of await v.openPulls()) {
    const minutes = minutesSince(v.now, pr.updatedAt);
    // Only an old PR costs a status read: a healthy run reads none.
    if (pr.draft || minutes < limit) continue;
    const ci = await v.rt.repo.statuses.combined(pr.head.sha);
    if (ci.state !== "success") continue;
    out.push({
      probe: "pr_stale",
      key: `pr/${pr.number}/${pr.head.sha.slice(0, 12)}`,
      summary: `PR #${pr.number} has green CI and no push or review for ${Math.floor(minutes / 60)} h`,
      value: minutes,
      defaultThreshold: 1440,
      evidence: { pr: pr.number, title: pr.title, author: pr.author, head: pr.head.sha.slice(0, 12), updated_at: pr.updatedAt.toISOString() },
      subject: { pr: pr.number },
    });
  }
  return out;
};

function backlogGraph(v: FactoryView, issues: Issue[]): { backlog: Issue[]; open: Map<number, Issue> } {
  const open = new Map(issues.map((i) => [i.number, i]));
  const label = v.rt.config.labels.backlog;
  return { backlog: issues.filter((i) => i.labels.includes(label)), open };
}

/** Strongly connected components of size > 1 (or a self-dependency) among open issues. */
export function dependencyCycles(edges: ReadonlyMap<number, readonly number[]>): number[][] {
  let index = 0;
  const idx = new Map<number, number>();
  const low = new Map<number, number>();
  const stack: number[] = [];
  const on = new Set<number>();
  const out: number[][] = [];
  const visit = (n: number): void => {
    idx.set(n, index);
    low.set(n, index++);
    stack.push(n);
    on.add(n);
    for (const m of edges.get(n) ?? []) {
      if (!edges.has(m)) continue;
      if (!idx.has(m)) {
        visit(m);
        low.set(n, Math.min(low.get(n) as number, low.get(m) as number));
      } else if (on.has(m)) low.set(n, Math.min(low.get(n) as number, idx.get(m) as number));
    }
    if (low.get(n) === idx.get(n)) {
      const scc: number[] = [];
      let m: number;
      do {
        m = stack.pop() as number;
        on.delete(m);
        scc.push(m);
      } while (m !== n);
      if (scc.length > 1 || (edges.get(n) ?? []).includes(n)) out.push(scc.sort((a, b) => a - b));
    }
  };
  for (const n of [...edges.keys()].sort((a, b) => a - b)) if (!idx.has(n)) visit(n);
  return out;
}

const depsCycle: Probe = async (v) => {
  const { backlog, open } = backlogGraph(v, await v.openIssues());
  const edges = new Map<number, number[]>();
  // The backlog and every open issue it reaches: a circle may pass through a blocked issue.
  const todo = backlog.map((i) => i.number);
  while (todo.length > 0) {
    const n = todo.pop() as number;
    if (edges.has(n)) continue;
    const deps = parseDeps(open.get(n)?.body ?? "").filter((d) => open.has(d));
    edges.set(n, deps);
    todo.push(...deps);
  }
  return dependencyCycles(edges).map((c) => ({
    probe: "deps_cycle",
    key: `deps-cycle/${c.join("-")}`,
    summary: `issues ${c.map((n) => `#${n}`).join(", ")} depend on each other in a circle`,
    value: c.length,
    defaultThreshold: 1,
    evidence: { issues: c.map((n) => `#${n}`).join(" ") },
  }));
};

const depsStale: Probe = async (v) => {
  const { backlog, open } = backlogGraph(v, await v.openIssues());
  const out: Finding[] = [];
  for (const i of backlog) {
    for (const d of parseDeps(i.body)) {
      const dep = open.get(d);
      if (dep === undefined || d === i.number) continue;
      const minutes = minutesSince(v.now, dep.createdAt);
      out.push({
        probe: "deps_stale",
        key: `deps-stale/${i.number}/${d}`,
        summary: `#${i.number} waits for #${d}, open for ${Math.floor(minutes / 1440)} days`,
        value: minutes,
        defaultThreshold: 43_200,
        evidence: { issue: i.number, dependency: d, dependency_opened: dep.createdAt.toISOString() },
        subject: { issue: i.number },
      });
    }
  }
  return out;
};

async function blocked(v: FactoryView): Promise<Issue[]> {
  const label = v.rt.config.labels.blocked;
  return (await v.openIssues()).filter((i) => i.labels.includes(label));
}

const blockedCiExhausted: Probe = async (v) => {
  const out: Finding[] = [];
  for (const i of await blocked(v)) {
    const comments = await v.comments(i.number);
    const b = lastBlock(comments, i.number);
    if (b === undefined || b.reason !== "ci_exhausted") continue;
    // Swept once already (a sweep marker before this block): a second exhaustion is for a person.
    // Comment order, not time: a block can follow a sweep within the same second.
    const swept = comments.findIndex((c) => hasMarker(c.body, "supervisor", sweptKey(i.number)));
    if (swept >= 0 && swept < comments.indexOf(b.comment)) continue;
    const minutes = minutesSince(v.now, b.at);
    out.push({
      probe: "blocked_ci_exhausted",
      key: `ci-exhausted/${i.number}/${b.comment.id}`,
      summary: `#${i.number} blocked on ci_exhausted for ${minutes} min`,
      value: minutes,
      defaultThreshold: 30,
      evidence: { issue: i.number, blocked_at: new Date(b.at).toISOString(), comment: b.comment.htmlUrl },
      subject: { issue: i.number, blockComment: b.comment.id },
    });
  }
  return out;
};

const escalationUnanswered: Probe = async (v) => {
  const out: Finding[] = [];
  for (const i of await blocked(v)) {
    const comments = await v.comments(i.number);
    const b = lastBlock(comments, i.number);
    if (b === undefined) continue;
    const swept = comments.some((c) => hasMarker(c.body, "supervisor", sweptKey(i.number)));
    // ci_exhausted is the sweep's, until it has been swept once.
    if (b.reason === "ci_exhausted" && !swept) continue;
    if (comments.at(-1)?.id !== b.comment.id) continue;
    const minutes = minutesSince(v.now, b.at);
    out.push({
      probe: "escalation_unanswered",
      key: `escalation/${i.number}/${b.comment.id}`,
      summary: `#${i.number} blocked (${b.reason}) with no answer for ${Math.floor(minutes / 60)} h`,
      value: minutes,
      defaultThreshold: 1440,
      evidence: { issue: i.number, reason: b.reason, blocked_at: new Date(b.at).toISOString(), comment: b.comment.htmlUrl },
      subject: { issue: i.number },
    });
  }
  return out;
};

const blockedDepClosed: Probe = async (v) => {
  const issues = await v.openIssues();
  const open = new Set(issues.map((i) => i.number));
  const label = v.rt.config.labels.blocked;
  const out: Finding[] = [];
  for (const i of issues.filter((x) => x.labels.includes(label))) {
    const deps = parseDeps(i.body).filter((d) => d !== i.number);
    if (deps.length === 0 || deps.some((d) => open.has(d))) continue;
    out.push({
      probe: "blocked_dep_closed",
      key: `dep-closed/${i.number}/${deps.join("-")}`,
      summary: `#${i.number} is blocked but its dependencies (${deps.map((d) => `#${d}`).join(", ")}) are all closed`,
      value: deps.length,
      defaultThreshold: 1,
      evidence: { issue: i.number, dependencies: deps.map((d) => `#${d}`).join(" ") },
      subject: { issue: i.number },
    });
  }
  return out;
};

const spend: Probe = async (v) => {
  const cap = v.rt.config.limits.budget_usd_per_day;
  if (cap === undefined) return [];
  const out: Finding[] = [];
  for (const [backend, t] of Object.entries(await v.spentToday())) {
    const percent = Math.round((t.costUsd / cap) * 100);
    out.push({
      probe: "spend",
      key: `spend/${backend}/${new Date(v.now).toISOString().slice(0, 10)}`,
      summary: `backend ${backend} spent $${t.costUsd.toFixed(2)} of today's $${cap.toFixed(2)} cap (${percent}%, ${t.runs} runs)`,
      value: percent,
      defaultThreshold: 80,
      evidence: { backend, cost_usd: Math.round(t.costUsd * 100) / 100, cap_usd: cap, runs: t.runs, tokens: t.tokens },
    });
  }
  return out;
};

/** Where sessions live (src/llm/ops-repo.ts): sessions/<project>/<agent>/<key>.json. */
export const sessionsDir = (project: string): string => `sessions/${project}`;

const opsSessions: Probe = async (v, min) => {
  const dir = sessionsDir(v.rt.config.name);
  const agents = (await v.rt.state.list(dir)).filter((e) => e.type === "dir");
  // Counting needs one listing per agent folder; with few agents it is cheap, and the largest
  // folders are the evidence a person needs.
  const counts: Evidence = {};
  let total = 0;
  for (const a of agents) {
    const n = (await v.rt.state.list(a.path)).filter((e) => e.type === "file").length;
    counts[a.path] = n;
    total += n;
  }
  if (total === 0 || (min !== undefined && total < min)) return [];
  return [{ probe: "ops_sessions", key: `sessions/${v.rt.config.name}`, summary: `the ops repo keeps ${total} session files under ${dir}/`, value: total, defaultThreshold: 200, evidence: counts }];
};

export const PROBE_FUNCTIONS: Readonly<Record<Exclude<ProbeName, "probe_error">, Probe>> = {
  ci_running: ciRunning,
  ci_pending: ciPending,
  lease_dead: leaseDead,
  phase_stuck: phaseStuck,
  orphan_in_progress: orphanInProgress,
  pr_stale: prStale,
  deps_cycle: depsCycle,
  deps_stale: depsStale,
  blocked_ci_exhausted: blockedCiExhausted,
  blocked_dep_closed: blockedDepClosed,
  escalation_unanswered: escalationUnanswered,
  spend,
  ops_sessions: opsSessions,
};

export interface ProbeRun {
  findings: Finding[];
  /** Probes that failed: their findings are unknown (not clean). */
  failed: Set<ProbeName>;
}

/** Run `probes`; a probe that throws becomes a `probe_error` finding. */
export async function runProbes(v: FactoryView, probes: ReadonlyMap<ProbeName, number | undefined>): Promise<ProbeRun> {
  const findings: Finding[] = [];
  const failed = new Set<ProbeName>();
  for (const [name, min] of probes) {
    if (name === "probe_error") continue;
    try {
      findings.push(...(await PROBE_FUNCTIONS[name](v, min)));
    } catch (err) {
      failed.add(name);
      const why = errorMessage(err).split("\n")[0] ?? "";
      v.rt.log.warn(`supervisor: probe ${name} failed: ${why}`);
      findings.push({ probe: "probe_error", key: `probe/${name}`, summary: `probe ${name} could not read: ${why}`, value: 1, defaultThreshold: 1, evidence: { probe: name, error: why } });
    }
  }
  return { findings, failed };
}
