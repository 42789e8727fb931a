// Typed failures of the HTTP layer. Every error names the method and the path (never the query
// string, which is where secrets hide, and never a header); response text appears only as a
// short, redacted snippet. Callers branch on the class, not on message text.

export interface RequestDescription {
  method: string;
  /** Concrete path below the base URL, without query string, already redacted. */
  path: string;
  /** Path template from the route table, e.g. `/repos/{owner}/{repo}/issues`. */
  route: string;
  /** How many attempts were made, including the one that produced this error. */
  attempts: number;
}

export abstract class HttpLayerError extends Error {
  readonly method: string;
  readonly path: string;
  readonly route: string;
  readonly attempts: number;
  constructor(req: RequestDescription, message: string, options?: ErrorOptions) {
    super(`${req.method} ${req.path}: ${message}${req.attempts > 1 ? ` (after ${req.attempts} attempts)` : ""}`, options);
    this.method = req.method;
    this.path = req.path;
    this.route = req.route;
    this.attempts = req.attempts;
  }
}

/** The server answered with a status we do not accept (≥ 400, or unexpected). */
export class HttpError extends HttpLayerError {
  readonly status: number;
  /** First few hundred characters of the response body, redacted. */
  readonly bodySnippet: string;
  /** The `message` field of a JSON error body (Forgejo/Gitea/Woodpecker style), redacted. */
  readonly serverMessage: string | undefined;
  constructor(req: RequestDescription, status: number, bodySnippet: string, serverMessage: string | undefined) {
    super(req, `HTTP ${status}${serverMessage ? `: ${serverMessage}` : bodySnippet ? `: ${bodySnippet}` : ""}`);
    this.name = "HttpError";
    this.status = status;
    this.bodySnippet = bodySnippet;
    this.serverMessage = serverMessage;
  }
}

/** The connection failed. `mayHaveReachedServer` is false only when we know nothing was sent. */
export class NetworkError extends HttpLayerError {
  readonly code: string | undefined;
  readonly mayHaveReachedServer: boolean;
  constructor(req: RequestDescription, code: string | undefined, detail: string, mayHaveReachedServer: boolean, options?: ErrorOptions) {
    super(req, `network error${code ? ` ${code}` : ""}: ${detail}`, options);
    this.name = "NetworkError";
    this.code = code;
    this.mayHaveReachedServer = mayHaveReachedServer;
  }
}

/** No complete response within the per-request timeout. The server may still act on it. */
export class TimeoutError extends HttpLayerError {
  readonly timeoutMs: number;
  constructor(req: RequestDescription, timeoutMs: number) {
    super(req, `no complete response within ${timeoutMs} ms`);
    this.name = "TimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** The response arrived but does not have the shape we rely on. Never retried. */
export class SchemaError extends HttpLayerError {
  readonly issues: string;
  constructor(req: RequestDescription, issues: string) {
    super(req, `unexpected response shape: ${issues}`);
    this.name = "SchemaError";
    this.issues = issues;
  }
}

/**
 * True when a failed request may nevertheless have taken effect on the server: a 5xx (the
 * handler may have committed before failing), a timeout, or a connection lost after sending.
 * A non-idempotent write that fails this way must be checked before it is tried again.
 */
export function isUnknownOutcome(err: unknown): boolean {
  if (err instanceof TimeoutError) return true;
  if (err instanceof NetworkError) return err.mayHaveReachedServer;
  if (err instanceof HttpError) return err.status >= 500;
  return false;
}

/** True when the request certainly had no effect and may simply be sent again. */
export function isSafeToResend(err: unknown): boolean {
  if (err instanceof NetworkError) return !err.mayHaveReachedServer;
  if (err instanceof HttpError) return err.status === 429;
  return false;
}

export function hasStatus(err: unknown, ...statuses: number[]): err is HttpError {
  return err instanceof HttpError && statuses.includes(err.status);
}

/** `get…` semantics: 404 is an answer (absent), everything else is a failure. */
export async function unlessNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (hasStatus(err, 404)) return undefined;
    throw err;
  }
}
