// Issues: list/get/create/edit and the timeline. A PR is an issue here too, so the same
// calls work with a PR number (assignees, close, timeline).
import { collect } from "../../http/paginate.ts";
import type { Issue, IssueCreate, IssueEdit, IssueListOptions, IssuesApi, TimelineEvent } from "../types.ts";
import type { RepoContext } from "./context.ts";
import type { ForgejoLabels } from "./labels.ts";
import { ROUTES } from "./routes.ts";
import { issueSchema, timelineSchema } from "./schemas.ts";
import { requireText, unlessNotFound } from "./util.ts";
import { writeOnce } from "./write-once.ts";

export class ForgejoIssues implements IssuesApi {
  private readonly ctx: RepoContext;
  private readonly labels: ForgejoLabels;

  constructor(ctx: RepoContext, labels: ForgejoLabels) {
    this.ctx = ctx;
    this.labels = labels;
  }

  async list(opts: IssueListOptions = {}): Promise<Issue[]> {
    // The server drops unknown label names from the filter — and with none left, drops the
    // filter and returns every issue. Resolving first turns that into an error.
    if (opts.labels && opts.labels.length > 0) await this.labels.resolve(opts.labels);
    return collect(this.ctx.http, ROUTES.issuesList, issueSchema, {
      params: this.ctx.params,
      query: {
        state: opts.state,
        labels: opts.labels && opts.labels.length > 0 ? opts.labels.join(",") : undefined,
        type: opts.type,
        sort: opts.sort,
        since: opts.since,
        created_by: opts.createdBy,
        assigned_by: opts.assignedTo,
      },
      page: opts.page,
      limit: opts.limit,
    });
  }

  async get(number: number): Promise<Issue | undefined> {
    return unlessNotFound(this.ctx.http.json(ROUTES.issueGet, issueSchema, { params: this.issue(number) }).then((r) => r.data));
  }

  async create(issue: IssueCreate): Promise<Issue> {
    requireText("issue title", issue.title);
    const wanted = issue.labels ?? [];
    const labelIds = wanted.length > 0 ? await this.labels.resolve(wanted) : undefined;
    const body = issue.body ?? "";
    const me = await this.ctx.me();
    const created = await writeOnce(this.ctx, {
      attempt: async () =>
        (
          await this.ctx.http.json(ROUTES.issueCreate, issueSchema, {
            params: this.ctx.params,
            body: { title: issue.title, body, labels: labelIds, assignees: issue.assignees },
          })
        ).data,
      find: async (since) => {
        const mine = await this.list({ state: "all", type: "issues", createdBy: me.login, since });
        const matches = mine.filter((i) => !i.isPull && i.author === me.login && i.title === issue.title && i.body === body && i.createdAt >= since);
        return matches.sort((a, b) => a.number - b.number)[0];
      },
    });
    // Without write access the server creates the issue but silently drops its labels; adding
    // them separately fails loudly (403) instead.
    const dropped = wanted.filter((n) => !created.labels.includes(n));
    if (dropped.length > 0) created.labels = await this.labels.add(created.number, dropped);
    return created;
  }

  async edit(number: number, edit: IssueEdit): Promise<Issue> {
    const body: Record<string, unknown> = {};
    if (edit.title !== undefined) body.title = edit.title;
    if (edit.body !== undefined) body.body = edit.body;
    if (edit.state !== undefined) body.state = edit.state;
    if (edit.assignees !== undefined) body.assignees = edit.assignees;
    // Every field is an absolute value (assignees replace the set), so repeating is safe.
    const res = await this.ctx.http.json(ROUTES.issueEdit, issueSchema, { params: this.issue(number), body, idempotent: true });
    return res.data;
  }

  close(number: number): Promise<Issue> {
    return this.edit(number, { state: "closed" });
  }

  reopen(number: number): Promise<Issue> {
    return this.edit(number, { state: "open" });
  }

  setAssignees(number: number, logins: string[]): Promise<Issue> {
    return this.edit(number, { assignees: logins });
  }

  async timeline(number: number, opts: { since?: Date } = {}): Promise<TimelineEvent[]> {
    // No Link header on this endpoint: collect() falls back to "stop at a short page".
    return collect(this.ctx.http, ROUTES.issueTimeline, timelineSchema, { params: this.issue(number), query: { since: opts.since } });
  }

  private issue(index: number): Record<string, string | number> {
    return { ...this.ctx.params, index };
  }
}
