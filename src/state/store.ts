// The ops repo as a document store. Every write is a commit made through the forge's contents
// API with compare-and-swap on the blob sha, so parallel CI steps anywhere see one truth and
// the repo's history is the audit log. `update` re-reads and re-applies on a lost race; the
// status a lost race arrives with (409, 422, 500) is normalised by the forge client into
// ConflictError.
//
// Commit messages end their first line with `[skip ci]`: Woodpecker (and Forgejo/GitHub
// Actions) skip pipelines for such commits, so state writes never start the ops repo's own
// pipelines. The vault dispatcher, the one pipeline that must react to the ops repo, is also
// filtered by `when: path: vault/actions/**`, which state writes never touch.
import type { z } from "zod";
import { ConflictError } from "../forge/errors.ts";
import { isSafeToResend, isUnknownOutcome } from "../http/errors.ts";
import type { ContentsApi, DirEntry, FileChange } from "../forge/types.ts";

export type { DirEntry, FileChange };
import { ContentionError, CorruptDocumentError, FencedError } from "./errors.ts";

export interface StateAuthor {
  /** The agent writing (`dev`, `review`, `lock` for the CLI, …). */
  agent: string;
  /** The forge identity or other qualifier (`dev-bot`). */
  identity?: string;
  /** Link to the pipeline doing the write, recorded in the commit message. */
  pipelineUrl?: string;
}

export interface StateStoreOptions {
  contents: ContentsApi;
  /** Branch holding the state; the repo's default branch when omitted. */
  branch?: string;
  author: StateAuthor;
  /** How many read-apply-write rounds `update` tries before giving up. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Add `[skip ci]` to commit messages (default true). */
  skipCi?: boolean;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * The run's redactor: every document and file written goes through it first, so no secret
   * the run knows (nor anything shaped like a credential) reaches the ops repo's history.
   */
  redactor?: TextRedactor;
}

/** What the store needs of src/lib/redact.ts's Redactor. */
export interface TextRedactor {
  redact(text: string): string;
}

export interface Doc<T> {
  path: string;
  value: T;
  /** Blob sha to send back with the next write. */
  sha: string;
}

export interface UpdateResult<T> {
  doc: Doc<T> | undefined;
  changed: boolean;
  attempts: number;
}

/** Documents written under a lease carry its fence in this field. */
export const FENCE_FIELD = "fence";

export class StateStore {
  readonly author: StateAuthor;
  private readonly contents: ContentsApi;
  private readonly branch: string | undefined;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly skipCi: boolean;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly redactor: TextRedactor | undefined;

  constructor(opts: StateStoreOptions) {
    this.contents = opts.contents;
    this.branch = opts.branch;
    this.author = opts.author;
    this.maxAttempts = opts.maxAttempts ?? 24;
    this.baseDelayMs = opts.baseDelayMs ?? 25;
    this.maxDelayMs = opts.maxDelayMs ?? 1_000;
    this.skipCi = opts.skipCi ?? true;
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.redactor = opts.redactor;
  }

  /**
   * `text` as it will be stored. JSON (a document, or JSON lines) is redacted value by value
   * and re-serialised only when a value changed: pattern redaction over the serialised text
   * would mask fields that merely look like credentials (a lease's random `"token"`) and
   * could cut through JSON escapes; each string on its own is masked when it is, or contains,
   * a secret. Anything else (markdown journals) is redacted as text.
   */
  redact(text: string): string {
    const r = this.redactor;
    if (r === undefined || text === "") return text;
    const json = redactJson(text, r);
    return json ?? r.redact(text);
  }

  /** A store writing as someone else (same repo and settings). */
  as(author: StateAuthor): StateStore {
    return new StateStore({
      contents: this.contents,
      ...(this.branch !== undefined ? { branch: this.branch } : {}),
      author,
      maxAttempts: this.maxAttempts,
      baseDelayMs: this.baseDelayMs,
      maxDelayMs: this.maxDelayMs,
      skipCi: this.skipCi,
      random: this.random,
      sleep: this.sleep,
      ...(this.redactor !== undefined ? { redactor: this.redactor } : {}),
    });
  }

  async readText(path: string): Promise<Doc<string> | undefined> {
    const f = await this.contents.get(path, this.branch !== undefined ? { ref: this.branch } : {});
    return f === undefined ? undefined : { path, value: f.text, sha: f.sha };
  }

  /** Parse a JSON document; a stored document that does not parse or match is an error. */
  async readJson<S extends z.ZodType>(path: string, schema: S): Promise<Doc<z.output<S>> | undefined> {
    const raw = await this.readText(path);
    return raw === undefined ? undefined : { path, value: parseJson(path, raw.value, schema), sha: raw.sha };
  }

