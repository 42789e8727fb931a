// The HTTP front door: fault injection first, then git smart HTTP or the /api/v1 router,
// authentication (REQUIRE_SIGN_IN: only /version answers anonymous callers) and Forgejo's
// JSON error shape for everything that goes wrong.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ForgeCore } from "./core.ts";
import type { FaultInjector } from "./faults.ts";
import { Router, type Ctx } from "./router.ts";
import { Convert } from "./convert.ts";
import { ApiError, errorBody, readBody, type Reply } from "./http.ts";
import { GIT_PATH_RE, serveGit } from "./githttp.ts";
import { registerMisc } from "./routes/misc.ts";
import { registerRepos } from "./routes/repos.ts";
import { registerLabels } from "./routes/labels.ts";
import { registerIssues } from "./routes/issues.ts";
import { registerPulls, registerPullByBranches } from "./routes/pulls.ts";
import { registerReviews } from "./routes/reviews.ts";
import { registerStatuses } from "./routes/statuses.ts";
import { registerContents } from "./routes/contents.ts";
import { registerBranches } from "./routes/branches.ts";

export const API_PREFIX = "/api/v1";
const CONTENTS_WRITE_RE = /^\/api\/v1\/repos\/[^/]+\/[^/]+\/contents(\/|$)/;

export function buildRouter(): Router {
  const r = new Router();
  registerMisc(r);
  registerRepos(r);
  registerLabels(r);
  registerIssues(r);
  registerPulls(r);
  registerReviews(r);
  registerStatuses(r);
  registerContents(r);
  registerBranches(r);
  registerPullByBranches(r);
  return r;
}

export class RequestHandler {
  private readonly core: ForgeCore;
  private readonly faults: FaultInjector;
  private readonly router = buildRouter();
  private readonly conv: Convert;

  constructor(core: ForgeCore, faults: FaultInjector) {
    this.core = core;
    this.faults = faults;
    this.conv = new Convert(core);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", this.core.baseUrl);
    const path = url.pathname;
    const contentsWrite = method !== "GET" && CONTENTS_WRITE_RE.test(path);
    const fault = this.faults.decide(method, path, contentsWrite);
    if (fault.latencyMs > 0) await new Promise((r) => setTimeout(r, fault.latencyMs));
    if (fault.drop) {
      req.socket.destroy();
      return;
    }
    if (fault.error) return this.send(res, { status: 500, json: errorBody(500, "sandbox forge: injected fault", this.core.baseUrl) });

    const git = GIT_PATH_RE.exec(path);
    if (git && !path.startsWith(`${API_PREFIX}/`)) return serveGit(this.core, req, res, url, git);

    if (!path.startsWith(`${API_PREFIX}/`)) return this.send(res, this.error(new ApiError(404, "The target couldn't be found.")));
    try {
      const match = this.router.match(method, path.slice(API_PREFIX.length));
      if (!match) throw new ApiError(404, "The target couldn't be found.");
      const auth = this.core.authenticate(req.headers.authorization, url.searchParams.get("token") ?? url.searchParams.get("access_token"));
      if (auth === "invalid") throw new ApiError(401, "user does not exist or the token is invalid");
      if (!auth && !match.route.anonymous) throw new ApiError(401, "Only signed in user is allowed to call APIs.");
      let body: Promise<Buffer> | undefined;
      const ctx: Ctx = {
        core: this.core,
        conv: this.conv,
        req,
        method,
        url,
        params: match.params,
        query: url.searchParams,
        user: auth,
        body: () => (body ??= readBody(req)),
        casConflict: fault.casConflict,
      };
      this.send(res, await match.route.handler(ctx));
    } catch (err) {
      this.send(res, this.error(err));
    }
  }

  private error(err: unknown): Reply {
    if (err instanceof ApiError) return { status: err.status, json: errorBody(err.status, err.message, this.core.baseUrl) };
    // Forgejo blanks 500 messages for non-admins; the sandbox keeps them, they help debugging.
    const message = err instanceof Error ? err.message : String(err);
    return { status: 500, json: errorBody(500, message, this.core.baseUrl) };
  }

  private send(res: ServerResponse, reply: Reply): void {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string> = { ...reply.headers };
    let payload: Buffer | string | undefined;
    if (reply.json !== undefined) {
      headers["Content-Type"] = "application/json;charset=utf-8";
      payload = JSON.stringify(reply.json);
    } else if (reply.raw !== undefined) {
      headers["Content-Type"] = reply.contentType ?? "application/octet-stream";
      payload = reply.raw;
    }
    if (payload !== undefined) headers["Content-Length"] = String(Buffer.byteLength(payload));
    res.writeHead(reply.status, headers);
    res.end(payload);
  }

  routes(): { method: string; template: string }[] {
    return this.router.list();
  }
}
