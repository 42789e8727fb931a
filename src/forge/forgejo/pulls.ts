// Pull requests: create (never twice), read, diff, merge, update branch.
import { HttpError, hasStatus } from "../../http/errors.ts";
import { collect } from "../../http/paginate.ts";
import { ConflictError, MergeError } from "../errors.ts";
import type { ChangedFile, IssueState, MergeOptions, PullCreate, PullListOptions, PullRequest, PullsApi } from "../types.ts";
import type { RepoContext } from "./context.ts";
import type { ForgejoLabels } from "./labels.ts";
import { ROUTES } from "./routes.ts";
import { changedFileSchema, ignoredBody, pullSchema } from "./schemas.ts";
import { requireText, unlessNotFound } from "./util.ts";
import { writeOnce } from "./write-once.ts";

export class ForgejoPulls implements PullsApi {
  private readonly ctx: RepoContext;
  private readonly labels: ForgejoLabels;

  constructor(ctx: RepoContext, labels: ForgejoLabels) {
    this.ctx = ctx;
    this.labels = labels;
  }

  async create(pr: PullCreate): Promise<PullRequest> {
    requireText("PR title", pr.title);
    const labelIds = pr.labels && pr.labels.length > 0 ? await this.labels.resolve(pr.labels) : undefined;
    const body = { head: pr.head, base: pr.base, title: pr.title, body: pr.body ?? "", labels: labelIds, assignees: pr.assignees };
    try {
      return await writeOnce(this.ctx, {
        attempt: async () => (await this.ctx.http.json(ROUTES.pullCreate, pullSchema, { params: this.ctx.params, body })).data,
        // One open PR per head/base: if it is there, an earlier attempt made it.
        find: () => this.findByHead(pr.head, { state: "open", base: pr.base }),
        isAlreadyDone: (err) => hasStatus(err, 409),
      });
    } catch (err) {
      if (hasStatus(err, 409)) throw new ConflictError(`${this.ctx.slug}: PR ${pr.head} → ${pr.base}`, "exists", err);
      throw err;
    }
  }

  async get(number: number): Promise<PullRequest | undefined> {
    return unlessNotFound(this.ctx.http.json(ROUTES.pullGet, pullSchema, { params: this.pr(number) }).then((r) => r.data));
  }

  async list(opts: PullListOptions = {}): Promise<PullRequest[]> {
    // This endpoint filters by label ids (repeated), not names.
    const labelIds = opts.labels && opts.labels.length > 0 ? await this.labels.resolve(opts.labels) : undefined;
    return collect(this.ctx.http, ROUTES.pullsList, pullSchema, {
      params: this.ctx.params,
      query: { state: opts.state, sort: opts.sort, labels: labelIds },
      page: opts.page,
      limit: opts.limit,
    });
  }

  async findByHead(branch: string, opts: { state?: IssueState | "all"; base?: string } = {}): Promise<PullRequest | undefined> {
    const all = await this.list({ state: opts.state ?? "open" });
    const matches = all.filter(
      (p) => p.head.ref === branch && (p.head.repo === undefined || p.head.repo === this.ctx.slug) && (opts.base === undefined || p.base.ref === opts.base),
    );
    return matches.sort((a, b) => b.number - a.number)[0];
  }

  async diff(number: number): Promise<string> {
    return (await this.ctx.http.text(ROUTES.pullDiff, { params: { ...this.pr(number), diffType: "diff" } })).data;
  }

  async files(number: number): Promise<ChangedFile[]> {
    return collect(this.ctx.http, ROUTES.pullFiles, changedFileSchema, { params: this.pr(number) });
  }

  async merge(number: number, opts: MergeOptions = {}): Promise<"merged" | "scheduled"> {
    const body = {
      Do: opts.style ?? "merge",
      head_commit_id: opts.headCommitId,
      delete_branch_after_merge: opts.deleteBranchAfterMerge,
      MergeTitleField: opts.title,
      MergeMessageField: opts.message,
      merge_when_checks_succeed: opts.whenChecksSucceed,
    };
    const what = `${this.ctx.slug}#${number}`;
    try {
      return await writeOnce<"merged" | "scheduled">(this.ctx, {
        attempt: async () => {
          const res = await this.ctx.http.json(ROUTES.pullMerge, ignoredBody, { params: this.pr(number), body });
          return res.status === 201 ? "scheduled" : "merged";
        },
        find: async () => ((await this.get(number))?.merged === true ? "merged" : undefined),
        // After a lost response, "already merged" arrives as 405 (or 409 in a race).
        isAlreadyDone: (err) => hasStatus(err, 405, 409),
      });
    } catch (err) {
      if (err instanceof HttpError) {
        if (err.status === 405) throw new MergeError(what, "not_allowed", err);
        if (err.status === 409) throw new MergeError(what, "conflict", err);
        if (err.status === 404) throw new MergeError(what, "not_found", err);
      }
      throw err;
    }
  }

  async updateBranch(number: number, style: "merge" | "rebase" = "merge"): Promise<void> {
    // Repeating is harmless: a head that is already up to date is left as it is.
    await this.ctx.http.send(ROUTES.pullUpdate, { params: this.pr(number), query: { style }, idempotent: true });
  }

  private pr(index: number): Record<string, string | number> {
    return { ...this.ctx.params, index };
  }
}

