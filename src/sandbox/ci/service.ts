// The sandbox CI server's core, doing what a Woodpecker 3.x server does between the forge
// and its agents: it keeps activated repositories, turns forge events (push, pull_request),
// manual requests, restarts and crons into numbered pipelines, reads their config at the
// commit, plans them with `when`, runs them on the local executor, and reports every workflow
// to the forge as a commit status `ci/woodpecker/<event>/<workflow>`.
//
// Status policy (Woodpecker reports the workflows that are part of a pipeline): each planned
// workflow gets `pending` when the pipeline is created, `pending` "Pipeline is running" when it
// starts, and its final state when it ends — including workflows skipped because a dependency
// failed or the pipeline was canceled (otherwise their `pending` would never resolve). Workflows
// dropped by `when` and pipelines filtered entirely (`[skip ci]`, no matching workflow, no
// config) post nothing; a pipeline whose config does not parse ends `error` with no workflows
// and, as in Woodpecker, posts nothing either.
import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { ConfigError, formatConfigIssue, type ConfigIssue } from "../../lib/errors.ts";
import type { ForgeEvent, PullRequestEvent, PushEvent } from "../forge/events.ts";
import { KeyedMutex } from "../forge/mutex.ts";
import type { CheckoutSource } from "./checkout.ts";
import { parseWorkflow, type WorkflowConfig } from "./config.ts";
import { metadataEnv, pipelineUrl } from "./env.ts";
import { Executor, type PipelineRecord, type PipelineRun, type PluginResolver, type WorkflowRecord } from "./executor.ts";
import type { ForgeAccess, ForgeRepoInfo } from "./forge-access.ts";
import { CiApiError } from "./http.ts";
import type { PipelineEvent, PipelineInfo, PipelineMetadata } from "./metadata.ts";
import { planPipeline } from "./plan.ts";
import type { SecretDef } from "./secrets.ts";
import { isTerminal, workflowCommitStatus, type CiState } from "./status.ts";
import type { CiCron, CiPipeline, CiRepo, CiStore, PipelineConfig, PipelineError } from "./store.ts";
import { whenContext } from "./when.ts";

export const SYSTEM_VERSION = "3.17.0";
const DEFAULT_TIMEOUT_MINUTES = 60;

/** What starts a pipeline, in forge-neutral terms. */
export interface Trigger {
  event: PipelineEvent;
  sha: string;
  /** `refs/heads/main`, `refs/pull/3/head`; manual pipelines: the branch as sent. */
  ref: string;
  refspec?: string;
  /** Branch; for pull requests the target branch. */
  branch: string;
  message: string;
  title: string;
  author: string;
  authorEmail: string;
  timestamp: number;
  sender: string;
  forgeUrl: string;
  changedFiles: string[];
  pr?: { number: number; labels: string[]; fromFork: boolean };
  cron?: string;
  variables: Record<string, string>;
  parent?: number;
  /** Restarts reuse the original pipeline's config. */
  configs?: PipelineConfig[];
}

export interface CiServiceOptions {
  access: ForgeAccess;
  store: CiStore;
  /** This server's URL (`CI_SYSTEM_URL`, pipeline links). */
  url: string;
  /** Where workflows get their temporary checkouts. */
  workRoot: string;
  plugins?: PluginResolver;
  /** Overrides every repo's `timeout` (tests); default the repo setting in minutes. */
  workflowTimeoutMs?: number;
  maxConcurrentPipelines?: number;
  killGraceMs?: number;
  baseEnv?: Record<string, string>;
  /** Diagnostics (status posts that failed, events that could not be handled). */
  log?: (line: string) => void;
}

const now = (): number => Math.floor(Date.now() / 1000);
const ZERO_SHA_RE = /^0+$/;

export class CiService {
  readonly url: string;
  readonly access: ForgeAccess;
  readonly store: CiStore;
  private readonly opts: CiServiceOptions;
  private readonly executor: Executor;
  private readonly locks = new KeyedMutex();
  private readonly tasks = new Set<Promise<void>>();
  private readonly runs = new Map<number, PipelineRun>();
  private readonly byRecord = new Map<PipelineRecord, CiPipeline>();
  private readonly statusChains = new Map<number, Promise<void>>();
  private readonly posted = new Map<string, string>();
  private readonly unsubscribe: () => void;
  private stopped = false;

