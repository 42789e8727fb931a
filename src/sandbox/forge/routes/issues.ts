// Issues (list with Forgejo's filters, get, create, edit — PATCH answers 201), comments and
// the issue timeline.
import { z } from "zod";
import type { Router, Ctx } from "../router.ts";
import type { IssueRec, RepoRec, UserRec, CommentRec } from "../store.ts";
import { atLeast, now, type Level } from "../core.ts";
import { ApiError, bind, json, empty, notFound, forbidden, pageOf, paged, unprocessable } from "../http.ts";
import { repoOf, issueOf, intParam, same } from "./common.ts";
import { changeLabels, repoLabels } from "./labels.ts";

const CreateIssue = z.object({
  title: z.string().min(1),
  body: z.string().optional(),
  assignee: z.string().optional(),
  assignees: z.array(z.string()).nullish(),
  labels: z.array(z.number().int()).nullish(),
  milestone: z.number().int().optional(),
  due_date: z.string().nullish(),
  ref: z.string().optional(),
  closed: z.boolean().optional(),
});

const EditIssue = z.object({
  title: z.string().optional(),
  body: z.string().nullish(),
  state: z.enum(["open", "closed"]).nullish(),
  assignee: z.string().nullish(),
  assignees: z.array(z.string()).nullish(),
  milestone: z.number().int().nullish(),
  due_date: z.string().nullish(),
  unset_due_date: z.boolean().nullish(),
  ref: z.string().nullish(),
  updated_at: z.string().nullish(),
});

const CommentBody = z.object({ body: z.string(), updated_at: z.string().optional() });

/** Validate assignee logins: they must exist and be able to read the repository (422 otherwise). */
export function checkAssignees(c: Ctx, repo: RepoRec, logins: string[]): string[] {
  const out: string[] = [];
  for (const login of logins) {
    const u = c.core.user(login);
    if (!u || u.kind !== "user") throw unprocessable(`user does not exist [uid: 0, name: ${login}]`);
    if (c.core.level(u, repo) === "none") throw unprocessable(`user ${login} does not have access to this repository`);
    if (!out.some((o) => same(o, u.login))) out.push(u.login);
  }
  return out;
}

/** Replace the assignee set, with one timeline entry per added or removed user. */
export function setAssignees(c: Ctx, issue: IssueRec, logins: string[], actor: UserRec): void {
  const ts = now();
  for (const old of issue.assignees) if (!logins.some((l) => same(l, old))) c.core.addComment(issue, { type: "assignees", user: actor.login, body: "", assignee: old, removedAssignee: true, created: ts });
  for (const nu of logins) if (!issue.assignees.some((l) => same(l, nu))) c.core.addComment(issue, { type: "assignees", user: actor.login, body: "", assignee: nu, removedAssignee: false, created: ts });
  issue.assignees = logins;
  issue.updated = ts;
}

function timeFilter(q: URLSearchParams, get: (x: CommentRec | IssueRec) => string): (x: CommentRec | IssueRec) => boolean {
  const since = q.get("since");
  const before = q.get("before");
  const s = since ? Date.parse(since) : NaN;
  const b = before ? Date.parse(before) : NaN;
  if ((since && Number.isNaN(s)) || (before && Number.isNaN(b))) throw unprocessable("invalid since/before: expected RFC 3339");
  return (x) => {
    const t = Date.parse(get(x));
    return (Number.isNaN(s) || t >= s) && (Number.isNaN(b) || t < b);
  };
}

const SORTS: Record<string, (a: IssueRec, b: IssueRec, comments: (i: IssueRec) => number) => number> = {
  oldest: (a, b) => a.created.localeCompare(b.created) || a.id - b.id,
  recentupdate: (a, b) => b.updated.localeCompare(a.updated) || b.id - a.id,
  leastupdate: (a, b) => a.updated.localeCompare(b.updated) || a.id - b.id,
  mostcomment: (a, b, n) => n(b) - n(a) || b.id - a.id,
  leastcomment: (a, b, n) => n(a) - n(b) || a.id - b.id,
};
const NEWEST = (a: IssueRec, b: IssueRec): number => b.created.localeCompare(a.created) || b.id - a.id;

