// Pipelines of one Woodpecker repo: list (filtered, paged), read with workflows and steps,
// start, restart, cancel, and step logs.
import { z } from "zod";
import type { QueryValue } from "../../http/client.ts";
import { hasStatus } from "../../http/errors.ts";
import type { CiState, LogEntry, Pipeline, PipelineCreate, PipelineListOptions, PipelineRestart, PipelinesApi } from "../types.ts";
import { listPages, startedPipeline, unlessNotFound, type RepoContext } from "./context.ts";
import { ROUTES } from "./routes.ts";
import { logEntrySchema, pipelineSchema } from "./schemas.ts";

const ACTIVE: ReadonlySet<CiState> = new Set(["pending", "running", "blocked", "created"]);

// Restart query parameters Woodpecker reads itself (`access_token` is its query-string auth);
// every other one becomes a variable of the new pipeline.
const RESTART_RESERVED = new Set(["event", "deploy_to", "deploy_task", "access_token"]);

export class WoodpeckerPipelines implements PipelinesApi {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async list(opts: PipelineListOptions = {}): Promise<Pipeline[]> {
    const events = opts.event === undefined ? undefined : Array.isArray(opts.event) ? opts.event : [opts.event];
    const query: Record<string, QueryValue> = {
      branch: opts.branch,
      event: events?.join(","),
      status: opts.status,
      ref: opts.ref,
      before: opts.before,
      after: opts.after,
    };
    // 2.x ignores every filter but the dates: apply them here as well, so both read the same.
    const keep = (p: Pipeline): boolean =>
      (opts.branch === undefined || p.branch === opts.branch) &&
      (events === undefined || events.includes(p.event)) &&
      (opts.status === undefined || p.status === opts.status) &&
      (opts.ref === undefined || p.ref.includes(opts.ref));
    return listPages(this.ctx.http, ROUTES.pipelinesList, pipelineSchema, {
      params: this.ctx.params,
      query,
      page: opts.page,
      perPage: opts.perPage,
      max: opts.max,
      keep,
    });
  }

  async get(number: number): Promise<Pipeline | undefined> {
    const res = await unlessNotFound(this.ctx.http.json(ROUTES.pipelineGet, pipelineSchema, { params: { ...this.ctx.params, number: pipelineNumber(number) } }));
    return res?.data;
  }

  async latest(branch?: string): Promise<Pipeline | undefined> {
    const res = await unlessNotFound(this.ctx.http.json(ROUTES.pipelineLatest, pipelineSchema, { params: this.ctx.params, query: { branch } }));
    return res?.data;
  }

  async create(opts: PipelineCreate): Promise<Pipeline> {
    if (opts.branch.trim() === "") throw new Error("manual pipeline: branch must not be empty");
    // Never retried here: a second attempt would start a second pipeline.
    const res = await this.ctx.http.json(ROUTES.pipelineCreate, pipelineSchema.optional(), {
      params: this.ctx.params,
      body: { branch: opts.branch, variables: opts.variables ?? {} },
    });
    return startedPipeline(`manual pipeline on ${opts.branch} of repo ${this.ctx.repoId}`, this.ctx.repoId, res);
  }

  async restart(number: number, opts: PipelineRestart = {}): Promise<Pipeline> {
    const query: Record<string, QueryValue> = {};
    for (const [key, value] of Object.entries(opts.variables ?? {})) {
      if (RESTART_RESERVED.has(key)) throw new Error(`restart of pipeline ${number}: variable name ${JSON.stringify(key)} is reserved by Woodpecker (${[...RESTART_RESERVED].join(", ")})`);
      query[key] = value;
    }
    if (opts.deployTo !== undefined) {
      query.event = "deployment";
      query.deploy_to = opts.deployTo;
      query.deploy_task = opts.deployTask;
    }
    const res = await this.ctx.http.json(ROUTES.pipelineRestart, pipelineSchema.optional(), { params: { ...this.ctx.params, number: pipelineNumber(number) }, query });
    return startedPipeline(`restart of pipeline ${number} of repo ${this.ctx.repoId}`, this.ctx.repoId, res);
  }

  async cancel(number: number): Promise<boolean> {
    const params = { ...this.ctx.params, number: pipelineNumber(number) };
    try {
      // Cancelling twice leaves the same state behind: safe to retry.
      await this.ctx.http.send(ROUTES.pipelineCancel, { params, idempotent: true });
      return true;
    } catch (err) {
      // Woodpecker refuses to cancel a finished pipeline (or one a lost response already
      // cancelled): that is the state the caller wanted.
      if (!hasStatus(err, 400, 409, 422)) throw err;
      const p = await this.get(number);
      if (p !== undefined && !ACTIVE.has(p.status)) return false;
      throw err;
    }
  }

  async logs(number: number, stepId: number, opts: { timeoutMs?: number } = {}): Promise<LogEntry[]> {
    const res = await this.ctx.http.json(ROUTES.stepLogs, z.array(logEntrySchema).nullable(), {
      params: { ...this.ctx.params, number: pipelineNumber(number), step_id: stepId },
      timeoutMs: opts.timeoutMs,
    });
    return res.data ?? [];
  }

  async logLines(number: number, stepId: number, opts: { timeoutMs?: number } = {}): Promise<string[]> {
    const entries = await this.logs(number, stepId, opts);
    return entries.filter((e) => e.type === 0 || e.type === 1).flatMap((e) => e.text.split(/\r?\n/));
  }

}

function pipelineNumber(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`pipeline number must be a positive integer, got ${String(n)}`);
  return n;
}
