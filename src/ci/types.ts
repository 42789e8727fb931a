// What agents need from the CI system: find the project's repo, read pipelines with their
// workflows, steps and logs, start and stop pipelines, and manage the crons and secrets that
// make the CI the factory's scheduler. Woodpecker (2.x and 3.x) is the implementation; the
// names follow its API, in camelCase, with the 2.x/3.x JSON renames already folded.
import type { RequestStats } from "../http/counter.ts";

/** Woodpecker's status values; `unknown` stands for a value a newer server may add. */
export type CiState = "pending" | "running" | "success" | "failure" | "killed" | "canceled" | "skipped" | "error" | "blocked" | "declined" | "created" | "unknown";

export type CiEvent = "push" | "pull_request" | "pull_request_closed" | "pull_request_metadata" | "tag" | "release" | "deployment" | "cron" | "manual" | (string & {});

export interface CiRepo {
  /** Woodpecker's repo id: every other call is addressed by it. */
  id: number;
  /** The repo's id on the forge (a string in Woodpecker's model). */
  forgeRemoteId: string;
  fullName: string;
  owner: string;
  name: string;
  defaultBranch: string;
  /** Workflow timeout in minutes (0 = server default). */
  timeout: number;
  active: boolean;
  /** 3.x splits trust in three; a 2.x `trusted: true` sets all of them. */
  trusted: { network: boolean; volumes: boolean; security: boolean };
  requireApproval: string;
  /** Config path override; "" = the default `.woodpecker/` discovery. */
  configFile: string;
  forgeUrl: string;
  cloneUrl: string;
}

export interface RepoPatch {
  /** Workflow timeout in minutes; above the server's max needs an admin token. */
  timeout?: number;
  configFile?: string;
}

export interface PipelineErrorInfo {
  type: string;
  message: string;
  isWarning: boolean;
}

export interface Pipeline {
  id: number;
  number: number;
  /** Number of the pipeline this one restarted, 0 if none. */
  parent: number;
  event: CiEvent;
  status: CiState;
  /** Compile/lint errors and warnings of the pipeline's configuration. */
  errors: PipelineErrorInfo[];
  created: Date | undefined;
  updated: Date | undefined;
  started: Date | undefined;
  finished: Date | undefined;
  /** Commit sha. */
  commit: string;
  branch: string;
  ref: string;
  refspec: string;
  message: string;
  title: string;
  author: string;
  forgeUrl: string;
  deployTo: string;
  deployTask: string;
  variables: Record<string, string>;
  /** Only filled by `get`/`latest`; lists leave it empty. */
  workflows: Workflow[];
}

export interface Workflow {
  id: number;
  pid: number;
  name: string;
  state: CiState;
  error: string;
  started: Date | undefined;
  finished: Date | undefined;
  steps: Step[];
}

export interface Step {
  /** Database id: the address of the step's logs. */
  id: number;
  /** Position in the pipeline (what the web UI shows in its URL). */
  pid: number;
  /** pid of the workflow. */
  ppid: number;
  name: string;
  state: CiState;
  error: string;
  exitCode: number;
  /** clone, service, plugin, commands, cache; "" when the server does not say (2.x). */
  type: string;
  started: Date | undefined;
  finished: Date | undefined;
}

/** 0 stdout, 1 stderr, 2 exit code, 3 metadata, 4 progress. */
export type LogEntryType = 0 | 1 | 2 | 3 | 4;

export interface LogEntry {
  id: number;
  stepId: number;
  /** Seconds since the step started. */
  time: number;
  line: number;
  type: LogEntryType;
  /** The entry's bytes, decoded as UTF-8, without its trailing newline. */
  text: string;
}

export interface Cron {
  id: number;
  name: string;
  repoId: number;
  schedule: string;
  /** "" = the repo's default branch at run time. */
  branch: string;
  /** Servers before 3.13 have no switch: every cron is enabled there. */
  enabled: boolean;
  variables: Record<string, string>;
  /** IANA zone; servers before 3.15 run everything in UTC. */
  timezone: string;
  nextExec: Date | undefined;
  created: Date | undefined;
}

export interface CronCreate {
  name: string;
  schedule: string;
  branch?: string;
  variables?: Record<string, string>;
  timezone?: string;
}

export interface CronPatch {
  name?: string;
  schedule?: string;
  branch?: string;
  enabled?: boolean;
  variables?: Record<string, string>;
  timezone?: string;
}

