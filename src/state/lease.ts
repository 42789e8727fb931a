// Leases in the ops repo: work that must not run twice (one dev tick per identity, one review
// per PR) takes a lease at `locks/<name>.json` before starting.
//
// Acquire = create the document (one request when the lease is free), or take over one whose
// time ran out or whose pipeline is known to have finished — by compare-and-swap, so of any
// number of contenders exactly one wins. Release deletes the document with the blob sha the
// holder wrote (one request); renew replaces it the same way.
//
// Fencing: each acquisition sets fence = max(previous + 1, now in ms); a creation after a
// clean release has no previous document and uses now. State written under a lease carries
// the fence (StateStore.updateJson), so a holder that lost its lease — expired and taken over
// — cannot overwrite what its successor wrote. The time-based floor keeps fences growing
// across releases as long as runners' clocks agree to better than the time between one
// holder's acquisition and the next one's; where they do not, the successor's first fenced
// write fails with FencedError (the run stops cleanly and a later tick retries): never a
// lost write, at worst a delay.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { ConflictError } from "../forge/errors.ts";
import { LeaseLostError, NotHolderError } from "./errors.ts";
import { isTransient, type StateStore } from "./store.ts";

export const LOCKS_DIR = "locks";

// z.lazy: built on first use, so an agent's start does not pay for schemas its run may not need.
export const holderSchema = z.lazy(() => z.object({
  /** Who holds it: `<agent>/<identity>@<pipeline>` or `host:pid` for a person's run. */
  id: z.string().min(1),
  agent: z.string().optional(),
  identity: z.string().optional(),
  pipeline_url: z.string().optional(),
  host: z.string().optional(),
  pid: z.number().int().optional(),
}));
export type LeaseHolder = z.infer<typeof holderSchema>;

export const leaseDocSchema = z.lazy(() => z.object({
  name: z.string(),
  holder: holderSchema.nullable(),
  /** Random per acquisition: tells this holding apart from an earlier one by the same holder. */
  token: z.string().nullable(),
  acquired_at: z.string().nullable(),
  expires_at: z.string().nullable(),
  renewed_at: z.string().nullable().optional(),
  fence: z.number().int().nonnegative(),
}));
export type LeaseDoc = z.infer<typeof leaseDocSchema>;

export interface Lease {
  name: string;
  path: string;
  holder: LeaseHolder;
  token: string;
  fence: number;
  acquiredAt: number;
  expiresAt: number;
  /** Blob sha of the lease document as this holder last wrote it: renew and release send it back. */
  sha: string;
}

export type AcquireResult = { acquired: true; lease: Lease; tookOverFrom?: LeaseDoc } | { acquired: false; current: LeaseDoc };
export type SlotAcquireResult = { acquired: true; lease: Lease } | { acquired: false; held: LeaseDoc[] };

