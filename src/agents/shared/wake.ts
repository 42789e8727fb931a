// Agents wake each other (DESIGN §13): an agent that finishes what another waits for starts
// that agent's Woodpecker cron at once (`POST /api/repos/{id}/cron/{cron_id}`) instead of
// leaving the work to the next scheduled tick. Run-cron-now runs a cron whether or not it is
// enabled, so it also starts the agents of the one-tick layout, whose own crons are disabled.
// A wake is a shortcut, never a duty: a failure is a warning, at most one wake per target per
// run, and a target the config schedules "off" stays asleep.
import type { Cron } from "../../ci/types.ts";
import type { ScheduledAgent } from "../../config/project.ts";
import { disintoName } from "../../init/agents.ts";
import { errorMessage } from "../../lib/errors.ts";
import type { ActionResult } from "../../manifest/apply.ts";
import type { Manifest } from "../../manifest/actions.ts";
import type { AgentRuntime } from "../runtime.ts";

export type WakeRuntime = Pick<AgentRuntime, "ci" | "config" | "dryRun"> & { log: Pick<AgentRuntime["log"], "info" | "warn"> };

interface RunWakes {
  crons?: Promise<{ repoId: number; crons: Cron[] } | undefined>;
  done: Map<string, Promise<string>>;
}

// Keyed by the run's runtime: a second request for the same target in one run is answered
// with the first one's result and costs nothing.
const runs = new WeakMap<WakeRuntime, RunWakes>();

function runOf(rt: WakeRuntime): RunWakes {
  let r = runs.get(rt);
  if (r === undefined) {
    r = { done: new Map() };
    runs.set(rt, r);
  }
  return r;
}

/**
 * Start `target`'s cron now because of `why` (for the log). Resolves to a one-line account
 * for the run's summary; never rejects.
 */
export function wake(rt: WakeRuntime, target: ScheduledAgent, why: string): Promise<string> {
  const r = runOf(rt);
  const prior = r.done.get(target);
  if (prior !== undefined) return prior;
  const p = wakeOnce(rt, r, target, why);
  r.done.set(target, p);
  return p;
}

/** The targets this run has asked to wake, for tests and summaries. */
export function wokenTargets(rt: WakeRuntime): string[] {
  return [...(runs.get(rt)?.done.keys() ?? [])];
}

async function wakeOnce(rt: WakeRuntime, r: RunWakes, target: ScheduledAgent, why: string): Promise<string> {
  if (rt.config.schedules[target] === "off") return `${target} not woken: schedules.${target} is "off"`;
  const ci = rt.ci;
  if (ci === undefined) return `${target} not woken: no CI client`;
  // The cron init registered for the agent.
  const name = disintoName(target);
  try {
    r.crons ??= (async () => {
      const repoId = rt.config.ci.woodpecker_repo_id ?? (await ci.lookupRepo(rt.config.repo))?.id;
      if (repoId === undefined) return undefined;
      return { repoId, crons: await ci.repo(repoId).crons.list() };
    })();
    const found = await r.crons;
    if (found === undefined) return `${target} not woken: ${rt.config.repo} is not on the CI`;
    const cron = found.crons.find((c) => c.name === name);
    if (cron === undefined) return `${target} not woken: no cron ${name} (run \`disinto init\`)`;
    if (rt.dryRun) {
      rt.dryRun.write(`run cron ${name} now`, why);
      return `${target} would be woken (${why})`;
    }
    const p = await ci.repo(found.repoId).crons.run(cron.id);
    rt.log.info(`woke ${target}: ${why} (pipeline #${p.number})`);
    return `${target} woken (pipeline #${p.number})`;
  } catch (err) {
    const first = errorMessage(err).split("\n")[0] ?? "";
    rt.log.warn(`could not wake ${target} (${why}): ${first}`);
    return `${target} not woken: ${first}`;
  }
}

/**
 * Whether an applied manifest made an issue ready for the dev agent: it labelled one
 * `backlog` or created one with that label, and the forge changed.
 */
export function madeReady(r: { manifest?: Manifest; results?: readonly ActionResult[] }, backlog: string): boolean {
  const { manifest, results } = r;
  if (manifest === undefined || results === undefined) return false;
  return results.some((res) => {
    if (res.result !== "done") return false;
    const a = manifest.actions[res.index];
    if (a?.kind === "add_label") return a.label === backlog;
    if (a?.kind === "create_issue") return (a.labels ?? []).includes(backlog);
    return false;
  });
}

/** After a judgment run: wake dev when it made an issue ready. */
export async function wakeDevIfReady(rt: WakeRuntime, r: { manifest?: Manifest; results?: readonly ActionResult[] }, who: string): Promise<void> {
  if (madeReady(r, rt.config.labels.backlog)) await wake(rt, "dev", `${who} made an issue ready`);
}
