// The sandbox CI's cron scheduler: a pass runs each enabled, due cron once and moves its
// next_exec past now; schedules are evaluated in the cron's time zone (`@every` ignores it).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CronScheduler, nextRun, validTimezone } from "../../src/sandbox/ci/scheduler.ts";
import type { CiCron } from "../../src/sandbox/ci/store.ts";

function cron(name: string, over: Partial<CiCron>): CiCron {
  return { id: 1, repoId: 1, name, schedule: "*/5 * * * *", branch: "", enabled: true, timezone: "UTC", variables: {}, creatorId: 1, created: 0, nextExec: 0, ...over };
}

describe("sandbox CI cron scheduler", () => {
  it("runs enabled due crons once per pass and reschedules them after now", async () => {
    const now = new Date("2025-05-01T10:02:30Z");
    const t = Math.floor(now.getTime() / 1000);
    const crons = [
      cron("due", { nextExec: t - 10 }),
      cron("disabled", { nextExec: t - 10, enabled: false }),
      cron("later", { nextExec: t + 100 }),
      cron("never", { nextExec: 0 }),
      cron("daily-berlin", { nextExec: t, schedule: "0 9 * * *", timezone: "Europe/Berlin" }),
    ];
    const ran: string[] = [];
    let changed = 0;
    const s = new CronScheduler({ crons: () => crons, run: (c) => Promise.resolve(void ran.push(c.name)), changed: () => changed++ });
    await s.tick(now);
    assert.deepEqual(ran, ["due", "daily-berlin"]);
    assert.equal(changed, 1);
    assert.equal(crons[0]?.nextExec, Date.parse("2025-05-01T10:05:00Z") / 1000);
    assert.equal(crons[4]?.nextExec, Date.parse("2025-05-02T07:00:00Z") / 1000, "09:00 in Berlin (CEST) is 07:00 UTC");
    await s.tick(now);
    assert.deepEqual(ran, ["due", "daily-berlin"], "nothing is due twice");
    await s.tick(new Date("2025-05-01T10:05:00Z"));
    assert.deepEqual(ran, ["due", "daily-berlin", "due", "later"], "later became due at 10:04:10");
  });

  it("evaluates schedules in the cron's time zone", () => {
    assert.equal(nextRun("0 9 * * *", "Europe/Berlin", new Date("2025-01-15T00:00:00Z"))?.toISOString(), "2025-01-15T08:00:00.000Z");
    assert.equal(nextRun("0 9 * * *", "UTC", new Date("2025-01-15T00:00:00Z"))?.toISOString(), "2025-01-15T09:00:00.000Z");
    assert.equal(nextRun("30 18 * * 5", "America/New_York", new Date("2025-07-01T00:00:00Z"))?.toISOString(), "2025-07-04T22:30:00.000Z");
    assert.equal(nextRun("@every 90s", "Asia/Tokyo", new Date("2025-01-15T00:00:00Z"))?.toISOString(), "2025-01-15T00:01:30.000Z");
    assert.equal(validTimezone("Europe/Berlin"), true);
    assert.equal(validTimezone("Mars/Base"), false);
    assert.throws(() => nextRun("61 * * * *", "UTC", new Date()), /minute/);
  });
});
