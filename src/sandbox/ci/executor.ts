// Runs a pipeline the way a Woodpecker agent would, on this machine: each workflow gets a
// fresh checkout of the commit, `commands` steps run as local `sh -e` processes, steps whose
// plugin image maps to a local command (the disinto bundles) run that command with
// `PLUGIN_*` + `CI_*`; other plugin images are skipped with a reason. Workflows run one at a
// time in dependency order. Listeners see every state change and every log line.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Redactor } from "../../lib/redact.ts";
import { checkoutCommands, gitEnv, writeCredentialHelper, type CheckoutSource, type GitCommand, type GitCredentials } from "./checkout.ts";
import type { StepConfig, WorkflowConfig } from "./config.ts";
import { stepEnv, metadataEnv, type StepType } from "./env.ts";
import { StepLog, type LogLine } from "./log.ts";
import type { PipelineMetadata } from "./metadata.ts";
import { dependenciesAllow, planPipeline, type FilteredWorkflow, type PlannedWorkflow } from "./plan.ts";
import { runProcess, type ProcessResult } from "./process.ts";
import { secretLookup, SecretError, type SecretDef } from "./secrets.ts";
import { encodeEnvironment, encodeSettings } from "./settings.ts";
import { pipelineState, type CiState } from "./status.ts";
import { evaluateWhen, shouldRun, whenContext, type WhenResult } from "./when.ts";

export const DEFAULT_WORKFLOW_TIMEOUT_MS = 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------
// records (shaped after Woodpecker's Pipeline / Workflow / Step API models)

export interface StepRecord {
  id: number;
  pid: number;
  /** pid of the workflow */
  ppid: number;
  name: string;
  type: StepType;
  /** Recorded as written; `commands` steps run locally whatever the image. */
  image: string;
  state: CiState;
  error?: string;
  exitCode: number;
  /** Unix seconds. */
  started?: number;
  finished?: number;
  failure: "fail" | "ignore" | "cancel";
  logs: LogLine[];
}

export interface WorkflowRecord {
  id: number;
  pid: number;
  name: string;
  file: string;
  state: CiState;
  error?: string;
  started?: number;
  finished?: number;
  steps: StepRecord[];
}

export interface PipelineRecord {
  number: number;
  event: string;
  sha: string;
  state: CiState;
  /** Configuration or planning problems (Woodpecker's pipeline `errors`). */
  errors: string[];
  started?: number;
  finished?: number;
  workflows: WorkflowRecord[];
  filtered: FilteredWorkflow[];
}

export type ExecutorEvent =
  | { type: "pipeline"; pipeline: PipelineRecord }
  | { type: "workflow"; pipeline: PipelineRecord; workflow: WorkflowRecord }
  | { type: "step"; pipeline: PipelineRecord; workflow: WorkflowRecord; step: StepRecord }
  | { type: "log"; pipeline: PipelineRecord; workflow: WorkflowRecord; step: StepRecord; line: LogLine };

/** Records passed to listeners are live: read them, do not change them. */
export type ExecutorListener = (event: ExecutorEvent) => void;

// ---------------------------------------------------------------------------------------
// plugins

export interface PluginStep {
  name: string;
  image: string;
  settings: Readonly<Record<string, unknown>>;
}

export interface PluginCommand {
  command: string;
  args: string[];
}

/** Maps a plugin step to the local command that stands in for its image; undefined = not runnable here. */
export type PluginResolver = (step: PluginStep) => PluginCommand | undefined;

/**
 * The disinto plugin: images matching `image` run `node <bundlesDir>/<bundle>.mjs`. The bundle
 * defaults to the `agent` setting, else the image's last path segment without its tag.
 */
export function bundlePlugins(opts: { image: RegExp; bundlesDir: string; node?: string; bundle?: (step: PluginStep) => string }): PluginResolver {
  const bundleOf =
    opts.bundle ??
    ((step: PluginStep): string => {
      const agent = step.settings.agent;
      if (typeof agent === "string" && /^[a-z0-9-]+$/.test(agent)) return agent;
      return (step.image.split("/").pop() ?? step.image).replace(/[:@].*$/, "");
    });
  return (step) => {
    if (!opts.image.test(step.image)) return undefined;
    return { command: opts.node ?? process.execPath, args: [join(resolve(opts.bundlesDir), `${bundleOf(step)}.mjs`)] };
  };
}

