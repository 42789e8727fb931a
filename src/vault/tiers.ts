// Blast-radius tiers (reference §10.2): the policy maps a formula to low, medium or high; an
// ops-repo `vault/policy.toml` overrides it formula by formula. A formula the policy does not
// name is high (default deny). An action's `blast_radius` raises its tier always, and lowers it
// only as far as the policy's `[lowest]` table lets that formula go.
//
//   [tiers]            # formula = "low" | "medium" | "high"
//   webhook = "medium"
//   [lowest]           # how low blast_radius may take a formula (absent: not lower at all)
//   webhook = "low"
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import type { RepoForge } from "../forge/types.ts";
import { ConfigError } from "../lib/errors.ts";
import { TIERS, tierRank, type Tier, type VaultAction } from "./action.ts";

export const POLICY_PATH = "vault/policy.toml";

const tier = z.enum(TIERS);
const name = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/);
export const vaultPolicySchema = z
  .strictObject({
    tiers: z.record(name, tier).default({}).describe("formula → tier"),
    lowest: z.record(name, tier).default({}).describe("formula → the lowest tier an action's blast_radius may lower it to"),
  })
  .describe("The vault's tier policy (vault/policy.toml in the ops repo).");
export type VaultPolicy = z.output<typeof vaultPolicySchema>;

/**
 * Shipped with disinto. A release publishes under the project's name: high. A webhook tells
 * another system something; what it does there is unknown, so medium, and an action may say
 * low only when the ops repo's policy allows it.
 */
export const SHIPPED_POLICY: VaultPolicy = { tiers: { release: "high", webhook: "medium" }, lowest: {} };

export interface Classification {
  tier: Tier;
  /** Why, one clause a step: the policy's tier, then what blast_radius did. */
  reasons: string[];
}

/** The shipped policy with the ops repo's tables laid over it, key by key. */
export function mergePolicy(base: VaultPolicy, over: VaultPolicy | undefined): VaultPolicy {
  if (over === undefined) return base;
  return { tiers: { ...base.tiers, ...over.tiers }, lowest: { ...base.lowest, ...over.lowest } };
}

export function parsePolicy(text: string, file: string): VaultPolicy {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    throw new ConfigError([{ file, path: "", message: `not valid TOML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}` }]);
  }
  const r = vaultPolicySchema.safeParse(raw);
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => ({ file, path: i.path.map(String).join("."), message: i.message })));
  return r.data;
}

/** The policy in force: shipped, overridden by the ops repo's `vault/policy.toml` when there is one. */
export async function loadPolicy(ops: RepoForge): Promise<{ policy: VaultPolicy; source: string }> {
  const doc = await ops.contents.get(POLICY_PATH);
  if (doc === undefined) return { policy: SHIPPED_POLICY, source: "disinto's shipped policy" };
  return { policy: mergePolicy(SHIPPED_POLICY, parsePolicy(doc.text, `${ops.ref.owner}/${ops.ref.name}:${POLICY_PATH}`)), source: `${ops.ref.owner}/${ops.ref.name}:${POLICY_PATH} over disinto's shipped policy` };
}

export function classify(action: Pick<VaultAction, "formula" | "blast_radius">, policy: VaultPolicy): Classification {
  const named = policy.tiers[action.formula];
  const base: Tier = named ?? "high";
  const reasons = [named !== undefined ? `the policy puts ${action.formula} at ${base}` : `the policy does not name ${action.formula}: high (default deny)`];
  const asked = action.blast_radius;
  if (asked === undefined || asked === base) return { tier: base, reasons };
  if (tierRank(asked) > tierRank(base)) return { tier: asked, reasons: [...reasons, `blast_radius raises it to ${asked}`] };
  const floor = policy.lowest[action.formula];
  if (floor === undefined) return { tier: base, reasons: [...reasons, `blast_radius ${asked} is ignored: the policy lets nothing lower ${action.formula}`] };
  const tierNow: Tier = tierRank(asked) >= tierRank(floor) ? asked : floor;
  return { tier: tierNow, reasons: [...reasons, tierNow === asked ? `blast_radius lowers it to ${asked} (the policy allows down to ${floor})` : `blast_radius ${asked} lowers it only to ${floor}, as far as the policy allows`] };
}
