// Failures a caller of the Ci is expected to branch on. Transport failures stay the HTTP
// layer's typed errors (HttpError, NetworkError, TimeoutError, SchemaError).
import { HttpError } from "../http/errors.ts";

/**
 * The server accepted the request but started no pipeline: no workflow's `when:` allows the
 * event (Woodpecker answers `204` with `Pipeline-Filtered: true`). Retrying will not help;
 * the pipeline files need an `event: manual` (or matching) filter.
 */
export class PipelineFilteredError extends Error {
  readonly repoId: number;
  constructor(what: string, repoId: number) {
    super(`${what}: no pipeline was started — no workflow of repo ${repoId} matches (Woodpecker answered 204 Pipeline-Filtered)`);
    this.name = "PipelineFilteredError";
    this.repoId = repoId;
  }
}

/** The thing to create exists already (a cron name is unique per repo). */
export class CiConflictError extends Error {
  readonly status: number | undefined;
  constructor(what: string, cause?: unknown) {
    const status = cause instanceof HttpError ? cause.status : undefined;
    super(`${what}: already exists${status !== undefined ? ` (HTTP ${status})` : ""}`, cause === undefined ? undefined : { cause });
    this.name = "CiConflictError";
    this.status = status;
  }
}

/** The server refused a value (Woodpecker's 422: bad cron schedule, timezone, secret event …). */
export class CiValidationError extends Error {
  readonly status: number;
  readonly serverMessage: string;
  constructor(what: string, cause: HttpError) {
    const detail = cause.serverMessage ?? cause.bodySnippet;
    super(`${what}: rejected by the CI server (HTTP ${cause.status})${detail ? `: ${detail}` : ""}`, { cause });
    this.name = "CiValidationError";
    this.status = cause.status;
    this.serverMessage = detail;
  }
}