  constructor(opts: CiServiceOptions) {
    this.opts = opts;
    this.url = opts.url.replace(/\/+$/, "");
    this.access = opts.access;
    this.store = opts.store;
    this.executor = new Executor({
      workRoot: opts.workRoot,
      ...(opts.plugins ? { plugins: opts.plugins } : {}),
      ...(opts.baseEnv ? { baseEnv: opts.baseEnv } : {}),
      ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
      maxConcurrentPipelines: opts.maxConcurrentPipelines ?? 2,
      nextId: () => this.store.nextId("object"),
    });
    this.executor.subscribe((ev) => {
      const p = this.byRecord.get(ev.pipeline);
      if (!p || ev.type === "log") return;
      p.updated = now();
      if (ev.type === "workflow") this.postWorkflowStatus(p, ev.workflow);
      this.track(this.store.savePipeline(p));
    });
    this.recoverInterrupted();
    this.ensureTokens();
    this.unsubscribe = opts.access.onEvent((e) => this.onForgeEvent(e));
  }

  private log(line: string): void {
    this.opts.log?.(`sandbox ci: ${line}`);
  }

  /** Keeps the promise in the idle set until it settles; failures are logged, never thrown. */
  private track(p: Promise<unknown>): void {
    const settled = p.then(
      () => undefined,
      (err: unknown) => this.log(err instanceof Error ? err.message : String(err)),
    );
    this.tasks.add(settled);
    void settled.finally(() => this.tasks.delete(settled));
  }

  /** Resolves when no pipeline runs, no event is being handled and every status and file write landed. */
  async waitIdle(): Promise<void> {
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
    await this.store.flush();
  }

  /** Kills running pipelines and waits for them to wind down. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    for (const run of this.runs.values()) run.cancel();
    await this.waitIdle();
  }

  // ── users ─────────────────────────────────────────────────────────────────────────

  private ensureTokens(): void {
    let changed = false;
    for (const a of this.access.accounts()) {
      if (this.store.state.tokens[a.login] === undefined) {
        this.store.state.tokens[a.login] = randomBytes(24).toString("hex");
        changed = true;
      }
    }
    if (changed) this.track(this.store.save());
  }

  /** The CI API token of a forge account. */
  token(login: string): string | undefined {
    this.ensureTokens();
    const key = Object.keys(this.store.state.tokens).find((l) => l.toLowerCase() === login.toLowerCase());
    return key === undefined ? undefined : this.store.state.tokens[key];
  }

  tokens(): Record<string, string> {
    this.ensureTokens();
    return { ...this.store.state.tokens };
  }

  authenticate(token: string): string | undefined {
    if (token === "") return undefined;
    const hit = Object.entries(this.store.state.tokens).find(([, t]) => t === token);
    return hit && this.access.account(hit[0]) ? hit[0] : undefined;
  }

  // ── repositories ──────────────────────────────────────────────────────────────────

  repo(id: number): CiRepo | undefined {
    return this.store.state.repos.find((r) => r.id === id);
  }

  repoByName(fullName: string): CiRepo | undefined {
    const n = fullName.toLowerCase();
    return this.store.state.repos.find((r) => r.fullName.toLowerCase() === n);
  }

  forgeRepo(r: CiRepo): ForgeRepoInfo | undefined {
    return this.access.repoById(r.remoteId);
  }

  /** `POST /api/repos?forge_remote_id=` — the user must administer the forge repository. */
  async activate(remoteId: number, login: string): Promise<CiRepo> {
    const info = this.access.repoById(remoteId);
    if (!info) throw new CiApiError(404, `Could not fetch repository from forge: repository ${remoteId} not found`);
    if (!this.access.permission(login, info.fullName).admin) throw new CiApiError(403, "User has to be a admin of this repository");
    const existing = this.store.state.repos.find((r) => r.remoteId === remoteId);
    if (existing?.active) throw new CiApiError(409, "Repository is already active.");
    const repo: CiRepo = existing ?? {
      id: this.store.nextId("repo"),
      remoteId,
      owner: info.owner,
      name: info.name,
      fullName: info.fullName,
      active: true,
      userLogin: login,
      timeout: DEFAULT_TIMEOUT_MINUTES,
      configFile: "",
      trusted: { network: false, volumes: false, security: false },
      requireApproval: "forks",
      allowPr: true,
      allowDeploy: false,
      cancelPreviousPipelineEvents: [],
      nextNumber: 1,
      created: now(),
    };
    repo.active = true;
    repo.userLogin = login;
    if (!existing) this.store.state.repos.push(repo);
    await this.store.save();
    return repo;
  }

