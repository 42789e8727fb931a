// Helpers every route group shares: the signed-in user, repository access, issue lookup.
import type { Ctx } from "../router.ts";
import type { Level } from "../core.ts";
import type { RepoRec, UserRec, IssueRec, PullRec } from "../store.ts";
import { ApiError, notFound } from "../http.ts";

export function me(c: Ctx): UserRec {
  if (!c.user) throw new ApiError(401, "token is required");
  return c.user;
}

export function repoOf(c: Ctx, need: Level = "read"): { repo: RepoRec; level: Level; user: UserRec } {
  const user = me(c);
  const { repo, level } = c.core.access(user, c.params.owner ?? "", c.params.repo ?? "", need);
  return { repo, level, user };
}

export function intParam(c: Ctx, name: string): number {
  const n = Number(c.params[name]);
  if (!Number.isSafeInteger(n)) throw notFound();
  return n;
}

export function issueOf(c: Ctx, repo: RepoRec): IssueRec {
  const issue = c.core.issue(repo, intParam(c, "index"));
  if (!issue) throw notFound();
  return issue;
}

export function pullOf(c: Ctx, repo: RepoRec): { issue: IssueRec; pr: PullRec } {
  const issue = issueOf(c, repo);
  const pr = c.core.pullOf(issue);
  if (!pr) throw notFound();
  return { issue, pr };
}

export const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Forgejo's repository / user name rule (alphanumerics, dash, underscore, dot). */
export const NAME_RE = /^[\w.-]+$/;
