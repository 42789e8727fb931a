// The runner's hooks — ledger, sessions, slots — kept in the ops repo through the state store,
// so parallel CI steps on any runner share one budget, one conversation per key and one
// concurrency bound per backend (DESIGN §5, §7).
//
// Storage (all paths in the ops repo; names from outside are escaped by `pathSegment`):
//
//   sessions/<project>/<agent>/<key>.json   one JSON line: {v, backend, sessionId?, bytes?,
//                                           dropped?, key, saved_at, data?} where data is
//                                           base64(gzip(backend payload)) — a SessionBlob plus
//                                           metadata. Saving replaces it (compare-and-swap).
//   ledger/YYYY-MM-DD.jsonl                 one line per run (src/state/ledger.ts), UTC day of
//                                           the run's end; per-day-per-backend caps sum it.
//   ledger/keys/<project>/<key>.json        running totals for one budget key (an issue, a PR)
//                                           across days and backends, written in the same commit
//                                           as the daily line, so the two never disagree.
//   locks/llm/<backend>/slot-<i>.json       slot leases of the backend's semaphore (lease.ts).
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { ConflictError } from "../forge/errors.ts";
import { ContentionError, CorruptDocumentError, LeaseLostError } from "../state/errors.ts";
import { Leases, Semaphore } from "../state/lease.ts";
import type { Lease, LeaseDoc, LeaseHolder } from "../state/lease.ts";
import { Ledger, ledgerEntrySchema, ledgerPath } from "../state/ledger.ts";
import type { LedgerEntry as StoredLedgerEntry } from "../state/ledger.ts";
import { isTransient } from "../state/store.ts";
import type { FileChange, StateStore } from "../state/store.ts";
import { decodeSession, encodeSession, MAX_SESSION_COMPRESSED_BYTES, sessionBlobSchema } from "./session.ts";
import { emptyUsage, NoSlotError } from "./types.ts";
import type { LedgerEntry, LedgerQuery, LedgerTotals, ProgressSink, SessionBlob, SessionStore, SlotWait, Slots, UsageLedger } from "./types.ts";

// ── names → paths ─────────────────────────────────────────────────────────────────────────────

/**
 * One path segment for any string, reversibly: letters, digits, `.` and `-` stay, every other
 * byte becomes `_` + two hex digits (`claude-cli:sonnet` → `claude-cli_3asonnet`). A leading
 * dot is escaped too, so no segment is `.`, `..` or hidden.
 */
export function pathSegment(s: string): string {
  if (s === "") throw new Error("an empty name cannot become a path segment");
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9.-]/.test(c) ? c : `_${b.toString(16).padStart(2, "0")}`;
  }
  return out.startsWith(".") ? `_2e${out.slice(1)}` : out;
}

/** A key like `dev/issue-7` as nested segments; `/` separates, empty segments are refused. */
export function keyPath(key: string): string {
  const parts = key.split("/");
  if (parts.some((p) => p === "")) throw new Error(`invalid key ${JSON.stringify(key)}: empty segment between slashes`);
  return parts.map(pathSegment).join("/");
}

// ── sessions ──────────────────────────────────────────────────────────────────────────────────

export const SESSIONS_DIR = "sessions";

/** The largest stored session document read or written: the biggest blob encodeSession keeps, base64'd, plus metadata. Stays under Forgejo's 10 MiB contents limit. */
export const MAX_STORED_SESSION_BYTES = Math.ceil((MAX_SESSION_COMPRESSED_BYTES * 4) / 3) + 64 * 1024;

const storedSessionSchema = z.lazy(() => sessionBlobSchema.extend({ key: z.string().optional(), saved_at: z.string().optional() }));

/** A stored session that cannot be used: the accounting wrapper starts a fresh run instead. */
export class StoredSessionError extends Error {
  readonly path: string;
  constructor(path: string, detail: string) {
    super(`${path}: ${detail}`);
    this.name = "StoredSessionError";
    this.path = path;
  }
}

