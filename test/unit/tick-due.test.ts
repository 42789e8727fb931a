// When the light tick asks an agent: only if the agent's own schedule came due within the
// tick's period, so a schedule keeps meaning "at most this often" under the one-tick layout.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dueWithin, tickWindowMs } from "../../src/agents/tick/tick.ts";

const at = (iso: string): number => Date.parse(iso);

describe("tick: due schedules", () => {
  it("the window is the tick's own period", () => {
    assert.equal(tickWindowMs("*/5 * * * *", at("2026-01-05T10:02:00Z")), 5 * 60_000);
    assert.equal(tickWindowMs("@every 2m", at("2026-01-05T10:02:00Z")), 2 * 60_000);
  });

  it("an agent is due when its schedule fired since the previous tick", () => {
    const five = 5 * 60_000;
    assert.equal(dueWithin("*/5 * * * *", at("2026-01-05T10:05:00Z"), five), true);
    assert.equal(dueWithin("*/30 * * * *", at("2026-01-05T10:30:00Z"), five), true);
    assert.equal(dueWithin("*/30 * * * *", at("2026-01-05T10:35:00Z"), five), false);
    // Monday 03:00 (the planner's default): the tick at 03:00 asks it, the one at 03:05 does not.
    assert.equal(dueWithin("0 3 * * 1", at("2026-01-05T03:00:00Z"), five), true);
    assert.equal(dueWithin("0 3 * * 1", at("2026-01-05T03:05:00Z"), five), false);
    assert.equal(dueWithin("0 3 * * 1", at("2026-01-06T03:00:00Z"), five), false);
    assert.equal(dueWithin("off", at("2026-01-05T03:00:00Z"), five), false);
  });
});
