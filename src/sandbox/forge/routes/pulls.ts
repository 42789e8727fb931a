// Pull requests: create (409 on a duplicate open PR), list, get, get by base/head, edit
// (PATCH answers 201), diff/patch, changed files, is-merged, merge and update-branch.
import { z } from "zod";
import type { Router, Ctx } from "../router.ts";
import type { IssueRec, PullRec, RepoRec } from "../store.ts";
import { atLeast, now } from "../core.ts";
import { ApiError, bind, json, empty, notFound, pageOf, paged, unprocessable } from "../http.ts";
import { repoOf, pullOf, same } from "./common.ts";
import { changeLabels, repoLabels } from "./labels.ts";
import { checkAssignees, setAssignees, editIssue } from "./issues.ts";
import { mergePull, updatePullBranch } from "../merge.ts";

const CreatePull = z.object({
  head: z.string().min(1),
  base: z.string().min(1),
  title: z.string().min(1),
  body: z.string().optional(),
  assignee: z.string().optional(),
  assignees: z.array(z.string()).nullish(),
  labels: z.array(z.number().int()).nullish(),
  milestone: z.number().int().optional(),
  due_date: z.string().nullish(),
});

const EditPull = z.object({
  title: z.string().optional(),
  body: z.string().nullish(),
  state: z.enum(["open", "closed"]).nullish(),
  base: z.string().nullish(),
  assignee: z.string().nullish(),
  assignees: z.array(z.string()).nullish(),
  labels: z.array(z.number().int()).nullish(),
  milestone: z.number().int().nullish(),
  due_date: z.string().nullish(),
  unset_due_date: z.boolean().nullish(),
  allow_maintainer_edit: z.boolean().nullish(),
});

const MergeBody = z.object({
  Do: z.enum(["merge", "rebase", "rebase-merge", "squash", "fast-forward-only", "manually-merged", ""]),
  MergeTitleField: z.string().optional(),
  MergeMessageField: z.string().optional(),
  MergeCommitID: z.string().optional(),
  head_commit_id: z.string().optional(),
  delete_branch_after_merge: z.boolean().optional(),
  force_merge: z.boolean().optional(),
  merge_when_checks_succeed: z.boolean().optional(),
});

/** `owner:branch` names a fork; the sandbox has no forks, so the owner must be the repo's. */
function headBranch(repo: RepoRec, head: string): string {
  const colon = head.indexOf(":");
  if (colon < 0) return head;
  if (!same(head.slice(0, colon), repo.owner)) throw notFound("head repository not found (the sandbox forge has no forks)");
  return head.slice(colon + 1);
}

function openPullFor(c: Ctx, repo: RepoRec, head: string, base: string, except?: PullRec): PullRec | undefined {
  return c.core.s.pulls.find((p) => p !== except && p.repoId === repo.id && p.headBranch === head && p.baseBranch === base && !p.merged && c.core.s.issues.find((i) => i.id === p.issueId)?.state === "open");
}

