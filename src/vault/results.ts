// What the dispatcher writes: `vault/results/<id>.json`, once per action, and the `running`
// marker `vault/running/<id>.json` it writes just before a formula starts. A marker without a
// result means a run died mid-action: the next run says so in the result and does not run the
// formula again (it may have half-happened).
import { z } from "zod";
import { safeJson } from "../llm/result.ts";

export const RESULT_STATUSES = ["ok", "failed", "rejected", "invalid"] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];
export const LOG_TAIL = 2_000;

export const vaultResultSchema = z.object({
  id: z.string(),
  status: z.enum(RESULT_STATUSES),
  /** The formula's exit code; null when it did not run (rejected, invalid) or was killed. */
  exit_code: z.number().int().nullable(),
  started: z.string(),
  finished: z.string(),
  /** Why, in a sentence: the rejection's or the validation's reason, the timeout, the kill. */
  reason: z.string().optional(),
  tier: z.string().optional(),
  formula: z.string().optional(),
  /** The PR that was approved, and who approved it. */
  pr: z.number().int().optional(),
  approved_by: z.string().optional(),
  pipeline_url: z.string().optional(),
  /** The last 2,000 characters of the formula's log, masked. */
  log: z.string(),
});
export type VaultResult = z.output<typeof vaultResultSchema>;

/** A result file's text as a result, or undefined when it is not JSON or not one. */
export function parseResult(text: string): VaultResult | undefined {
  const r = vaultResultSchema.safeParse(safeJson(text));
  return r.success ? r.data : undefined;
}

export const runningSchema = z.object({
  id: z.string(),
  started: z.string(),
  pipeline_url: z.string().optional(),
  holder: z.string(),
});
export type RunningMarker = z.output<typeof runningSchema>;

/** The last `n` characters of a log. */
export function tail(log: string, n = LOG_TAIL): string {
  return log.length <= n ? log : `…${log.slice(log.length - n + 1)}`;
}

/** Ids of `<id>.<ext>` files in a directory listing. */
export function idsOf(entries: readonly { name: string; type: string }[], ext: string): string[] {
  return entries.filter((e) => e.type === "file" && e.name.endsWith(ext)).map((e) => e.name.slice(0, -ext.length));
}
