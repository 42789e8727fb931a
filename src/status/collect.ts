// What `disinto status` reports, read from the forge, the ops repo and Woodpecker — read
// only. The queue and the review verdicts use the dev agent's own rules (which issue it
// would take, which review counts), so status shows what the agents will do, not a guess.
import { readCommitCi } from "../ci/commit.ts";
import type { Ci, Pipeline } from "../ci/types.ts";
import { parseProjectConfig } from "../config/load.ts";
import { ROLES, SCHEDULED_AGENTS, type ProjectConfig, type ScheduledAgent } from "../config/project.ts";
import type { Forge, Issue, RepoForge, RepoRef } from "../forge/types.ts";
import { hasStatus } from "../http/errors.ts";
import { ConfigError, UsageError, errorMessage } from "../lib/errors.ts";
import { devLabels } from "../agents/dev/labels.ts";
import { depsOf, ineligible, orderBacklog } from "../agents/dev/pick.ts";
import { verdictOf } from "../agents/dev/review-state.ts";
import { TICK, disintoName } from "../init/agents.ts";
import { gardenerStatus } from "./gardener.ts";
import { plannerStatus, predictorStatus } from "./planner.ts";
import { architectStatus } from "./architect.ts";
import { healthStatus } from "./health.ts";
import { Leases, Ledger, PhaseStore, StateStore, totalsBy, type LeaseDoc, type Totals } from "../state/index.ts";
import { STATUS_FORMAT, statusReportSchema, type AgentStatus, type DevPhase, type LeaseStatus, type ProjectStatus, type PullStatus, type QueueItem, type StatusReport, type VaultStatus } from "./schema.ts";
import { vaultOverview } from "../vault/overview.ts";

export interface StatusInput {
  forge: Forge;
  opsRepo: RepoRef;
  /** Only this project; default every projects/*.toml in the ops repo. */
  project?: string | undefined;
  /** A Woodpecker client for a server URL; undefined when there is no CI token. */
  ci?: ((url: string) => Ci) | undefined;
  /** Overrides the configs' ci.woodpecker_url. */
  ciUrl?: string | undefined;
  now?: Date;
}

/** How many recent agent pipelines are opened to find each agent's last run. */
const RECENT_PIPELINES = 10;
/** Further back, a cron pipeline named for an agent not seen in the recent ones (one read each): a weekly planner's last run is not among the last 10. */
const CRON_WINDOW = 50;

const iso = (d: Date | undefined): string | null => (d === undefined ? null : d.toISOString());
const slug = (r: RepoRef): string => `${r.owner}/${r.name}`;

function refOf(full: string): RepoRef {
  const [owner = "", name = ""] = full.split("/");
  return { owner, name };
}

export async function collectStatus(input: StatusInput): Promise<StatusReport> {
  const now = input.now ?? new Date();
  const ops = input.forge.repo(input.opsRepo);
  const store = new StateStore({ contents: ops.contents, author: { agent: "status" } });
  const leases = new Leases(store, { now: () => now.getTime() });
  const warnings: string[] = [];

  const names = input.project !== undefined ? [input.project] : (await ops.contents.list("projects")).filter((e) => e.type === "file" && e.name.endsWith(".toml")).map((e) => e.name.slice(0, -5));
  // An ops repo without the config asked for is a wrong name or token, not an idle factory.
  if (names.length === 0) throw new UsageError(`${slug(input.opsRepo)}: no project config (projects/*.toml) found, or this token cannot read it; \`disinto init\` writes one`);
  const configs: ProjectConfig[] = [];
  for (const name of names.sort()) {
    const path = `projects/${name}.toml`;
    const doc = await ops.contents.get(path);
    if (doc === undefined) {
      if (input.project !== undefined) throw new UsageError(`project config ${slug(input.opsRepo)}:${path} not found, or this token cannot read it (check --project and --ops-repo)`);
      warnings.push(`${slug(input.opsRepo)}:${path} not found`);
      continue;
    }
    try {
      configs.push(parseProjectConfig(doc.text, `${slug(input.opsRepo)}:${path}`));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      warnings.push(err.message);
    }
  }

  const ledger = new Ledger(store, () => now);
  const [allLeases, today] = await Promise.all([leases.list(), ledger.entries(now)]);
  const spent = totalsBy(today, (e) => e.backend);
  const byAgent = totalsBy(today, (e) => e.agent);
  const leaseStatus = (l: LeaseDoc): LeaseStatus => ({
    name: l.name,
    holder: l.holder?.id ?? null,
    pipeline_url: l.holder?.pipeline_url ?? null,
    acquired_at: l.acquired_at,
    expires_at: l.expires_at,
    held: leases.isHeld(l),
    fence: l.fence,
  });
  const projectOf = (l: LeaseDoc): string | undefined => l.name.split("/")[1];
  const projects: ProjectStatus[] = [];
  for (const config of configs) {
    const mine = allLeases.filter((l) => projectOf(l) === config.name).map(leaseStatus);
    projects.push(await projectStatus(input, config, store, mine, spent, now, byAgent));
  }
  const known = new Set(configs.map((c) => c.name));
  const other = allLeases.filter((l) => !known.has(projectOf(l) ?? "")).map(leaseStatus);
  return statusReportSchema.parse({ format: STATUS_FORMAT, generated_at: now.toISOString(), ops_repo: slug(input.opsRepo), projects, other_leases: other, warnings });
}

