// The sandbox CI server: Woodpecker's REST API on its own loopback port (API under `/api`,
// web pages such as `/repos/<id>/pipeline/<n>` with the step logs beside it), wired to a forge through
// ForgeAccess, pipelines run by the local executor, crons by the minute scheduler.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApi } from "./api.ts";
import type { PluginResolver } from "./executor.ts";
import type { ForgeAccess } from "./forge-access.ts";
import { CiApiError, readBody, send } from "./http.ts";
import { pipelineModel } from "./models.ts";
import { servePage } from "./pages.ts";
import { sendHtml } from "../html.ts";
import { CronScheduler } from "./scheduler.ts";
import { CiService, SYSTEM_VERSION } from "./service.ts";
import { CiStore } from "./store.ts";

export interface CiServerOptions {
  access: ForgeAccess;
  /** 0 = any free port (default). */
  port?: number;
  host?: string;
  /** Persist CI state here (e.g. `<forge data dir>/ci`); default in memory. */
  dataDir?: string;
  /** Run crons on their schedule (default true); tests fire them with `fireCron`. */
  scheduler?: boolean;
  plugins?: PluginResolver;
  /** Overrides every repo's workflow timeout. */
  workflowTimeoutMs?: number;
  maxConcurrentPipelines?: number;
  killGraceMs?: number;
  baseEnv?: Record<string, string>;
  log?: (line: string) => void;
  /** Forge repositories (full names) to activate as `admin` when the CI state is fresh. */
  activate?: { repos: string[]; as: string };
}

export interface CiServer {
  url: string;
  service: CiService;
  /** CI API token of a forge account. */
  token(login: string): string | undefined;
  /** Runs a repo's cron now (as the scheduler would); undefined when no workflow matched. */
  fireCron(repoFullName: string, cronName: string): Promise<Record<string, unknown> | undefined>;
  /** Resolves when every pipeline has finished and every status was posted. */
  waitIdle(): Promise<void>;
  /** Pipelines of a repository, newest first, with workflows and steps. */
  pipelines(repoFullName: string): Record<string, unknown>[];
  routes(): { method: string; template: string }[];
  stop(): Promise<void>;
}

export async function startCiServer(opts: CiServerOptions): Promise<CiServer> {
  const store = await CiStore.open(opts.dataDir);
  const workRoot = await mkdtemp(join(tmpdir(), "sandbox-ci-work-"));
  const api = buildApi();
  // the service needs the URL, known once the server listens; requests before that get 503
  const ready: { svc?: CiService } = {};
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, { status: 500, text: err instanceof Error ? err.message : String(err) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const svc = ready.svc;
    if (!svc) return send(res, { status: 503, text: "starting" });
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://sandbox-ci.invalid");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    if (path === "/healthz") return send(res, { status: 204 });
    if (path === "/version") return send(res, { status: 200, json: { source: "https://github.com/woodpecker-ci/woodpecker", version: SYSTEM_VERSION } });
    if (!path.startsWith("/api/")) {
      const page = method === "GET" || method === "HEAD" ? servePage(svc, req, path) : undefined;
      if (page) return sendHtml(res, page, method === "HEAD");
      return send(res, { status: 404, text: "404 page not found" });
    }

    const m = api.match(method, path);
    if (m === undefined) return send(res, { status: 404, text: "404 page not found" });
    if (m === "method") return send(res, { status: 405, text: "405 method not allowed" });
    try {
      const header = req.headers.authorization ?? "";
      const bearer = /^bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
      const token = bearer ?? url.searchParams.get("access_token") ?? "";
      const login = svc.authenticate(token);
      if (!login) throw new CiApiError(401, "User not authorized");
      let body: Promise<Buffer> | undefined;
      const ctx = { svc, login, params: m.params, query: url.searchParams, body: () => (body ??= readBody(req)) };
      let repo;
      if (m.handler.need) {
        const raw = m.params.repo_id ?? "";
        if (!/^\d+$/.test(raw)) throw new CiApiError(400, `Error parsing repo id. invalid value "${raw}"`);
        repo = svc.repo(Number(raw));
        const info = repo ? svc.forgeRepo(repo) : undefined;
        const perm = info ? svc.access.permission(login, info.fullName) : undefined;
        if (!repo || !info || !perm?.pull) throw new CiApiError(404, "Repo not found");
        if (!perm[m.handler.need]) throw new CiApiError(403, `User has no ${m.handler.need} permission on ${repo.fullName}`);
      }
      send(res, await m.handler.handler(repo ? { ...ctx, repo } : ctx));
    } catch (err) {
      if (err instanceof CiApiError) send(res, { status: err.status, text: err.message, headers: err.headers });
      else send(res, { status: 500, text: err instanceof Error ? err.message : String(err) });
    }
  }

  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
  const svc = new CiService({
    access: opts.access,
    store,
    url,
    workRoot,
    ...(opts.plugins ? { plugins: opts.plugins } : {}),
    ...(opts.workflowTimeoutMs !== undefined ? { workflowTimeoutMs: opts.workflowTimeoutMs } : {}),
    ...(opts.maxConcurrentPipelines !== undefined ? { maxConcurrentPipelines: opts.maxConcurrentPipelines } : {}),
    ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
    ...(opts.baseEnv ? { baseEnv: opts.baseEnv } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  ready.svc = svc;
  if (store.fresh && opts.activate) {
    for (const full of opts.activate.repos) {
      const info = opts.access.repo(full);
      if (info) await svc.activate(info.remoteId, opts.activate.as);
    }
  }
  await store.save();

  const scheduler = new CronScheduler({
    crons: () => store.state.crons.filter((c) => svc.repo(c.repoId)?.active),
    run: async (cron) => {
      await svc.runCron(cron).catch(() => undefined);
    },
    changed: () => void store.save().catch((err: unknown) => opts.log?.(`sandbox ci: saving cron times failed: ${String(err)}`)),
  });
  if (opts.scheduler ?? true) scheduler.start();

  let stopped = false;
  return {
    url,
    service: svc,
    token: (login) => svc.token(login),
    async fireCron(repoFullName, cronName) {
      const repo = svc.repoByName(repoFullName);
      const cron = repo ? store.state.crons.find((c) => c.repoId === repo.id && c.name === cronName) : undefined;
      if (!repo || !cron) throw new Error(`sandbox ci: no cron "${cronName}" on ${repoFullName}`);
      const p = await svc.runCron(cron);
      return p ? pipelineModel(p, true) : undefined;
    },
    waitIdle: () => svc.waitIdle(),
    pipelines(repoFullName) {
      const repo = svc.repoByName(repoFullName);
      return repo ? svc.pipelinesOf(repo).map((p) => pipelineModel(p, true)) : [];
    },
    routes: () => api.list(),
    async stop() {
      if (stopped) return;
      stopped = true;
      // The port is closed and the work dirs removed even when saving the state fails (its
      // data dir removed under it): a stop that throws must not leave a server listening.
      try {
        await scheduler.stop();
        await svc.stop();
      } finally {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await rm(workRoot, { recursive: true, force: true });
      }
      await store.flush();
    },
  };
}
