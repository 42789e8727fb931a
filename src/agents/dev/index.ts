// The dev agent: from a backlog issue to a merged PR, one bounded tick at a time.
export { runDevTick, leaseName, ORPHAN_GRACE_MS } from "./tick.ts";
export { devResultSchema, type DevResult } from "./result.ts";
