// The cron scheduler: like Woodpecker 3.x's server/cron, it wakes once a minute, runs every
// enabled cron whose `next_exec` has passed and moves `next_exec` to the next run after now.
// Schedules are evaluated in the cron's IANA time zone (Woodpecker 3.15+); `@every` ignores it.
import { parseCron, CronSyntaxError } from "../../lib/cron.ts";
import type { CiCron } from "./store.ts";

export const TICK_MS = 60_000;

/** Whether `tz` names a time zone the runtime knows. */
export function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds to add to a UTC instant to get the wall-clock time in `tz`. */
function offsetMs(at: Date, tz: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(at);
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}

/** The first run strictly after `after`, or null when the schedule never fires again. Throws CronSyntaxError. */
export function nextRun(schedule: string, timezone: string, after: Date): Date | null {
  const s = parseCron(schedule);
  const tz = timezone === "" ? "UTC" : timezone;
  if (tz === "UTC" || schedule.trim().startsWith("@every")) return s.next(after);
  if (!validTimezone(tz)) throw new CronSyntaxError(`unknown time zone ${JSON.stringify(tz)}`);
  // evaluate on the zone's wall clock, then map the wall time back to an instant
  const wall = s.next(new Date(after.getTime() + offsetMs(after, tz)));
  if (wall === null) return null;
  let at = wall.getTime() - offsetMs(wall, tz);
  at = wall.getTime() - offsetMs(new Date(at), tz);
  return new Date(Math.max(at, after.getTime() + 1));
}

export function nextExecSeconds(schedule: string, timezone: string, after: Date): number {
  const n = nextRun(schedule, timezone, after);
  return n === null ? 0 : Math.floor(n.getTime() / 1000);
}

export interface SchedulerHooks {
  crons(): CiCron[];
  /** Runs one due cron (errors are the hook's to report). */
  run(cron: CiCron): Promise<void>;
  /** Called after `next_exec` values changed. */
  changed(): void;
}

export class CronScheduler {
  private readonly hooks: SchedulerHooks;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(hooks: SchedulerHooks) {
    this.hooks = hooks;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
    void this.tick();
  }

  /** Stops ticking; resolves once a tick in progress has started its pipelines. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** One scheduler pass at `now`: every enabled, due cron runs once and is rescheduled. */
  tick(now = new Date()): Promise<void> {
    const run = async (): Promise<void> => {
      const nowSec = Math.floor(now.getTime() / 1000);
      const due = this.hooks.crons().filter((c) => c.enabled && c.nextExec > 0 && c.nextExec <= nowSec);
      for (const c of due) {
        try {
          c.nextExec = nextExecSeconds(c.schedule, c.timezone, now);
        } catch {
          c.nextExec = 0;
        }
      }
      if (due.length > 0) this.hooks.changed();
      for (const c of due) {
        try {
          await this.hooks.run(c);
        } catch {
          // the hook reports its own failures; one cron must not stop the others
        }
      }
    };
    const prev = this.ticking ?? Promise.resolve();
    const p = prev.then(run);
    this.ticking = p;
    return p;
  }
}