  /** Create a document; ConflictError(`exists`) when it is already there. */
  async createText(path: string, text: string, why: string): Promise<Doc<string>> {
    const stored = this.redact(text);
    const r = await this.contents.create(path, this.write(stored, why));
    return { path, value: stored, sha: r.sha ?? "" };
  }

  /** Replace a document if it is still at `sha`; ConflictError otherwise. */
  async replaceText(path: string, text: string, sha: string, why: string): Promise<Doc<string>> {
    const stored = this.redact(text);
    const r = await this.contents.update(path, { ...this.write(stored, why), sha });
    return { path, value: stored, sha: r.sha ?? "" };
  }

  async remove(path: string, sha: string, why: string): Promise<void> {
    await this.contents.delete(path, { sha, message: this.message(why), ...(this.branch !== undefined ? { branch: this.branch } : {}) });
  }

  /**
   * Read, apply `fn`, write back with compare-and-swap; on a lost race, re-read and apply
   * again. `fn` returns the new text, or undefined to leave the document as it is. `fn` may
   * run several times and must not have side effects.
   */
  async updateText(path: string, fn: (current: string | undefined) => string | undefined, why: string): Promise<UpdateResult<string>> {
    let pending: { base: string; text: string } | undefined;
    return this.loop(path, async () => {
      const cur = await this.readText(path);
      // An earlier round's write whose answer was lost did land: applying fn again would apply
      // it twice (a doubled append). Other writers may have built on it before we looked again
      // (the forge client then reports a lost race), so an append — our text extended the base —
      // has landed when the stored text still begins with it. (It cannot tell our append from
      // an identical one another writer made first; appends carry a time, a title or an id.)
      if (pending !== undefined && cur !== undefined && (cur.value === pending.text || (pending.text.startsWith(pending.base) && cur.value.startsWith(pending.text)))) {
        return { doc: cur, changed: true };
      }
      const proposed = fn(cur?.value);
      // Compared as stored: a change that only adds a secret is no change once masked.
      const next = proposed === undefined ? undefined : this.redact(proposed);
      if (next === undefined || (cur !== undefined && next === cur.value)) return { doc: cur, changed: false };
      pending = { base: cur?.value ?? "", text: next };
      const doc = cur === undefined ? await this.createText(path, next, why) : await this.replaceText(path, next, cur.sha, why);
      return { doc, changed: true };
    });
  }