/** Pending vault approvals with their age, actions queued, the last results. */
async function vaultStatus(ops: RepoForge, now: Date): Promise<VaultStatus> {
  const o = await vaultOverview(ops, { now: now.getTime(), lastResults: 5 });
  return {
    pending: o.pending.map((p) => ({ id: p.id, pr: p.pr, url: p.url, age_minutes: p.ageMinutes })),
    queued: o.queued,
    last_results: o.results.map((r) => ({ id: r.id, status: r.status, exit_code: r.exit_code, finished: r.finished, reason: r.reason ?? null })),
  };
}

async function projectStatus(input: StatusInput, config: ProjectConfig, store: StateStore, leases: LeaseStatus[], spent: Record<string, Totals>, now: Date, byAgent: Record<string, Totals>): Promise<ProjectStatus> {
  const warnings: string[] = [];
  const repo = input.forge.repo(refOf(config.repo));
  // One read of the open issues serves the queue and the gardener's survey.
  const open = await repo.issues.list({ state: "open", type: "issues" });
  const [agents, dev, queue, pulls, gardener, vault, health, architect] = await Promise.all([
    agentsOf(input, config, warnings, byAgent),
    devPhases(store, config),
    queueOf(repo, config, open),
    pullsOf(repo, config),
    config.identities.gardener !== undefined ? gardenerStatus(store, config, open, now) : Promise.resolve(null),
    config.identities.vault !== undefined ? vaultStatus(input.forge.repo(refOf(config.ops_repo)), now) : Promise.resolve(null),
    config.identities.supervisor !== undefined ? healthStatus(store, config, warnings) : Promise.resolve(null),
    config.identities.architect !== undefined ? architectStatus(input.forge.repo(refOf(config.ops_repo)), repo, config, now) : Promise.resolve(null),
  ]);
  const [planner, predictor] = await Promise.all([
    config.identities.planner !== undefined ? plannerStatus(store) : Promise.resolve(null),
    config.identities.predictor !== undefined ? predictorStatus(store, config, open) : Promise.resolve(null),
  ]);
  const used = [...new Set(ROLES.flatMap((r) => config.identities[r]?.backend ?? []))].sort();
  const day = now.toISOString().slice(0, 10);
  return {
    name: config.name,
    repo: config.repo,
    ops_repo: config.ops_repo,
    forge_url: config.forge_url,
    agents,
    leases,
    dev,
    queue,
    pulls,
    gardener,
    planner,
    predictor,
    vault,
    health,
    architect,
    budget: {
      day,
      backends: used.map((b) => {
        const t = spent[b] ?? { runs: 0, tokens: 0, costUsd: 0 };
        return { backend: b, type: config.backends[b]?.type ?? null, runs: t.runs, tokens: t.tokens, cost_usd: Math.round(t.costUsd * 1e6) / 1e6, cap_usd: config.limits.budget_usd_per_day ?? null };
      }),
    },
    warnings,
  };
}

// ── agents and their last runs ──────────────────────────────────────────────────────────────

/** The outcome line an agent's step prints last (src/host/outcome.ts). */
const OUTCOME_LINE = /^[a-z]+: \S/;

