// A repository of a dry run: reads go to the forge, the writes an agent makes on its way to
// the model or to a merge are logged as planned writes and simulated in memory, so the run
// reads them back (a claim re-reads the assignee it just set) and goes on deciding as it
// would. Simulated: assignees, state, title and body of issues; labels on issues (and labels
// that `ensure` would create); comments; merges and branch updates; reviews; commit statuses;
// branch deletions. Not simulated — because the answer would be invented — are creating
// issues and pull requests (their numbers are the server's) and every other write: those reach
// the HTTP client, which refuses them in a dry run and stops the run there.
//
// List filters are applied by the server to what it has; a simulated change does not move an
// item in or out of a filtered list (the item is patched, not re-filtered). The agents read an
// issue or PR by number after changing it, so this does not change their decisions.
import type { DryRun } from "../lib/dry-run.ts";
import type {
  BranchesApi,
  Comment,
  CommentsApi,
  CommitStatus,
  ContentsApi,
  Issue,
  IssueEdit,
  IssuesApi,
  Label,
  LabelSpec,
  LabelsApi,
  PullRequest,
  PullsApi,
  RepoForge,
  Review,
  ReviewsApi,
  StatusesApi,
} from "./types.ts";

export interface DryRunRepoOptions {
  /** The run's login: simulated comments and reviews are written as it. */
  login: string;
  /** Use these contents instead of the repo's (the ops repo's read-your-writes overlay). */
  contents?: ContentsApi;
}

interface IssuePatch {
  state?: "open" | "closed";
  title?: string;
  body?: string;
  assignees?: string[];
  labels?: string[];
}

