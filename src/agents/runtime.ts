// What every agent run has: its settings and logger, the project config from the ops repo, a
// forge client with its own identity's token, the ops-repo state store, leases, the ledger,
// the CI client, an LLM backend and git credentials. Agents receive an AgentRuntime and never
// read the environment or build clients themselves.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { loadProjectConfig, parseProjectConfig } from "../config/load.ts";
import type { ProjectConfig, Role } from "../config/project.ts";
import { dryRunRepo } from "../forge/dry-run.ts";
import { ForgejoForge } from "../forge/index.ts";
import type { Forge, RepoForge } from "../forge/types.ts";
import type { RunContext } from "../host/context.ts";
import type { Env, Flags } from "../host/env.ts";
import type { Logger } from "../host/logger.ts";
import type { Outcome } from "../host/outcome.ts";
import { runStep } from "../host/run.ts";
import { lookupSecret } from "../host/secrets.ts";
import { baseSettingsSchema } from "../host/settings.ts";
import { DryRun, DryRunStop } from "../lib/dry-run.ts";
import { ConfigError, UsageError } from "../lib/errors.ts";
import { WoodpeckerCi, isFinishedStatus, pipelineRefFromUrl, type Ci } from "../ci/index.ts";
import type { LogSink } from "../host/logger.ts";
import type { Accounting } from "../llm/accounting.ts";
import { opsRepoHooks } from "../llm/ops-repo.ts";
import { backendPlan, capsOf } from "../llm/project-backend.ts";
import { transcriptsIn } from "../llm/transcript.ts";
import type { Backend as LlmBackend, BackendEnv } from "../llm/types.ts";
import { Leases, type LeaseHolder } from "../state/lease.ts";
import { Ledger } from "../state/ledger.ts";
import { PhaseStore } from "../state/phase.ts";
import { DryRunContents } from "../state/dry-run-contents.ts";
import { StateStore } from "../state/store.ts";

export const agentSettingsSchema = baseSettingsSchema.extend({
  config: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe("Path of a local project config TOML to use instead of projects/<project>.toml in the ops repo (local runs and tests)."),
  git_password: z
    .string()
    .min(1)
    .max(16 * 1024)
    .optional()
    .describe("Password for git over HTTP, for forges that refuse API tokens there. Default: the forge token."),
  claude_bin: z.string().min(1).max(4096).default("claude").describe("The Claude Code CLI executable (claude-cli backend)."),
  work_dir: z.string().min(1).max(4096).optional().describe("Where to create this run's working trees and LLM transcripts. Default: a fresh temporary directory."),
  keep_work_dir: z
    .boolean()
    .default(false)
    .describe("Keep this run's working trees and LLM transcripts when it ends, and log where they are (debugging a local run). Default: removed."),
  crash_at: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe("For fault-injection tests only: kill this process (SIGKILL) when it reaches the named checkpoint."),
});
export type AgentSettings = z.output<typeof agentSettingsSchema>;

export interface GitAccess {
  /** Clone URL of the project repo, without credentials. */
  url: string;
  auth: { username: string; secret: string };
  identity: { name: string; email: string };
  /** A dry run: pushes are logged, not made. */
  dryRun: boolean;
}

export interface AgentRuntime {
  ctx: RunContext<AgentSettings>;
  log: Logger;
  role: Role;
  config: ProjectConfig;
  /** This identity's forge login. */
  login: string;
  forge: Forge;
  repo: RepoForge;
  ops: RepoForge;
  state: StateStore;
  leases: Leases;
  phases: PhaseStore;
  ledger: Ledger;
  /** The Woodpecker client, when `ci_url` and `ci_token` are set. */
  ci: Ci | undefined;
  /** Who this run is, for lease documents. */
  holder: LeaseHolder;
  /**
   * The run's LLM backend — the one the `backend` setting names, else the identity's —
   * created on first use (idle runs never build one). In a dry run it stops the run instead
   * of calling the model.
   */
  backend(): Promise<LlmBackend>;
  /** The name of the config's backend `backend()` builds (`[backends.<name>]`); undefined when none is named. */
  backendName: string | undefined;
  /** The backend's credentials, for RunTask.env: only the names the backend owns. */
  backendEnv(backend: LlmBackend): BackendEnv;
  /** A secret the project config names (the vault's allowlist), registered for masking; undefined when unset. */
  secret(name: string): string | undefined;
  /** Turn and time limits the project config sets for the run's backend. */
  llmLimits: { maxTurns: number | undefined; timeoutMinutes: number | undefined };
  /** Ledger, sessions and slots in the ops repo, and the [limits] spend caps: for runWithAccounting. */
  accounting: Accounting;
  git: GitAccess;
  /** A fresh directory for this run's working trees, removed when the run ends. */
  workDir(): Promise<string>;
  now(): number;
  /** Epoch ms the step started, and the one by which it must end (start + timeout_minutes). */
  startedAt: number;
  deadline: number;
  /** A named point in a tick where fault-injection tests may kill the process. */
  checkpoint(name: string): Promise<void>;
  /** Release what the runtime holds (HTTP connections, temp dirs). */
  close(): Promise<void>;
  /**
   * Set in a dry run: the forge and CI clients, the ops-repo state, git and the backend
   * report here what they were asked to change, and change nothing.
   */
  dryRun: DryRun | undefined;
}

