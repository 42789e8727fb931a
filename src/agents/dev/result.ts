// The structured result the model ends every dev run with (formulas/dev.toml, step "report"),
// validated before the runner acts on it. A refusal is an answer, not a failure.
import { z } from "zod";

// "#12", "12", 12 and "blocked by #12 and #13" all name issues; the runner wants numbers.
const issueNumbers = z.preprocess(
  (v: unknown): unknown[] => {
    const items: unknown[] = Array.isArray(v) ? (v as unknown[]) : [v];
    return items.flatMap((x): unknown[] => (typeof x === "number" ? [x] : typeof x === "string" ? [...x.matchAll(/\d+/g)].map((m) => Number(m[0])) : [x]));
  },
  z.array(z.number().int().positive()).min(1, "name at least one blocking issue number"),
);

export const devResultSchema = z.discriminatedUnion("status", [
  z.object({ status: z.literal("implemented"), summary: z.string().default("") }),
  z.object({ status: z.literal("already_done"), reason: z.string().min(1) }),
  z.object({ status: z.literal("unmet_dependency"), blocked_by: issueNumbers, reason: z.string().default("") }),
  z.object({ status: z.literal("too_large"), reason: z.string().min(1) }),
]);

export type DevResult = z.output<typeof devResultSchema>;
export type Refusal = Exclude<DevResult, { status: "implemented" }>;