/** `inner` with `methods` in place of its own; everything else is inner's, bound to it. */
function override<T extends object>(inner: T, methods: Partial<T>): T {
  return new Proxy(inner, {
    get(target, prop) {
      if (Object.hasOwn(methods, prop)) return (methods as Record<PropertyKey, unknown>)[prop];
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export function dryRunRepo(inner: RepoForge, dry: DryRun, opts: DryRunRepoOptions): RepoForge {
  const slug = `${inner.ref.owner}/${inner.ref.name}`;
  const patches = new Map<number, IssuePatch>();
  const added = new Map<number, Comment[]>();
  const createdLabels = new Map<string, Label>();
  const merged = new Set<number>();
  const deletedBranches = new Set<string>();
  let fakeId = 0;
  const nextId = (): number => --fakeId;
  const at = (): Date => new Date();

  const patch = (n: number, p: IssuePatch): void => {
    patches.set(n, { ...patches.get(n), ...p });
  };
  const patchIssue = (i: Issue): Issue => {
    const p = patches.get(i.number);
    return p === undefined ? i : { ...i, ...p, closedAt: p.state === "closed" ? (i.closedAt ?? at()) : i.closedAt };
  };
  const patchPull = (pr: PullRequest): PullRequest => {
    const p = patches.get(pr.number);
    const out = p === undefined ? pr : { ...pr, ...p };
    return merged.has(pr.number) ? { ...out, state: "closed", merged: true, mergedAt: out.mergedAt ?? at() } : out;
  };
  const mustGet = async (n: number): Promise<Issue> => {
    const i = await issues.get(n);
    if (i === undefined) throw new Error(`${slug}#${n}: no such issue`);
    return i;
  };

  const issues: IssuesApi = override(inner.issues, {
    async get(n) {
      const i = await inner.issues.get(n);
      return i === undefined ? undefined : patchIssue(i);
    },
    async list(o) {
      return (await inner.issues.list(o)).map(patchIssue);
    },
    async edit(n, edit: IssueEdit) {
      dry.write(`edit ${slug}#${n}`, describeEdit(edit));
      patch(n, { ...(edit.title !== undefined ? { title: edit.title } : {}), ...(edit.body !== undefined ? { body: edit.body } : {}), ...(edit.state !== undefined ? { state: edit.state } : {}), ...(edit.assignees !== undefined ? { assignees: [...edit.assignees] } : {}) });
      return mustGet(n);
    },
    async close(n) {
      dry.write(`close ${slug}#${n}`);
      patch(n, { state: "closed" });
      return mustGet(n);
    },
    async reopen(n) {
      dry.write(`reopen ${slug}#${n}`);
      patch(n, { state: "open" });
      return mustGet(n);
    },
    async setAssignees(n, logins) {
      dry.write(`assign ${slug}#${n} to ${logins.length > 0 ? logins.join(", ") : "nobody"}`);
      patch(n, { assignees: [...logins] });
      return mustGet(n);
    },
  });

  // Names the server knows are resolved there (an unknown name throws as it would); names only
  // this run's `ensure` created need no id.
  const resolveKnown = async (names: string[]): Promise<void> => {
    const known = names.filter((n) => !createdLabels.has(n));
    if (known.length > 0) await inner.labels.resolve(known);
  };
  const labels: LabelsApi = override(inner.labels, {
    async list() {
      return [...(await inner.labels.list()), ...createdLabels.values()];
    },
    create(spec: LabelSpec) {
      dry.write(`create label ${JSON.stringify(spec.name)} in ${slug}`);
      const label: Label = { id: nextId(), name: spec.name, color: spec.color.replace(/^#/, "").toLowerCase(), description: spec.description ?? "", exclusive: spec.exclusive ?? false, isArchived: false };
      createdLabels.set(label.name, label);
      return Promise.resolve(label);
    },
    async ensure(specs) {
      const have = new Map((await labels.list()).map((l) => [l.name, l]));
      const out: Label[] = [];
      for (const s of specs) out.push(have.get(s.name) ?? (await labels.create(s)));
      return out;
    },
    async onIssue(n) {
      return patches.get(n)?.labels ?? inner.labels.onIssue(n);
    },
    async add(n, names) {
      await resolveKnown(names);
      const cur = await labels.onIssue(n);
      const next = [...cur, ...names.filter((x) => !cur.includes(x))];
      dry.write(`add label${names.length === 1 ? "" : "s"} ${names.join(", ")} to ${slug}#${n}`);
      patch(n, { labels: next });
      return next;
    },
    async remove(n, name) {
      await resolveKnown([name]);
      const cur = await labels.onIssue(n);
      dry.write(`remove label ${name} from ${slug}#${n}`);
      patch(n, { labels: cur.filter((x) => x !== name) });
    },
    async replace(n, names) {
      await resolveKnown(names);
      dry.write(`set the labels of ${slug}#${n} to ${names.length > 0 ? names.join(", ") : "none"}`);
      patch(n, { labels: [...names] });
      return [...names];
    },
  });
  // An issue's labels as simulated are also what `issues.get` shows (patchIssue reads `labels`).

  const comments: CommentsApi = override(inner.comments, {
    async list(n, o) {
      return [...(await inner.comments.list(n, o)), ...(added.get(n) ?? [])];
    },
    create(n, body) {
      dry.write(`comment on ${slug}#${n}`, firstLine(body));
      const now = at();
      const c: Comment = { id: nextId(), body, author: opts.login, createdAt: now, updatedAt: now, htmlUrl: "" };
      added.set(n, [...(added.get(n) ?? []), c]);
      return Promise.resolve(c);
    },
    edit(id, body) {
      dry.write(`edit comment ${id} in ${slug}`, firstLine(body));
      const now = at();
      return Promise.resolve({ id, body, author: opts.login, createdAt: now, updatedAt: now, htmlUrl: "" });
    },
  });

  const pulls: PullsApi = override(inner.pulls, {
    async get(n) {
      const pr = await inner.pulls.get(n);
      return pr === undefined ? undefined : patchPull(pr);
    },
    async list(o) {
      return (await inner.pulls.list(o)).map(patchPull);
    },
    async findByHead(branch, o) {
      const pr = await inner.pulls.findByHead(branch, o);
      return pr === undefined ? undefined : patchPull(pr);
    },
    merge(n, o = {}) {
      dry.write(`merge PR ${slug}#${n}`, [o.style ?? "merge", o.headCommitId !== undefined ? `head ${o.headCommitId.slice(0, 12)}` : "", o.deleteBranchAfterMerge ? "delete the branch" : ""].filter(Boolean).join(", "));
      merged.add(n);
      return Promise.resolve(o.whenChecksSucceed ? "scheduled" : "merged");
    },
    updateBranch(n, style = "merge") {
      dry.write(`update the branch of PR ${slug}#${n} from its base (${style})`);
      return Promise.resolve();
    },
  });

  const reviews: ReviewsApi = override(inner.reviews, {
    create(pr, r) {
      dry.write(`review PR ${slug}#${pr}: ${r.event} on ${r.commitId.slice(0, 12)}`, firstLine(r.body));
      const review: Review = { id: nextId(), author: opts.login, state: r.event, body: r.body, commitId: r.commitId, stale: false, official: true, dismissed: false, submittedAt: at() };
      return Promise.resolve(review);
    },
    async dismiss(pr, id, message) {
      dry.write(`dismiss review ${id} of PR ${slug}#${pr}`, message);
      const r = (await inner.reviews.list(pr)).find((x) => x.id === id);
      if (r === undefined) throw new Error(`${slug}#${pr}: no review ${id}`);
      return { ...r, dismissed: true };
    },
  });

  const statuses: StatusesApi = override(inner.statuses, {
    create(sha, s) {
      dry.write(`set status ${s.context} of ${sha.slice(0, 12)} in ${slug} to ${s.state}`, s.description ?? "");
      const now = at();
      const status: CommitStatus = { id: nextId(), state: s.state, context: s.context, description: s.description ?? "", targetUrl: s.targetUrl ?? "", creator: opts.login, createdAt: now };
      // Statuses are written by CI and review, not read back by their writer: reads are the server's.
      return Promise.resolve(status);
    },
  });

  const branches: BranchesApi = override(inner.branches, {
    async get(name) {
      return deletedBranches.has(name) ? undefined : inner.branches.get(name);
    },
    async delete(name) {
      const existed = (await branches.get(name)) !== undefined;
      dry.write(`delete branch ${name} of ${slug}`, existed ? "" : "(not there)");
      deletedBranches.add(name);
      return existed;
    },
  });

  return override(inner, { issues, labels, comments, pulls, reviews, statuses, branches, ...(opts.contents ? { contents: opts.contents } : {}) });
}

function firstLine(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

function describeEdit(e: IssueEdit): string {
  const parts: string[] = [];
  if (e.title !== undefined) parts.push(`title ${JSON.stringify(firstLine(e.title))}`);
  if (e.body !== undefined) parts.push(`body (${e.body.length} characters)`);
  if (e.state !== undefined) parts.push(`state ${e.state}`);
  if (e.assignees !== undefined) parts.push(`assignees ${e.assignees.join(", ") || "none"}`);
  return parts.join(", ");
}
