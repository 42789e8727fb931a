// The forge's read-only web pages at Forgejo's own paths, so the html_url links the API hands
// out (and the demo prints) open in a browser: the home page, an owner, a repository (README,
// branches, open issues and pull requests), issue and pull request lists, an issue (body,
// labels, comments), a pull request (description, commit statuses, reviews, diff) and a commit.
// Public repositories answer anonymous visitors; anything else asks for Basic credentials
// (user name and password or token), never a token in the URL.
import type { IncomingMessage } from "node:http";
import type { ForgeCore } from "./core.ts";
import { atLeast } from "./core.ts";
import type { CommentRec, IssueRec, LabelRec, PullRec, RepoRec, ReviewRec, UserRec } from "./store.ts";
import { latestPerContext } from "./routes/statuses.ts";
import { Routes } from "../routes.ts";
import { cssColor, diffHtml, html, htmlPage, link, shortSha, signInReply, type Html, type HtmlReply } from "../html.ts";

/** git's empty tree: the "parent" a root commit is diffed against. */
const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
const README_NAMES = ["README.md", "README", "README.txt", "readme.md"];
const README_MAX = 256 * 1024;

interface PageCtx {
  core: ForgeCore;
  params: Record<string, string>;
  viewer: UserRec | undefined;
}

type PageHandler = (c: PageCtx) => Promise<HtmlReply> | HtmlReply;

class PageError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const HOME = { href: "/", text: "sandbox forge" };
const ok = (title: string, body: Html): HtmlReply => ({ status: 200, body: htmlPage(title, body, HOME) });
const redirect = (to: string): HtmlReply => ({ status: 302, headers: { Location: to }, body: htmlPage("Moved", html`<p><a href="${to}">${to}</a></p>`, HOME) });

function pageRoutes(): Routes<PageHandler> {
  const r = new Routes<PageHandler>((name) => (name === "index" ? "\\d+" : name === "sha" ? "[0-9a-fA-F]{4,64}" : "[^/]+"));
  r.add("GET", "/", homePage);
  r.add("GET", "/{owner}", ownerPage);
  r.add("GET", "/{owner}/{repo}", repoPage);
  r.add("GET", "/{owner}/{repo}/issues", (c) => listPage(c, "issues"));
  r.add("GET", "/{owner}/{repo}/pulls", (c) => listPage(c, "pulls"));
  r.add("GET", "/{owner}/{repo}/issues/{index}", (c) => issueOrPullPage(c, "issues"));
  r.add("GET", "/{owner}/{repo}/pulls/{index}", (c) => issueOrPullPage(c, "pulls"));
  r.add("GET", "/{owner}/{repo}/pulls/{index}/files", (c) => issueOrPullPage(c, "pulls"));
  r.add("GET", "/{owner}/{repo}/commit/{sha}", commitPage);
  return r;
}

export class ForgePages {
  private readonly core: ForgeCore;
  private readonly routes = pageRoutes();

  constructor(core: ForgeCore) {
    this.core = core;
  }

  /** The page at `path`, or undefined when no page lives there (the caller answers 404/405). */
  async serve(req: IncomingMessage, path: string): Promise<HtmlReply | "method" | undefined> {
    const method = req.method === "HEAD" ? "GET" : (req.method ?? "GET");
    const m = this.routes.match(method, path.length > 1 ? path.replace(/\/+$/, "") : path);
    if (m === undefined || m === "method") return m;
    const auth = this.core.authenticate(req.headers.authorization, null);
    if (auth === "invalid") return signInReply("Sign in", HOME, "sandbox-forge");
    try {
      return await m.handler({ core: this.core, params: m.params, viewer: auth });
    } catch (err) {
      if (!(err instanceof PageError)) throw err;
      if (err.status === 401) return signInReply("Sign in", HOME, "sandbox-forge");
      return { status: err.status, body: htmlPage(err.message, html`<h1>${err.status}</h1><p>${err.message}</p>`, HOME) };
    }
  }
}

