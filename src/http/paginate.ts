// Page through list endpoints. Forgejo/Gitea send RFC 8288 `Link` headers on most lists; a few
// (the issue timeline) send none and an `X-Total-Count` that counts only the current page, so
// those are read until a page comes back shorter than the limit asked for.
import { z } from "zod";
import type { HttpClient, QueryValue, RequestOptions, Route } from "./client.ts";

/** Forgejo's MAX_RESPONSE_ITEMS default: asking for more silently yields 50 per page. */
export const DEFAULT_PAGE_LIMIT = 50;

export interface PageOptions extends Omit<RequestOptions, "body"> {
  /** Items per page. Keep ≤ the server's max or the short-page fallback stops early. */
  limit?: number;
  /** Fetch exactly this page instead of all of them. */
  page?: number;
  /** Safety stop for runaway listings. */
  maxPages?: number;
}

/** `<url>; rel="next", <url>; rel="last"` → Map rel → url. */
export function parseLinkHeader(header: string | string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const value = Array.isArray(header) ? header.join(",") : header;
  if (value === undefined) return out;
  for (const part of value.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!m) continue;
    const url = m[1] ?? "";
    for (const rel of (m[2] ?? "").matchAll(/;\s*rel\s*=\s*"?([^";]+)"?/gi)) {
      for (const r of (rel[1] ?? "").trim().split(/\s+/)) out.set(r.toLowerCase(), url);
    }
  }
  return out;
}

/** Page number of a `next` link, if it carries one. */
function pageOf(url: string): number | undefined {
  try {
    const p = new URL(url, "http://relative.invalid").searchParams.get("page");
    const n = p === null ? NaN : Number(p);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Yield page after page. The next page number is taken from `Link: rel="next"` when the header
 * is present (its absolute URL is not followed: the server's ROOT_URL may not be the address we
 * reach it by); without the header, a short page ends the listing.
 */
export async function* pages<S extends z.ZodType>(http: HttpClient, route: Route, item: S, opts: PageOptions = {}): AsyncGenerator<z.output<S>[]> {
  const limit = opts.limit ?? DEFAULT_PAGE_LIMIT;
  const maxPages = opts.maxPages ?? 1000;
  const arraySchema = z.array(item).nullable();
  let page = opts.page ?? 1;
  for (let n = 0; n < maxPages; n++) {
    const query: Record<string, QueryValue> = { ...opts.query, page, limit };
    const res = await http.json(route, arraySchema, { ...opts, query });
    const items = (res.data ?? []) as z.output<S>[];
    yield items;
    if (opts.page !== undefined) return;
    const linkHeader = res.headers.link;
    let next: number | undefined;
    if (linkHeader !== undefined && linkHeader !== "") {
      const nextUrl = parseLinkHeader(linkHeader).get("next");
      next = nextUrl === undefined ? undefined : (pageOf(nextUrl) ?? page + 1);
    } else {
      next = items.length >= limit ? page + 1 : undefined;
    }
    if (next === undefined || next <= page || items.length === 0) return;
    page = next;
  }
}

/** All items of all pages (or of `opts.page` only). */
export async function collect<S extends z.ZodType>(http: HttpClient, route: Route, item: S, opts: PageOptions = {}): Promise<z.output<S>[]> {
  const all: z.output<S>[] = [];
  for await (const page of pages(http, route, item, opts)) all.push(...page);
  return all;
}
