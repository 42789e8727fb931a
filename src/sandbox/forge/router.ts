// Route table keyed by the swagger's own path templates, so the contract test can check
// every served (method, template) against forgejo-swagger.json verbatim.
import type { IncomingMessage } from "node:http";
import type { ForgeCore } from "./core.ts";
import type { Convert } from "./convert.ts";
import type { UserRec } from "./store.ts";
import type { Reply } from "./http.ts";
import { ApiError } from "./http.ts";

export interface Ctx {
  core: ForgeCore;
  conv: Convert;
  req: IncomingMessage;
  method: string;
  /** Full request URL (absolute, on the forge's base URL). */
  url: URL;
  params: Record<string, string>;
  query: URLSearchParams;
  user: UserRec | undefined;
  body(): Promise<Buffer>;
  /** Forced contents-API CAS conflict from fault injection. */
  casConflict: boolean;
}

export type Handler = (c: Ctx) => Promise<Reply> | Reply;

export interface Route {
  method: string;
  /** Swagger path template under /api/v1, e.g. /repos/{owner}/{repo}/issues/{index}. */
  template: string;
  /** Answers anonymous requests too (everything else needs a signed-in user). */
  anonymous: boolean;
  handler: Handler;
  regex: RegExp;
  names: string[];
}

// Parameters that may contain '/' (file paths, branch names, refs), as in Forgejo's router.
const GREEDY = new Set(["filepath", "branch", "name", "head", "ref"]);
const NUMERIC = new Set(["index", "id"]);

function compile(template: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const re = template.replace(/[.+^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    if (NUMERIC.has(name)) return "(\\d+)";
    return GREEDY.has(name) ? "(.+)" : "([^/]+)";
  });
  return { regex: new RegExp(`^${re}$`), names };
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, template: string, handler: Handler, opts: { anonymous?: boolean } = {}): void {
    this.routes.push({ method, template, handler, anonymous: opts.anonymous ?? false, ...compile(template) });
  }

  /** First registered route wins: register literal paths before parameterised ones. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1] ?? "");
      });
      return { route: r, params };
    }
    if (pathMatched) throw new ApiError(405, "Method Not Allowed");
    return undefined;
  }

  list(): { method: string; template: string }[] {
    return this.routes.map((r) => ({ method: r.method, template: r.template }));
  }
}
