// A project config's `[backends.<name>]` entry (snake_case TOML, what operators write) turned
// into the LLM layer's backend config and run settings, and its `[limits]` into caps.
import type { Backend as ProjectBackend, Limits } from "../config/project.ts";
import type { Caps } from "./accounting.ts";
import type { BackendConfig } from "./factory.ts";
import type { Script } from "./scripted/script.ts";

export interface BackendPlan {
  config: BackendConfig;
  /** Semaphore slots for this backend (across projects). */
  slots: number;
  maxTurns: number | undefined;
  timeoutMinutes: number | undefined;
}

export interface PlanOptions {
  /** The `claude` executable (a setting, not project config: it depends on the host). */
  claudeBinary?: string;
  /** The scripted backend's script, already located and parsed by the caller (local file or ops repo). */
  script?: Script | string;
}

export function backendPlan(entry: ProjectBackend, opts: PlanOptions = {}): BackendPlan {
  switch (entry.type) {
    case "claude-cli":
      return {
        config: { type: "claude-cli", ...(opts.claudeBinary !== undefined ? { binary: opts.claudeBinary } : {}), ...(entry.model !== undefined ? { model: entry.model } : {}) },
        slots: entry.slots,
        maxTurns: entry.max_turns,
        timeoutMinutes: entry.timeout_minutes,
      };
    case "openai":
      return {
        config: {
          type: "openai",
          baseUrl: entry.base_url,
          model: entry.model,
          ...(entry.api_key_env !== undefined ? { apiKeyEnv: entry.api_key_env } : {}),
          ...(entry.price_input_per_mtok !== undefined || entry.price_output_per_mtok !== undefined
            ? { prices: { inputPerMTok: entry.price_input_per_mtok ?? 0, outputPerMTok: entry.price_output_per_mtok ?? 0 } }
            : {}),
        },
        slots: entry.slots,
        maxTurns: entry.max_turns,
        timeoutMinutes: entry.timeout_minutes,
      };
    case "scripted":
      return { config: { type: "scripted", script: opts.script ?? entry.script }, slots: 1, maxTurns: undefined, timeoutMinutes: undefined };
  }
}

/** `[limits]` spend caps as the accounting wrapper's caps. */
export function capsOf(limits: Limits): Caps {
  return {
    ...(limits.budget_usd_per_run !== undefined ? { perRunUsd: limits.budget_usd_per_run } : {}),
    ...(limits.budget_usd_per_issue !== undefined ? { perKeyUsd: limits.budget_usd_per_issue } : {}),
    ...(limits.budget_usd_per_day !== undefined ? { perDayUsd: limits.budget_usd_per_day } : {}),
  };
}