  /**
   * `updateText` for a JSON document validated by `schema`. With `fence`, the write is
   * refused (FencedError, no retry) when the stored document carries a newer fence, and the
   * written document carries `fence`.
   */
  async updateJson<S extends z.ZodType>(
    path: string,
    schema: S,
    fn: (current: z.output<S> | undefined) => z.input<S> | undefined,
    opts: { why: string; fence?: number },
  ): Promise<UpdateResult<z.output<S>>> {
    let pending: { text: string; value: z.output<S> } | undefined;
    return this.loop(path, async () => {
      const cur = await this.readText(path);
      if (pending !== undefined && cur?.value === pending.text) return { doc: { path, value: pending.value, sha: cur.sha }, changed: true };
      const curValue = cur === undefined ? undefined : parseJson(path, cur.value, schema);
      const stored = cur === undefined ? undefined : fenceOf(cur.value);
      if (opts.fence !== undefined && stored !== undefined && stored > opts.fence) throw new FencedError(path, opts.fence, stored);
      // An unfenced write keeps the stored fence, so it cannot reopen the door to an old holder.
      const fence = opts.fence ?? stored;
      const next = fn(curValue);
      if (next === undefined) return { doc: cur === undefined ? undefined : { path, value: curValue as z.output<S>, sha: cur.sha }, changed: false };
      const parsed = schema.safeParse(next);
      if (!parsed.success) throw new Error(`${path}: refusing to write a document that does not match its schema: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
      const body: unknown = fence !== undefined && isPlainObject(parsed.data) ? { ...parsed.data, [FENCE_FIELD]: fence } : parsed.data;
      const plain = `${JSON.stringify(body, null, 2)}\n`;
      const text = this.redact(plain);
      // What the store holds after masking is what the caller gets back.
      const value: z.output<S> = text === plain ? parsed.data : (schema.safeParse(JSON.parse(text)).data ?? parsed.data);
      if (cur !== undefined && text === cur.value) return { doc: { path, value, sha: cur.sha }, changed: false };
      pending = { text, value };
      const written = cur === undefined ? await this.createText(path, text, opts.why) : await this.replaceText(path, text, cur.sha, opts.why);
      return { doc: { path, value, sha: written.sha }, changed: true };
    });
  }

  /** Entries of a directory; empty when it does not exist. Needs a listing-capable forge. */
  async list(dir: string): Promise<DirEntry[]> {
    return this.contents.list(dir, this.branch !== undefined ? { ref: this.branch } : {});
  }

  /** Several changes in one commit. ConflictError when any of them is stale or already there. */
  async commit(files: FileChange[], why: string): Promise<{ commits: number }> {
    if (files.length === 0) return { commits: 0 };
    const stored = files.map((f) => (f.text !== undefined ? { ...f, text: this.redact(f.text) } : f));
    await this.contents.commitFiles({ ...(this.branch !== undefined ? { branch: this.branch } : {}), message: this.message(why), files: stored });
    return { commits: 1 };
  }

  private async loop<T>(path: string, round: () => Promise<{ doc: Doc<T> | undefined; changed: boolean }>): Promise<UpdateResult<T>> {
    let lastConflict: unknown;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      try {
        const r = await round();
        return { ...r, attempts: attempt };
      } catch (err) {
        // Lost races and passing server or network failures both mean: read again and redo
        // the round (each round starts by checking whether our last write landed after all).
        if (!(err instanceof ConflictError) && !isTransient(err)) throw err;
        lastConflict = err;
        // Full jitter: contenders spread out instead of colliding again in lockstep.
        const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(attempt, 10));
        await this.sleep(Math.floor(this.random() * cap));
      }
    }
    // Out of rounds on a failing server: its error says more than "contention".
    if (lastConflict instanceof Error && !(lastConflict instanceof ConflictError)) throw lastConflict;
    throw new ContentionError(path, this.maxAttempts, lastConflict);
  }

  private write(text: string, why: string): { text: string; message: string; branch?: string } {
    return { text, message: this.message(why), ...(this.branch !== undefined ? { branch: this.branch } : {}) };
  }

  /** `dev/dev-bot: claim #12 [skip ci]` + the pipeline that did it. */
  message(why: string): string {
    const who = this.author.identity ? `${this.author.agent}/${this.author.identity}` : this.author.agent;
    const line = why.split("\n")[0] ?? "";
    const subject = `${who}: ${this.redactor ? this.redactor.redact(line) : line}${this.skipCi ? " [skip ci]" : ""}`;
    return this.author.pipelineUrl ? `${subject}\n\nPipeline: ${this.author.pipelineUrl}\n` : `${subject}\n`;
  }
}

/** A failure that says nothing about the document: the same request may well work next time. */
export function isTransient(err: unknown): boolean {
  return isUnknownOutcome(err) || isSafeToResend(err);
}

function parseJson<S extends z.ZodType>(path: string, text: string, schema: S): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CorruptDocumentError(path, `not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw new CorruptDocumentError(path, r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "));
  return r.data;
}

function fenceOf(text: string): number | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (isPlainObject(v) && typeof v[FENCE_FIELD] === "number") return v[FENCE_FIELD];
  } catch {
    // A corrupt document has no fence to protect; parseJson reports it.
  }
  return undefined;
}

/** `redact` for JSON and JSON lines; undefined when `text` is neither. */
function redactJson(text: string, r: TextRedactor): string | undefined {
  const t = text.trimStart();
  if (!t.startsWith("{") && !t.startsWith("[")) return undefined;
  const one = tryParse(text);
  if (one.ok) return redactValueText(text, one.value, r);
  // JSON lines: every non-empty line a JSON value (the ledger).
  const lines = text.split("\n");
  const out: string[] = [];
  for (const line of lines) {
    if (line.trim() === "") {
      out.push(line);
      continue;
    }
    const v = tryParse(line);
    if (!v.ok) return undefined;
    out.push(redactValueText(line, v.value, r));
  }
  return out.join("\n");
}

function redactValueText(text: string, value: unknown, r: TextRedactor): string {
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      const m = r.redact(v);
      if (m !== v) changed = true;
      return m;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [walk(k) as string, walk(x)]));
    return v;
  };
  const masked = walk(value);
  if (!changed) return text;
  // Same layout as before: pretty documents stay pretty, one-line documents stay on one line.
  const pretty = /\n\s/.test(text.trimEnd());
  const trailing = text.slice(text.trimEnd().length);
  return `${JSON.stringify(masked, null, pretty ? 2 : undefined)}${trailing}`;
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