export interface RuntimeOptions {
  /** The process environment: where secrets named by the config are looked up. */
  env: Env;
  /** Where checkpoint() sends SIGKILL; injectable for in-process tests. */
  kill?: () => void;
  /** Wraps the backend built from the config (tests count the calls that reach it). */
  wrapBackend?: (backend: LlmBackend) => LlmBackend;
}

function required<T>(value: T | undefined, setting: string, why: string): T {
  if (value === undefined) throw new ConfigError([{ file: "settings", path: setting, message: `missing; ${why}` }]);
  return value;
}

function splitRepo(full: string): { owner: string; name: string } {
  const [owner, name] = full.split("/");
  if (!owner || !name) throw new UsageError(`not a repository of the form owner/name: ${JSON.stringify(full)}`);
  return { owner, name };
}

/** Loads the project config: a local file when `config` is set, else from the ops repo. */
async function loadConfig(settings: AgentSettings, forge: Forge): Promise<ProjectConfig> {
  if (settings.config !== undefined) return loadProjectConfig(settings.config);
  const project = required(settings.project, "project", "name the project, e.g. `project: shop` (selects projects/<project>.toml in the ops repo)");
  const opsRepo = required(settings.ops_repo, "ops_repo", "name the ops repo, e.g. `ops_repo: acme/shop-ops`");
  const file = `projects/${project}.toml`;
  const doc = await forge.repo(splitRepo(opsRepo)).contents.get(file);
  if (doc === undefined) throw new ConfigError([{ file: `${opsRepo}:${file}`, path: "", message: "not found in the ops repo (run `disinto init`, or set `config` to a local file)" }]);
  return parseProjectConfig(doc.text, `${opsRepo}:${file}`);
}

