// The agents `disinto run` can run, in one place: `run --help`, its error for an unknown agent
// and the `--agent` flag's description all list these names, so an agent added here shows up
// everywhere and one not yet written is never offered. Each tick is loaded only when it runs.
import type { Role } from "../config/project.ts";
import type { Outcome } from "../host/outcome.ts";
import type { AgentRuntime } from "../agents/runtime.ts";

export type Tick = (rt: AgentRuntime) => Promise<Outcome>;

/** Agents `disinto run` knows: name → how to load its tick. Add an agent with one line. */
export const RUNNABLE_AGENTS: Readonly<Partial<Record<Role, () => Promise<Tick>>>> = {
  dev: async () => (await import("../agents/dev/tick.ts")).runDevTick,
  review: async () => (await import("../agents/review/tick.ts")).runReviewTick,
  vault: async () => (await import("../agents/vault/tick.ts")).runVaultTick,
  gardener: async () => (await import("../agents/gardener/tick.ts")).runGardenerTick,
  supervisor: async () => (await import("../agents/supervisor/tick.ts")).runSupervisorTick,
  planner: async () => (await import("../agents/planner/tick.ts")).runPlannerTick,
  predictor: async () => (await import("../agents/predictor/tick.ts")).runPredictorTick,
  architect: async () => (await import("../agents/architect/tick.ts")).runArchitectTick,
};

export const runnableAgentNames = (): string[] => Object.keys(RUNNABLE_AGENTS);

export function loadTick(name: string): (() => Promise<Tick>) | undefined {
  return Object.hasOwn(RUNNABLE_AGENTS, name) ? (RUNNABLE_AGENTS as Record<string, () => Promise<Tick>>)[name] : undefined;
}
