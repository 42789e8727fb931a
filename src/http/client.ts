// A small JSON-over-HTTP client shared by the forge and CI clients: base URL + auth header,
// per-request timeout, zod-parsed responses, typed errors, bounded retries for idempotent
// requests, and a request counter. Routes are templates (`/repos/{owner}/{repo}/issues`) so
// counts and errors group by endpoint, and so a contract test can check every template the
// client uses against the server's published API. Every string in a request body goes through
// the run's Redactor before it leaves, and a client told to refuse writes (a dry run) sends
// no request that could change the server.
//
// Requests go through node:http(s) with a keep-alive agent, not undici: an agent run makes a
// handful of requests, and undici's start-up (loading and compiling it, its first request)
// cost an idle agent run about twice as much as bare node's start.
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions as NodeRequestOptions } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { z } from "zod";
import { Redactor } from "../lib/redact.ts";
import { redactBody, summarizeBody } from "./body.ts";
import { RequestCounter, type RequestStats } from "./counter.ts";
import { HttpError, NetworkError, SchemaError, TimeoutError, type HttpLayerError, type RequestDescription } from "./errors.ts";
import { DEFAULT_RETRY, backoffDelay, isIdempotentMethod, parseRetryAfter, type RetryPolicy } from "./retry.ts";

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Route {
  readonly method: HttpMethod;
  /** Path template below the base URL, `{name}` placeholders as in the server's swagger. */
  readonly path: string;
}

/** A path parameter; an array is a multi-segment value (a file path, a branch with slashes). */
export type PathParam = string | number | readonly string[];
export type QueryValue = string | number | boolean | Date | null | undefined | readonly (string | number)[];
export type Headers = Record<string, string | string[] | undefined>;

export interface RequestOptions {
  params?: Readonly<Record<string, PathParam>>;
  /** Undefined and null values are left out; arrays repeat the key (`labels=1&labels=2`). */
  query?: Readonly<Record<string, QueryValue>>;
  /** Sent as JSON, every string in it redacted. */
  body?: unknown;
  /** Top-level body fields sent exactly as given: a secret the request exists to deliver (a CI secret's value). */
  unredacted?: readonly string[];
  /** Override the method's default (see retry.ts for the rule). */
  idempotent?: boolean;
  timeoutMs?: number;
}

export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  data: T;
}

export interface HttpClientOptions {
  /** Everything before the route templates, e.g. `https://forge.example/api/v1`. */
  baseUrl: string;
  /** Full `Authorization` header value, e.g. `token abc…`. Registered for redaction. */
  authorization?: string;
  /** The bare secret inside `authorization`, so it is masked wherever it might be echoed. */
  secret?: string;
  redactor?: Redactor;
  /** Per attempt, covering connect, headers and body. Default 30 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  userAgent?: string;
  /** Concurrent connections to the server; Forgejo has no rate limiter, so we cap ourselves. */
  connections?: number;
  /** Injection points for deterministic tests of the retry schedule. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Consulted instead of sending a request that would change the server (a dry run): it is told
 * `METHOD /path` and a one-line summary of the body, and returns the error the request fails with.
 */
export interface WriteGuard {
  refuse(request: string, summary: string): Error;
}

const READ_METHODS = new Set<HttpMethod>(["GET", "HEAD"]);

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

const SNIPPET_CHARS = 300;
// Connection errors that prove the request never left this process.
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
// Idle kept-alive connections are closed after this long, before a server or proxy closes
// them under a request: a request on a connection the server has just closed fails, and one
// that is not idempotent cannot be sent again (its outcome is unknown).
const KEEP_ALIVE_MS = 4_000;

type Send = (url: string, opts: NodeRequestOptions, cb: (res: IncomingMessage) => void) => ClientRequest;
interface Transport {
  agent: HttpAgent;
  request: Send;
}

export class HttpClient {
  readonly baseUrl: string;
  readonly counter = new RequestCounter();
  readonly redactor: Redactor;
  private readonly authorization: string | undefined;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly userAgent: string;
  private readonly connections: number;
  /** One per client, made on the first request (https loads TLS only for an https server). */
  private transport: Promise<Transport> | undefined;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private clockOffsetMs = 0;
  private guard: WriteGuard | undefined;

  constructor(opts: HttpClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.redactor = opts.redactor ?? new Redactor();
    this.redactor.add(opts.secret);
    this.authorization = opts.authorization;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.userAgent = opts.userAgent ?? "disinto";
    this.connections = opts.connections ?? 8;
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? ((ms) => sleep(ms).then(() => undefined));
  }

