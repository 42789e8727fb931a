// PR reviews. Forgejo's rules: the PR author may not APPROVE or REQUEST_CHANGES (422);
// REQUEST_CHANGES and pending reviews need a body; COMMENT needs a body or inline comments;
// only reviewers with write access (or, under an approvals whitelist, on it) are `official`;
// dismissal needs repo admin.
import { z } from "zod";
import type { Router, Ctx } from "../router.ts";
import type { IssueRec, PullRec, RepoRec, ReviewRec, UserRec } from "../store.ts";
import { atLeast, now } from "../core.ts";
import { bind, json, empty, notFound, forbidden, pageOf, paged, unprocessable } from "../http.ts";
import { repoOf, pullOf, intParam, same } from "./common.ts";

const InlineComment = z.object({ path: z.string(), body: z.string(), new_position: z.number().int().optional(), old_position: z.number().int().optional() });

const CreateReview = z.object({
  event: z.string().optional(),
  body: z.string().optional(),
  commit_id: z.string().optional(),
  comments: z.array(InlineComment).nullish(),
});

const SubmitReview = z.object({ event: z.string().optional(), body: z.string().optional() });
const Dismiss = z.object({ message: z.string().optional(), priors: z.boolean().optional() });

type State = ReviewRec["state"];

/** Forgejo's preparePullReviewType: unknown or empty events make a PENDING review. */
function reviewState(event: string | undefined, body: string, inline: number, isAuthor: boolean): State {
  switch (event) {
    case "APPROVED":
      if (isAuthor) throw unprocessable("approve your own pull is not allowed");
      return "APPROVED";
    case "REQUEST_CHANGES":
      if (isAuthor) throw unprocessable("reject your own pull is not allowed");
      if (body.trim() === "") throw unprocessable("review event REQUEST_CHANGES requires a body");
      return "REQUEST_CHANGES";
    case "COMMENT":
      if (body.trim() === "" && inline === 0) throw unprocessable("review event COMMENT requires a body or a comment");
      return "COMMENT";
    default:
      if (body.trim() === "" && inline === 0) throw unprocessable("review event PENDING requires a body or a comment");
      return "PENDING";
  }
}

async function headOf(c: Ctx, repo: RepoRec, pr: PullRec): Promise<string> {
  return pr.merged ? pr.headSha : ((await c.core.git(repo).branchSha(pr.headBranch)) ?? pr.headSha);
}

function reviewById(c: Ctx, issue: IssueRec): ReviewRec {
  const id = intParam(c, "id");
  const v = c.core.s.reviews.find((x) => x.id === id && x.issueId === issue.id);
  if (!v) throw notFound();
  return v;
}

/**
 * Forgejo's IsOfficialReviewer: under a protection rule with an approvals whitelist, the users
 * on it; otherwise (rule or no rule) anyone with write access. Only verdicts are official.
 */
function isOfficial(c: Ctx, repo: RepoRec, pr: PullRec, v: ReviewRec, user: UserRec): boolean {
  if (v.state !== "APPROVED" && v.state !== "REQUEST_CHANGES") return false;
  const rule = c.core.protection(repo, pr.baseBranch);
  if (rule?.enableApprovalsWhitelist) return rule.approvalsWhitelistUsernames.some((l) => same(l, user.login));
  return atLeast(c.core.level(user, repo), "write");
}

/** A submitted official verdict supersedes the reviewer's earlier official ones. */
function submit(c: Ctx, repo: RepoRec, issue: IssueRec, pr: PullRec, v: ReviewRec, user: UserRec): void {
  const ts = now();
  v.official = isOfficial(c, repo, pr, v, user);
  if (v.official) for (const o of c.core.s.reviews) if (o !== v && o.issueId === issue.id && same(o.user, v.user)) o.official = false;
  v.submitted = ts;
  v.updated = ts;
  issue.updated = ts;
  c.core.addComment(issue, { type: "review", user: user.login, body: v.body, reviewId: v.id, created: ts });
}

