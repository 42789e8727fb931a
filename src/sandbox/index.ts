// The whole sandbox in one process: the Forgejo-compatible forge and the Woodpecker-compatible
// CI wired to it (forge events start pipelines, the CI posts commit statuses back). Used by
// `disinto sandbox`, the demo and integration tests.
import { existsSync, statSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PLUGIN_IMAGE_PATTERN } from "../lib/plugin-image.ts";
import { bundlePlugins } from "./ci/executor.ts";
import { startCiServer } from "./ci/server.ts";
import { startSandboxForge, type FaultRule, type SandboxForge } from "./forge/index.ts";

export interface SandboxOptions {
  seed?: "empty" | "demo";
  /** Forge state in DIR, CI state in DIR/ci; default temporary. */
  dataDir?: string;
  faults?: FaultRule[];
  seedFaultsRandom?: number;
  /** Forge port (0 = any). */
  port?: number;
  /** CI port (0 = any). */
  ciPort?: number;
  host?: string;
  /** Run crons on their schedule (default true). */
  scheduler?: boolean;
  /** Where `bundles/<agent>.mjs` are found for disinto plugin steps; default the package's `bundles/`. */
  bundlesDir?: string;
  /** Overrides every repo's workflow timeout (tests). */
  workflowTimeoutMs?: number;
  maxConcurrentPipelines?: number;
  killGraceMs?: number;
  log?: (line: string) => void;
}

export interface SandboxCi {
  url: string;
  /** CI API token of a sandbox user (the forge's logins). */
  token(login: string): string;
  fireCron(repoFullName: string, cronName: string): Promise<Record<string, unknown> | undefined>;
  /** Resolves when all running pipelines finished and their statuses were posted. */
  waitIdle(): Promise<void>;
  /** Woodpecker `Pipeline` models of a repository, newest first, with workflows and steps. */
  pipelines(repoFullName: string): Record<string, unknown>[];
}

export interface Sandbox {
  forge: SandboxForge;
  ci: SandboxCi;
  /**
   * Resolves with the error that leaves the sandbox unable to work (its data dir removed under
   * it); never settles otherwise. Whoever runs the sandbox races it and stops.
   */
  fatal: Promise<Error>;
  /** Stops both servers — the ports are closed even when saving the state fails. */
  stop(): Promise<void>;
}

/** How often the data dir is checked. */
const WATCH_MS = 500;

/** The package's `bundles/` directory, from source (`src/sandbox/`) or from a bundle (`bundles/*.mjs`). */
export function defaultBundlesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json"))) return join(dir, "bundles");
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return resolve("bundles");
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const forge = await startSandboxForge({
    seed: opts.seed ?? "empty",
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(opts.seedFaultsRandom !== undefined ? { seedFaultsRandom: opts.seedFaultsRandom } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
  });
  let ci;
  try {
    ci = await startCiServer({
      access: forge.access,
      ...(opts.ciPort !== undefined ? { port: opts.ciPort } : {}),
      ...(opts.host !== undefined ? { host: opts.host } : {}),
      ...(opts.dataDir !== undefined ? { dataDir: join(opts.dataDir, "ci") } : {}),
      scheduler: opts.scheduler ?? true,
      plugins: bundlePlugins({ image: PLUGIN_IMAGE_PATTERN, bundlesDir: opts.bundlesDir ?? defaultBundlesDir() }),
      ...(opts.workflowTimeoutMs !== undefined ? { workflowTimeoutMs: opts.workflowTimeoutMs } : {}),
      ...(opts.maxConcurrentPipelines !== undefined ? { maxConcurrentPipelines: opts.maxConcurrentPipelines } : {}),
      ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.seed === "demo" ? { activate: { repos: ["demo/calc", "demo/calc-ops"], as: "admin" } } : {}),
    });
  } catch (err) {
    await forge.stop();
    throw err;
  }
  const server = ci;
  let stopped = false;
  const watch = watchDataDir(opts.dataDir);
  return {
    fatal: watch.fatal,
    forge,
    ci: {
      url: server.url,
      token(login) {
        const t = server.token(login);
        if (t === undefined) throw new Error(`sandbox: no user ${login}`);
        return t;
      },
      fireCron: (repo, name) => server.fireCron(repo, name),
      waitIdle: () => server.waitIdle(),
      pipelines: (repo) => server.pipelines(repo),
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      watch.stop();
      // the CI first: its running pipelines are killed and post their last statuses to the forge
      const results = await Promise.allSettled([server.stop()]);
      results.push(...(await Promise.allSettled([forge.stop()])));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed !== undefined) throw failed.reason;
    },
  };
}

/**
 * A sandbox whose data dir is removed (or replaced) while it runs can no longer save its state:
 * every write fails and pipelines stall. Checking the dir's inode turns that into one error.
 */
function watchDataDir(dir: string | undefined): { fatal: Promise<Error>; stop(): void } {
  if (dir === undefined) return { fatal: new Promise<Error>(() => undefined), stop: () => undefined };
  const ino = statSync(dir).ino;
  let report: (err: Error) => void = () => undefined;
  const fatal = new Promise<Error>((resolve) => (report = resolve));
  const timer = setInterval(() => {
    let now: number | undefined;
    try {
      now = statSync(dir).ino;
    } catch {
      now = undefined;
    }
    if (now === ino) return;
    clearInterval(timer);
    report(new Error(`sandbox: its data dir ${dir} was ${now === undefined ? "removed" : "replaced"} while it ran; its state can no longer be saved`));
  }, WATCH_MS);
  // the watch alone keeps no process alive
  timer.unref();
  return { fatal, stop: () => clearInterval(timer) };
}