// ── access ─────────────────────────────────────────────────────────────────────────────

const visible = (c: PageCtx, r: RepoRec): boolean => !r.private || atLeast(c.core.level(c.viewer, r), "read");

/** A repository the viewer may read. Anonymous visitors get the sign-in challenge for anything
 * not public (missing included), so the challenge does not reveal which private repos exist. */
function repoOf(c: PageCtx): RepoRec {
  const repo = c.core.repo(c.params.owner ?? "", c.params.repo ?? "");
  if (repo && visible(c, repo)) return repo;
  if (c.viewer === undefined) throw new PageError(401, "sign in");
  throw new PageError(404, "Repository not found");
}

function issueOf(c: PageCtx, repo: RepoRec): IssueRec {
  const issue = c.core.issue(repo, Number(c.params.index));
  if (!issue) throw new PageError(404, `No issue or pull request #${c.params.index ?? ""} in ${c.core.fullName(repo)}`);
  return issue;
}

// ── pieces ─────────────────────────────────────────────────────────────────────────────

const repoPath = (r: RepoRec, rest = ""): string => `/${encodeURIComponent(r.owner)}/${encodeURIComponent(r.name)}${rest}`;
const when = (iso: string): Html => html`<span class="meta">${iso.replace("T", " ").replace(/Z$/, " UTC")}</span>`;

function labelsOf(c: PageCtx, issue: IssueRec): LabelRec[] {
  return issue.labelIds.map((id) => c.core.s.labels.find((l) => l.id === id)).filter((l): l is LabelRec => l !== undefined);
}

function labelChips(labels: LabelRec[]): Html {
  return html`${labels.map((l) => {
    const color = cssColor(l.color);
    return html`<span class="label"${color ? html` style="border-color:${color};box-shadow:inset 4px 0 0 ${color}"` : ""} title="${l.description}">${l.name}</span>`;
  })}`;
}

function stateOf(issue: IssueRec, pr: PullRec | undefined): string {
  return pr?.merged ? "merged" : issue.state;
}

function issueRow(c: PageCtx, repo: RepoRec, issue: IssueRec): Html {
  const pr = c.core.pullOf(issue);
  const kind = pr ? "pulls" : "issues";
  return html`<tr><td><span class="state ${stateOf(issue, pr)}">${stateOf(issue, pr)}</span></td><td><a href="${repoPath(repo, `/${kind}/${issue.index}`)}">#${issue.index} ${issue.title}</a></td><td>${labelChips(labelsOf(c, issue))}</td><td class="meta">by ${issue.poster}</td></tr>`;
}

function repoHeader(repo: RepoRec): Html {
  return html`<p class="meta"><a href="/${repo.owner}">${repo.owner}</a> / <a href="${repoPath(repo)}">${repo.name}</a> · <a href="${repoPath(repo, "/issues")}">Issues</a> · <a href="${repoPath(repo, "/pulls")}">Pull requests</a></p>`;
}

function markdown(text: string): Html {
  // Shown as written: a renderer would be a second parser of untrusted text for no gain here.
  return text.trim() === "" ? html`<p class="meta">No description.</p>` : html`<pre class="md">${text}</pre>`;
}

// ── pages ──────────────────────────────────────────────────────────────────────────────

function repoList(c: PageCtx, repos: RepoRec[]): Html {
  if (repos.length === 0) return html`<p class="meta">No repositories${c.viewer ? "" : " visible without signing in"}.</p>`;
  return html`<ul>${repos.map((r) => html`<li><a href="${repoPath(r)}">${r.owner}/${r.name}</a>${r.private ? " (private)" : ""} <span class="meta">${r.description}</span></li>`)}</ul>`;
}