export async function createRuntime(ctx: RunContext<AgentSettings>, log: Logger, role: Role, opts: RuntimeOptions): Promise<AgentRuntime> {
  const s = ctx.settings;
  const forgeUrl = required(s.forge_url, "forge_url", "the forge's root URL, e.g. https://git.example.com");
  const token = required(s.forge_token, "forge_token", "this agent's forge API token (a secret: `forge_token: {from_secret: …}`)");
  const forge = new ForgejoForge({ url: forgeUrl, token, redactor: ctx.redactor });
  const ci = s.ci_url !== undefined && s.ci_token !== undefined ? new WoodpeckerCi({ url: s.ci_url, token: s.ci_token, redactor: ctx.redactor }) : undefined;
  // A dry run is wired here, below the agents, so no agent can forget it: the HTTP clients
  // refuse every write they are not spared by a simulation (the repos below), the ops repo
  // is an in-memory overlay, git does not push and the backend is never called.
  const dry = s.dry_run ? new DryRun(log) : undefined;
  if (dry) {
    log.info("dry run: nothing on the forge, the CI, the ops repo or in git is changed, and the model is not called; the writes the run would make are listed");
    forge.http.refuseWrites(dry);
    ci?.http.refuseWrites(dry);
  }
  let closed = false;
  const dirs: string[] = [];
  try {
    const config = await loadConfig(s, forge);
    if (s.project !== undefined && s.project !== config.name) {
      throw new ConfigError([{ file: "settings", path: "project", message: `is ${JSON.stringify(s.project)} but the config's name is ${JSON.stringify(config.name)}` }]);
    }
    const identity = config.identities[role];
    if (identity === undefined) throw new ConfigError([{ file: `projects/${config.name}.toml`, path: `identities.${role}`, message: `missing; the ${role} agent needs a forge identity and a backend` }]);
    // The `backend` setting picks one of the config's backends for this run (a cheaper model,
    // a scripted one to try a config): checked before anything is done.
    const backendName = s.backend ?? identity.backend;
    if (s.backend !== undefined && config.backends[s.backend] === undefined) {
      const names = Object.keys(config.backends);
      throw new ConfigError([
        { file: "settings", path: "backend", message: `${JSON.stringify(s.backend)} is not a backend of projects/${config.name}.toml; ${names.length > 0 ? `configured: ${names.join(", ")}` : "it configures none ([backends.<name>])"}` },
      ]);
    }
    const rawRepo = forge.repo(splitRepo(config.repo));
    const rawOps = forge.repo(splitRepo(config.ops_repo));
    const repo = dry ? dryRunRepo(rawRepo, dry, { login: identity.login }) : rawRepo;
    const ops = dry ? dryRunRepo(rawOps, dry, { login: identity.login, contents: new DryRunContents(rawOps.contents, dry, config.ops_repo) }) : rawOps;
    const author = { agent: role, identity: identity.login, ...(ctx.pipeline.url ? { pipelineUrl: ctx.pipeline.url } : {}) };
    const state = new StateStore({ contents: ops.contents, author, redactor: ctx.redactor });
    const holder: LeaseHolder = {
      id: ctx.pipeline.url ? `${role}/${identity.login}@${ctx.pipeline.url}` : `${role}/${identity.login}@${process.pid}`,
      agent: role,
      identity: identity.login,
      ...(ctx.pipeline.url ? { pipeline_url: ctx.pipeline.url } : {}),
      pid: process.pid,
    };
    // With a CI client, a lease whose holder's pipeline has finished is free before it expires.
    const leases = new Leases(state, ci ? { holderFinished: (h) => pipelineFinished(ci, h.pipeline_url) } : {});
    const backendEntry = backendName !== undefined ? config.backends[backendName] : undefined;
    const plan = backendEntry ? backendPlan(backendEntry) : undefined;
    let backend: LlmBackend | undefined;
    const rt: AgentRuntime = {
      ctx,
      log,
      role,
      config,
      login: identity.login,
      forge,
      repo,
      ops,
      state,
      leases,
      phases: new PhaseStore(state),
      ledger: new Ledger(state),
      ci,
      holder,
      backendName,
      async backend() {
        if (backendName === undefined) {
          throw new ConfigError([{ file: `projects/${config.name}.toml`, path: `identities.${role}.backend`, message: `missing; the ${role} agent needs an LLM backend (or set \`backend\`)` }]);
        }
        if (backend === undefined) {
          // Transcripts live in the run's work dir, so a run leaves no temp files behind.
          const built = transcriptsIn(await buildBackend(rt, backendName, ops), () => rt.workDir());
          const wrapped = opts.wrapBackend ? opts.wrapBackend(built) : built;
          backend = dry ? new (await import("../llm/dry-run.ts")).DryRunBackend(wrapped, dry, role) : wrapped;
        }
        return backend;
      },
      backendEnv(b) {
        const out: Record<string, string> = {};
        for (const name of b.credentialNames) {
          const v = lookupSecret(opts.env, name, ctx.redactor);
          if (v !== undefined) out[name] = v;
        }
        return out;
      },
      secret: (name) => lookupSecret(opts.env, name, ctx.redactor),
      llmLimits: { maxTurns: plan?.maxTurns, timeoutMinutes: plan?.timeoutMinutes },
      accounting: {
        ...opsRepoHooks(state, {
          project: config.name,
          agent: role,
          holder,
          capacity: plan?.slots ?? 1,
          leases,
          ...(ctx.pipeline.url ? { pipelineUrl: ctx.pipeline.url } : {}),
        }),
        caps: capsOf(config.limits),
      },
      git: {
        url: `${forgeUrl.replace(/\/+$/, "")}/${config.repo}.git`,
        auth: { username: identity.login, secret: s.git_password ?? token },
        identity: { name: identity.login, email: `${identity.login}@users.noreply.disinto` },
        dryRun: dry !== undefined,
      },
      async workDir() {
        const dir = await mkdtemp(join(s.work_dir ?? tmpdir(), `disinto-${role}-`));
        dirs.push(dir);
        return dir;
      },
      now: () => Date.now(),
      startedAt: ctx.startedAt,
      deadline: ctx.deadline,
      checkpoint(name) {
        if (s.crash_at === name) {
          log.warn(`crash_at=${name}: killing this process for a fault-injection test`);
          (opts.kill ?? (() => process.kill(process.pid, "SIGKILL")))();
        }
        return Promise.resolve();
      },
      async close() {
        if (closed) return;
        closed = true;
        ctx.meter.request("forge", forge.requestStats().total);
        if (ci) ctx.meter.request("ci", ci.requestStats().total);
        if (s.keep_work_dir) {
          if (dirs.length > 0) log.info(`keep_work_dir: kept ${dirs.join(", ")}`);
        } else await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
        await Promise.all([forge.close(), ci?.close()]);
      },
      dryRun: dry,
    };
    return rt;
  } catch (err) {
    await Promise.all([forge.close(), ci?.close()]);
    throw err;
  }
}