export interface OpsRepoSessionsOptions {
  project: string;
  agent: string;
  /** Documents larger than this are neither loaded nor saved (a `dropped` marker is saved instead). */
  maxStoredBytes?: number;
  now?: () => Date;
}

export class OpsRepoSessionStore implements SessionStore {
  private readonly store: StateStore;
  private readonly project: string;
  private readonly agent: string;
  private readonly maxStoredBytes: number;
  private readonly now: () => Date;

  constructor(store: StateStore, opts: OpsRepoSessionsOptions) {
    this.store = store;
    this.project = opts.project;
    this.agent = opts.agent;
    this.maxStoredBytes = opts.maxStoredBytes ?? MAX_STORED_SESSION_BYTES;
    this.now = opts.now ?? (() => new Date());
  }

  path(key: string): string {
    return `${SESSIONS_DIR}/${pathSegment(this.project)}/${pathSegment(this.agent)}/${keyPath(key)}.json`;
  }

  /** undefined when there is none; StoredSessionError when the document is unusable. */
  async load(key: string): Promise<SessionBlob | undefined> {
    const path = this.path(key);
    const doc = await this.store.readText(path);
    if (doc === undefined) return undefined;
    const text = doc.value;
    // Forgejo answers files over its blob size limit (10 MiB) with no content at all.
    if (text.trim() === "") throw new StoredSessionError(path, "the stored session is empty (or over the forge's blob size limit)");
    const size = Buffer.byteLength(text, "utf8");
    if (size > this.maxStoredBytes) throw new StoredSessionError(path, `the stored session is too large: ${size} bytes > ${this.maxStoredBytes}`);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new StoredSessionError(path, "the stored session is corrupt: not JSON");
    }
    const r = storedSessionSchema.safeParse(raw);
    if (!r.success) throw new StoredSessionError(path, `the stored session is corrupt: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
    const { key: _key, saved_at: _savedAt, ...blob } = r.data;
    return blob;
  }

  /** Replaces the stored session (compare-and-swap, re-read on a lost race: last writer wins). */
  async save(key: string, blob: SessionBlob): Promise<void> {
    const path = this.path(key);
    let text = this.render(key, this.redacted(blob));
    const size = Buffer.byteLength(text, "utf8");
    let what = blob.dropped === undefined ? `${Math.ceil(size / 1024)} KiB` : "dropped";
    if (size > this.maxStoredBytes) {
      // Keep a marker rather than the old session: resuming a stale conversation would be worse than starting fresh.
      const dropped = `session too large to store: ${size} bytes > ${this.maxStoredBytes}`;
      text = this.render(key, { v: 1, backend: blob.backend, ...(blob.sessionId !== undefined ? { sessionId: blob.sessionId } : {}), dropped });
      what = "dropped: too large";
    }
    await this.store.updateText(path, () => text, `session ${this.project}/${this.agent}/${key}: save (${what})`);
  }

  /**
   * The blob with its transcript redacted before compression: inside gzip+base64 the store's
   * own redaction cannot see a secret the model echoed, a tool printed or a prompt carried.
   */
  private redacted(blob: SessionBlob): SessionBlob {
    if (blob.data === undefined) return blob;
    const decoded = decodeSession(blob, blob.backend);
    if (!decoded.ok) {
      // Not ours to judge here: a blob we cannot read is stored as a marker, never unredacted.
      const { data: _data, bytes: _bytes, ...rest } = blob;
      return { ...rest, dropped: "session could not be decompressed for redaction" };
    }
    const masked = this.store.redact(decoded.payload);
    if (masked === decoded.payload) return blob;
    // A blob that decoded has no `dropped`, so this rebuilds every field; should masking push it
    // over the compressed bound, its marker is stored instead.
    return encodeSession(blob.backend, masked, blob.sessionId);
  }

  private render(key: string, blob: SessionBlob): string {
    // Metadata first, the bulky data last: the file reads well in the forge's UI.
    const { data, ...meta } = blob;
    return `${JSON.stringify({ ...meta, key, saved_at: this.now().toISOString(), ...(data !== undefined ? { data } : {}) })}\n`;
  }
}

// ── ledger ────────────────────────────────────────────────────────────────────────────────────

const count = z.number().int().nonnegative();
const bucketSchema = z.object({
  runs: count,
  cost_usd: z.number().nonnegative(),
  input_tokens: count,
  output_tokens: count,
  cache_read_tokens: count,
  cache_write_tokens: count,
});
type Bucket = z.infer<typeof bucketSchema>;

export const keyTotalsSchema = bucketSchema.extend({
  key: z.string(),
  project: z.string(),
  first_at: z.string(),
  last_at: z.string(),
  by_backend: z.record(z.string(), bucketSchema),
});
export type KeyTotals = z.infer<typeof keyTotalsSchema>;

const emptyBucket = (): Bucket => ({ runs: 0, cost_usd: 0, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 });

function addEntry(b: Bucket, e: StoredLedgerEntry): Bucket {
  return {
    runs: b.runs + 1,
    cost_usd: b.cost_usd + e.cost_usd,
    input_tokens: b.input_tokens + e.input_tokens,
    output_tokens: b.output_tokens + e.output_tokens,
    cache_read_tokens: b.cache_read_tokens + e.cache_read_tokens,
    cache_write_tokens: b.cache_write_tokens + e.cache_write_tokens,
  };
}

function totalsOf(b: Bucket | undefined): LedgerTotals {
  if (b === undefined) return { runs: 0, costUsd: 0, usage: emptyUsage() };
  return {
    runs: b.runs,
    costUsd: b.cost_usd,
    usage: { inputTokens: b.input_tokens, outputTokens: b.output_tokens, cacheReadTokens: b.cache_read_tokens, cacheWriteTokens: b.cache_write_tokens },
  };
}

export interface OpsRepoLedgerOptions {
  project: string;
  /** The agent charged (`dev`, `review`, `llm-try`), recorded on each line. */
  agent: string;
  pipelineUrl?: string;
  now?: () => Date;
  /** Longest span of daily files a `since` query reads. */
  maxScanDays?: number;
  maxAttempts?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * UsageLedger over the ops repo. `totals({key})` reads the key's totals document (all days,
 * all backends; `{key, backend}` narrows to one backend); a query with `since` sums the daily
 * files from that day to today (at most `maxScanDays` of them). Per-key totals count only
 * runs recorded through this class; daily totals count every line in the daily files.
 */
export class OpsRepoLedger implements UsageLedger {
  private readonly store: StateStore;
  private readonly daily: Ledger;
  private readonly project: string;
  private readonly agent: string;
  private readonly pipelineUrl: string | undefined;
  private readonly now: () => Date;
  private readonly maxScanDays: number;
  private readonly maxAttempts: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(store: StateStore, opts: OpsRepoLedgerOptions) {
    this.store = store;
    this.project = opts.project;
    this.agent = opts.agent;
    this.pipelineUrl = opts.pipelineUrl;
    this.now = opts.now ?? (() => new Date());
    this.daily = new Ledger(store, this.now);
    this.maxScanDays = opts.maxScanDays ?? 62;
    this.maxAttempts = opts.maxAttempts ?? 24;
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  keyTotalsPath(key: string): string {
    return `ledger/keys/${pathSegment(this.project)}/${keyPath(key)}.json`;
  }

  /** Appends the run's line to its day's file and adds it to the key's totals, in one commit. */
  async record(e: LedgerEntry): Promise<void> {
    const entry = ledgerEntrySchema.parse({
      id: randomUUID(),
      at: e.at,
      agent: this.agent,
      backend: e.backend,
      key: e.key,
      project: this.project,
      input_tokens: e.usage.inputTokens,
      output_tokens: e.usage.outputTokens,
      cache_read_tokens: e.usage.cacheReadTokens,
      cache_write_tokens: e.usage.cacheWriteTokens,
      cost_usd: e.costUsd,
      turns: e.turns,
      status: e.status,
      duration_ms: Math.round(e.durationMs),
      ...(e.sessionId !== undefined ? { session_id: e.sessionId } : {}),
      ...(this.pipelineUrl !== undefined ? { pipeline_url: this.pipelineUrl } : {}),
    });
    const line = `${JSON.stringify(entry)}\n`;
    const dayPath = ledgerPath(entry.at.slice(0, 10));
    const keyDocPath = this.keyTotalsPath(e.key);
    const marker = `"id":${JSON.stringify(entry.id)}`;
    let last: unknown;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      try {
        const [day, keyDoc] = await Promise.all([this.store.readText(dayPath), this.store.readText(keyDocPath)]);
        // An earlier round's commit whose answer was lost did land: both files carry it.
        if (day?.value.includes(marker)) return;
        const cur = keyDoc === undefined ? undefined : parseKeyTotals(keyDocPath, keyDoc.value);
        const next: KeyTotals = {
          ...addEntry(cur ?? emptyBucket(), entry),
          key: e.key,
          project: this.project,
          first_at: cur?.first_at ?? entry.at,
          last_at: cur === undefined || entry.at > cur.last_at ? entry.at : cur.last_at,
          by_backend: { ...(cur?.by_backend ?? {}), [entry.backend]: addEntry(cur?.by_backend[entry.backend] ?? emptyBucket(), entry) },
        };
        const dayText = day === undefined ? line : `${day.value}${day.value === "" || day.value.endsWith("\n") ? "" : "\n"}${line}`;
        const keyText = `${JSON.stringify(next, null, 2)}\n`;
        const files: FileChange[] = [
          day === undefined ? { operation: "create", path: dayPath, text: dayText } : { operation: "update", path: dayPath, text: dayText, sha: day.sha },
          keyDoc === undefined ? { operation: "create", path: keyDocPath, text: keyText } : { operation: "update", path: keyDocPath, text: keyText, sha: keyDoc.sha },
        ];
        await this.store.commit(files, `ledger: ${this.agent} ${entry.backend} ${e.key} $${entry.cost_usd.toFixed(4)} (${entry.status ?? "?"})`);
        return;
      } catch (err) {
        // Another run's line landed first, or the server failed in passing: read again.
        if (!(err instanceof ConflictError) && !isTransient(err)) throw err;
        last = err;
        await this.sleep(Math.floor(this.random() * Math.min(1_000, 25 * 2 ** Math.min(attempt, 10))));
      }
    }
    if (last instanceof Error && !(last instanceof ConflictError)) throw last;
    throw new ContentionError(dayPath, this.maxAttempts, last);
  }

  async totals(q: LedgerQuery): Promise<LedgerTotals> {
    if (q.since === undefined) {
      if (q.key === undefined) throw new Error("ledger totals need a key or a `since` bound: summing every daily file is unbounded");
      const path = this.keyTotalsPath(q.key);
      const doc = await this.store.readText(path);
      if (doc === undefined) return totalsOf(undefined);
      const t = parseKeyTotals(path, doc.value);
      return totalsOf(q.backend === undefined ? t : t.by_backend[q.backend]);
    }
    const since = Date.parse(q.since);
    if (Number.isNaN(since)) throw new Error(`ledger totals: since ${JSON.stringify(q.since)} is not an ISO-8601 time`);
    const days = utcDays(new Date(since), this.now());
    if (days.length > this.maxScanDays) throw new Error(`ledger totals: since ${q.since} spans ${days.length} daily files, more than the ${this.maxScanDays} read at most`);
    const t = totalsOf(undefined);
    const perDay = await Promise.all(days.map((d) => this.daily.entries(d)));
    for (const e of perDay.flat()) {
      if (Date.parse(e.at) < since) continue;
      if (q.backend !== undefined && e.backend !== q.backend) continue;
      if (q.key !== undefined && (e.key !== q.key || (e.project ?? this.project) !== this.project)) continue;
      t.runs++;
      t.costUsd += e.cost_usd;
      t.usage.inputTokens += e.input_tokens;
      t.usage.outputTokens += e.output_tokens;
      t.usage.cacheReadTokens += e.cache_read_tokens;
      t.usage.cacheWriteTokens += e.cache_write_tokens;
    }
    return t;
  }
}

function parseKeyTotals(path: string, text: string): KeyTotals {
  // A damaged totals document is an error, not zero: a cap checked against it would let
  // spending start over.
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CorruptDocumentError(path, "not JSON");
  }
  const r = keyTotalsSchema.safeParse(raw);
  if (!r.success) throw new CorruptDocumentError(path, r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "));
  return r.data;
}

/** `YYYY-MM-DD` of every UTC day from `from` to `to`, inclusive. */
function utcDays(from: Date, to: Date): string[] {
  const out: string[] = [];
  const end = Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate());
  for (let d = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); d <= end; d += 86_400_000) {
    out.push(new Date(d).toISOString().slice(0, 10));
    if (out.length > 10_000) break;
  }
  return out;
}

// ── slots ─────────────────────────────────────────────────────────────────────────────────────

export interface OpsRepoSlotsOptions {
  /** Slots per backend name (Backend.name); a number applies to every backend. Unknown: 1. */
  capacity: number | Readonly<Record<string, number>>;
  holder: LeaseHolder;
  /** Lease time; a crashed run's slot frees itself this long after its last renewal. */
  ttlMs?: number;
  /** Renewal period while the run lasts (default a third of the TTL). */
  renewEveryMs?: number;
  /** Polling while all slots are taken: doubling from `min` to `max`, with jitter. */
  poll?: { minMs: number; maxMs: number };
  /** Longest wait when the caller gives no deadline. */
  maxWaitMs?: number;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Slots over the state store's semaphores: leases `locks/llm/<backend>/slot-<i>`. */
export class OpsRepoSlots implements Slots {
  private readonly leases: Leases;
  private readonly capacity: (backend: string) => number;
  private readonly holder: LeaseHolder;
  private readonly ttlMs: number;
  private readonly renewEveryMs: number;
  private readonly poll: { minMs: number; maxMs: number };
  private readonly maxWaitMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(leases: Leases, opts: OpsRepoSlotsOptions) {
    const cap = opts.capacity;
    this.leases = leases;
    this.capacity = typeof cap === "number" ? () => cap : (b) => cap[b] ?? 1;
    this.holder = opts.holder;
    this.ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.renewEveryMs = opts.renewEveryMs ?? Math.max(1, Math.floor(this.ttlMs / 3));
    this.poll = opts.poll ?? { minMs: 500, maxMs: 15_000 };
    this.maxWaitMs = opts.maxWaitMs ?? 30 * 60_000;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  static semaphoreName(backend: string): string {
    return `llm/${pathSegment(backend)}`;
  }

  async acquire(backend: string, wait: SlotWait = {}): Promise<() => Promise<void>> {
    const slots = this.capacity(backend);
    const sem = new Semaphore(this.leases, OpsRepoSlots.semaphoreName(backend), slots, this.random);
    const deadline = wait.deadline ?? this.now() + this.maxWaitMs;
    let delay = this.poll.minMs;
    let told = false;
    for (;;) {
      const got = await sem.acquire({ ttlMs: this.ttlMs, holder: this.holder });
      if (got.acquired) {
        if (told) wait.log?.info(`${backend}: got ${got.lease.name}`);
        return this.hold(sem, got.lease, wait.log);
      }
      const left = deadline - this.now();
      if (left <= 0) throw new NoSlotError(backend, `all ${slots} taken until the deadline (${holders(got.held)})`);
      if (!told) {
        told = true;
        wait.log?.info(`${backend}: all ${slots} slot${slots === 1 ? "" : "s"} taken (${holders(got.held)}); waiting up to ${Math.ceil(left / 1000)}s`);
      }
      // Full jitter: waiters spread out instead of polling the forge in lockstep.
      await this.sleep(Math.min(left, Math.max(1, Math.floor(delay / 2 + (this.random() * delay) / 2))));
      delay = Math.min(this.poll.maxMs, delay * 2);
    }
  }

  /** Keeps the lease alive while the run lasts; the returned function releases it (idempotent, never throws). */
  private hold(sem: Semaphore, lease: Lease, log: ProgressSink | undefined): () => Promise<void> {
    let current = lease;
    let lost = false;
    let inflight: Promise<void> | undefined;
    const timer = setInterval(() => {
      if (inflight !== undefined || lost) return;
      inflight = this.leases
        .renew(current, this.ttlMs)
        .then(
          (l) => {
            current = l;
          },
          (err: unknown) => {
            if (err instanceof LeaseLostError) {
              lost = true;
              log?.warn(`${lease.name}: ${err.message}; the run goes on, but the concurrency bound may be exceeded`);
            } else log?.warn(`${lease.name}: renewal failed (${err instanceof Error ? err.message : String(err)}); trying again`);
          },
        )
        .finally(() => {
          inflight = undefined;
        });
    }, this.renewEveryMs);
    // The run keeps the process alive; a forgotten release must not.
    timer.unref();
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      await inflight;
      try {
        await sem.release(current);
      } catch (err) {
        log?.warn(`${lease.name}: cannot release (${err instanceof Error ? err.message : String(err)}); it frees itself when its lease expires`);
      }
    };
  }
}

function holders(docs: LeaseDoc[]): string {
  const ids = docs.map((d) => d.holder?.id).filter((id): id is string => id !== undefined);
  return ids.length === 0 ? "holders unknown" : `held by ${ids.join(", ")}`;
}

// ── all three ─────────────────────────────────────────────────────────────────────────────────

export interface OpsRepoAccountingOptions {
  project: string;
  agent: string;
  holder: LeaseHolder;
  /** Slots per backend name. */
  capacity: number | Readonly<Record<string, number>>;
  pipelineUrl?: string;
  slots?: Omit<OpsRepoSlotsOptions, "capacity" | "holder">;
  sessions?: Omit<OpsRepoSessionsOptions, "project" | "agent">;
  ledger?: Omit<OpsRepoLedgerOptions, "project" | "agent" | "pipelineUrl">;
  /**
   * The leases slots are taken with. Pass the run's own (built with `holderFinished`), so a
   * slot whose holder's pipeline has finished — a killed tick — is taken at once instead of
   * blocking the backend for every project until its TTL runs out. Default: leases over
   * `store` that can only wait for expiry.
   */
  leases?: Leases;
}

/** Ledger, session store and slots of one agent run, all in the ops repo behind `store`. */
export function opsRepoHooks(store: StateStore, opts: OpsRepoAccountingOptions): { ledger: OpsRepoLedger; sessions: OpsRepoSessionStore; slots: OpsRepoSlots } {
  return {
    ledger: new OpsRepoLedger(store, { ...opts.ledger, project: opts.project, agent: opts.agent, ...(opts.pipelineUrl !== undefined ? { pipelineUrl: opts.pipelineUrl } : {}) }),
    sessions: new OpsRepoSessionStore(store, { ...opts.sessions, project: opts.project, agent: opts.agent }),
    slots: new OpsRepoSlots(opts.leases ?? new Leases(store), { ...opts.slots, capacity: opts.capacity, holder: opts.holder }),
  };
}