export function registerReviews(r: Router): void {
  r.add("GET", "/repos/{owner}/{repo}/pulls/{index}/reviews", async (c) => {
    const { repo, user } = repoOf(c);
    const { issue, pr } = pullOf(c, repo);
    const head = await headOf(c, repo, pr);
    // Pending reviews are drafts: only their author sees them.
    const list = c.core.s.reviews.filter((v) => v.issueId === issue.id && (v.state !== "PENDING" || same(v.user, user.login)));
    return paged(list, pageOf(c.query), c.url, (v) => c.conv.review(v, issue, head));
  });

  r.add("POST", "/repos/{owner}/{repo}/pulls/{index}/reviews", async (c) => {
    const { repo, user } = repoOf(c);
    const { issue, pr } = pullOf(c, repo);
    const body = bind(CreateReview, await c.body());
    const text = body.body ?? "";
    const inline = body.comments ?? [];
    const state = reviewState(body.event, text, inline.length, same(issue.poster, user.login));
    const head = await headOf(c, repo, pr);
    const ts = now();
    const v: ReviewRec = {
      id: c.core.store.nextId("review"),
      issueId: issue.id,
      user: user.login,
      state,
      body: text,
      commitId: body.commit_id || head,
      official: false,
      dismissed: false,
      comments: inline.map((x) => ({ id: c.core.store.nextId("comment"), path: x.path, body: x.body, newPosition: x.new_position ?? 0, oldPosition: x.old_position ?? 0, created: ts })),
      submitted: ts,
      updated: ts,
    };
    c.core.s.reviews.push(v);
    if (state !== "PENDING") submit(c, repo, issue, pr, v, user);
    await c.core.store.save();
    return json(200, c.conv.review(v, issue, head));
  });

  r.add("GET", "/repos/{owner}/{repo}/pulls/{index}/reviews/{id}", async (c) => {
    const { repo } = repoOf(c);
    const { issue, pr } = pullOf(c, repo);
    return json(200, c.conv.review(reviewById(c, issue), issue, await headOf(c, repo, pr)));
  });

  r.add("POST", "/repos/{owner}/{repo}/pulls/{index}/reviews/{id}", async (c) => {
    const { repo, user } = repoOf(c);
    const { issue, pr } = pullOf(c, repo);
    const v = reviewById(c, issue);
    if (!same(v.user, user.login)) throw forbidden("only the reviewer may submit a pending review");
    if (v.state !== "PENDING") throw unprocessable("only a pending review can be submitted");
    const body = bind(SubmitReview, await c.body());
    const text = body.body ?? v.body;
    const state = reviewState(body.event, text, v.comments.length, same(issue.poster, user.login));
    if (state === "PENDING") throw unprocessable("review event must be APPROVED, REQUEST_CHANGES or COMMENT");
    v.state = state;
    v.body = text;
    submit(c, repo, issue, pr, v, user);
    await c.core.store.save();
    return json(200, c.conv.review(v, issue, await headOf(c, repo, pr)));
  });

  r.add("DELETE", "/repos/{owner}/{repo}/pulls/{index}/reviews/{id}", async (c) => {
    const { repo, level, user } = repoOf(c);
    const { issue } = pullOf(c, repo);
    const v = reviewById(c, issue);
    if (!same(v.user, user.login) && !atLeast(level, "admin")) throw forbidden("only the reviewer or a repo admin may delete a review");
    c.core.s.reviews.splice(c.core.s.reviews.indexOf(v), 1);
    await c.core.store.save();
    return empty(204);
  });

  r.add("GET", "/repos/{owner}/{repo}/pulls/{index}/reviews/{id}/comments", (c) => {
    const { repo } = repoOf(c);
    const { issue } = pullOf(c, repo);
    const v = reviewById(c, issue);
    return json(200, v.comments.map((x) => c.conv.reviewComment(x, v, issue)));
  });

  const dismissal = (dismiss: boolean) => async (c: Ctx) => {
    const { repo, user } = repoOf(c, "admin");
    const { issue, pr } = pullOf(c, repo);
    const v = reviewById(c, issue);
    if (v.state !== "APPROVED" && v.state !== "REQUEST_CHANGES") throw unprocessable("not need to dismiss this review because it's type is not Approve or change request");
    if (pr.merged || issue.state !== "open") throw unprocessable("cannot dismiss a review of a closed pull request");
    const body = bind(Dismiss, await c.body());
    v.dismissed = dismiss;
    v.updated = now();
    if (dismiss) c.core.addComment(issue, { type: "dismiss_review", user: user.login, body: body.message ?? "", reviewId: v.id });
    await c.core.store.save();
    return json(200, c.conv.review(v, issue, await headOf(c, repo, pr)));
  };
  r.add("POST", "/repos/{owner}/{repo}/pulls/{index}/reviews/{id}/dismissals", dismissal(true));
  r.add("POST", "/repos/{owner}/{repo}/pulls/{index}/reviews/{id}/undismissals", dismissal(false));
}