// ---------------------------------------------------------------------------------------

export interface ExecutorOptions {
  /** Directory under which each workflow gets its own temporary workspace. */
  workRoot: string;
  plugins?: PluginResolver;
  /** Variables every process gets before the CI's own (default: PATH, locale, TMPDIR, USER, SHELL). */
  baseEnv?: Readonly<Record<string, string>>;
  /** Used when a request sets no timeout. */
  defaultTimeoutMs?: number;
  /** Keep workspaces after the workflow (debugging); removed by default. */
  keepWorkspaces?: boolean;
  killGraceMs?: number;
  /** Pipelines running at once; later ones wait in `pending` (default 2). */
  maxConcurrentPipelines?: number;
  /** Allocates workflow and step ids (a server keeps them unique across restarts); default a counter from 1. */
  nextId?: () => number;
}

export interface PipelineRequest {
  metadata: PipelineMetadata;
  workflows: readonly WorkflowConfig[];
  source: CheckoutSource;
  secrets?: readonly SecretDef[];
  /** Per workflow, like the repo's timeout setting. */
  timeoutMs?: number;
  /**
   * Manual / cron / restart pipeline variables: seen by `evaluate` and given to every step
   * (plugins included, as in Woodpecker ≤ 3.17) below the CI's own variables.
   */
  variables?: Readonly<Record<string, string>>;
}

export interface PipelineRun {
  readonly record: PipelineRecord;
  readonly done: Promise<PipelineRecord>;
  /** Kill what runs, skip what is left; the pipeline ends `killed`. */
  cancel(): void;
}

export class Executor {
  private readonly opts: ExecutorOptions;
  private readonly listeners = new Set<ExecutorListener>();
  private counter = 1;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(opts: ExecutorOptions) {
    this.opts = opts;
  }

  private nextId(): number {
    return this.opts.nextId ? this.opts.nextId() : this.counter++;
  }

  subscribe(listener: ExecutorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Plans and starts a pipeline; resolves `done` when every workflow has finished. */
  start(req: PipelineRequest): PipelineRun {
    const abort = new AbortController();
    const record: PipelineRecord = {
      number: req.metadata.pipeline.number,
      event: req.metadata.pipeline.event,
      sha: req.metadata.pipeline.commit.sha,
      state: "pending",
      errors: [],
      workflows: [],
      filtered: [],
    };
    const plan = planPipeline(req.workflows, whenContext(req.metadata, { ...req.variables, ...metadataEnv(req.metadata) }));
    record.filtered = plan.filtered;
    // pids: each workflow, then its steps, numbered through the pipeline as Woodpecker does
    let pid = 1;
    const runs: WorkflowRun[] = plan.workflows.map((p) => {
      const wfPid = pid++;
      const wf: WorkflowRecord = { id: this.nextId(), pid: wfPid, name: p.config.name, file: p.config.file, state: "pending", steps: [] };
      const steps = this.compileSteps(req, p.config, wf, () => pid++);
      record.workflows.push(wf);
      return { plan: p, record: wf, steps };
    });
    if (runs.length === 0) record.state = "skipped";
    // started on a later tick, so the caller holds the handle before the first event fires
    const done = this.slot().then(async (release) => {
      try {
        return await this.runPipeline(req, record, runs, abort);
      } finally {
        release();
      }
    });
    return { record, done, cancel: () => abort.abort(new Error("canceled")) };
  }

  private async slot(): Promise<() => void> {
    const max = Math.max(1, this.opts.maxConcurrentPipelines ?? 2);
    // a slot is taken synchronously (or handed over by the releaser) so two starts in the
    // same tick cannot both see a free slot
    if (this.running >= max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else {
      this.running++;
      await Promise.resolve();
    }
    return () => {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    };
  }

  /** `start(req).done` */
  run(req: PipelineRequest): Promise<PipelineRecord> {
    return this.start(req).done;
  }

  private emit(event: ExecutorEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // a failing listener must not break the run
      }
    }
  }

