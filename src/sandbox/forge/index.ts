// The sandbox forge: a loopback HTTP server speaking the Forgejo v15 REST subset the agents
// use, over real bare git repositories (smart HTTP included). Used by tests, `disinto demo`
// and `disinto sandbox`.
import { createServer, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { Store } from "./store.ts";
import { ForgeCore } from "./core.ts";
import { FaultInjector, type FaultRule } from "./faults.ts";
import { RequestHandler } from "./server.ts";
import { seedUsers, seedDemo } from "./seed.ts";
import type { ForgeEvent } from "./events.ts";
import { forgeAccess } from "./access.ts";
import type { ForgeAccess } from "../ci/forge-access.ts";

export type { FaultRule } from "./faults.ts";
export { parseFaults, FAULT_SPEC_HELP } from "./faults.ts";
export type { ForgeEvent, PushEvent, PullRequestEvent } from "./events.ts";

export interface SandboxForgeOptions {
  /** 0 = any free port (default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Persist state and repositories here; default a temp dir removed on stop. */
  dataDir?: string;
  /** Applied only when the data dir holds no state yet. Default "empty" (accounts only). */
  seed?: "empty" | "demo";
  faults?: FaultRule[];
  /** Seed for the fault PRNG, for reproducible fault sequences. */
  seedFaultsRandom?: number;
}

export interface SandboxUser {
  login: string;
  token: string;
  password: string;
  admin: boolean;
}

export interface SandboxForge {
  /** e.g. http://127.0.0.1:41234 (API at url + "/api/v1", git at url + "/owner/repo.git"). */
  url: string;
  users: Record<string, SandboxUser>;
  repos: string[];
  setFaults(rules: FaultRule[]): void;
  onEvent(listener: (e: ForgeEvent) => void): () => void;
  /** In-process access for the sandbox CI (no HTTP, no fault injection). */
  access: ForgeAccess;
  /** A repo's Actions secrets, name → value, as a workflow would read them (the API never returns values). */
  actionsSecrets(fullName: string): Record<string, string>;
  stop(): Promise<void>;
}

export async function startSandboxForge(opts: SandboxForgeOptions = {}): Promise<SandboxForge> {
  const temp = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "sandbox-forge-")));
  const { store, fresh } = await Store.open(dataDir);
  const core = new ForgeCore(store, dataDir);
  const faults = new FaultInjector(opts.faults ?? [], opts.seedFaultsRandom);
  const handler = new RequestHandler(core, faults);
  // Requests still being handled when stop() is called (a git write whose client went away)
  // must finish before the state is saved and a temporary data dir is removed.
  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const p = handler
      .handle(req, res)
      .catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
        res.end(String(err));
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  });
  const host = opts.host ?? "127.0.0.1";
  await listen(server, opts.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  core.baseUrl = url;
  try {
    if (fresh) {
      seedUsers(core);
      if (opts.seed === "demo") await seedDemo(core);
      await store.save();
    }
  } catch (err) {
    await close(server);
    throw err;
  }

  const users: Record<string, SandboxUser> = {};
  for (const u of store.state.users) {
    const token = u.tokens[0]?.sha1;
    if (u.kind === "user" && token) users[u.login] = { login: u.login, token, password: u.password, admin: u.isAdmin };
  }
  let stopped = false;
  return {
    url,
    users,
    repos: store.state.repos.map((r) => `${r.owner}/${r.name}`),
    setFaults: (rules) => faults.set(rules),
    onEvent: (listener) => core.events.on(listener),
    access: forgeAccess(core),
    actionsSecrets(fullName) {
      const slash = fullName.indexOf("/");
      const repo = core.repo(fullName.slice(0, slash), fullName.slice(slash + 1));
      if (!repo) throw new Error(`sandbox forge: no repository ${fullName}`);
      return Object.fromEntries((store.state.actionsSecrets ?? []).filter((s) => s.repoId === repo.id).map((s) => [s.name, s.data]));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await close(server);
      await Promise.allSettled([...inFlight]);
      await store.save();
      if (temp) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
