// Route table keyed by the swagger's own path templates, so the contract test can check
// every served (method, template) against forgejo-swagger.json verbatim.
import type { IncomingMessage } from "node:http";
import type { ForgeCore } from "./core.ts";
import type { Convert } from "./convert.ts";
import type { UserRec } from "./store.ts";
import type { Reply } from "./http.ts";
import { ApiError } from "./http.ts";
import { Routes } from "../routes.ts";

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
}

// Parameters that may contain '/' (file paths, branch names, refs), as in Forgejo's router.
const GREEDY = new Set(["filepath", "branch", "name", "head", "ref"]);
const NUMERIC = new Set(["index", "id"]);

export class Router {
  private readonly routes = new Routes<Route>((name) => (NUMERIC.has(name) ? "\\d+" : GREEDY.has(name) ? ".+" : "[^/]+"));

  add(method: string, template: string, handler: Handler, opts: { anonymous?: boolean } = {}): void {
    this.routes.add(method, template, { method, template, handler, anonymous: opts.anonymous ?? false });
  }

  /** First registered route wins: register literal paths before parameterised ones. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    const m = this.routes.match(method, path);
    if (m === "method") throw new ApiError(405, "Method Not Allowed");
    return m === undefined ? undefined : { route: m.handler, params: m.params };
  }

  list(): { method: string; template: string }[] {
    return this.routes.list();
  }
}
