// The agents `disinto run` can run, in one place: `run --help`, its error for an unknown agent
// and the `--agent` flag's description all list these names, so an agent added here shows up
// everywhere and one not yet written is never offered. Each tick is loaded only when it runs.
import type { Role } from "../config/project.ts";
import type { Outcome } from "../host/outcome.ts";
import type { AgentRuntime } from "../agents/runtime.ts";

export type Tick = (rt: AgentRuntime) => Promise<Outcome>;

/** What `disinto run NAME` runs: the tick, and the role whose identity and settings it runs as. */
export interface Runnable {
  role: Role;
  load: () => Promise<Tick>;
}

/** Agents `disinto run` knows: name → how to load its tick. Add an agent with one line. */
export const RUNNABLE_AGENTS: Readonly<Record<string, Runnable>> = {
  dev: { role: "dev", load: async () => (await import("../agents/dev/tick.ts")).runDevTick },
  review: { role: "review", load: async () => (await import("../agents/review/tick.ts")).runReviewTick },
  vault: { role: "vault", load: async () => (await import("../agents/vault/tick.ts")).runVaultTick },
  gardener: { role: "gardener", load: async () => (await import("../agents/gardener/tick.ts")).runGardenerTick },
  supervisor: { role: "supervisor", load: async () => (await import("../agents/supervisor/tick.ts")).runSupervisorTick },
  planner: { role: "planner", load: async () => (await import("../agents/planner/tick.ts")).runPlannerTick },
  predictor: { role: "predictor", load: async () => (await import("../agents/predictor/tick.ts")).runPredictorTick },
  architect: { role: "architect", load: async () => (await import("../agents/architect/tick.ts")).runArchitectTick },
  // The light tick (the `disinto-tick` cron's step): every agent's token-free survey, read with
  // the dev identity, and a wake for each agent with work — as bundles/tick.mjs runs it.
  tick: { role: "dev", load: async () => (await import("../agents/tick/tick.ts")).runTick },
};

export const runnableAgentNames = (): string[] => Object.keys(RUNNABLE_AGENTS);

export function runnable(name: string): Runnable | undefined {
  return Object.hasOwn(RUNNABLE_AGENTS, name) ? RUNNABLE_AGENTS[name] : undefined;
}
