// The light tick (`disinto-tick`, DESIGN §13): one cron pipeline that asks every scheduled
// agent's token-free survey whether it has work and wakes — through the same run-cron-now call
// agents use to wake each other — only those that do, each then running in its own pipeline
// with its own logs, timeout and secrets. An agent is asked only when its own schedule came
// due since the previous tick, so the schedules keep their meaning (at most that often) while
// an idle project starts one pipeline per tick instead of one per agent per schedule.
import { SCHEDULED_AGENTS, type ScheduledAgent } from "../../config/project.ts";
import type { Outcome } from "../../host/outcome.ts";
import { nextCronRun } from "../../lib/cron.ts";
import { errorMessage } from "../../lib/errors.ts";
import type { AgentRuntime } from "../runtime.ts";
import { wake } from "../shared/wake.ts";
import { SURVEYS, type Survey } from "./surveys.ts";

export interface TickLine {
  agent: ScheduledAgent;
  /** woken: its cron was started; idle: surveyed, no work; skipped: not due, off or no identity. */
  state: "woken" | "idle" | "skipped" | "not-woken";
  why: string;
}

/** How far back the tick looks for a due schedule: the tick's own period at `now`. */
export function tickWindowMs(tickSchedule: string, now: number): number {
  const a = nextCronRun(tickSchedule, new Date(now));
  const b = a === null ? null : nextCronRun(tickSchedule, a);
  return a === null || b === null ? 5 * 60_000 : b.getTime() - a.getTime();
}

/** Whether `schedule` fired in (now − window, now]. */
export function dueWithin(schedule: string, now: number, windowMs: number): boolean {
  if (schedule === "off") return false;
  const next = nextCronRun(schedule, new Date(now - windowMs));
  return next !== null && next.getTime() <= now;
}

export async function runTick(rt: AgentRuntime, surveys: Readonly<Record<ScheduledAgent, Survey>> = SURVEYS): Promise<Outcome> {
  const now = rt.now();
  const { schedules, identities } = rt.config;
  // A run started by hand (not by the cron) asks every agent, due or not.
  const window = rt.ctx.event === "cron" ? tickWindowMs(schedules.tick, now) : Number.POSITIVE_INFINITY;
  const lines = await Promise.all(
    SCHEDULED_AGENTS.map(async (agent): Promise<TickLine> => {
      const schedule = schedules[agent];
      if (schedule === "off") return { agent, state: "skipped", why: "schedule off" };
      const identity = identities[agent];
      if (identity === undefined) return { agent, state: "skipped", why: "no identity" };
      if (window !== Number.POSITIVE_INFINITY && !dueWithin(schedule, now, window)) return { agent, state: "skipped", why: `not due (${schedule})` };
      let why: string;
      try {
        // The survey decides with the agent's own login (its PRs, its reviews, its pitches).
        const s = await surveys[agent]({ ...rt, login: identity.login });
        if (!s.work) return { agent, state: "idle", why: s.why };
        why = s.why;
      } catch (err) {
        // A survey that fails wakes the agent: its own run reports the failure, with its logs.
        why = `survey failed: ${errorMessage(err).split("\n")[0] ?? ""}`;
        rt.log.warn(`tick: ${agent}: ${why}`);
      }
      const said = await wake(rt, agent, `tick: ${why}`);
      return { agent, state: said.startsWith(`${agent} woken`) || said.startsWith(`${agent} would be woken`) ? "woken" : "not-woken", why: `${why} → ${said}` };
    }),
  );
  for (const l of lines) rt.log.info(`tick: ${l.agent}: ${l.state}: ${l.why}`);
  const woken = lines.filter((l) => l.state === "woken").map((l) => l.agent);
  const failed = lines.filter((l) => l.state === "not-woken").map((l) => l.agent);
  const summary = woken.length > 0 ? `woke ${woken.join(", ")}` : "no agent has work";
  const details = { lines };
  return { outcome: woken.length > 0 ? "done" : "idle", summary: failed.length > 0 ? `${summary}; could not wake ${failed.join(", ")}` : summary, details };
}