function homePage(c: PageCtx): HtmlReply {
  const repos = c.core.s.repos.filter((r) => visible(c, r));
  return ok("sandbox forge", html`<h1>Repositories</h1>${repoList(c, repos)}<p class="meta">The API is at <code>/api/v1</code>.</p>`);
}

function ownerPage(c: PageCtx): HtmlReply {
  const owner = c.core.user(c.params.owner ?? "");
  if (!owner) throw new PageError(404, "No such user or organisation");
  const repos = c.core.s.repos.filter((r) => r.owner.toLowerCase() === owner.login.toLowerCase() && visible(c, r));
  return ok(owner.login, html`<h1>${owner.login}</h1><p>${owner.fullName} <span class="meta">${owner.description}</span></p>${repoList(c, repos)}`);
}

async function repoPage(c: PageCtx): Promise<HtmlReply> {
  const repo = repoOf(c);
  const git = c.core.git(repo);
  const branches = await git.branches();
  const head = branches.find((b) => b.name === repo.defaultBranch)?.sha;
  let readme: Html = html`<p class="meta">No README.</p>`;
  let files: Html = html``;
  if (head) {
    const entries = await git.listTree(head, "");
    files = html`<p class="meta">Files: ${entries.map((e, i) => html`${i > 0 ? ", " : ""}${e.path}${e.type === "tree" ? "/" : ""}`)}</p>`;
    const entry = entries.find((e) => e.type === "blob" && README_NAMES.includes(e.path));
    if (entry) {
      const text = (await git.blob(entry.sha)).subarray(0, README_MAX).toString("utf8");
      readme = html`<h2>${entry.path}</h2>${markdown(text)}`;
    }
  }
  const issues = c.core.s.issues.filter((i) => i.repoId === repo.id && i.state === "open").sort((a, b) => b.index - a.index);
  const open = (pulls: boolean): IssueRec[] => issues.filter((i) => (c.core.pullOf(i) !== undefined) === pulls);
  const table = (rows: IssueRec[], none: string): Html => (rows.length === 0 ? html`<p class="meta">${none}</p>` : html`<table>${rows.map((i) => issueRow(c, repo, i))}</table>`);
  const base = c.core.baseUrl;
  return ok(
    `${repo.owner}/${repo.name}`,
    html`${repoHeader(repo)}<h1>${repo.owner}/${repo.name}${repo.private ? " (private)" : ""}</h1>
<p>${repo.description}</p><p class="meta">Clone: <code>${base}${repoPath(repo, ".git")}</code></p>
<h2>Branches</h2><table>${branches.map((b) => html`<tr><td>${b.name}${b.name === repo.defaultBranch ? " (default)" : ""}</td><td><a href="${repoPath(repo, `/commit/${b.sha}`)}"><code>${shortSha(b.sha)}</code></a></td></tr>`)}</table>
${branches.length === 0 ? html`<p class="meta">Empty repository.</p>` : ""}
<h2>Open pull requests</h2>${table(open(true), "None.")}
<h2>Open issues</h2>${table(open(false), "None.")}
${files}${readme}`,
  );
}

function listPage(c: PageCtx, kind: "issues" | "pulls"): HtmlReply {
  const repo = repoOf(c);
  const rows = c.core.s.issues.filter((i) => i.repoId === repo.id && (c.core.pullOf(i) !== undefined) === (kind === "pulls")).sort((a, b) => b.index - a.index);
  const what = kind === "pulls" ? "Pull requests" : "Issues";
  return ok(`${what} · ${repo.owner}/${repo.name}`, html`${repoHeader(repo)}<h1>${what}</h1>${rows.length === 0 ? html`<p class="meta">None.</p>` : html`<table>${rows.map((i) => issueRow(c, repo, i))}</table>`}`);
}

