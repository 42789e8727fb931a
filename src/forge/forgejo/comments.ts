// Issue and PR comments (the conversation, not inline review comments).
import { z } from "zod";
import type { Comment, CommentsApi } from "../types.ts";
import type { RepoContext } from "./context.ts";
import { ROUTES } from "./routes.ts";
import { commentSchema } from "./schemas.ts";
import { requireText } from "./util.ts";
import { writeOnce } from "./write-once.ts";

const commentList = z.array(commentSchema).nullable();

export class ForgejoComments implements CommentsApi {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async list(issue: number, opts: { since?: Date } = {}): Promise<Comment[]> {
    // This endpoint is not paginated: it returns every comment (filtered by `since`).
    const res = await this.ctx.http.json(ROUTES.commentsList, commentList, { params: { ...this.ctx.params, index: issue }, query: { since: opts.since } });
    return res.data ?? [];
  }

  async create(issue: number, body: string): Promise<Comment> {
    requireText("comment body", body);
    const me = await this.ctx.me();
    return writeOnce(this.ctx, {
      attempt: async () => (await this.ctx.http.json(ROUTES.commentCreate, commentSchema, { params: { ...this.ctx.params, index: issue }, body: { body } })).data,
      find: async (since) => {
        const recent = await this.list(issue, { since });
        return recent.find((c) => c.author === me.login && c.body === body && c.createdAt >= since);
      },
    });
  }

  async edit(commentId: number, body: string): Promise<Comment> {
    requireText("comment body", body);
    const res = await this.ctx.http.json(ROUTES.commentEdit, commentSchema, { params: { ...this.ctx.params, id: commentId }, body: { body }, idempotent: true });
    return res.data;
  }
}