  private compileSteps(req: PipelineRequest, config: WorkflowConfig, wf: WorkflowRecord, nextPid: () => number): CompiledStep[] {
    const ctx = whenContext(req.metadata, { ...req.variables, ...metadataEnv(req.metadata, { name: config.name, number: wf.pid }) });
    const out: CompiledStep[] = [];
    const mk = (name: string, type: StepType, image: string, failure: StepConfig["failure"]): StepRecord => ({
      id: this.nextId(),
      pid: nextPid(),
      ppid: wf.pid,
      name,
      type,
      image,
      state: "pending",
      exitCode: 0,
      failure,
      logs: [],
    });
    if (!config.skipClone) {
      const rec = mk("clone", "clone", "git", "fail");
      out.push({ record: rec, when: { match: true, onSuccess: true, onFailure: false } });
      wf.steps.push(rec);
    }
    for (const step of orderSteps(config.steps)) {
      let when: WhenResult;
      try {
        when = evaluateWhen(step.when, ctx);
      } catch {
        when = { match: true, onSuccess: true, onFailure: false };
      }
      // steps whose filters do not match are not part of the workflow at all
      if (!when.match) continue;
      const rec = mk(step.name, step.type, step.image, step.failure);
      out.push({ record: rec, config: step, when });
      wf.steps.push(rec);
    }
    return out;
  }

  private async runPipeline(req: PipelineRequest, record: PipelineRecord, runs: WorkflowRun[], abort: AbortController): Promise<PipelineRecord> {
    const signal = abort.signal;
    record.started = now();
    record.state = runs.length === 0 ? "skipped" : "running";
    this.emit({ type: "pipeline", pipeline: record });
    const finished = new Map<string, CiState>();
    for (const run of runs) {
      const wf = run.record;
      if (signal.aborted) {
        this.finishWorkflow(record, run, "killed", "canceled");
      } else if (run.plan.error) {
        record.errors.push(run.plan.error);
        this.finishWorkflow(record, run, "error", run.plan.error);
      } else if (!dependenciesAllow(run.plan, run.plan.dependsOn.map((d) => finished.get(d) ?? "skipped"))) {
        this.finishWorkflow(record, run, "skipped");
      } else {
        try {
          await this.runWorkflow(req, record, run, abort);
        } catch (err) {
          // an executor bug or an unwritable work dir: the workflow errors, the pipeline goes on
          this.finishWorkflow(record, run, "error", err instanceof Error ? err.message : String(err));
        }
      }
      finished.set(wf.name, wf.state);
    }
    // canceled from outside: killed; canceled by a `failure: cancel` step: that step's failure
    record.state = signal.aborted && !(signal.reason instanceof StepCancel) ? "killed" : pipelineState(record.workflows.map((w) => w.state));
    record.finished = now();
    this.emit({ type: "pipeline", pipeline: record });
    return record;
  }

  private finishWorkflow(pipeline: PipelineRecord, run: WorkflowRun, state: CiState, error?: string): void {
    const wf = run.record;
    for (const s of wf.steps) {
      // what was running is killed; what never started is skipped
      if (s.state === "pending" || s.state === "running") {
        s.state = s.state === "running" ? "killed" : "skipped";
        this.emit({ type: "step", pipeline, workflow: wf, step: s });
      }
    }
    wf.state = state;
    if (error !== undefined) wf.error = error;
    wf.started ??= now();
    wf.finished = now();
    this.emit({ type: "workflow", pipeline, workflow: wf });
  }

