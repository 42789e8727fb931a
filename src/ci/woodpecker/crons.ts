// Crons of one Woodpecker repo: the factory's schedule. Created crons always carry
// `enabled: true`: since 3.13 the server copies the flag from the request, so omitting it
// creates a cron that never fires (woodpecker.md (c), "Gotcha [v3.13+]").
import { hasStatus, isUnknownOutcome } from "../../http/errors.ts";
import { CiConflictError, CiValidationError } from "../errors.ts";
import type { Cron, CronCreate, CronPatch, CronsApi, Pipeline } from "../types.ts";
import { listPages, startedPipeline, unlessNotFound, type RepoContext } from "./context.ts";
import { ROUTES } from "./routes.ts";
import { cronSchema, pipelineSchema } from "./schemas.ts";

export class WoodpeckerCrons implements CronsApi {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  list(): Promise<Cron[]> {
    return listPages(this.ctx.http, ROUTES.cronsList, cronSchema, { params: this.ctx.params });
  }

  async get(id: number): Promise<Cron | undefined> {
    const res = await unlessNotFound(this.ctx.http.json(ROUTES.cronGet, cronSchema, { params: this.params(id) }));
    return res?.data;
  }

  async create(cron: CronCreate): Promise<Cron> {
    if (cron.name.trim() === "") throw new Error("cron name must not be empty");
    if (cron.schedule.trim() === "") throw new Error(`cron ${cron.name}: schedule must not be empty`);
    const what = `cron ${JSON.stringify(cron.name)} of repo ${this.ctx.repoId}`;
    const body: Record<string, unknown> = { name: cron.name, schedule: cron.schedule, branch: cron.branch ?? "", enabled: true };
    // Sent only when set: servers before 3.13/3.15 reject nothing but also know nothing of them.
    if (cron.variables !== undefined) body.variables = cron.variables;
    if (cron.timezone !== undefined) body.timezone = cron.timezone;
    try {
      return (await this.ctx.http.json(ROUTES.cronCreate, cronSchema, { params: this.ctx.params, body })).data;
    } catch (err) {
      if (hasStatus(err, 409)) throw new CiConflictError(what, err);
      if (hasStatus(err, 400, 422)) throw new CiValidationError(what, err);
      // Before 3.14 a duplicate name failed with 500; a lost response may also have created it.
      if (isUnknownOutcome(err) && (await this.list()).some((c) => c.name === cron.name)) throw new CiConflictError(what, err);
      throw err;
    }
  }

  async update(id: number, patch: CronPatch): Promise<Cron> {
    const body: Record<string, unknown> = {};
    if (patch.name !== undefined) body.name = patch.name;
    if (patch.schedule !== undefined) body.schedule = patch.schedule;
    if (patch.branch !== undefined) body.branch = patch.branch;
    if (patch.enabled !== undefined) body.enabled = patch.enabled;
    if (patch.variables !== undefined) body.variables = patch.variables;
    if (patch.timezone !== undefined) body.timezone = patch.timezone;
    try {
      // Absolute values: repeating the PATCH changes nothing.
      return (await this.ctx.http.json(ROUTES.cronUpdate, cronSchema, { params: this.params(id), body, idempotent: true })).data;
    } catch (err) {
      if (hasStatus(err, 409)) throw new CiConflictError(`cron ${id} of repo ${this.ctx.repoId}: name ${JSON.stringify(patch.name)}`, err);
      if (hasStatus(err, 400, 422)) throw new CiValidationError(`cron ${id} of repo ${this.ctx.repoId}`, err);
      throw err;
    }
  }

  async delete(id: number): Promise<boolean> {
    const res = await unlessNotFound(this.ctx.http.send(ROUTES.cronDelete, { params: this.params(id) }));
    return res !== undefined;
  }

  async run(id: number): Promise<Pipeline> {
    const res = await this.ctx.http.json(ROUTES.cronRun, pipelineSchema.optional(), { params: this.params(id) });
    return startedPipeline(`run of cron ${id} of repo ${this.ctx.repoId}`, this.ctx.repoId, res);
  }

  private params(id: number): { repo_id: number; cron_id: number } {
    if (!Number.isSafeInteger(id) || id < 1) throw new Error(`cron id must be a positive integer, got ${String(id)}`);
    return { ...this.ctx.params, cron_id: id };
  }
}
