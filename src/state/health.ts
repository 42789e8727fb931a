// The supervisor's record of the factory's health, `state/<project>/supervisor/health.json`:
// the findings of its last run that fired a recipe, the incidents it keeps open, the circuit
// breaker's state, what it could not read and when it last acted on each finding (cooldowns).
// Written only when something in it changes, so a healthy factory costs no commit per run.
// `disinto status` shows it as the project's health.
import { z } from "zod";

export const SEVERITY = z.enum(["P0", "P1", "P2", "P3", "P4"]);

export const healthFindingSchema = z.object({
  recipe: z.string(),
  severity: SEVERITY,
  probe: z.string(),
  key: z.string(),
  summary: z.string(),
  action: z.string(),
});
export type HealthFinding = z.infer<typeof healthFindingSchema>;

export const healthSchema = z.object({
  /** When the content last changed (not every run). */
  updated_at: z.string(),
  breaker: z.enum(["closed", "open", "unknown"]),
  findings: z.array(healthFindingSchema),
  /** What the supervisor could not look at, in words (no CI token, a failing probe). */
  not_read: z.array(z.string()).default([]),
  /** Open incidents it keeps: slug → path. */
  incidents: z.record(z.string(), z.string()).default({}),
  /** `<recipe>|<finding key>` → when it last acted on that finding. */
  cooldowns: z.record(z.string(), z.string()).default({}),
});
export type Health = z.infer<typeof healthSchema>;

export function healthPath(project: string): string {
  return `state/${project}/supervisor/health.json`;
}
