// The HTTP front door: fault injection first, then git smart HTTP, the /api/v1 router with
// authentication (REQUIRE_SIGN_IN: only /version answers anonymous callers) and Forgejo's
// JSON error shape for everything that goes wrong, or else the read-only web pages.
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
import { registerReleases } from "./routes/releases.ts";
import { registerActionsSecrets } from "./routes/actions-secrets.ts";
import { ForgePages } from "./pages.ts";
import { htmlPage, html, sendHtml, wantsHtml } from "../html.ts";

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
  registerReleases(r);
  registerActionsSecrets(r);
  return r;
}

export class RequestHandler {
  private readonly core: ForgeCore;
  private readonly faults: FaultInjector;
  private readonly router = buildRouter();
  private readonly conv: Convert;
  private readonly pages: ForgePages;

  constructor(core: ForgeCore, faults: FaultInjector) {
    this.core = core;
    this.faults = faults;
    this.conv = new Convert(core);
    this.pages = new ForgePages(core);
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

    if (!path.startsWith(`${API_PREFIX}/`)) return this.page(req, res, method, path);
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
      const reply = await match.route.handler(ctx);
      if (fault.lostAnswer) return await this.loseAnswer(req, res, fault.lostAnswer);
      this.send(res, reply);
    } catch (err) {
      if (fault.lostAnswer) return await this.loseAnswer(req, res, fault.lostAnswer);
      this.send(res, this.error(err));
    }
  }

  /** The request was handled; its answer never arrives (fault injection). */
  private async loseAnswer(req: IncomingMessage, res: ServerResponse, lost: { as: "drop" | "error"; delayMs: number }): Promise<void> {
    if (lost.delayMs > 0) await new Promise((r) => setTimeout(r, lost.delayMs));
    if (lost.as === "drop") req.socket.destroy();
    else this.send(res, { status: 500, json: errorBody(500, "sandbox forge: injected fault after handling the request", this.core.baseUrl) });
  }

  /** Web pages live outside /api; what is no page stays Forgejo's JSON 404 unless a browser asks. */
  private async page(req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> {
    const html404 = (): void => sendHtml(res, { status: 404, body: htmlPage("Not found", html`<h1>404</h1><p>Nothing lives at ${path}.</p>`, { href: "/", text: "sandbox forge" }) });
    if ((method === "GET" || method === "HEAD") && path !== "/api" && !path.startsWith("/api/")) {
      try {
        const page = await this.pages.serve(req, path);
        if (page !== undefined && page !== "method") return sendHtml(res, page, method === "HEAD");
      } catch (err) {
        return sendHtml(res, { status: 500, body: htmlPage("Error", html`<h1>500</h1><pre>${err instanceof Error ? err.message : String(err)}</pre>`, { href: "/", text: "sandbox forge" }) });
      }
    }
    if (wantsHtml(req.headers.accept)) return html404();
    this.send(res, this.error(new ApiError(404, "The target couldn't be found.")));
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