  private async runWorkflow(req: PipelineRequest, pipeline: PipelineRecord, run: WorkflowRun, abort: AbortController): Promise<void> {
    const signal = abort.signal;
    const wf = run.record;
    const config = run.plan.config;
    if (config.unsupported.length > 0) {
      const msg = config.unsupported.map((i) => `${i.path}: ${i.message}`).join("; ");
      pipeline.errors.push(`${config.file}: ${msg}`);
      this.finishWorkflow(pipeline, run, "error", msg);
      return;
    }
    const redactor = new Redactor();
    for (const s of req.secrets ?? []) redactor.add(s.value);

    // compile: resolve secrets and settings of every step before anything runs, as
    // Woodpecker does — a secret the step may not read fails the workflow up front
    const staticEnv = new Map<StepRecord, Record<string, string>>();
    try {
      for (const s of run.steps) {
        if (!s.config) continue;
        const lookup = secretLookup(req.secrets ?? [], { event: req.metadata.pipeline.event, step: { name: s.config.name, image: s.config.image, isPlugin: s.config.type === "plugin" } }, (v) => redactor.add(v));
        staticEnv.set(s.record, { ...encodeSettings(s.config.settings, lookup), ...encodeEnvironment(s.config.environment, lookup) });
      }
    } catch (err) {
      if (!(err instanceof SecretError)) throw err;
      pipeline.errors.push(`${config.file}: ${err.message}`);
      this.finishWorkflow(pipeline, run, "error", err.message);
      return;
    }

    const timeoutMs = req.timeoutMs ?? this.opts.defaultTimeoutMs ?? DEFAULT_WORKFLOW_TIMEOUT_MS;
    wf.state = "running";
    wf.started = now();
    this.emit({ type: "workflow", pipeline, workflow: wf });
    // monotonic: a wall clock that jumps (NTP, or a test shifting Date.now in this process)
    // must not time a step out
    const deadline = performance.now() + timeoutMs;

    await mkdir(this.opts.workRoot, { recursive: true });
    const dir = await mkdtemp(join(this.opts.workRoot, `${pipeline.number}-${safeName(wf.name)}-`));
    const workspace = join(dir, "src");
    const home = join(dir, "home");
    // A private TMPDIR, removed with the workflow like a container's /tmp: what the steps leave
    // there (agents' transcripts and work trees) does not pile up in the machine's.
    const tmp = join(dir, "tmp");
    await mkdir(workspace);
    await mkdir(home);
    await mkdir(tmp);
    const base = { ...(this.opts.baseEnv ?? defaultBaseEnv()), HOME: home, TMPDIR: tmp };

    let failing = false;
    let stop: CiState | undefined; // killed: nothing else runs
    try {
      for (const step of run.steps) {
        const rec = step.record;
        if (stop) break;
        if (!shouldRun(step.when, failing)) {
          rec.state = "skipped";
          this.emit({ type: "step", pipeline, workflow: wf, step: rec });
          continue;
        }
        const log = new StepLog(redactor, (line) => {
          rec.logs.push(line);
          this.emit({ type: "log", pipeline, workflow: wf, step: rec, line });
        });
        rec.state = "running";
        rec.started = now();
        this.emit({ type: "step", pipeline, workflow: wf, step: rec });

        let result: ProcessResult;
        if (!step.config) {
          result = await this.clone(req.source, dir, workspace, base, log, deadline, signal, redactor);
        } else {
          const cwd = step.config.directory ? join(workspace, step.config.directory) : workspace;
          // pipeline variables sit lowest: they cannot replace PATH/HOME or any CI variable
          const env: Record<string, string> = {
            ...req.variables,
            ...base,
            ...stepEnv(req.metadata, { name: wf.name, number: wf.pid }, { name: rec.name, number: rec.pid, type: rec.type, started: rec.started }, { pipelineStatus: failing ? "failure" : "success", workspace }),
            ...staticEnv.get(rec),
          };
          let command: { command: string; args: string[] } | undefined;
          if (step.config.commands.length > 0) {
            const script = join(dir, `step-${rec.pid}.sh`);
            await writeFile(script, commandsScript(step.config.commands), { mode: 0o600 });
            command = { command: "sh", args: ["-e", script] };
          } else {
            command = this.opts.plugins?.({ name: step.config.name, image: step.config.image, settings: step.config.settings });
            if (!command) {
              rec.state = "skipped";
              rec.error = `plugin image "${step.config.image}" cannot run in the sandbox CI (only the configured disinto plugin images run locally)`;
              log.system(rec.error);
              rec.finished = now();
              this.emit({ type: "step", pipeline, workflow: wf, step: rec });
              continue;
            }
          }
          await mkdir(cwd, { recursive: true });
          result = await runProcess({
            command: command.command,
            args: command.args,
            cwd,
            env,
            deadline,
            signal,
            killGraceMs: this.opts.killGraceMs ?? 2000,
            onOutput: (stream, text) => log.write(stream, text),
          });
        }
        log.close();
        rec.exitCode = result.exitCode;
        rec.finished = now();
        if (result.killed) {
          rec.state = "killed";
          rec.error = result.killed === "timeout" ? `workflow timeout of ${formatDuration(timeoutMs)} exceeded` : "canceled";
          log.system(rec.error);
          stop = "killed";
        } else if (result.spawnError) {
          rec.state = "error";
          rec.error = result.spawnError;
          failing = true;
        } else if (result.exitCode !== 0) {
          rec.state = "failure";
          rec.error = `exit code ${result.exitCode}`;
          if (rec.failure !== "ignore") failing = true;
        } else {
          rec.state = "success";
        }
        this.emit({ type: "step", pipeline, workflow: wf, step: rec });
        // `failure: cancel` stops the whole pipeline
        if (rec.failure === "cancel" && rec.state === "failure") stop = "failure";
      }
    } finally {
      if (!this.opts.keepWorkspaces) await rm(dir, { recursive: true, force: true });
    }
    if (stop === "failure") {
      // remaining steps skipped, other workflows no longer run
      this.finishWorkflow(pipeline, run, "failure");
      abort.abort(new StepCancel());
      return;
    }
    this.finishWorkflow(pipeline, run, stop ?? (failing ? "failure" : "success"), stop === "killed" ? wf.steps.find((s) => s.state === "killed")?.error : undefined);
  }