/** Whether the pipeline at `url` has finished; false when unknown (the lease then runs its time). */
async function pipelineFinished(ci: Ci, url: string | undefined): Promise<boolean> {
  const ref = url ? pipelineRefFromUrl(url) : undefined;
  if (!ref) return false;
  const p = await ci.repo(ref.repoId).pipelines.get(ref.number);
  return p !== undefined && isFinishedStatus(p.status);
}

/**
 * The project config's backend entry, turned into the LLM layer's backend. The LLM layer (its
 * backends, execa, the isolation) is imported here, on first use: an idle run never loads it.
 */
async function buildBackend(rt: AgentRuntime, name: string, ops: RepoForge): Promise<LlmBackend> {
  const [{ createBackend }, { loadScript, parseScriptText }] = await Promise.all([import("../llm/factory.ts"), import("../llm/scripted/script.ts")]);
  const file = `projects/${rt.config.name}.toml`;
  const b = rt.config.backends[name];
  if (b === undefined) throw new ConfigError([{ file, path: `backends.${name}`, message: "missing" }]);
  const where = `${file} [backends.${name}]`;
  if (b.type !== "scripted") return createBackend(backendPlan(b, { claudeBinary: rt.ctx.settings.claude_bin }).config, where);
  rt.log.warn(`backend ${name} is the scripted backend: answers come from ${b.script}, not from a model`);
  // An absolute path is a local file (tests, the demo); a relative one lives in the ops repo.
  if (b.script.startsWith("/")) return createBackend(backendPlan(b, { script: await loadScript(b.script, { file, key: `backends.${name}.script` }) }).config, where);
  const doc = await ops.contents.get(b.script);
  if (doc === undefined) throw new ConfigError([{ file, path: `backends.${name}.script`, message: `${b.script} not found in the ops repo` }]);
  return createBackend(backendPlan(b, { script: parseScriptText(doc.text, `${rt.config.ops_repo}:${b.script}`) }).config, where);
}

/**
 * A dry run's outcome says what would have been done: where it stopped (the model, or a write
 * it could not simulate) or how the agent would have ended, and how many writes it planned.
 * It is `done` when it stopped where the real run would have gone on working.
 */
export function dryRunOutcome(dry: DryRun, out: Outcome): Outcome {
  const n = dry.writes.length;
  const planned = `planned writes: ${n}${n > 0 ? " (listed above)" : ""}`;
  const details = { ...out.details, dry_run: { planned_writes: [...dry.writes], ...(dry.stoppedAt !== undefined ? { stopped_at: dry.stoppedAt } : {}) } };
  if (dry.stoppedAt !== undefined) return { outcome: "done", summary: `dry run: would ${dry.stopAction ?? dry.stoppedAt}; ${planned}`, details };
  if (n === 0) return { ...out, details };
  return { outcome: out.outcome, summary: `dry run: would end ${JSON.stringify(out.summary)}; ${planned}`, details };
}

export interface RunAgentOptions {
  env: Env;
  flags?: Flags;
  streams: { stdout: LogSink };
  now?: () => number;
  kill?: () => void;
  /** Wraps the backend built from the config (tests count the calls that reach it). */
  wrapBackend?: (backend: LlmBackend) => LlmBackend;
}

/** What an agent entrypoint calls: build the runtime, run the tick, report, exit code. */
export async function runAgent(role: Role, body: (rt: AgentRuntime) => Promise<Outcome>, opts: RunAgentOptions): Promise<number> {
  return runStep(
    { schema: agentSettingsSchema, agent: role, env: opts.env, flags: opts.flags, streams: opts.streams, now: opts.now },
    async (ctx, log) => {
      const rt = await createRuntime(ctx, log, role, { env: opts.env, ...(opts.kill ? { kill: opts.kill } : {}), ...(opts.wrapBackend ? { wrapBackend: opts.wrapBackend } : {}) });
      try {
        if (rt.dryRun === undefined) return await body(rt);
        let outcome: Outcome;
        try {
          outcome = await body(rt);
        } catch (err) {
          // Where the dry run stopped, what the agent did with the stop (a failure) is not news.
          if (rt.dryRun.stoppedAt === undefined && !(err instanceof DryRunStop)) throw err;
          outcome = { outcome: "failed", summary: "" };
        }
        return dryRunOutcome(rt.dryRun, outcome);
      } finally {
        await rt.close();
      }
    },
  );
}