export function registerPulls(r: Router): void {
  r.add("GET", "/repos/{owner}/{repo}/pulls", async (c) => {
    const { repo, level } = repoOf(c);
    const state = c.query.get("state") ?? "open";
    let list = c.core.s.pulls.filter((p) => p.repoId === repo.id).map((pr) => ({ pr, issue: c.core.s.issues.find((i) => i.id === pr.issueId) as IssueRec }));
    if (state !== "all") list = list.filter((x) => x.issue.state === state);
    const labelIds = c.query.getAll("labels").map(Number).filter((n) => Number.isInteger(n) && n > 0);
    if (labelIds.length > 0) list = list.filter((x) => labelIds.some((id) => x.issue.labelIds.includes(id)));
    const poster = c.query.get("poster");
    if (poster) list = list.filter((x) => same(x.issue.poster, poster));
    const sort = c.query.get("sort") ?? "";
    const byCreated = (a: (typeof list)[number], b: (typeof list)[number]): number => b.issue.created.localeCompare(a.issue.created) || b.issue.id - a.issue.id;
    list.sort(
      sort === "oldest" ? (a, b) => -byCreated(a, b)
      : sort === "recentupdate" ? (a, b) => b.issue.updated.localeCompare(a.issue.updated)
      : sort === "leastupdate" ? (a, b) => a.issue.updated.localeCompare(b.issue.updated)
      : sort === "recentclose" ? (a, b) => (b.issue.closed ?? "").localeCompare(a.issue.closed ?? "")
      : byCreated,
    );
    const p = pageOf(c.query);
    const reply = paged(list, p, c.url, (x) => x);
    const page = reply.json as typeof list;
    return { ...reply, json: await Promise.all(page.map((x) => c.conv.pull(x.issue, x.pr, level))) };
  });

  r.add("POST", "/repos/{owner}/{repo}/pulls", async (c) => {
    const { repo, level, user } = repoOf(c);
    const body = bind(CreatePull, await c.body());
    const head = headBranch(repo, body.head);
    if (head === body.base) throw unprocessable("Invalid PullRequest: There are no changes between the head and the base");
    const git = c.core.git(repo);
    const baseSha = await git.branchSha(body.base);
    const headSha = await git.branchSha(head);
    if (!baseSha || !headSha) throw notFound(`branch does not exist [name: ${!baseSha ? body.base : head}]`);
    const existing = openPullFor(c, repo, head, body.base);
    if (existing) {
      const ei = c.core.s.issues.find((i) => i.id === existing.issueId);
      throw new ApiError(409, `pull request already exists for these targets [id: ${existing.id}, issue_id: ${ei?.id ?? 0}, head_repo_id: ${repo.id}, base_repo_id: ${repo.id}, head_branch: ${head}, base_branch: ${body.base}]`);
    }
    const canWrite = atLeast(level, "write");
    const assignees = canWrite ? checkAssignees(c, repo, [...(body.assignees ?? []), ...(body.assignee ? [body.assignee] : [])]) : [];
    const ts = now();
    const issue: IssueRec = { id: c.core.store.nextId("issue"), repoId: repo.id, index: repo.nextIndex++, poster: user.login, title: body.title, body: body.body ?? "", ref: "", state: "open", labelIds: [], assignees: [], isPull: true, created: ts, updated: ts, closed: null };
    const pr: PullRec = { id: c.core.store.nextId("pull"), issueId: issue.id, repoId: repo.id, headBranch: head, baseBranch: body.base, headSha, mergeBase: (await git.mergeBase(baseSha, headSha)) ?? baseSha, merged: false, mergedAt: null, mergedBy: null, mergeCommitSha: null };
    c.core.s.issues.push(issue);
    c.core.s.pulls.push(pr);
    if (canWrite && body.labels) changeLabels(c.core, issue, repoLabels(c.core, repo).filter((l) => body.labels?.includes(l.id)), [], user);
    if (assignees.length > 0) setAssignees(c, issue, assignees, user);
    await c.core.store.save();
    c.core.emitPull(repo, issue, pr, "opened", user, baseSha);
    return json(201, await c.conv.pull(issue, pr, level));
  });

  r.add("GET", "/repos/{owner}/{repo}/pulls/{index}.{diffType}", async (c) => {
    const { repo } = repoOf(c);
    const { pr } = pullOf(c, repo);
    const git = c.core.git(repo);
    const head = pr.merged ? pr.headSha : ((await git.branchSha(pr.headBranch)) ?? pr.headSha);
    const base = pr.merged ? pr.mergeBase : await git.mergeBase((await git.branchSha(pr.baseBranch)) ?? pr.mergeBase, head);
    const from = base ?? pr.mergeBase;
    if (c.params.diffType === "diff") return { status: 200, raw: await git.diff(from, head), contentType: "text/plain; charset=utf-8" };
    if (c.params.diffType === "patch") return { status: 200, raw: await git.formatPatch(from, head), contentType: "text/plain; charset=utf-8" };
    throw notFound();
  });

  r.add("GET", "/repos/{owner}/{repo}/pulls/{index}", async (c) => {
    const { repo, level } = repoOf(c);
    const { issue, pr } = pullOf(c, repo);
    return json(200, await c.conv.pull(issue, pr, level));
  });

  r.add("PATCH", "/repos/{owner}/{repo}/pulls/{index}", async (c) => {
    const { repo, level, user } = repoOf(c);
    const { issue, pr } = pullOf(c, repo);
    const body = bind(EditPull, await c.body());
    const canWrite = atLeast(level, "write");
    if (body.base && body.base !== pr.baseBranch && canWrite) {
      if (pr.merged) throw new ApiError(412, "cannot change the base of a merged pull request");
      const git = c.core.git(repo);
      const baseSha = await git.branchSha(body.base);
      if (!baseSha) throw notFound(`branch does not exist [name: ${body.base}]`);
      if (body.base === pr.headBranch) throw unprocessable("Invalid PullRequest: head and base are the same branch");
      if (openPullFor(c, repo, pr.headBranch, body.base, pr)) throw new ApiError(409, "pull request already exists for these targets");
      pr.baseBranch = body.base;
      pr.mergeBase = (await git.mergeBase(baseSha, pr.headSha)) ?? baseSha;
    }
    if (canWrite && body.labels) {
      const want = repoLabels(c.core, repo).filter((l) => body.labels?.includes(l.id));
      const remove = repoLabels(c.core, repo).filter((l) => issue.labelIds.includes(l.id) && !want.includes(l));
      changeLabels(c.core, issue, want, remove, user);
    }
    await editIssue(c, repo, issue, level, user, body);
    return json(201, await c.conv.pull(issue, pr, level));
  });

  r.add("GET", "/repos/{owner}/{repo}/pulls/{index}/files", async (c) => {
    const { repo } = repoOf(c);
    const { pr } = pullOf(c, repo);
    const git = c.core.git(repo);
    const head = pr.merged ? pr.headSha : ((await git.branchSha(pr.headBranch)) ?? pr.headSha);
    const baseSha = pr.merged ? pr.mergeBase : ((await git.branchSha(pr.baseBranch)) ?? pr.mergeBase);
    const from = pr.merged ? pr.mergeBase : ((await git.mergeBase(baseSha, head)) ?? pr.mergeBase);
    const files = await git.changedFiles(from, head);
    return paged(files, pageOf(c.query), c.url, (f) => ({
      filename: f.filename,
      previous_filename: f.previous ?? "",
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      changes: f.additions + f.deletions,
      html_url: c.conv.repoHtml(repo, `/src/commit/${head}/${f.filename}`),
      contents_url: c.conv.repoApi(repo, `/contents/${f.filename}?ref=${head}`),
      raw_url: c.conv.repoHtml(repo, `/raw/commit/${head}/${f.filename}`),
    }));
  });

  r.add("GET", "/repos/{owner}/{repo}/pulls/{index}/merge", (c) => {
    const { repo } = repoOf(c);
    const { pr } = pullOf(c, repo);
    if (!pr.merged) throw notFound();
    return empty(204);
  });

  r.add("POST", "/repos/{owner}/{repo}/pulls/{index}/merge", async (c) => {
    const { repo, user } = repoOf(c);
    const { issue, pr } = pullOf(c, repo);
    const body = bind(MergeBody, await c.body());
    await mergePull(c.core, repo, issue, pr, user, {
      style: body.Do || "merge",
      title: body.MergeTitleField,
      message: body.MergeMessageField,
      headCommitId: body.head_commit_id,
      deleteBranchAfterMerge: body.delete_branch_after_merge,
      forceMerge: body.force_merge,
    });
    return empty(200);
  });

  r.add("POST", "/repos/{owner}/{repo}/pulls/{index}/update", async (c) => {
    const { repo, user } = repoOf(c);
    const { issue, pr } = pullOf(c, repo);
    await updatePullBranch(c.core, repo, issue, pr, user, c.query.get("style") ?? "merge");
    return empty(200);
  });
}

/** Registered last: its greedy {head} would otherwise shadow /pulls/{index}/... routes. */
export function registerPullByBranches(r: Router): void {
  r.add("GET", "/repos/{owner}/{repo}/pulls/{base}/{head}", async (c) => {
    const { repo, level } = repoOf(c);
    const head = headBranch(repo, c.params.head ?? "");
    const candidates = c.core.s.pulls.filter((p) => p.repoId === repo.id && p.baseBranch === c.params.base && p.headBranch === head);
    const pick = candidates.find((p) => c.core.s.issues.find((i) => i.id === p.issueId)?.state === "open") ?? candidates.at(-1);
    if (!pick) throw notFound();
    return json(200, await c.conv.pull(c.core.s.issues.find((i) => i.id === pick.issueId) as IssueRec, pick, level));
  });
}