  /** Request and parse the JSON body with `schema`. */
  async json<S extends z.ZodType>(route: Route, schema: S, opts: RequestOptions = {}): Promise<HttpResponse<z.output<S>>> {
    const { raw, desc } = await this.execute(route, opts);
    let parsed: unknown;
    try {
      parsed = raw.text === "" ? undefined : JSON.parse(raw.text);
    } catch {
      throw new SchemaError(desc, `body is not JSON: ${this.snippet(raw.text)}`);
    }
    const result = schema.safeParse(parsed);
    if (!result.success) throw new SchemaError(desc, formatIssues(result.error.issues));
    return { status: raw.status, headers: raw.headers, data: result.data };
  }

  /** Request and return the body as text (diffs, raw files). */
  async text(route: Route, opts: RequestOptions = {}): Promise<HttpResponse<string>> {
    const { raw } = await this.execute(route, opts);
    return { status: raw.status, headers: raw.headers, data: raw.text };
  }

  /** Request, discard the body, return the status (204 endpoints, existence checks). */
  async send(route: Route, opts: RequestOptions = {}): Promise<HttpResponse<undefined>> {
    const { raw } = await this.execute(route, opts);
    return { status: raw.status, headers: raw.headers, data: undefined };
  }

  stats(): RequestStats {
    return this.counter.snapshot();
  }

  /**
   * The server's clock, estimated from the `Date` header of the latest response (±1 s). Used to
   * compare our own "attempt started" instant with server timestamps such as `created_at`.
   */
  serverNow(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  /**
   * From now on every request but GET and HEAD fails with the guard's error, unsent. A setter
   * rather than an option: the forge and CI clients build their HttpClient themselves, and
   * the run decides whether it is a dry run.
   */
  refuseWrites(guard: WriteGuard): void {
    this.guard = guard;
  }

  async close(): Promise<void> {
    const t = this.transport;
    this.transport = undefined;
    // Idle kept-alive sockets are unref'd by the agent and never hold the process; this frees them now.
    if (t) (await t.catch(() => undefined))?.agent.destroy();
  }

  private async execute(route: Route, opts: RequestOptions): Promise<{ raw: RawResponse; desc: RequestDescription }> {
    const path = buildPath(route.path, opts.params ?? {});
    const desc: RequestDescription = { method: route.method, path: this.redactor.redact(path), route: route.path, attempts: 0 };
    const url = `${this.baseUrl}${path}${buildQuery(opts.query)}`;
    const idempotent = opts.idempotent ?? isIdempotentMethod(route.method);
    const body = opts.body === undefined ? undefined : redactBody(opts.body, this.redactor, opts.unredacted);
    if (this.guard !== undefined && !READ_METHODS.has(route.method)) throw this.guard.refuse(`${route.method} ${desc.path}`, summarizeBody(body));
    const json = body === undefined ? undefined : JSON.stringify(body);
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      desc.attempts = attempt;
      this.counter.record(route.method, route.path, attempt > 1);
      let failure: HttpLayerError;
      let retryAfterMs: number | undefined;
      try {
        const raw = await this.once(route.method, url, json, opts, desc);
        if (raw.status >= 200 && raw.status < 300) return { raw, desc: { ...desc } };
        failure = this.httpError({ ...desc }, raw);
        retryAfterMs = parseRetryAfter(raw.headers["retry-after"]);
      } catch (err) {
        if (!(err instanceof NetworkError || err instanceof TimeoutError)) throw err;
        failure = err;
      }
      if (!idempotent || !isRetryable(failure) || attempt >= this.retry.maxAttempts) throw failure;
      const delay = Math.min(this.retry.maxDelayMs, retryAfterMs ?? backoffDelay(attempt, this.retry, this.random));
      // A wait that would end past the time budget is pointless: fail now with the real error.
      if (Date.now() - started + delay > this.retry.maxTotalMs) throw failure;
      await this.sleep(delay);
    }
  }

