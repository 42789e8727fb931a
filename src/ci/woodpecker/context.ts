// What the per-noun modules of the Woodpecker client share: the HTTP client, the repo id, and
// paging. Woodpecker pages with `page` + `perPage` (max 50) and sends no Link or total-count
// header, so a page shorter than asked for is the last one.
import { z } from "zod";
import type { HttpClient, HttpResponse, QueryValue, Route } from "../../http/client.ts";
import { PipelineFilteredError } from "../errors.ts";
import type { Pipeline } from "../types.ts";

export const MAX_PER_PAGE = 50;
const MAX_PAGES = 100;

export interface RepoContext {
  readonly http: HttpClient;
  readonly repoId: number;
  /** Path parameters every repo route needs. */
  readonly params: { readonly repo_id: number };
}

export function repoContext(http: HttpClient, repoId: number): RepoContext {
  if (!Number.isSafeInteger(repoId) || repoId < 1) throw new Error(`Woodpecker repo id must be a positive integer, got ${String(repoId)}`);
  return { http, repoId, params: { repo_id: repoId } };
}

export interface ListOptions<T> {
  params: Readonly<Record<string, string | number>>;
  query?: Readonly<Record<string, QueryValue>>;
  /** Only this page. */
  page?: number;
  perPage?: number;
  /** Stop after this many kept items. */
  max?: number;
  /** Keep only items passing this (pagination still counts the raw page). */
  keep?: (item: T) => boolean;
}

export async function listPages<S extends z.ZodType>(http: HttpClient, route: Route, item: S, opts: ListOptions<z.output<S>>): Promise<z.output<S>[]> {
  const perPage = Math.max(1, Math.min(opts.perPage ?? MAX_PER_PAGE, MAX_PER_PAGE));
  const max = opts.max ?? Number.POSITIVE_INFINITY;
  const keep = opts.keep ?? (() => true);
  const pageSchema = z.array(item).nullable();
  const out: z.output<S>[] = [];
  let page = opts.page ?? 1;
  for (let n = 0; n < MAX_PAGES && out.length < max; n++, page++) {
    const res = await http.json(route, pageSchema, { params: opts.params, query: { ...opts.query, page, perPage } });
    const items = (res.data ?? []) as z.output<S>[];
    for (const it of items) {
      if (out.length >= max) break;
      if (keep(it)) out.push(it);
    }
    if (opts.page !== undefined || items.length < perPage) break;
  }
  return out;
}

export { unlessNotFound } from "../../http/errors.ts";

/**
 * The pipeline a start request (manual, restart, cron run) created. Woodpecker answers `204`
 * with `Pipeline-Filtered: true` when no workflow matched: a typed error, never a success.
 */
export function startedPipeline(what: string, repoId: number, res: HttpResponse<Pipeline | undefined>): Pipeline {
  if (res.data !== undefined) return res.data;
  const header = res.headers["pipeline-filtered"];
  const filtered = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase() === "true";
  if (filtered) throw new PipelineFilteredError(what, repoId);
  throw new Error(`${what}: the CI server answered HTTP ${res.status} without a pipeline`);
}