async function issueOrPullPage(c: PageCtx, asked: "issues" | "pulls"): Promise<HtmlReply> {
  const repo = repoOf(c);
  const issue = issueOf(c, repo);
  const pr = c.core.pullOf(issue);
  // Forgejo sends /issues/N of a pull request (and /pulls/N of an issue) to the right page.
  if ((pr !== undefined) !== (asked === "pulls")) return redirect(repoPath(repo, `/${pr ? "pulls" : "issues"}/${issue.index}`));
  return pr ? pullPage(c, repo, issue, pr) : issuePage(c, repo, issue);
}

function timeline(c: PageCtx, issue: IssueRec): Html {
  const events = c.core.s.comments.filter((x) => x.issueId === issue.id);
  return html`${events.map((e) => timelineItem(c, e))}`;
}

function timelineItem(c: PageCtx, e: CommentRec): Html {
  const label = (): string => c.core.s.labels.find((l) => l.id === e.labelId)?.name ?? "?";
  switch (e.type) {
    case "comment":
      return html`<div class="box" id="issuecomment-${e.id}"><p class="meta"><b>${e.user}</b> commented ${when(e.created)}</p>${markdown(e.body)}</div>`;
    case "label":
      return html`<p class="meta">${e.user} ${e.body === "1" ? "added" : "removed"} the label <b>${label()}</b> ${when(e.created)}</p>`;
    case "close":
    case "reopen":
      return html`<p class="meta">${e.user} ${e.type === "close" ? "closed" : "reopened"} this ${when(e.created)}</p>`;
    case "assignees":
      return html`<p class="meta">${e.user} ${e.removedAssignee ? "unassigned" : "assigned"} ${e.assignee ?? ""} ${when(e.created)}</p>`;
    case "merge_pull":
      return html`<p class="meta">${e.user} merged this ${when(e.created)}</p>`;
    case "pull_push":
      return html`<p class="meta">${e.user} pushed ${when(e.created)}</p>`;
    case "change_title":
      return html`<p class="meta">${e.user} changed the title from <b>${e.oldTitle ?? ""}</b> to <b>${e.newTitle ?? ""}</b> ${when(e.created)}</p>`;
    case "delete_branch":
      return html`<p class="meta">${e.user} deleted branch ${e.oldRef ?? ""} ${when(e.created)}</p>`;
    default:
      // reviews have their own section
      return html``;
  }
}

function issueHead(c: PageCtx, repo: RepoRec, issue: IssueRec, state: string, extra: Html): Html {
  return html`${repoHeader(repo)}<h1>${issue.title} <span class="meta">#${issue.index}</span></h1>
<p><span class="state ${state}">${state}</span> <b>${issue.poster}</b> opened this ${when(issue.created)}${extra}</p>
<p>Labels: ${labelsOf(c, issue).length === 0 ? html`<span class="meta">none</span>` : labelChips(labelsOf(c, issue))}${issue.assignees.length > 0 ? html` · Assignees: ${issue.assignees.join(", ")}` : ""}</p>`;
}

function issuePage(c: PageCtx, repo: RepoRec, issue: IssueRec): HtmlReply {
  return ok(`${issue.title} · Issue #${issue.index} · ${repo.owner}/${repo.name}`, html`${issueHead(c, repo, issue, issue.state, html``)}<div class="box">${markdown(issue.body)}</div>${timeline(c, issue)}`);
}

function reviewHtml(repo: RepoRec, r: ReviewRec): Html {
  const verb = r.state === "APPROVED" ? "approved" : r.state === "REQUEST_CHANGES" ? "requested changes" : r.state === "PENDING" ? "started a review" : "reviewed";
  return html`<div class="box" id="review-${r.id}"><p><span class="state ${r.state}">${r.state}</span> <b>${r.user}</b> ${verb} at <a href="${repoPath(repo, `/commit/${r.commitId}`)}"><code>${shortSha(r.commitId)}</code></a> ${when(r.submitted)}${r.dismissed ? " (dismissed)" : ""}${r.official ? "" : " (not counted)"}</p>
${r.body.trim() === "" ? "" : html`<pre class="md">${r.body}</pre>`}
${r.comments.map((rc) => html`<p class="meta">${rc.path}${rc.newPosition > 0 ? `:${rc.newPosition}` : rc.oldPosition > 0 ? ` (old line ${rc.oldPosition})` : ""}</p><pre class="md">${rc.body}</pre>`)}</div>`;
}