async function agentsOf(input: StatusInput, config: ProjectConfig, warnings: string[], byAgent: Record<string, Totals>): Promise<AgentStatus[]> {
  // All eight, set up or not: a user sees what the factory could run, and what it runs.
  const roles = ROLES;
  const scheduled = (r: string): r is ScheduledAgent => (SCHEDULED_AGENTS as readonly string[]).includes(r);
  const base = roles.map(
    (r): AgentStatus => ({
      agent: r,
      login: config.identities[r]?.login ?? "",
      backend: config.identities[r]?.backend ?? null,
      schedule: scheduled(r) ? config.schedules[r] : null,
      cron: null,
      last_run: null,
      configured: config.identities[r] !== undefined,
      last_outcome: null,
      spend_today: { runs: byAgent[r]?.runs ?? 0, tokens: byAgent[r]?.tokens ?? 0, cost_usd: Math.round((byAgent[r]?.costUsd ?? 0) * 1e6) / 1e6 },
    }),
  );
  // The light tick: under the one-tick layout it is what the crons run, so it has a row of its
  // own (it reads with the dev identity and calls no model).
  const tickLayout = config.schedules.layout === "tick";
  base.push({
    agent: TICK,
    login: config.identities.dev?.login ?? "",
    backend: null,
    schedule: tickLayout ? config.schedules.tick : "off",
    cron: null,
    last_run: null,
    configured: tickLayout && config.identities.dev !== undefined,
    last_outcome: null,
    spend_today: { runs: 0, tokens: 0, cost_usd: 0 },
  });
  const url = (input.ciUrl ?? config.ci.woodpecker_url)?.replace(/\/+$/, "");
  if (url === undefined) {
    warnings.push("Woodpecker not read: no --ci-url and no ci.woodpecker_url in the config");
    return base;
  }
  if (input.ci === undefined) {
    warnings.push("Woodpecker not read: set DISINTO_CI_TOKEN to see crons and last runs");
    return base;
  }
  const ci = input.ci(url);
  try {
    const repoId = config.ci.woodpecker_repo_id ?? (await ci.lookupRepo(config.repo))?.id;
    if (repoId === undefined) {
      warnings.push(`${config.repo} is not known to Woodpecker at ${url} (run disinto init)`);
      return base;
    }
    const api = ci.repo(repoId);
    const [crons, recent] = await Promise.all([
      api.crons.list().catch((err: unknown) => {
        if (!hasStatus(err, 403)) throw err;
        warnings.push("crons not read: the CI token's user needs push access to the repo in Woodpecker");
        return [];
      }),
      api.pipelines.list({ event: ["cron", "manual", "pull_request"], max: CRON_WINDOW }),
    ]);
    const older = recent.slice(RECENT_PIPELINES);
    const extra = base.flatMap((a) => older.find((p) => p.event === "cron" && p.message === disintoName(a.agent)) ?? []);
    const wanted = [...recent.slice(0, RECENT_PIPELINES), ...extra.filter((p) => !recent.slice(0, RECENT_PIPELINES).some((r) => r.number === p.number))];
    // Newest first, as the list: an agent's first match is its last run.
    const detailed = (await Promise.all(wanted.map((p) => api.pipelines.get(p.number)))).filter((p): p is Pipeline => p !== undefined).sort((a, b) => b.number - a.number);
    const outcomes: Promise<void>[] = [];
    for (const a of base) {
      const name = disintoName(a.agent);
      const cron = crons.find((c) => c.name === name);
      if (cron !== undefined) a.cron = { name, schedule: cron.schedule, enabled: cron.enabled, next_at: iso(cron.nextExec) };
      for (const p of detailed) {
        const wf = p.workflows.find((w) => w.name === name);
        if (wf === undefined) continue;
        a.last_run = { pipeline: p.number, event: p.event, status: wf.state, started_at: iso(wf.started ?? p.started), finished_at: iso(wf.finished ?? p.finished), url: `${url}/repos/${repoId}/pipeline/${p.number}` };
        const step = wf.steps.find((s) => s.type === "plugin");
        if (step !== undefined) {
          // One log read per agent, all at once: its last word on what it did.
          outcomes.push(
            api.pipelines
              .logLines(p.number, step.id)
              .catch(() => [] as string[])
              .then((log) => {
                a.last_outcome = [...log].reverse().find((l) => l.startsWith(`${a.agent}: `) && OUTCOME_LINE.test(l)) ?? null;
              }),
          );
        }
        break;
      }
    }
    await Promise.all(outcomes);
  } catch (err) {
    warnings.push(`Woodpecker not read: ${errorMessage(err)}`);
  } finally {
    await ci.close();
  }
  return base;
}

// ── the dev agent's phase ───────────────────────────────────────────────────────────────────

