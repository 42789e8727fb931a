// One supervisor run (DESIGN §12, disinto-behaviour §7): read the factory with the probes the
// recipes name, run the CI circuit breaker, fire recipes; direct fixes in code, incidents kept
// in the ops repo, vault requests for what a person must approve, and the model only for the
// recipes that need judgment. Deciding is reads only: a run where nothing fired writes nothing
// and uses no tokens, and one where only direct fixes fired uses no tokens either.
import { createHash } from "node:crypto";
import { parseRecipes, RECIPES_FILE, actionText, type ProbeName, type Recipe } from "../../config/recipes.ts";
import { shippedFormulaPath } from "../../config/formula-source.ts";
import type { Outcome } from "../../host/outcome.ts";
import { errorMessage } from "../../lib/errors.ts";
import { readFile } from "node:fs/promises";
import { requestFromAgent } from "../../vault/request.ts";
import { CI_UNTRUSTED } from "../../state/incident.ts";
import { healthPath, healthSchema, type Health, type HealthFinding } from "../../state/health.ts";
import { appendJournal } from "../../state/journal.ts";
import type { AgentRuntime } from "../runtime.ts";
import { wake } from "../shared/wake.ts";
import { breakerVerdict, type BreakerVerdict } from "./breaker.ts";
import { FIX_FUNCTIONS } from "./fixes.ts";
import { IncidentKeeper } from "./incidents.ts";
import { judge, type Judged } from "./judgment.ts";
import { AGENT } from "./marks.ts";
import { runProbes, type Finding } from "./probes.ts";
import { FactoryView } from "./view.ts";

export interface Fired {
  recipe: Recipe;
  findings: Finding[];
}

/** The recipes: the ops repo's formulas/supervisor/recipes.toml, else the shipped one. */
export async function loadRecipes(rt: AgentRuntime): Promise<{ recipes: Recipe[]; source: string }> {
  const override = await rt.ops.contents.get(RECIPES_FILE);
  if (override !== undefined) {
    const source = `${rt.config.ops_repo}:${RECIPES_FILE}`;
    return { recipes: parseRecipes(override.text, source), source };
  }
  const path = shippedFormulaPath("supervisor/recipes");
  return { recipes: parseRecipes(await readFile(path, "utf8"), `disinto ${RECIPES_FILE}`), source: `disinto ${RECIPES_FILE}` };
}

/** The findings of each recipe that reach its threshold. */
export function evaluate(recipes: readonly Recipe[], findings: readonly Finding[]): Fired[] {
  const out: Fired[] = [];
  for (const r of recipes) {
    const hits = findings.filter((f) => f.probe === r.probe && f.value >= (r.threshold ?? f.defaultThreshold));
    if (hits.length > 0) out.push({ recipe: r, findings: hits });
  }
  return out;
}

const INCIDENT_SEVERITIES = new Set(["P0", "P1", "P2"]);
const LEASE_MIN_MS = 5 * 60_000;

const cooldownKey = (r: Recipe, f: Finding): string => `${r.name}|${f.key}`;

function emptyHealth(now: Date): Health {
  return { updated_at: now.toISOString(), breaker: "unknown", findings: [], not_read: [], incidents: {}, cooldowns: {} };
}