export interface LeasesOptions {
  now?: () => number;
  /**
   * Whether a holder's pipeline has finished (through the CI client). A lease whose holder
   * finished without releasing can be taken before it expires. Errors count as "unknown".
   */
  holderFinished?: (holder: LeaseHolder) => Promise<boolean>;
  /** Rounds of re-read-and-retry when writes keep colliding or the server keeps failing. */
  maxRounds?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class Leases {
  private readonly store: StateStore;
  private readonly now: () => number;
  private readonly holderFinished: ((holder: LeaseHolder) => Promise<boolean>) | undefined;
  private readonly maxRounds: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(store: StateStore, opts: LeasesOptions = {}) {
    this.store = store;
    this.now = opts.now ?? Date.now;
    this.holderFinished = opts.holderFinished;
    this.maxRounds = opts.maxRounds ?? 12;
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  static path(name: string): string {
    validateName(name);
    return `${LOCKS_DIR}/${name}.json`;
  }

  async inspect(name: string): Promise<LeaseDoc | undefined> {
    return (await this.store.readJson(Leases.path(name), leaseDocSchema))?.value;
  }

  /** Whether `doc` is held right now (not released, not expired). */
  isHeld(doc: LeaseDoc): boolean {
    return doc.holder !== null && doc.expires_at !== null && Date.parse(doc.expires_at) > this.now();
  }

  async acquire(name: string, opts: { ttlMs: number; holder: LeaseHolder }): Promise<AcquireResult> {
    if (!(opts.ttlMs > 0)) throw new Error(`lease ${name}: ttl must be positive, got ${opts.ttlMs}`);
    const path = Leases.path(name);
    // One token for every round: if a write's answer was lost, the next read tells whether
    // the lease carries our token, i.e. whether that write landed.
    const token = randomUUID();
    const docFor = (prevFence: number): LeaseDoc => {
      const now = this.now();
      return { name, holder: opts.holder, token, acquired_at: iso(now), expires_at: iso(now + opts.ttlMs), renewed_at: null, fence: Math.max(prevFence + 1, now) };
    };
    // Optimistic first round: a free lease has no document, so one create settles it.
    try {
      const doc = docFor(0);
      const written = await this.store.createText(path, render(doc), `acquire lease ${name}`);
      return { acquired: true, lease: this.leaseOf(doc, opts.holder, token, written.sha) };
    } catch (err) {
      if (!(err instanceof ConflictError) && !isTransient(err)) throw err;
    }
    for (let round = 1; round <= this.maxRounds; round++) {
      try {
        const cur = await this.store.readJson(path, leaseDocSchema);
        if (cur !== undefined && cur.value.token === token) return { acquired: true, lease: this.leaseOf(cur.value, opts.holder, token, cur.sha) };
        if (cur !== undefined && !(await this.takeable(cur.value))) return { acquired: false, current: cur.value };
        const doc = docFor(cur?.value.fence ?? 0);
        const why = cur === undefined ? `acquire lease ${name}` : `take over lease ${name}${cur.value.holder ? ` from ${cur.value.holder.id}` : ""}`;
        const written = cur === undefined ? await this.store.createText(path, render(doc), why) : await this.store.replaceText(path, render(doc), cur.sha, why);
        const lease = this.leaseOf(doc, opts.holder, token, written.sha);
        return cur === undefined ? { acquired: true, lease } : { acquired: true, lease, tookOverFrom: cur.value };
      } catch (err) {
        await this.backoff(err, round); // someone else wrote first, or the server failed: look again
      }
    }
    // Still colliding after every round: report whoever holds it now.
    const last = await this.store.readJson(path, leaseDocSchema);
    if (last !== undefined && last.value.token === token) return { acquired: true, lease: this.leaseOf(last.value, opts.holder, token, last.sha) };
    if (last !== undefined) return { acquired: false, current: last.value };
    throw new Error(`lease ${name}: could not settle who holds it after ${this.maxRounds} rounds`);
  }

  /** Extend a lease we hold. LeaseLostError when it is no longer ours. */
  async renew(lease: Lease, ttlMs?: number): Promise<Lease> {
    const ttl = ttlMs ?? lease.expiresAt - lease.acquiredAt;
    let base: { doc: LeaseDoc; sha: string } | undefined;
    for (let round = 0; round <= this.maxRounds; round++) {
      try {
        if (base === undefined && round > 0) {
          const cur = await this.store.readJson(lease.path, leaseDocSchema);
          if (cur === undefined) throw new LeaseLostError(lease.name, "the lease document is gone");
          if (cur.value.token !== lease.token) throw new LeaseLostError(lease.name, describe(cur.value));
          base = { doc: cur.value, sha: cur.sha };
        }
        // Round 0 trusts our own last write (one request); later rounds re-read first.
        const now = this.now();
        const from: LeaseDoc = base?.doc ?? this.docOf(lease);
        // Expired but not taken (the token is still ours): extending is safe, the fence is ours.
        const doc: LeaseDoc = { ...from, expires_at: iso(now + ttl), renewed_at: iso(now) };
        const written = await this.store.replaceText(lease.path, render(doc), base?.sha ?? lease.sha, `renew lease ${lease.name}`);
        return { ...lease, expiresAt: now + ttl, sha: written.sha };
      } catch (err) {
        if (err instanceof LeaseLostError) throw err;
        base = undefined;
        await this.backoff(err, Math.max(round, 1));
      }
    }
    throw new LeaseLostError(lease.name, `could not renew after ${this.maxRounds} rounds of conflicts`);
  }

  /** Re-read and throw LeaseLostError unless `lease` is still ours and unexpired. */
  async assertHeld(lease: Lease): Promise<void> {
    const cur = await this.inspect(lease.name);
    if (cur === undefined || cur.token !== lease.token) throw new LeaseLostError(lease.name, cur ? describe(cur) : "the lease document is gone");
    if (!this.isHeld(cur)) throw new LeaseLostError(lease.name, "it expired");
  }

  /**
   * Release a lease: ours by token (a Lease), or by holder id (the CLI). Idempotent: true when
   * this call released it, false when it was already free or taken over after expiring.
   * NotHolderError when someone else holds it.
   */
  async release(target: Lease | { name: string; holderId: string }): Promise<boolean> {
    const name = target.name;
    const path = Leases.path(name);
    // A Lease knows the sha it last wrote: one delete settles it when nobody wrote since.
    if ("token" in target) {
      try {
        await this.store.remove(path, target.sha, `release lease ${name}`);
        return true;
      } catch (err) {
        if (!(err instanceof ConflictError) && !isTransient(err)) throw err;
      }
    }
    for (let round = 1; round <= this.maxRounds; round++) {
      try {
        const cur = await this.store.readJson(path, leaseDocSchema);
        // Gone: released (perhaps by our own earlier attempt whose answer was lost).
        if (cur === undefined || cur.value.holder === null) return false;
        const ours = "token" in target ? cur.value.token === target.token : cur.value.holder.id === target.holderId;
        if (!ours) {
          // Our lease expired and someone took it: nothing of ours left to release.
          if ("token" in target) return false;
          if (!this.isHeld(cur.value)) return false;
          throw new NotHolderError(name, cur.value.holder.id, target.holderId);
        }
        await this.store.remove(path, cur.sha, `release lease ${name}`);
        return true;
      } catch (err) {
        if (err instanceof NotHolderError) throw err;
        await this.backoff(err, round);
      }
    }
    throw new Error(`lease ${name}: could not release after ${this.maxRounds} rounds of conflicts`);
  }

  /** Every lease document under locks/, held or not. */
  async list(): Promise<LeaseDoc[]> {
    const out: LeaseDoc[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await this.store.list(dir)) {
        if (e.type === "dir") await walk(e.path);
        else if (e.type === "file" && e.name.endsWith(".json")) {
          const doc = await this.store.readJson(e.path, leaseDocSchema).catch(() => undefined);
          if (doc) out.push(doc.value);
        }
      }
    };
    await walk(LOCKS_DIR);
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  private leaseOf(doc: LeaseDoc, holder: LeaseHolder, token: string, sha: string): Lease {
    const acquiredAt = doc.acquired_at ? Date.parse(doc.acquired_at) : this.now();
    const expiresAt = doc.expires_at ? Date.parse(doc.expires_at) : acquiredAt;
    return { name: doc.name, path: Leases.path(doc.name), holder, token, fence: doc.fence, acquiredAt, expiresAt, sha };
  }

  /** The document as `lease`'s holder last wrote it. */
  private docOf(lease: Lease): LeaseDoc {
    return {
      name: lease.name,
      holder: lease.holder,
      token: lease.token,
      acquired_at: iso(lease.acquiredAt),
      expires_at: iso(lease.expiresAt),
      renewed_at: null,
      fence: lease.fence,
    };
  }

  /** Wait before the next round after a lost race or a passing failure; rethrow anything else. */
  private async backoff(err: unknown, round: number): Promise<void> {
    if (!(err instanceof ConflictError) && !isTransient(err)) throw err;
    if (round >= this.maxRounds) return;
    await this.sleep(Math.floor(this.random() * Math.min(1_000, 25 * 2 ** round)));
  }

  private async takeable(doc: LeaseDoc): Promise<boolean> {
    if (!this.isHeld(doc)) return true;
    if (this.holderFinished && doc.holder) {
      try {
        return await this.holderFinished(doc.holder);
      } catch {
        return false; // unknown: respect the lease until it expires
      }
    }
    return false;
  }
}

/**
 * N interchangeable slots (per-backend LLM concurrency): slot leases `<name>/slot-<i>`, tried
 * in a random order so contenders spread over the slots instead of all fighting for slot 0.
 */
export class Semaphore {
  private readonly leases: Leases;
  readonly name: string;
  readonly slots: number;
  private readonly random: () => number;

  constructor(leases: Leases, name: string, slots: number, random: () => number = Math.random) {
    if (!Number.isInteger(slots) || slots < 1) throw new Error(`semaphore ${name}: slots must be a whole number ≥ 1, got ${slots}`);
    validateName(name);
    this.leases = leases;
    this.name = name;
    this.slots = slots;
    this.random = random;
  }

  slotName(i: number): string {
    return `${this.name}/slot-${i}`;
  }

  /**
   * Take a free slot, or say who holds them all: the documents each slot's acquire attempt saw,
   * so the caller can name the holders without reading them again (a second read can fail or
   * race a renewal, and costs a request per slot).
   */
  async acquire(opts: { ttlMs: number; holder: LeaseHolder }): Promise<SlotAcquireResult> {
    const order = [...Array(this.slots).keys()];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const held: LeaseDoc[] = [];
    for (const i of order) {
      const r = await this.leases.acquire(this.slotName(i), opts);
      if (r.acquired) return r;
      held.push(r.current);
    }
    return { acquired: false, held };
  }

  release(lease: Lease): Promise<boolean> {
    return this.leases.release(lease);
  }
}

function validateName(name: string): void {
  // Names become paths in the ops repo: keep them to safe, relative segments.
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(name) || name.split("/").some((s) => s === "." || s === "..")) {
    throw new Error(`invalid lease name ${JSON.stringify(name)}: use letters, digits, '.', '_', '-' and '/' between segments`);
  }
}

function describe(doc: LeaseDoc): string {
  if (doc.holder === null) return "it was released";
  return `it is now held by ${doc.holder.id} (fence ${doc.fence})`;
}

function render(doc: LeaseDoc): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
