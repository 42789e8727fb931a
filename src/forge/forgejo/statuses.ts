// Commit statuses (CI results). The combined state `""` means nothing has reported yet and
// becomes "none", so "no CI yet" is never mistaken for pending or green.
import { collect } from "../../http/paginate.ts";
import type { CombinedStatus, CommitStatus, StatusCreate, StatusesApi } from "../types.ts";
import type { RepoContext } from "./context.ts";
import { ROUTES } from "./routes.ts";
import { combinedStatusSchema, commitStatusSchema } from "./schemas.ts";

export class ForgejoStatuses implements StatusesApi {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async combined(ref: string): Promise<CombinedStatus> {
    // One page of 50 latest-per-context statuses; the state is computed over all of them.
    const res = await this.ctx.http.json(ROUTES.statusCombined, combinedStatusSchema, { params: { ...this.ctx.params, ref }, query: { limit: 50 } });
    return res.data;
  }

  async list(ref: string): Promise<CommitStatus[]> {
    return collect(this.ctx.http, ROUTES.statusesList, commitStatusSchema, { params: { ...this.ctx.params, ref } });
  }

  async create(sha: string, status: StatusCreate): Promise<CommitStatus> {
    // Safe to repeat: the combined state uses the latest status per context, and a repeat
    // carries the same values.
    const res = await this.ctx.http.json(ROUTES.statusCreate, commitStatusSchema, {
      params: { ...this.ctx.params, sha },
      body: { state: status.state, context: status.context, description: status.description ?? "", target_url: status.targetUrl ?? "" },
      idempotent: true,
    });
    return res.data;
  }
}