/** What the supervisor sees, from reads only: its survey and the start of every run. */
async function look(rt: AgentRuntime, now: Date) {
  const { config, log } = rt;
  const { recipes, source } = await loadRecipes(rt);
  const stored = await rt.state.readJson(healthPath(config.name), healthSchema).catch((err: unknown) => {
    log.warn(`supervisor: ${healthPath(config.name)} is unreadable (${errorMessage(err)}); starting from an empty record`);
    return undefined;
  });
  const before = stored?.value ?? emptyHealth(now);
  const view = new FactoryView(rt);

  // ── look (reads only) ────────────────────────────────────────────────────────────────────
  const wanted = new Map<ProbeName, number | undefined>();
  for (const r of recipes) {
    // The smallest threshold any recipe asks of the probe; undefined when one uses the default.
    const prev = wanted.get(r.probe);
    if (!wanted.has(r.probe)) wanted.set(r.probe, r.threshold);
    else wanted.set(r.probe, prev === undefined || r.threshold === undefined ? undefined : Math.min(prev, r.threshold));
  }
  const probed = await runProbes(view, wanted);
  const notRead: string[] = [];
  let verdict: BreakerVerdict | undefined;
  try {
    const targets = await view.ciTargets();
    if (targets === undefined) notRead.push("CI: no ci_url and ci_token, so no pipeline probes and no circuit breaker");
    else {
      const project = targets.find((t) => t.repo === config.repo);
      if (project === undefined) notRead.push(`CI: ${config.repo} is not known to Woodpecker`);
      else verdict = breakerVerdict(await view.pipelines(project), config.primary_branch);
    }
  } catch (err) {
    notRead.push(`CI: ${errorMessage(err).split("\n")[0] ?? ""}`);
  }
  // The contract documents no queue or agent routes a repo token may read: say so, never guess.
  notRead.push("Woodpecker queue and agents: not read (no route for them in the API the agents use; a pipeline pending past its threshold is the sign)");
  for (const p of probed.failed) notRead.push(`probe ${p} failed`);

  const fired = evaluate(recipes, probed.findings);
  const cooldowns: Record<string, string> = { ...before.cooldowns };
  const cooling = (r: Recipe, f: Finding): boolean => {
    const at = cooldowns[cooldownKey(r, f)];
    return at !== undefined && now.getTime() - Date.parse(at) < r.cooldown_minutes * 60_000;
  };
  const actionable = fired.map((x) => ({ ...x, fresh: x.findings.filter((f) => !cooling(x.recipe, f)) }));
  const breakerState = verdict === undefined ? before.breaker : verdict.state === "trip" ? "open" : verdict.state === "clear" ? "closed" : before.breaker;
  const findings: HealthFinding[] = fired.flatMap((x) => x.findings.map((f) => ({ recipe: x.recipe.name, severity: x.recipe.severity, probe: f.probe, key: f.key, summary: f.summary, action: actionText(x.recipe.action) })));
  const incidentRecipes = fired.filter((x) => INCIDENT_SEVERITIES.has(x.recipe.severity));
  const stale = Object.keys(before.incidents).filter((s) => s !== CI_UNTRUSTED && !incidentRecipes.some((x) => x.recipe.name === s));
  const closable = stale.filter((s) => {
    const r = recipes.find((x) => x.name === s);
    // A probe that failed has not seen its problem go away.
    return r === undefined || !probed.failed.has(r.probe);
  });
  const breakerChange = (verdict?.state === "trip" && before.incidents[CI_UNTRUSTED] === undefined) || (verdict?.state === "clear" && (before.incidents[CI_UNTRUSTED] !== undefined || before.breaker === "open"));
  const work = actionable.some((x) => x.fresh.length > 0) || incidentRecipes.length > 0 || closable.length > 0 || breakerChange || verdict?.state === "trip";
  for (const f of findings) log.info(`supervisor: ${f.severity} ${f.recipe}: ${f.summary}`);

  const idle = !work && sameHealth(before, { findings, breaker: breakerState, notRead });
  return { recipes, source, before, view, probed, notRead, verdict, fired, cooldowns, actionable, breakerState, findings, incidentRecipes, closable, idle };
}

/**
 * The light tick's question (src/agents/tick): would a run act or record anything? The probes
 * are reads, and the model is asked only for judgment after them, so this is token-free.
 */
export async function surveySupervisor(rt: AgentRuntime): Promise<{ work: boolean; why: string }> {
  const l = await look(rt, new Date(rt.now()));
  if (l.idle) return { work: false, why: `all clear, CI breaker ${l.breakerState}` };
  return { work: true, why: l.findings.length > 0 ? `${l.findings.length} finding${l.findings.length === 1 ? "" : "s"}: ${[...new Set(l.findings.map((f) => f.recipe))].join(", ")}` : "the health record changed" };
}