export function registerIssues(r: Router): void {
  r.add("GET", "/repos/{owner}/{repo}/issues", (c) => {
    const { repo } = repoOf(c);
    const q = c.query;
    const state = q.get("state") ?? "open";
    if (!["open", "closed", "all"].includes(state)) throw unprocessable("invalid state");
    const type = q.get("type");
    let items = c.core.s.issues.filter((i) => i.repoId === repo.id);
    if (state !== "all") items = items.filter((i) => i.state === state);
    if (type === "issues") items = items.filter((i) => !i.isPull);
    else if (type === "pulls") items = items.filter((i) => i.isPull);
    const labelNames = (q.get("labels") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    if (labelNames.length > 0) {
      const known = repoLabels(c.core, repo);
      // Unknown names are dropped; when none is known the filter disappears entirely.
      const ids = labelNames.map((n) => known.filter((l) => l.name === n).map((l) => l.id)).filter((g) => g.length > 0);
      if (ids.length > 0) items = items.filter((i) => ids.every((group) => group.some((id) => i.labelIds.includes(id))));
    }
    const text = q.get("q");
    if (text) items = items.filter((i) => i.title.toLowerCase().includes(text.toLowerCase()) || i.body.toLowerCase().includes(text.toLowerCase()));
    items = items.filter(timeFilter(q, (i) => (i as IssueRec).updated));
    const createdBy = q.get("created_by");
    if (createdBy) items = items.filter((i) => same(i.poster, createdBy));
    const assignedBy = q.get("assigned_by");
    if (assignedBy) items = items.filter((i) => i.assignees.some((a) => same(a, assignedBy)));
    const mentioned = q.get("mentioned_by");
    if (mentioned) items = items.filter((i) => i.body.includes(`@${mentioned}`));
    const count = (i: IssueRec): number => c.core.s.comments.filter((x) => x.issueId === i.id && x.type === "comment").length;
    const sort = SORTS[q.get("sort") ?? ""];
    items.sort(sort ? (a, b) => sort(a, b, count) : NEWEST);
    return paged(items, pageOf(q), c.url, (i) => c.conv.issue(i));
  });

  r.add("POST", "/repos/{owner}/{repo}/issues", async (c) => {
    const { repo, level, user } = repoOf(c);
    const body = bind(CreateIssue, await c.body());
    const canWrite = atLeast(level, "write");
    const ts = now();
    const issue: IssueRec = {
      id: c.core.store.nextId("issue"),
      repoId: repo.id,
      index: repo.nextIndex++,
      poster: user.login,
      title: body.title,
      body: body.body ?? "",
      ref: body.ref ?? "",
      state: "open",
      labelIds: [],
      assignees: [],
      isPull: false,
      created: ts,
      updated: ts,
      closed: null,
    };
    // Labels and assignees from a user without write access are dropped silently, as in Forgejo.
    const assignees = canWrite ? checkAssignees(c, repo, [...(body.assignees ?? []), ...(body.assignee ? [body.assignee] : [])]) : [];
    c.core.s.issues.push(issue);
    if (canWrite && body.labels) changeLabels(c.core, issue, repoLabels(c.core, repo).filter((l) => body.labels?.includes(l.id)), [], user);
    if (assignees.length > 0) setAssignees(c, issue, assignees, user);
    if (body.closed) c.core.setState(issue, "closed", user);
    await c.core.store.save();
    return json(201, c.conv.issue(issue));
  });

  // Literal "comments" must win over {index}: register the repo-wide comment routes first.
  r.add("GET", "/repos/{owner}/{repo}/issues/comments", (c) => {
    const { repo } = repoOf(c);
    const issueIds = new Set(c.core.s.issues.filter((i) => i.repoId === repo.id).map((i) => i.id));
    const list = c.core.s.comments.filter((x) => issueIds.has(x.issueId) && x.type === "comment").filter(timeFilter(c.query, (x) => x.updated));
    return paged(list, pageOf(c.query), c.url, (x) => c.conv.comment(x));
  });

  const commentById = (c: Ctx, repo: RepoRec): CommentRec => {
    const id = intParam(c, "id");
    const cm = c.core.s.comments.find((x) => x.id === id);
    const issue = cm && c.core.s.issues.find((i) => i.id === cm.issueId);
    if (!cm || !issue || issue.repoId !== repo.id) throw notFound();
    return cm;
  };

  r.add("GET", "/repos/{owner}/{repo}/issues/comments/{id}", (c) => {
    const { repo } = repoOf(c);
    const cm = commentById(c, repo);
    // Forgejo answers 204 for ids that are timeline events rather than comments.
    if (cm.type !== "comment") return empty(204);
    return json(200, c.conv.comment(cm));
  });

  r.add("PATCH", "/repos/{owner}/{repo}/issues/comments/{id}", async (c) => {
    const { repo, level, user } = repoOf(c);
    const cm = commentById(c, repo);
    if (cm.type !== "comment") return empty(204);
    if (!same(cm.user, user.login) && !atLeast(level, "write")) throw forbidden("user should be the poster or have write access");
    const body = bind(CommentBody, await c.body());
    cm.body = body.body;
    cm.updated = now();
    await c.core.store.save();
    return json(200, c.conv.comment(cm));
  });

  r.add("DELETE", "/repos/{owner}/{repo}/issues/comments/{id}", async (c) => {
    const { repo, level, user } = repoOf(c);
    const cm = commentById(c, repo);
    if (cm.type !== "comment") return empty(204);
    if (!same(cm.user, user.login) && !atLeast(level, "write")) throw forbidden("user should be the poster or have write access");
    c.core.s.comments.splice(c.core.s.comments.indexOf(cm), 1);
    await c.core.store.save();
    return empty(204);
  });

  r.add("GET", "/repos/{owner}/{repo}/issues/{index}", (c) => {
    const { repo } = repoOf(c);
    return json(200, c.conv.issue(issueOf(c, repo)));
  });

  r.add("PATCH", "/repos/{owner}/{repo}/issues/{index}", async (c) => {
    const { repo, level, user } = repoOf(c);
    const issue = issueOf(c, repo);
    const body = bind(EditIssue, await c.body());
    await editIssue(c, repo, issue, level, user, body);
    return json(201, c.conv.issue(issue));
  });

  r.add("GET", "/repos/{owner}/{repo}/issues/{index}/comments", (c) => {
    const { repo } = repoOf(c);
    const issue = issueOf(c, repo);
    const list = c.core.s.comments.filter((x) => x.issueId === issue.id && x.type === "comment").filter(timeFilter(c.query, (x) => x.updated));
    return json(200, list.map((x) => c.conv.comment(x)));
  });

  r.add("POST", "/repos/{owner}/{repo}/issues/{index}/comments", async (c) => {
    const { repo, user } = repoOf(c);
    const issue = issueOf(c, repo);
    const body = bind(CommentBody, await c.body());
    const cm = c.core.addComment(issue, { type: "comment", user: user.login, body: body.body });
    issue.updated = cm.created;
    await c.core.store.save();
    return json(201, c.conv.comment(cm));
  });

  r.add("GET", "/repos/{owner}/{repo}/issues/{index}/timeline", (c) => {
    const { repo } = repoOf(c);
    const issue = issueOf(c, repo);
    const list = c.core.s.comments.filter((x) => x.issueId === issue.id).filter(timeFilter(c.query, (x) => x.updated));
    const p = pageOf(c.query);
    const page = list.slice((p.page - 1) * p.limit, p.page * p.limit);
    // Forgejo's quirk: X-Total-Count is the size of this page and there is no Link header.
    return json(200, page.map((x) => c.conv.timeline(x)), { "X-Total-Count": String(page.length) });
  });
}

export interface EditFields {
  title?: string | undefined;
  body?: string | null | undefined;
  state?: "open" | "closed" | null | undefined;
  assignee?: string | null | undefined;
  assignees?: string[] | null | undefined;
  ref?: string | null | undefined;
}

/** Shared by PATCH /issues/{index} and PATCH /pulls/{index}. */
export async function editIssue(c: Ctx, repo: RepoRec, issue: IssueRec, level: Level, user: UserRec, body: EditFields): Promise<void> {
  const canWrite = atLeast(level, "write");
  const isPoster = same(issue.poster, user.login);
  if (!canWrite && !isPoster) throw forbidden("user should be the poster or have write access");
  if (body.title !== undefined && body.title !== issue.title) {
    if (body.title.trim() === "") throw unprocessable("[Title]: Required");
    c.core.addComment(issue, { type: "change_title", user: user.login, body: "", oldTitle: issue.title, newTitle: body.title });
    issue.title = body.title;
  }
  if (body.body !== undefined && body.body !== null) issue.body = body.body;
  if (body.ref !== undefined && body.ref !== null && canWrite) issue.ref = body.ref;
  if (canWrite && (body.assignees || body.assignee !== undefined)) {
    const wanted = body.assignees ?? (body.assignee ? [body.assignee] : []);
    setAssignees(c, issue, checkAssignees(c, repo, wanted), user);
  }
  if (body.state && body.state !== issue.state) {
    const pr = c.core.pullOf(issue);
    if (pr?.merged) throw new ApiError(412, "cannot change state of this pull request, it was already merged");
    c.core.setState(issue, body.state, user);
  }
  issue.updated = now();
  await c.core.store.save();
}