  private async once(method: HttpMethod, url: string, json: string | undefined, opts: RequestOptions, desc: RequestDescription): Promise<RawResponse> {
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const headers: Record<string, string> = { accept: "application/json", "user-agent": this.userAgent };
    if (this.authorization !== undefined) headers.authorization = this.authorization;
    if (json !== undefined) headers["content-type"] = "application/json";
    if (json !== undefined) headers["content-length"] = String(Buffer.byteLength(json));
    const sentAt = Date.now();
    try {
      const res = await exchange(await this.transportFor(url), url, { method, headers, signal: controller.signal }, json);
      this.noteServerDate(res.headers.date, sentAt);
      return res;
    } catch (err) {
      const snapshot = { ...desc };
      if (timedOut) throw new TimeoutError(snapshot, timeoutMs);
      const code = errorCode(err);
      const detail = this.redactor.redact(err instanceof Error ? err.message : String(err));
      throw new NetworkError(snapshot, code, detail, code === undefined || !NOT_SENT_CODES.has(code), { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  private transportFor(url: string): Promise<Transport> {
    // `timeout` closes idle sockets only: on a socket in use it is an event nobody listens to.
    const agent = { keepAlive: true, maxSockets: this.connections, timeout: KEEP_ALIVE_MS };
    this.transport ??= url.startsWith("https:")
      ? import("node:https").then((https) => ({ agent: new https.Agent(agent), request: https.request }))
      : Promise.resolve({ agent: new HttpAgent(agent), request: httpRequest });
    return this.transport;
  }

  private noteServerDate(date: string | string[] | undefined, sentAt: number): void {
    const value = Array.isArray(date) ? date[0] : date;
    if (value === undefined) return;
    const serverMs = Date.parse(value);
    if (Number.isNaN(serverMs)) return;
    // The header is truncated to the second: the server's instant lies in [serverMs, serverMs+1000).
    this.clockOffsetMs = serverMs + 500 - (sentAt + Date.now()) / 2;
  }

  private httpError(desc: RequestDescription, raw: RawResponse): HttpError {
    let message: string | undefined;
    try {
      const parsed: unknown = JSON.parse(raw.text);
      if (parsed !== null && typeof parsed === "object" && "message" in parsed && typeof parsed.message === "string" && parsed.message !== "") {
        message = this.snippet(parsed.message);
      }
    } catch {
      // not JSON: the snippet carries the text
    }
    return new HttpError(desc, raw.status, this.snippet(raw.text), message);
  }

  private snippet(text: string): string {
    const oneLine = text.replace(/\s+/g, " ").trim();
    const cut = oneLine.length > SNIPPET_CHARS ? `${oneLine.slice(0, SNIPPET_CHARS)}…` : oneLine;
    return this.redactor.redact(cut);
  }
}

function isRetryable(err: HttpLayerError): boolean {
  if (err instanceof NetworkError || err instanceof TimeoutError) return true;
  if (err instanceof HttpError) return err.status >= 500 || err.status === 429;
  return false;
}

/** Fill `{name}` placeholders; each value is percent-encoded per segment. */
export function buildPath(template: string, params: Readonly<Record<string, PathParam>>): string {
  return template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`route ${template}: missing path parameter ${name}`);
    if (Array.isArray(value)) return (value as readonly string[]).map(encodeURIComponent).join("/");
    const s = String(value);
    if (s === "") throw new Error(`route ${template}: empty path parameter ${name}`);
    return encodeURIComponent(s);
  });
}

export function buildQuery(query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (query === undefined) return "";
  const sp = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value as readonly (string | number)[]) sp.append(key, String(v));
    else if (value instanceof Date) sp.append(key, value.toISOString());
    else sp.append(key, String(value));
  }
  const s = sp.toString();
  return s === "" ? "" : `?${s}`;
}

/** One request and its whole response body. */
function exchange(t: Transport, url: string, opts: NodeRequestOptions, body: string | undefined): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = t.request(url, { ...opts, agent: t.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      // A connection lost mid-body; after "end" (or "error") this settles nothing.
      res.on("close", () => {
        if (!res.complete) reject(Object.assign(new Error("the connection closed before the response ended"), { code: "ECONNRESET" }));
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

function errorCode(err: unknown): string | undefined {
  // Socket errors carry `code`; a multi-address connect nests them (AggregateError), wrappers in `cause`.
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && cur !== null && typeof cur === "object"; depth++) {
    if ("code" in cur && typeof cur.code === "string") return cur.code;
    if ("errors" in cur && Array.isArray(cur.errors) && cur.errors.length > 0) cur = cur.errors[0];
    else cur = "cause" in cur ? cur.cause : undefined;
  }
  return undefined;
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 3).map((i) => `${formatIssuePath(i.path)}: ${i.message}`);
  if (issues.length > 3) shown.push(`… ${issues.length - 3} more`);
  return shown.join("; ");
}

function formatIssuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}
