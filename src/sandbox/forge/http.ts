// Request/response plumbing in Forgejo's shapes: `{"message", "url"}` errors (404 adds
// `errors: []`), 422 for bodies that do not bind, and the X-Total-Count / Link pagination pair.
import type { IncomingMessage } from "node:http";
import type { z } from "zod";

/** Forgejo points every error at its swagger page. */
export const SWAGGER_URL_PATH = "/api/swagger";

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

export const notFound = (what = "The target couldn't be found."): ApiError => new ApiError(404, what);
export const forbidden = (what: string): ApiError => new ApiError(403, what);
export const unprocessable = (what: string): ApiError => new ApiError(422, what);

export interface Reply {
  status: number;
  /** JSON body; omitted for 204 and empty answers. */
  json?: unknown;
  /** Raw body (diffs, raw files). */
  raw?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string>;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ status, json: body, ...(headers ? { headers } : {}) });
export const empty = (status: number): Reply => ({ status });

export function errorBody(status: number, message: string, baseUrl: string): Record<string, unknown> {
  const body: Record<string, unknown> = { message, url: `${baseUrl}${SWAGGER_URL_PATH}` };
  if (status === 404) body.errors = [];
  return body;
}

const MAX_BODY = 64 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ApiError(413, "request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Parse a JSON body against a zod schema; an empty body binds as `{}` like Go's binder. */
export function bind<S extends z.ZodType>(schema: S, raw: Buffer): z.infer<S> {
  let value: unknown = {};
  if (raw.length > 0) {
    try {
      value = JSON.parse(raw.toString("utf8"));
    } catch {
      throw unprocessable("[Body]: invalid JSON");
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join(".") ?? "";
    const what = issue?.code === "invalid_type" && issue.input === undefined ? "Required" : (issue?.message ?? "invalid");
    throw unprocessable(field ? `[${field}]: ${what}` : what);
  }
  return parsed.data;
}

export interface Page {
  page: number;
  limit: number;
}

export const DEFAULT_PAGING_NUM = 30;
export const MAX_RESPONSE_ITEMS = 50;

/** Forgejo's `ToCorrectPageSize`: page 0 → 1, limit 0 → default, capped at the max. */
export function pageOf(q: URLSearchParams): Page {
  const page = Math.max(1, Number.parseInt(q.get("page") ?? "1", 10) || 1);
  let limit = Number.parseInt(q.get("limit") ?? "", 10) || DEFAULT_PAGING_NUM;
  if (limit <= 0) limit = DEFAULT_PAGING_NUM;
  if (limit > MAX_RESPONSE_ITEMS) limit = MAX_RESPONSE_ITEMS;
  return { page, limit };
}

/** One page of `items` with X-Total-Count and the applicable Link relations. */
export function paged<T>(items: T[], p: Page, selfUrl: URL, map: (t: T) => unknown): Reply {
  const total = items.length;
  const slice = items.slice((p.page - 1) * p.limit, p.page * p.limit);
  const last = Math.max(1, Math.ceil(total / p.limit));
  const link = (n: number, rel: string): string => {
    const u = new URL(selfUrl);
    u.searchParams.set("page", String(n));
    u.searchParams.set("limit", String(p.limit));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (p.page < last) links.push(link(p.page + 1, "next"), link(last, "last"));
  if (p.page > 1) links.push(link(1, "first"), link(p.page - 1, "prev"));
  const headers: Record<string, string> = { "X-Total-Count": String(total), "Access-Control-Expose-Headers": "X-Total-Count, Link" };
  if (links.length > 0) headers.Link = links.join(",");
  return json(200, slice.map(map), headers);
}