export async function runSupervisorTick(rt: AgentRuntime): Promise<Outcome> {
  const { config, log } = rt;
  const now = new Date(rt.now());
  const { recipes, source, before, view, probed, notRead, verdict, fired, cooldowns, actionable, breakerState, findings, incidentRecipes, closable, idle } = await look(rt, now);
  if (idle) {
    const seen = probed.findings.length;
    return { outcome: "idle", summary: `all clear (${recipes.length} recipes from ${source}, ${seen} finding${seen === 1 ? "" : "s"} under threshold, CI breaker ${breakerState})`, details: { recipes: recipes.length, breaker: breakerState } };
  }

  // ── act, under the project's supervisor lease ────────────────────────────────────────────
  const lease = await rt.leases.acquire(`supervisor/${config.name}`, { ttlMs: Math.max(LEASE_MIN_MS, rt.deadline - rt.now()), holder: rt.holder });
  if (!lease.acquired) return { outcome: "idle", summary: `another supervisor run is acting (${lease.current.holder?.id ?? "?"})` };
  const lines: string[] = [];
  const errors: string[] = [];
  let tokens = 0;
  try {
    const keeper = new IncidentKeeper(rt.state, now, before.incidents);

    // 1. the circuit breaker: its incident is the state the dev agent reads
    if (verdict?.state === "trip") {
      const [a, b] = verdict.failed;
      const k = await keeper.keep({
        slug: CI_UNTRUSTED,
        severity: "P1",
        summary: `${config.primary_branch} is red: its two newest finished pipelines failed; the dev agent takes no new issue`,
        lines: verdict.failed.map((p) => `pipeline #${p.number} ${p.status} on ${p.commit.slice(0, 12)} (${p.message.split("\n")[0] ?? ""})`),
      });
      if (k.change !== "unchanged") lines.push(`CI breaker open: ${k.path} ${k.change} (#${a?.number ?? "?"}, #${b?.number ?? "?"} failed)`);
    } else if (verdict?.state === "clear") {
      const closed = await keeper.close(CI_UNTRUSTED, `${config.primary_branch}'s newest finished pipeline #${verdict.green.number} is green`);
      if (closed !== undefined) {
        lines.push(`CI breaker closed: ${closed} resolved (#${verdict.green.number} green)`);
        lines.push(await wakeDev(rt));
      }
    }

    // 2. direct fixes, in recipe order, each finding once per cooldown
    for (const x of actionable) {
      const a = x.recipe.action;
      if (a.kind !== "direct") continue;
      for (const f of x.fresh) {
        if (rt.dryRun) {
          rt.dryRun.write(`supervisor fix ${a.fix}`, f.summary);
          continue;
        }
        try {
          const r = await FIX_FUNCTIONS[a.fix](rt, view, f);
          lines.push(`${x.recipe.name}: ${a.fix} → ${r.result}: ${r.detail}`);
          cooldowns[cooldownKey(x.recipe, f)] = now.toISOString();
          await rt.checkpoint(`supervisor:fixed:${x.recipe.name}`);
        } catch (err) {
          errors.push(`${x.recipe.name}: ${a.fix} on ${f.key} failed: ${errorMessage(err).split("\n")[0] ?? ""}`);
        }
      }
    }

    // 3. vault requests for what a person must approve
    for (const x of actionable) {
      const a = x.recipe.action;
      if (a.kind !== "vault") continue;
      for (const f of x.fresh) {
        const id = `supervisor-${x.recipe.name}-${createHash("sha256").update(f.key).digest("hex").slice(0, 10)}`.slice(0, 64);
        try {
          const r = await requestFromAgent(rt, { id, formula: a.formula, context: `${x.recipe.severity} ${x.recipe.name}: ${f.summary}`, secrets: [], params: {} }, AGENT);
          lines.push(`${x.recipe.name}: vault ${a.formula} → ${r.created ? "requested" : "requested before"} (${r.state}${r.pr !== undefined ? `, PR #${r.pr}` : ""})`);
          cooldowns[cooldownKey(x.recipe, f)] = now.toISOString();
        } catch (err) {
          errors.push(`${x.recipe.name}: vault request ${a.formula} failed: ${errorMessage(err).split("\n")[0] ?? ""}`);
        }
      }
    }

    // 4. incidents: one per P0–P2 recipe while it fires, closed when its probe is clean
    const kept = new Map<string, { path: string; text: string }>();
    for (const x of incidentRecipes) {
      const k = await keeper.keep({
        slug: x.recipe.name,
        severity: x.recipe.severity,
        summary: `${x.recipe.description ?? x.recipe.name} (${x.findings.length} finding${x.findings.length === 1 ? "" : "s"})`,
        lines: x.findings.map((f) => f.summary),
      });
      if (k.change !== "unchanged") lines.push(`incident ${k.path} ${k.change}`);
      kept.set(x.recipe.name, { path: k.path, text: k.text });
    }
    for (const slug of closable) {
      const closed = await keeper.close(slug, `the probe is clean again`);
      if (closed !== undefined) lines.push(`incident ${closed} resolved`);
    }

    // 5. judgment: the model, only for incident/llm recipes with findings out of their cooldown
    const judged: Judged[] = actionable
      .filter((x) => (x.recipe.action.kind === "incident" || x.recipe.action.kind === "llm") && x.fresh.length > 0)
      .map((x) => {
        const incident = kept.get(x.recipe.name);
        return { recipe: x.recipe, findings: x.fresh, ...(incident ? { incident } : {}) };
      });
    if (judged.length > 0) {
      const vaultFormulas = recipes.flatMap((r) => (r.action.kind === "vault" ? [r.action.formula] : []));
      const j = await judge(rt, judged, vaultFormulas);
      tokens = j.record.tokens;
      lines.push(`model: ${j.outcome.summary}`);
      if (j.outcome.outcome === "failed") errors.push(j.outcome.summary);
      // The model ran: its findings wait for their cooldown, answered or not (tokens are spent).
      for (const x of judged) for (const f of x.findings) cooldowns[cooldownKey(x.recipe, f)] = now.toISOString();
    }

    // 6. the health record and the journal
    const longest = Math.max(60, ...recipes.map((r) => r.cooldown_minutes));
    for (const [k, at] of Object.entries(cooldowns)) if (now.getTime() - Date.parse(at) > longest * 60_000) delete cooldowns[k];
    const after: Health = { updated_at: now.toISOString(), breaker: breakerState, findings, not_read: notRead, incidents: keeper.open, cooldowns };
    await rt.state.updateJson(healthPath(config.name), healthSchema, (cur) => (cur !== undefined && sameRecord(cur, after) ? undefined : after), { why: `health: ${findings.length} finding${findings.length === 1 ? "" : "s"}, breaker ${breakerState}` });
    const alerts = findings.length > 0 || breakerState === "open";
    if (alerts || lines.length > 0 || errors.length > 0 || before.findings.length > 0) {
      await appendJournal(rt.state, AGENT, {
        at: now,
        title: alerts ? `${findings.length} finding${findings.length === 1 ? "" : "s"}, breaker ${breakerState}` : "all clear",
        body: [
          ...findings.map((f) => `- ${f.severity} ${f.recipe} (${f.action}): ${f.summary}`),
          ...(lines.length > 0 ? ["", "### Actions", "", ...lines.map((l) => `- ${l}`)] : []),
          ...(errors.length > 0 ? ["", "### Errors", "", ...errors.map((l) => `- ${l}`)] : []),
        ].join("\n"),
        ...(rt.ctx.pipeline.url ? { pipelineUrl: rt.ctx.pipeline.url } : {}),
      });
    }
  } finally {
    await rt.leases.release(lease.lease).catch((err: unknown) => log.warn(`supervisor lease: release failed (${errorMessage(err)}); it expires by itself`));
  }

  const what = [...lines, ...errors].join("; ");
  const summary = `${findings.length} finding${findings.length === 1 ? "" : "s"} from ${fired.length} recipe${fired.length === 1 ? "" : "s"}, breaker ${breakerState}${what ? ` — ${what}` : ""}`;
  const details = { findings: findings.length, breaker: breakerState, actions: lines, errors, tokens };
  if (errors.length > 0) return { outcome: "failed", summary, details };
  return { outcome: "done", summary, details };
}

/** Whether the run's view equals the recorded one (then a healthy run writes nothing). */
function sameHealth(h: Health, now: { findings: HealthFinding[]; breaker: Health["breaker"]; notRead: string[] }): boolean {
  return JSON.stringify(h.findings) === JSON.stringify(now.findings) && h.breaker === now.breaker && JSON.stringify(h.not_read) === JSON.stringify(now.notRead);
}

function sameRecord(a: Health, b: Health): boolean {
  const strip = (h: Health): unknown => ({ ...h, updated_at: "" });
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

/** main is green again: start the dev agent's cron now instead of at its next tick. */
function wakeDev(rt: AgentRuntime): Promise<string> {
  return wake(rt, "dev", "the supervisor cleared the CI breaker");
}
