// Formal PR reviews. The reviewer must not be the PR author (Forgejo answers 422 to an
// approval or rejection of your own PR), so review runs with its own token.
import { collect } from "../../http/paginate.ts";
import type { Review, ReviewCreate, ReviewsApi } from "../types.ts";
import type { RepoContext } from "./context.ts";
import { ROUTES } from "./routes.ts";
import { reviewSchema } from "./schemas.ts";
import { requireText } from "./util.ts";
import { writeOnce } from "./write-once.ts";

export class ForgejoReviews implements ReviewsApi {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async list(pr: number): Promise<Review[]> {
    return collect(this.ctx.http, ROUTES.reviewsList, reviewSchema, { params: { ...this.ctx.params, index: pr } });
  }

  async create(pr: number, review: ReviewCreate): Promise<Review> {
    // The server needs a body for REQUEST_CHANGES only; a verdict without reasons is useless
    // to the dev agent, so we demand one for every event.
    requireText("review body", review.body);
    requireText("review commit id", review.commitId);
    const me = await this.ctx.me();
    return writeOnce(this.ctx, {
      attempt: async () =>
        (
          await this.ctx.http.json(ROUTES.reviewCreate, reviewSchema, {
            params: { ...this.ctx.params, index: pr },
            body: { event: review.event, body: review.body, commit_id: review.commitId, comments: [] },
          })
        ).data,
      find: async (since) =>
        (await this.list(pr)).find(
          (r) =>
            r.author === me.login &&
            r.state === review.event &&
            r.body === review.body &&
            r.commitId === review.commitId &&
            (r.submittedAt === undefined || r.submittedAt >= since),
        ),
    });
  }

  async dismiss(pr: number, reviewId: number, message: string): Promise<Review> {
    requireText("dismissal message", message);
    const params = { ...this.ctx.params, index: pr, id: reviewId };
    return writeOnce(this.ctx, {
      attempt: async () => (await this.ctx.http.json(ROUTES.reviewDismiss, reviewSchema, { params, body: { message, priors: false } })).data,
      find: async () => {
        const r = (await this.ctx.http.json(ROUTES.reviewGet, reviewSchema, { params })).data;
        return r.dismissed ? r : undefined;
      },
    });
  }
}