  async deactivate(repo: CiRepo): Promise<void> {
    repo.active = false;
    await this.store.save();
  }

  /** Runs `fn` with the repo's pipeline numbering to itself. */
  private locked<T>(repo: CiRepo, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(String(repo.id), fn);
  }

  // ── triggers ──────────────────────────────────────────────────────────────────────

  private onForgeEvent(e: ForgeEvent): void {
    if (this.stopped) return;
    const repo = this.repoByName(e.repo);
    if (!repo?.active) return;
    this.track(
      this.locked(repo, async () => {
        const t = e.type === "push" ? await this.pushTrigger(repo, e) : await this.pullTrigger(repo, e);
        if (t) await this.createPipeline(repo, t);
      }),
    );
  }

  private async pushTrigger(repo: CiRepo, e: PushEvent): Promise<Trigger | undefined> {
    const commit = await this.access.commit(repo.fullName, e.after);
    if (!commit) return undefined;
    const files = await this.access.changedFiles(repo.fullName, ZERO_SHA_RE.test(e.before) ? undefined : e.before, e.after).catch(() => []);
    return {
      event: "push",
      sha: e.after,
      ref: e.ref,
      branch: e.ref.replace(/^refs\/heads\//, ""),
      message: commit.message,
      title: "",
      author: e.pusher,
      authorEmail: commit.authorEmail,
      timestamp: commit.timestamp,
      sender: e.pusher,
      forgeUrl: `${this.forgeRepo(repo)?.htmlUrl ?? ""}/commit/${e.after}`,
      changedFiles: files,
      variables: {},
    };
  }

  private async pullTrigger(repo: CiRepo, e: PullRequestEvent): Promise<Trigger | undefined> {
    if (!repo.allowPr) return undefined;
    const pr = this.access.pull(repo.fullName, e.number);
    const commit = await this.access.commit(repo.fullName, e.head.sha);
    if (!pr || !commit) return undefined;
    const baseSha = e.base.sha || (await this.access.branchHead(repo.fullName, e.base.ref));
    const from = baseSha ? await this.access.mergeBase(repo.fullName, baseSha, e.head.sha) : undefined;
    const files = await this.access.changedFiles(repo.fullName, from, e.head.sha).catch(() => []);
    return {
      event: e.action === "closed" ? "pull_request_closed" : "pull_request",
      sha: e.head.sha,
      ref: `refs/pull/${e.number}/head`,
      refspec: `${e.head.ref}:${e.base.ref}`,
      branch: e.base.ref,
      message: commit.message,
      title: pr.title,
      author: pr.poster,
      authorEmail: commit.authorEmail,
      timestamp: commit.timestamp,
      sender: e.sender,
      forgeUrl: pr.htmlUrl,
      changedFiles: files,
      pr: { number: e.number, labels: pr.labels, fromFork: false },
      variables: {},
    };
  }

  /** `POST /api/repos/{id}/pipelines`: undefined when no workflow matched (HTTP 204 + Pipeline-Filtered). */
  manual(repo: CiRepo, login: string, branch: string, variables: Record<string, string>): Promise<CiPipeline | undefined> {
    return this.locked(repo, async () => {
      const b = branch || this.forgeRepo(repo)?.defaultBranch || "main";
      const sha = await this.access.branchHead(repo.fullName, b);
      if (!sha) throw new CiApiError(404, `could not fetch branch head: branch "${b}" not found`);
      const commit = await this.access.commit(repo.fullName, sha);
      return this.createPipeline(repo, {
        event: "manual",
        sha,
        ref: b,
        branch: b,
        message: `MANUAL PIPELINE @ ${b}`,
        title: "",
        author: login,
        authorEmail: this.access.account(login)?.email ?? "",
        timestamp: commit?.timestamp ?? now(),
        sender: login,
        forgeUrl: `${this.forgeRepo(repo)?.htmlUrl ?? ""}/commit/${sha}`,
        changedFiles: [],
        variables,
      });
    });
  }

  /** A cron pipeline now (scheduler, `POST .../cron/{id}`, `fireCron`); undefined when filtered. */
  runCron(cron: CiCron): Promise<CiPipeline | undefined> {
    const repo = this.repo(cron.repoId);
    if (!repo) return Promise.reject(new CiApiError(404, "repo not found"));
    const p = this.locked(repo, async () => {
      const b = cron.branch || this.forgeRepo(repo)?.defaultBranch || "main";
      const sha = await this.access.branchHead(repo.fullName, b);
      if (!sha) throw new CiApiError(500, `Error creating pipeline for cron ${cron.id}. branch "${b}" not found`);
      const commit = await this.access.commit(repo.fullName, sha);
      return this.createPipeline(repo, {
        event: "cron",
        sha,
        ref: `refs/heads/${b}`,
        branch: b,
        // Woodpecker 3.14+: the cron name is no longer the commit message
        message: "",
        title: "",
        author: "",
        authorEmail: "",
        timestamp: commit?.timestamp ?? now(),
        sender: cron.name,
        forgeUrl: `${this.forgeRepo(repo)?.htmlUrl ?? ""}/commit/${sha}`,
        changedFiles: [],
        cron: cron.name,
        variables: { ...cron.variables },
      });
    });
    this.track(p);
    return p;
  }

  /** `POST .../pipelines/{number}`: the same commit and config again, `parent` = the old number. */
  restart(repo: CiRepo, old: CiPipeline, extraVariables: Record<string, string>): Promise<CiPipeline | undefined> {
    const m = old.metadata;
    const c = m.pipeline.commit;
    return this.locked(repo, () =>
      this.createPipeline(repo, {
        event: m.pipeline.event,
        sha: c.sha,
        ref: c.ref,
        ...(c.refspec ? { refspec: c.refspec } : {}),
        branch: c.branch,
        message: c.message ?? "",
        title: old.title,
        author: m.pipeline.author ?? "",
        authorEmail: c.authorEmail ?? "",
        timestamp: c.timestamp ?? now(),
        sender: old.sender,
        forgeUrl: m.pipeline.forgeUrl ?? "",
        changedFiles: m.pipeline.changedFiles ?? [],
        ...(old.pr ? { pr: old.pr } : {}),
        ...(m.pipeline.cron !== undefined ? { cron: m.pipeline.cron } : {}),
        variables: { ...old.variables, ...extraVariables },
        parent: old.number,
        configs: old.configs,
      }),
    );
  }

  /** Kills a pending or running pipeline; false when it already finished. */
  cancel(p: CiPipeline): boolean {
    const run = this.runs.get(p.id);
    if (!run || isTerminal(p.record.state)) return false;
    run.cancel();
    return true;
  }

  isRunning(p: CiPipeline): boolean {
    return this.runs.has(p.id);
  }

  pipelinesOf(repo: CiRepo): CiPipeline[] {
    return this.store.pipelines.filter((p) => p.repoId === repo.id).sort((a, b) => b.number - a.number);
  }

  pipeline(repo: CiRepo, number: number): CiPipeline | undefined {
    return this.store.pipelines.find((p) => p.repoId === repo.id && p.number === number);
  }

  // ── pipeline creation ─────────────────────────────────────────────────────────────

  /** The workflow files Woodpecker would read at `sha`. */
  private async readConfigs(repo: CiRepo, sha: string): Promise<PipelineConfig[]> {
    const full = repo.fullName;
    const fromDir = async (dir: string): Promise<PipelineConfig[]> => {
      const entries = (await this.access.listDir(full, sha, dir)).filter((e) => e.type === "blob" && /\.ya?ml$/i.test(e.path)).sort((a, b) => (a.path < b.path ? -1 : 1));
      const out: PipelineConfig[] = [];
      for (const e of entries) {
        const data = await this.access.readFile(full, sha, e.path);
        if (data) out.push(config(e.path, data));
      }
      return out;
    };
    const single = async (path: string): Promise<PipelineConfig[]> => {
      const data = await this.access.readFile(full, sha, path);
      return data ? [config(path, data)] : [];
    };
    const custom = repo.configFile.trim();
    if (custom !== "") {
      const path = custom.replace(/^\/+/, "").replace(/\/+$/, "");
      if (custom.endsWith("/")) return fromDir(path);
      const file = await single(path);
      return file.length > 0 ? file : fromDir(path);
    }
    const dir = await fromDir(".woodpecker");
    if (dir.length > 0) return dir;
    for (const f of [".woodpecker.yaml", ".woodpecker.yml"]) {
      const found = await single(f);
      if (found.length > 0) return found;
    }
    return [];
  }

  private metadata(repo: CiRepo, t: Trigger, number: number, created: number): PipelineMetadata {
    const info = this.forgeRepo(repo);
    const pipeline: PipelineInfo = {
      number,
      parent: t.parent ?? 0,
      event: t.event,
      forgeUrl: t.forgeUrl,
      created,
      started: created,
      changedFiles: t.changedFiles,
      commit: {
        sha: t.sha,
        ref: t.ref,
        branch: t.branch,
        message: t.message,
        timestamp: t.timestamp,
        author: t.author,
        authorEmail: t.authorEmail,
        ...(t.refspec ? { refspec: t.refspec } : {}),
        ...(t.pr ? { pullRequestLabels: t.pr.labels, pullRequestDraft: false } : {}),
      },
      ...(t.author ? { author: t.author } : {}),
      ...(t.cron !== undefined ? { cron: t.cron } : {}),
    };
    const meta: PipelineMetadata = {
      system: { url: this.url, name: "woodpecker", version: SYSTEM_VERSION, machine: hostname() },
      forge: { type: this.access.type, url: this.access.url },
      repo: {
        id: repo.id,
        remoteId: String(repo.remoteId),
        owner: repo.owner,
        name: repo.name,
        ...(info ? { url: info.htmlUrl, cloneUrl: info.cloneUrl, defaultBranch: info.defaultBranch, private: info.private } : {}),
        trusted: { ...repo.trusted },
      },
      pipeline,
    };
    const prev = this.store.pipelines
      .filter((p) => p.repoId === repo.id && p.number < number && p.metadata.pipeline.commit.branch === t.branch)
      .sort((a, b) => b.number - a.number)[0];
    if (prev) {
      meta.prev = {
        ...prev.metadata.pipeline,
        status: prev.record.state,
        ...(prev.record.started ? { started: prev.record.started } : {}),
        ...(prev.record.finished ? { finished: prev.record.finished } : {}),
      };
    }
    return meta;
  }

  /** Parses the configs; issues and warnings become the pipeline's errors. */
  private parse(configs: PipelineConfig[], env: Record<string, string>): { workflows: WorkflowConfig[]; issues: ConfigIssue[]; warnings: ConfigIssue[] } {
    const workflows: WorkflowConfig[] = [];
    const issues: ConfigIssue[] = [];
    const names = new Map<string, string>();
    for (const c of configs) {
      try {
        const wf = parseWorkflow(c.name, c.data, { substitute: env });
        const other = names.get(wf.name);
        if (other !== undefined) issues.push({ file: c.name, path: "", message: `workflow name "${wf.name}" is also used by ${other}` });
        names.set(wf.name, c.name);
        workflows.push(wf);
      } catch (err) {
        if (err instanceof ConfigError) issues.push(...err.issues);
        else throw err;
      }
    }
    return { workflows, issues, warnings: workflows.flatMap((w) => w.warnings) };
  }

  private async createPipeline(repo: CiRepo, t: Trigger): Promise<CiPipeline | undefined> {
    if (this.stopped) return undefined;
    const configs = t.configs ?? (await this.readConfigs(repo, t.sha));
    // a repository without CI config (an ops repo, say) gets no pipelines, as in Woodpecker
    if (configs.length === 0) return undefined;
    const number = repo.nextNumber;
    const created = now();
    const metadata = this.metadata(repo, t, number, created);
    const env = { ...t.variables, ...metadataEnv(metadata) };
    const { workflows, issues, warnings } = this.parse(configs, env);
    if (issues.length === 0) {
      const plan = planPipeline(workflows, whenContext(metadata, env));
      if (plan.workflows.length === 0) return undefined;
    }
    repo.nextNumber++;
    const p: CiPipeline = {
      id: this.store.nextId("pipeline"),
      repoId: repo.id,
      number,
      parent: t.parent ?? 0,
      event: t.event,
      metadata,
      title: t.title,
      sender: t.sender,
      created,
      updated: created,
      variables: { ...t.variables },
      configs,
      preErrors: [...issues.map((i) => linterError(i, false)), ...warnings.map((i) => linterError(i, true))],
      record: { number, event: t.event, sha: t.sha, state: "error", errors: [], workflows: [], filtered: [], started: created, finished: created },
      ...(t.pr ? { pr: t.pr } : {}),
    };
    this.store.pipelines.push(p);
    if (issues.length === 0) {
      const run = this.executor.start({
        metadata,
        workflows,
        source: this.source(repo, t),
        secrets: this.secretsOf(repo),
        timeoutMs: this.opts.workflowTimeoutMs ?? (repo.timeout > 0 ? repo.timeout : DEFAULT_TIMEOUT_MINUTES) * 60_000,
        variables: t.variables,
      });
      p.record = run.record;
      this.runs.set(p.id, run);
      this.byRecord.set(run.record, p);
      for (const wf of run.record.workflows) this.postWorkflowStatus(p, wf);
      this.track(
        run.done.finally(() => {
          this.runs.delete(p.id);
          this.byRecord.delete(run.record);
          p.updated = now();
          return this.store.savePipeline(p);
        }),
      );
    }
    await Promise.all([this.store.save(), this.store.savePipeline(p)]);
    return p;
  }

  private source(repo: CiRepo, t: Trigger): CheckoutSource {
    const info = this.forgeRepo(repo);
    let fetchRef = t.ref.startsWith("refs/") ? t.ref : `refs/heads/${t.branch}`;
    // pull request heads are fetched by their source branch (the sandbox forge keeps no refs/pull/*)
    if (t.pr && t.refspec) fetchRef = `refs/heads/${t.refspec.split(":")[0] ?? t.branch}`;
    return {
      cloneUrl: info?.cloneUrl ?? `${this.access.url}/${repo.fullName}.git`,
      credentials: () => {
        const a = this.access.account(repo.userLogin);
        return a ? { username: a.login, password: a.token } : undefined;
      },
      sha: t.sha,
      ref: fetchRef,
      branch: t.branch,
    };
  }

  private secretsOf(repo: CiRepo): SecretDef[] {
    return this.store.state.secrets.filter((s) => s.repoId === repo.id).map((s) => ({ name: s.name, value: s.value, events: s.events, images: s.images }));
  }

  private postWorkflowStatus(p: CiPipeline, wf: WorkflowRecord): void {
    const repo = this.repo(p.repoId);
    if (!repo) return;
    const status = workflowCommitStatus({ event: p.event, workflow: wf.name, state: wf.state, targetUrl: pipelineUrl(p.metadata) });
    const key = `${p.id}:${wf.id}`;
    const sig = `${status.state}:${status.description}`;
    if (this.posted.get(key) === sig) return;
    this.posted.set(key, sig);
    const sha = p.metadata.pipeline.commit.sha;
    const prev = this.statusChains.get(p.id) ?? Promise.resolve();
    const next = prev.then(() => this.access.postStatus(repo.fullName, sha, status, repo.userLogin)).catch((err: unknown) => {
      this.log(`${repo.fullName}: posting status ${status.context}=${status.state} failed: ${err instanceof Error ? err.message : String(err)}`);
    });
    this.statusChains.set(p.id, next);
    this.track(next);
  }

  /** Pipelines left running by a process that died end `killed`, their steps with them. */
  private recoverInterrupted(): void {
    for (const p of this.store.pipelines) {
      if (isTerminal(p.record.state)) continue;
      const at = now();
      const end = (s: { state: CiState; error?: string; finished?: number }, state: CiState): void => {
        s.state = state;
        s.error = "the sandbox CI stopped while this was running";
        s.finished = at;
      };
      for (const wf of p.record.workflows) {
        for (const s of wf.steps) if (!isTerminal(s.state)) end(s, s.state === "running" ? "killed" : "skipped");
        if (!isTerminal(wf.state)) end(wf, "killed");
      }
      p.record.state = "killed";
      p.record.finished = at;
      p.updated = at;
      this.track(this.store.savePipeline(p));
    }
  }
}

function config(name: string, data: Buffer): PipelineConfig {
  return { name, hash: createHash("sha256").update(data).digest("hex"), data: data.toString("utf8") };
}

function linterError(i: ConfigIssue, warning: boolean): PipelineError {
  return { type: "linter", message: formatConfigIssue(i), is_warning: warning, data: { file: i.file, field: i.path } };
}