export interface CiSecret {
  id: number;
  name: string;
  /** Events whose pipelines may read it (cron and manual only see secrets that list them). */
  events: string[];
  /** Plugin images allowed to read it; empty = any step. */
  images: string[];
  note: string;
}

export interface CiSecretSet {
  name: string;
  value: string;
  /** At least one; cron and manual pipelines only see secrets that list their event. */
  events: string[];
  /** Plugin images allowed to read it; omitted = any step (also on update). */
  images?: string[];
  /** Omitted: a new secret gets none, an update keeps the current note. */
  note?: string;
}

export interface PipelineFilter {
  branch?: string;
  /** One event or several (the server takes a comma list). */
  event?: CiEvent | CiEvent[];
  status?: CiState;
  /** Substring of the ref. */
  ref?: string;
  before?: Date;
  after?: Date;
}

export interface PipelineListOptions extends PipelineFilter {
  /** Fetch exactly this page (1-based) instead of paging. */
  page?: number;
  /** Items per page; the server caps at 50. */
  perPage?: number;
  /** Stop after this many pipelines (newest first). Default: all of them (at most 100 pages). */
  max?: number;
}

export interface PipelineCreate {
  branch: string;
  /** Become the new pipeline's environment (`CI_*`-like variables the steps see). */
  variables?: Record<string, string>;
}

export interface PipelineRestart {
  /** Environment variables of the new pipeline. */
  variables?: Record<string, string>;
  /** Restart as a deployment. */
  deployTo?: string;
  deployTask?: string;
}

export interface PipelinesApi {
  list(opts?: PipelineListOptions): Promise<Pipeline[]>;
  /** With workflows and steps; undefined when there is no such pipeline. */
  get(number: number): Promise<Pipeline | undefined>;
  /** The newest pipeline (of `branch`), with workflows and steps. */
  latest(branch?: string): Promise<Pipeline | undefined>;
  /** Start a `manual` pipeline. Throws PipelineFilteredError when no workflow runs on it. */
  create(opts: PipelineCreate): Promise<Pipeline>;
  /** A new pipeline for the same commit; its `parent` is `number`. */
  restart(number: number, opts?: PipelineRestart): Promise<Pipeline>;
  /** True when it was cancelled now; false when it had already finished. */
  cancel(number: number): Promise<boolean>;
  /** Every log entry of the step with database id `stepId` (Step.id, not pid). */
  logs(number: number, stepId: number, opts?: { timeoutMs?: number }): Promise<LogEntry[]>;
  /** The step's output lines (stdout and stderr). */
  logLines(number: number, stepId: number, opts?: { timeoutMs?: number }): Promise<string[]>;
}

export interface CronsApi {
  list(): Promise<Cron[]>;
  get(id: number): Promise<Cron | undefined>;
  /** Always created enabled (3.13+ would otherwise create it disabled). 409 → CiConflictError. */
  create(cron: CronCreate): Promise<Cron>;
  update(id: number, patch: CronPatch): Promise<Cron>;
  /** True when it existed. */
  delete(id: number): Promise<boolean>;
  /** Start the cron's pipeline now. */
  run(id: number): Promise<Pipeline>;
}

export interface SecretsApi {
  list(): Promise<CiSecret[]>;
  get(name: string): Promise<CiSecret | undefined>;
  /** Create, or update the one with that name. */
  set(secret: CiSecretSet): Promise<{ secret: CiSecret; created: boolean }>;
  /** True when it existed. */
  delete(name: string): Promise<boolean>;
}

export interface RepoCi {
  readonly id: number;
  readonly pipelines: PipelinesApi;
  readonly crons: CronsApi;
  readonly secrets: SecretsApi;
}

export interface Ci {
  /** By `owner/name`; undefined when the CI does not know the repo. */
  lookupRepo(fullName: string): Promise<CiRepo | undefined>;
  getRepo(repoId: number): Promise<CiRepo | undefined>;
  /**
   * Make the CI follow the forge repo (webhooks, status reporting). Idempotent: an already
   * active repo is returned as it is.
   */
  activateRepo(repo: { forgeRemoteId: string | number; fullName: string }): Promise<CiRepo>;
  updateRepo(repoId: number, patch: RepoPatch): Promise<CiRepo>;
  repo(repoId: number): RepoCi;
  requestStats(): RequestStats;
  close(): Promise<void>;
}