async function pullPage(c: PageCtx, repo: RepoRec, issue: IssueRec, pr: PullRec): Promise<HtmlReply> {
  const git = c.core.git(repo);
  // The same base and head the API's .diff answers.
  const head = pr.merged ? pr.headSha : ((await git.branchSha(pr.headBranch)) ?? pr.headSha);
  const from = pr.merged ? pr.mergeBase : ((await git.mergeBase((await git.branchSha(pr.baseBranch)) ?? pr.mergeBase, head)) ?? pr.mergeBase);
  const diff = await git.diff(from, head).catch((err: unknown) => `(no diff: ${err instanceof Error ? err.message : String(err)})`);
  const statuses = latestPerContext(c.core.s.statuses.filter((s) => s.repoId === repo.id && s.sha === head));
  const reviews = c.core.s.reviews.filter((r) => r.issueId === issue.id).sort((a, b) => a.id - b.id);
  const state = stateOf(issue, pr);
  const merged = pr.merged && pr.mergeCommitSha ? html` · merged as <a href="${repoPath(repo, `/commit/${pr.mergeCommitSha}`)}"><code>${shortSha(pr.mergeCommitSha)}</code></a>${pr.mergedBy ? ` by ${pr.mergedBy}` : ""}` : html``;
  return ok(
    `${issue.title} · Pull request #${issue.index} · ${repo.owner}/${repo.name}`,
    html`${issueHead(c, repo, issue, state, html` · wants to merge <code>${pr.headBranch}</code> into <code>${pr.baseBranch}</code> · head <a href="${repoPath(repo, `/commit/${head}`)}"><code>${shortSha(head)}</code></a>${merged}`)}
<div class="box">${markdown(issue.body)}</div>
<h2>Commit statuses</h2>${
      statuses.length === 0
        ? html`<p class="meta">No statuses on ${shortSha(head)}.</p>`
        : html`<table>${statuses.map((s) => html`<tr><td><span class="state ${s.state}">${s.state}</span></td><td>${s.targetUrl ? link(s.targetUrl, s.context) : s.context}</td><td class="meta">${s.description}</td></tr>`)}</table>`
    }
<h2>Reviews</h2>${reviews.length === 0 ? html`<p class="meta">No reviews.</p>` : reviews.map((r) => reviewHtml(repo, r))}
<h2>Conversation</h2>${timeline(c, issue)}
<h2>Files changed</h2>${diffHtml(diff)}`,
  );
}

async function commitPage(c: PageCtx): Promise<HtmlReply> {
  const repo = repoOf(c);
  const git = c.core.git(repo);
  const sha = await git.resolve(c.params.sha ?? "");
  if (!sha) throw new PageError(404, `No commit ${c.params.sha ?? ""} in ${c.core.fullName(repo)}`);
  const info = await git.commit(sha);
  const diff = await git.diff(info.parents[0] ?? EMPTY_TREE, sha);
  const [subject = "", ...rest] = info.message.trimEnd().split("\n");
  return ok(
    `${subject} · ${shortSha(sha)} · ${repo.owner}/${repo.name}`,
    html`${repoHeader(repo)}<h1>${subject}</h1>${rest.join("\n").trim() ? html`<pre class="md">${rest.join("\n").trim()}</pre>` : ""}
<p class="meta">commit <code>${sha}</code> · ${info.author.name} &lt;${info.author.email}&gt; · ${info.author.date}${info.parents.map((p) => html` · parent <a href="${repoPath(repo, `/commit/${p}`)}"><code>${shortSha(p)}</code></a>`)}</p>
${diffHtml(diff)}`,
  );
}