async function devPhases(store: StateStore, config: ProjectConfig): Promise<DevPhase[]> {
  const phases = new PhaseStore(store);
  const files = (await store.list(`state/${config.name}/dev`)).filter((e) => e.type === "file" && e.name.endsWith(".json"));
  const ids = new Set(files.map((f) => f.name.slice(0, -5)));
  const out: DevPhase[] = [];
  for (const identity of [...ids].sort()) {
    const r = await phases.read(config.name, identity);
    if (r === undefined) continue;
    out.push({
      identity: r.identity,
      phase: r.phase,
      issue: r.issue,
      pr: r.pr,
      branch: r.branch,
      head_sha: r.head_sha,
      ci_fix_attempts: r.ci_fix_attempts,
      review_rounds: r.review_rounds,
      conflict_rounds: r.conflict_rounds,
      budget_used_usd: r.budget_used_usd,
      updated_at: r.updated_at,
      history: r.history.map((t) => ({ at: t.at, from: t.from, to: t.to, note: t.note ?? null, pipeline_url: t.pipeline_url ?? null })),
    });
  }
  return out;
}

// ── the queue ───────────────────────────────────────────────────────────────────────────────

async function queueOf(repo: RepoForge, config: ProjectConfig, open: readonly Issue[]): Promise<ProjectStatus["queue"]> {
  const labels = devLabels(config);
  const login = config.identities.dev?.login ?? "";
  const openNumbers = new Set(open.map((i) => i.number));
  const depState = new Map<number, "open" | "closed" | "missing">();
  const item = (i: Issue, waits: number[] = [], reason: string | null = null): QueueItem => ({
    number: i.number,
    title: i.title,
    url: i.htmlUrl,
    labels: i.labels,
    assignees: i.assignees,
    priority: i.labels.includes(labels.priority),
    waits_for: waits,
    reason,
  });
  const queue: ProjectStatus["queue"] = { ready: [], blocked: [], in_progress: [] };
  for (const i of orderBacklog(open, labels)) {
    if (i.labels.includes(labels.inProgress)) {
      queue.in_progress.push(item(i));
      continue;
    }
    if (i.labels.includes(labels.blocked)) {
      queue.blocked.push(item(i, [], `labelled ${labels.blocked}`));
      continue;
    }
    if (!i.labels.includes(labels.backlog)) continue;
    const why = ineligible(i, login, labels);
    if (why !== undefined) {
      queue.blocked.push(item(i, [], why));
      continue;
    }
    const waits: number[] = [];
    for (const d of depsOf(i)) {
      if (openNumbers.has(d)) {
        waits.push(d);
        continue;
      }
      let state = depState.get(d);
      if (state === undefined) {
        const dep = await repo.issues.get(d);
        state = dep === undefined ? "missing" : dep.state === "closed" ? "closed" : "open";
        depState.set(d, state);
      }
      if (state !== "closed") waits.push(d);
    }
    if (waits.length > 0) queue.blocked.push(item(i, waits, `waits for ${waits.map((n) => `#${n}`).join(", ")}`));
    else queue.ready.push(item(i));
  }
  return queue;
}

// ── open pull requests ──────────────────────────────────────────────────────────────────────

async function pullsOf(repo: RepoForge, config: ProjectConfig): Promise<PullStatus[]> {
  const reviewLogin = config.identities.review?.login;
  const prs = (await repo.pulls.list({ state: "open" })).sort((a, b) => a.number - b.number);
  return Promise.all(
    prs.map(async (pr): Promise<PullStatus> => {
      const [ci, reviews, comments] = await Promise.all([
        readCommitCi(repo, pr.head.sha, { requiredContexts: config.ci.required_contexts }),
        repo.reviews.list(pr.number),
        reviewLogin === undefined ? Promise.resolve([]) : repo.comments.list(pr.number),
      ]);
      const v = verdictOf({ reviews, comments, head: pr.head.sha, author: pr.author, reviewLogin });
      return {
        number: pr.number,
        title: pr.title,
        author: pr.author,
        branch: pr.head.ref,
        head_sha: pr.head.sha,
        url: pr.htmlUrl,
        draft: pr.draft,
        mergeable: pr.mergeable,
        ci: { state: ci.state, contexts: ci.contexts.map((c) => ({ context: c.context, state: c.state, url: c.targetUrl })), missing: ci.missing },
        review: v.kind === "approved" ? { state: "approved", by: v.by } : v.kind === "changes" ? { state: "changes_requested", by: v.by } : { state: "none", by: null },
      };
    }),
  );
}
