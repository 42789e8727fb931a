// The dev agent's record of the issue in flight: `state/<project>/dev/<identity>.json`.
// Written under the dev lease, so every write carries the lease's fence.
import { z } from "zod";
import type { Lease } from "./lease.ts";
import type { StateStore } from "./store.ts";

export const PHASES = ["idle", "implementing", "awaiting_ci", "awaiting_review", "merging", "done", "escalated", "paused"] as const;
export type Phase = (typeof PHASES)[number];

// z.lazy: built on first use, so an agent's start does not pay for schemas its run may not need.
export const transitionSchema = z.lazy(() => z.object({
  at: z.string(),
  from: z.enum(PHASES),
  to: z.enum(PHASES),
  note: z.string().optional(),
  pipeline_url: z.string().optional(),
}));
export type Transition = z.infer<typeof transitionSchema>;

export const phaseRecordSchema = z.lazy(() => z.object({
  project: z.string(),
  identity: z.string(),
  phase: z.enum(PHASES),
  issue: z.number().int().positive().nullable(),
  branch: z.string().nullable(),
  pr: z.number().int().positive().nullable(),
  head_sha: z.string().nullable().default(null),
  ci_fix_attempts: z.number().int().nonnegative().default(0),
  review_rounds: z.number().int().nonnegative().default(0),
  /** Times the model resolved merge conflicts with the primary branch on this PR. */
  conflict_rounds: z.number().int().nonnegative().default(0),
  /** Free CI re-runs after an infrastructure failure, used on this PR (one is allowed). */
  infra_retriggers: z.number().int().nonnegative().default(0),
  budget_used_usd: z.number().nonnegative().default(0),
  session_key: z.string().nullable().default(null),
  updated_at: z.string(),
  history: z.array(transitionSchema).default([]),
}));
export type PhaseRecord = z.infer<typeof phaseRecordSchema>;

/** How many transitions a record keeps; older ones live on in the ops repo's git history. */
export const HISTORY_LIMIT = 50;

export function phasePath(project: string, identity: string): string {
  return `state/${project}/dev/${identity}.json`;
}

export function emptyRecord(project: string, identity: string, now: Date): PhaseRecord {
  return {
    project,
    identity,
    phase: "idle",
    issue: null,
    branch: null,
    pr: null,
    head_sha: null,
    ci_fix_attempts: 0,
    review_rounds: 0,
    conflict_rounds: 0,
    infra_retriggers: 0,
    budget_used_usd: 0,
    session_key: null,
    updated_at: now.toISOString(),
    history: [],
  };
}

export class PhaseStore {
  private readonly store: StateStore;
  private readonly now: () => Date;

  constructor(store: StateStore, now: () => Date = () => new Date()) {
    this.store = store;
    this.now = now;
  }

  async read(project: string, identity: string): Promise<PhaseRecord | undefined> {
    return (await this.store.readJson(phasePath(project, identity), phaseRecordSchema))?.value;
  }

  /**
   * Change the record under `lease`: `change` gets the current record (or an empty one) and
   * returns the fields to set. A phase change appends a history entry with the pipeline URL.
   * FencedError when a newer lease holder has written the record since.
   */
  async write(
    lease: Lease,
    project: string,
    identity: string,
    change: (cur: PhaseRecord) => Partial<Omit<PhaseRecord, "project" | "identity" | "history" | "updated_at">> & { note?: string },
    why: string,
  ): Promise<PhaseRecord> {
    const r = await this.store.updateJson(
      phasePath(project, identity),
      phaseRecordSchema,
      (cur) => {
        const base = cur ?? emptyRecord(project, identity, this.now());
        const { note, ...fields } = change(base);
        const next: PhaseRecord = { ...base, ...fields, updated_at: this.now().toISOString() };
        if (next.phase !== base.phase) {
          const t: Transition = { at: next.updated_at, from: base.phase, to: next.phase };
          if (note !== undefined) t.note = note;
          if (this.store.author.pipelineUrl !== undefined) t.pipeline_url = this.store.author.pipelineUrl;
          next.history = [...base.history, t].slice(-HISTORY_LIMIT);
        }
        return next;
      },
      { why, fence: lease.fence },
    );
    if (!r.doc) throw new Error(`${phasePath(project, identity)}: write produced no document`);
    return r.doc.value;
  }
}
