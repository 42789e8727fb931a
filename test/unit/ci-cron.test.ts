import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CronSyntaxError, nextCronRun, parseCron, parseGoDuration } from "../../src/lib/cron.ts";

const at = (iso: string): Date => new Date(iso);
const next = (expr: string, after: string): string | undefined => nextCronRun(expr, at(after))?.toISOString();

describe("cron next run (UTC)", () => {
  it("every minute: the next whole minute strictly after t", () => {
    assert.equal(next("* * * * *", "2026-03-01T10:05:00.000Z"), "2026-03-01T10:06:00.000Z");
    assert.equal(next("* * * * *", "2026-03-01T10:05:59.999Z"), "2026-03-01T10:06:00.000Z");
    assert.equal(next("* * * * *", "2026-03-01T10:04:59.500Z"), "2026-03-01T10:05:00.000Z");
  });

  it("steps: */15 and a start with a step", () => {
    assert.equal(next("*/15 * * * *", "2026-03-01T10:05:00Z"), "2026-03-01T10:15:00.000Z");
    assert.equal(next("*/15 * * * *", "2026-03-01T10:45:00Z"), "2026-03-01T11:00:00.000Z");
    // `5/20` = 5-59/20 → 5, 25, 45
    assert.equal(next("5/20 * * * *", "2026-03-01T10:26:00Z"), "2026-03-01T10:45:00.000Z");
    assert.equal(next("10-30/10 * * * *", "2026-03-01T10:31:00Z"), "2026-03-01T11:10:00.000Z");
  });

  it("lists and ranges in hours", () => {
    assert.equal(next("0 9,17 * * *", "2026-03-01T09:00:00Z"), "2026-03-01T17:00:00.000Z");
    assert.equal(next("30 8-10 * * *", "2026-03-01T10:30:00Z"), "2026-03-02T08:30:00.000Z");
  });

  it("day-of-week names and ranges (2026-03-01 is a Sunday)", () => {
    assert.equal(next("0 0 * * mon", "2026-03-01T12:00:00Z"), "2026-03-02T00:00:00.000Z");
    assert.equal(next("0 12 * * MON-FRI", "2026-03-06T12:00:00Z"), "2026-03-09T12:00:00.000Z");
    assert.equal(next("0 0 * * sat,sun", "2026-03-02T00:00:00Z"), "2026-03-07T00:00:00.000Z");
  });

  it("month names, day of month and year rollover", () => {
    assert.equal(next("0 0 1 jan *", "2026-03-01T00:00:00Z"), "2027-01-01T00:00:00.000Z");
    assert.equal(next("0 6 15 Feb-Apr *", "2026-04-15T06:00:00Z"), "2027-02-15T06:00:00.000Z");
    assert.equal(next("0 0 31 * *", "2026-04-01T00:00:00Z"), "2026-05-31T00:00:00.000Z");
  });

  it("Feb 29 waits for a leap year; Feb 30 never comes", () => {
    assert.equal(next("0 0 29 2 *", "2026-03-01T00:00:00Z"), "2028-02-29T00:00:00.000Z");
    assert.equal(nextCronRun("0 0 30 2 *", at("2026-01-01T00:00:00Z")), null);
  });

  it("day of month and day of week both restricted: either matches", () => {
    // the 13th or any Friday; 2026-03-06 is a Friday
    assert.equal(next("0 0 13 * fri", "2026-03-01T00:00:00Z"), "2026-03-06T00:00:00.000Z");
    assert.equal(next("0 0 13 * fri", "2026-03-06T00:00:00Z"), "2026-03-13T00:00:00.000Z");
    // with a star in one of them both must match (`*` AND mon): every Monday
    assert.equal(next("0 0 * * 1", "2026-03-03T00:00:00Z"), "2026-03-09T00:00:00.000Z");
    // `*/1` keeps the star; `*/2` does not (odd days OR Mondays)
    assert.equal(next("0 0 */2 * 1", "2026-03-01T00:00:01Z"), "2026-03-02T00:00:00.000Z");
  });

  it("descriptors", () => {
    assert.equal(next("@hourly", "2026-03-01T10:05:00Z"), "2026-03-01T11:00:00.000Z");
    assert.equal(next("@daily", "2026-03-01T10:05:00Z"), "2026-03-02T00:00:00.000Z");
    assert.equal(next("@midnight", "2026-03-01T10:05:00Z"), "2026-03-02T00:00:00.000Z");
    assert.equal(next("@weekly", "2026-03-02T10:05:00Z"), "2026-03-08T00:00:00.000Z");
    assert.equal(next("@monthly", "2026-03-02T10:05:00Z"), "2026-04-01T00:00:00.000Z");
    assert.equal(next("@yearly", "2026-03-02T10:05:00Z"), "2027-01-01T00:00:00.000Z");
    assert.equal(next("@annually", "2026-03-02T10:05:00Z"), "2027-01-01T00:00:00.000Z");
  });

  it("@every adds the delay to the previous run (sub-seconds dropped, at least 1s)", () => {
    assert.equal(next("@every 5m", "2026-03-01T10:05:30.250Z"), "2026-03-01T10:10:30.000Z");
    assert.equal(next("@every 1h30m", "2026-03-01T10:00:00Z"), "2026-03-01T11:30:00.000Z");
    assert.equal(next("@every 1.5h", "2026-03-01T10:00:00Z"), "2026-03-01T11:30:00.000Z");
    assert.equal(next("@every 100ms", "2026-03-01T10:00:00Z"), "2026-03-01T10:00:01.000Z");
  });

  it("Go durations", () => {
    assert.equal(parseGoDuration("90s"), 90_000);
    assert.equal(parseGoDuration("2h45m"), 9_900_000);
    assert.equal(parseGoDuration("0"), 0);
    assert.equal(parseGoDuration("1m0.5s"), 60_500);
    for (const bad of ["", "5", "5x", "m", "1h 2m"]) assert.throws(() => parseGoDuration(bad), CronSyntaxError, bad);
  });

  it("rejects malformed schedules with a reason", () => {
    const cases: [string, RegExp][] = [
      ["* * * *", /expected exactly 5 fields, found 4/],
      ["0 0 * * * *", /expected exactly 5 fields, found 6/],
      ["60 * * * *", /minute field: end of range \(60\) above maximum \(59\)/],
      ["* 24 * * *", /hour field/],
      ["* * 0 * *", /day of month field: beginning of range \(0\) below minimum \(1\)/],
      ["* * * 13 *", /month field/],
      ["* * * * 7", /day of week field/],
      ["5-1 * * * *", /beyond end of range/],
      ["*/0 * * * *", /step of range should be a positive number/],
      ["* * * foo *", /failed to parse int/],
      ["@often", /unrecognized descriptor/],
      ["@every", /unrecognized descriptor/],
      ["@every soon", /invalid duration/],
      ["CRON_TZ=Europe/Berlin 0 0 * * *", /time zone/],
      ["", /empty/],
    ];
    for (const [expr, re] of cases) assert.throws(() => parseCron(expr), (e: unknown) => e instanceof CronSyntaxError && re.test(e.message), expr);
  });

  it("keeps the expression and can be reused", () => {
    const s = parseCron("*/5 * * * *");
    assert.equal(s.expression, "*/5 * * * *");
    const a = s.next(at("2026-03-01T10:00:00Z"));
    assert.ok(a);
    assert.equal(s.next(a)?.toISOString(), "2026-03-01T10:10:00.000Z");
  });
});
