// In-memory ledger, session store and slots: for tests and local runs. The ops-repo-backed
// implementations (ops-repo.ts, over src/state/) satisfy the same interfaces.
import { addUsage, emptyUsage, NoSlotError } from "./types.ts";
import type { LedgerEntry, LedgerQuery, LedgerTotals, SessionBlob, SessionStore, SlotWait, Slots, UsageLedger } from "./types.ts";

export class InMemoryLedger implements UsageLedger {
  readonly entries: LedgerEntry[] = [];

  record(entry: LedgerEntry): Promise<void> {
    this.entries.push(structuredClone(entry));
    return Promise.resolve();
  }

  totals(q: LedgerQuery): Promise<LedgerTotals> {
    const t: LedgerTotals = { runs: 0, costUsd: 0, usage: emptyUsage() };
    for (const e of this.entries) {
      if (q.backend !== undefined && e.backend !== q.backend) continue;
      if (q.key !== undefined && e.key !== q.key) continue;
      if (q.since !== undefined && Date.parse(e.at) < Date.parse(q.since)) continue;
      t.runs++;
      t.costUsd += e.costUsd;
      t.usage = addUsage(t.usage, e.usage);
    }
    return Promise.resolve(t);
  }
}

export class InMemorySessionStore implements SessionStore {
  readonly blobs = new Map<string, SessionBlob>();

  load(key: string): Promise<SessionBlob | undefined> {
    const b = this.blobs.get(key);
    return Promise.resolve(b === undefined ? undefined : structuredClone(b));
  }

  save(key: string, blob: SessionBlob): Promise<void> {
    this.blobs.set(key, structuredClone(blob));
    return Promise.resolve();
  }
}

/** A counting semaphore per backend name; waiters are served in arrival order. */
export class InMemorySlots implements Slots {
  private readonly capacity: (backend: string) => number;
  private readonly inUse = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(capacity: number | Readonly<Record<string, number>> = 1) {
    this.capacity = typeof capacity === "number" ? () => capacity : (b) => capacity[b] ?? 1;
  }

  async acquire(backend: string, wait: SlotWait = {}): Promise<() => Promise<void>> {
    if ((this.inUse.get(backend) ?? 0) >= this.capacity(backend)) {
      await new Promise<void>((resolve, reject) => {
        const q = this.waiting.get(backend) ?? [];
        const timer =
          wait.deadline === undefined
            ? undefined
            : setTimeout(() => {
                // still queued: leave the queue, so a later release does not hand it a slot
                const at = q.indexOf(take);
                if (at >= 0) q.splice(at, 1);
                reject(new NoSlotError(backend, `all ${this.capacity(backend)} held until the deadline`));
              }, Math.max(0, wait.deadline - Date.now()));
        const take = (): void => {
          clearTimeout(timer);
          resolve();
        };
        q.push(take);
        this.waiting.set(backend, q);
      });
    } else {
      this.inUse.set(backend, (this.inUse.get(backend) ?? 0) + 1);
    }
    let released = false;
    return () => {
      if (!released) {
        released = true;
        // hand the slot straight to the next waiter, or give it back
        const next = this.waiting.get(backend)?.shift();
        if (next) next();
        else this.inUse.set(backend, (this.inUse.get(backend) ?? 1) - 1);
      }
      return Promise.resolve();
    };
  }

  used(backend: string): number {
    return this.inUse.get(backend) ?? 0;
  }
}