  private async clone(
    src: CheckoutSource,
    dir: string,
    workspace: string,
    base: Record<string, string>,
    log: StepLog,
    deadline: number,
    signal: AbortSignal,
    redactor: Redactor,
  ): Promise<ProcessResult> {
    const helper = await writeCredentialHelper(dir);
    let creds: GitCredentials | undefined;
    try {
      creds = await src.credentials?.();
    } catch (err) {
      log.system(`cannot get clone credentials: ${err instanceof Error ? err.message : String(err)}`);
      return { exitCode: 1 };
    }
    if (creds) redactor.add(creds.password);
    const env = gitEnv(base, base.HOME ?? dir, creds);
    const runGit = async (cmd: GitCommand): Promise<ProcessResult> => {
      log.system(`+ git ${cmd.args.filter((a, i, all) => !(a === "-c" || all[i - 1] === "-c")).join(" ")}`);
      const r = await runProcess({ command: "git", args: cmd.args, cwd: workspace, env, deadline, signal, killGraceMs: this.opts.killGraceMs ?? 2000, onOutput: (s, t) => log.write(s, t) });
      if (r.exitCode !== 0 && !r.killed && cmd.fallback) return runGit(cmd.fallback);
      return r;
    };
    for (const cmd of checkoutCommands(src, helper)) {
      const r = await runGit(cmd);
      if (r.exitCode !== 0 || r.killed) return r;
    }
    return { exitCode: 0 };
  }
}

/** Abort reason when a `failure: cancel` step stopped the pipeline. */
class StepCancel extends Error {
  constructor() {
    super("canceled by a step with failure: cancel");
  }
}

interface CompiledStep {
  record: StepRecord;
  /** undefined for the clone step */
  config?: StepConfig;
  when: WhenResult;
}

interface WorkflowRun {
  plan: PlannedWorkflow;
  record: WorkflowRecord;
  steps: CompiledStep[];
}

/** Steps in run order: as written, or, when any step has depends_on, a stable topological order. */
export function orderSteps(steps: readonly StepConfig[]): StepConfig[] {
  if (!steps.some((s) => s.dependsOn !== undefined)) return [...steps];
  const names = new Set(steps.map((s) => s.name));
  const done = new Set<string>();
  const out: StepConfig[] = [];
  for (let progress = true; progress; ) {
    progress = false;
    for (const s of steps) {
      if (done.has(s.name)) continue;
      const deps = (s.dependsOn ?? []).map((d) => d.name).filter((d) => names.has(d));
      if (deps.every((d) => done.has(d))) {
        out.push(s);
        done.add(s.name);
        progress = true;
      }
    }
  }
  // a cycle: run the rest as written rather than never
  for (const s of steps) if (!done.has(s.name)) out.push(s);
  return out;
}

/** The shell script of a commands step: each command echoed (`+ cmd`) then run; `sh -e` stops at the first failure. */
export function commandsScript(commands: readonly string[]): string {
  const lines = ["set -e"];
  for (const c of commands) {
    lines.push(`echo ${shellQuote(`+ ${c}`)}`);
    lines.push(c);
  }
  return `${lines.join("\n")}\n`;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 40);
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function formatDuration(ms: number): string {
  if (ms % 60000 === 0) return `${ms / 60000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

// DISINTO_MODEL_USER: the plugin image names the unprivileged user its agents start the model
// as (Dockerfile); a sandbox whose steps run as root passes the same choice on (llm/isolation.ts).
function defaultBaseEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ["PATH", "LANG", "LC_ALL", "TMPDIR", "USER", "SHELL", "TZ", "DISINTO_MODEL_USER"]) {
    const v = process.env[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}
