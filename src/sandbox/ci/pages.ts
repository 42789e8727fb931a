// The CI's read-only web pages at Woodpecker's own paths: the repositories, a repository's
// pipelines, and a pipeline (`/repos/<id>/pipeline/<n>`, the CI_PIPELINE_URL and commit-status
// target every link points at) with each step's state and log. The step URL
// (`…/pipeline/<n>/<step pid>`, CI_STEP_URL) opens that step's log. Logs are the masked lines
// the API serves. Public repositories answer anonymous visitors; private ones ask for Basic
// credentials whose password is a CI token.
import type { IncomingMessage } from "node:http";
import type { StepRecord, WorkflowRecord } from "./executor.ts";
import type { CiService } from "./service.ts";
import type { CiPipeline, CiRepo } from "./store.ts";
import { Routes } from "../routes.ts";
import { html, htmlPage, link, shortSha, signInReply, type Html, type HtmlReply } from "../html.ts";

const HOME = { href: "/", text: "sandbox CI" };
const ok = (title: string, body: Html): HtmlReply => ({ status: 200, body: htmlPage(title, body, HOME) });
const notFound = (what: string): HtmlReply => ({ status: 404, body: htmlPage("Not found", html`<h1>404</h1><p>${what}</p>`, HOME) });
const signIn = (): HtmlReply => signInReply("Sign in", HOME, "sandbox-ci");

interface PageCtx {
  svc: CiService;
  params: Record<string, string>;
  /** Signed-in login, undefined for anonymous visitors. */
  login: string | undefined;
}

type PageHandler = (c: PageCtx) => HtmlReply;

function pageRoutes(): Routes<PageHandler> {
  const r = new Routes<PageHandler>(() => "\\d+");
  r.add("GET", "/", homePage);
  r.add("GET", "/repos/{repo_id}", repoPage);
  r.add("GET", "/repos/{repo_id}/pipeline/{number}", (c) => pipelinePage(c, undefined));
  r.add("GET", "/repos/{repo_id}/pipeline/{number}/{step}", (c) => pipelinePage(c, Number(c.params.step)));
  return r;
}

const ROUTES = pageRoutes();

/** The page at `path`, or undefined when no page lives there. */
export function servePage(svc: CiService, req: IncomingMessage, path: string): HtmlReply | undefined {
  const m = ROUTES.match(req.method === "HEAD" ? "GET" : (req.method ?? "GET"), path);
  if (m === undefined || m === "method") return undefined;
  const header = req.headers.authorization;
  let login: string | undefined;
  if (header !== undefined) {
    const bearer = /^bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    const basic = /^basic\s+(.+)$/i.exec(header)?.[1]?.trim();
    const secret = bearer ?? (basic !== undefined ? Buffer.from(basic, "base64").toString("utf8").replace(/^[^:]*:/, "") : "");
    login = svc.authenticate(secret);
    if (login === undefined) return signIn();
  }
  return m.handler({ svc, params: m.params, login });
}

// ── access ─────────────────────────────────────────────────────────────────────────────

function canSee(c: PageCtx, repo: CiRepo): boolean {
  const info = c.svc.forgeRepo(repo);
  if (!info) return false;
  if (!info.private) return true;
  return c.login !== undefined && c.svc.access.permission(c.login, info.fullName).pull;
}

/** The repository, or the reply that stands in for it (sign in for anonymous visitors, else 404). */
function repoOf(c: PageCtx): CiRepo | HtmlReply {
  const repo = c.svc.repo(Number(c.params.repo_id));
  if (repo && canSee(c, repo)) return repo;
  return c.login === undefined ? signIn() : notFound("Repository not found");
}

// ── pieces ─────────────────────────────────────────────────────────────────────────────

const stateChip = (state: string): Html => html`<span class="state ${state}">${state}</span>`;
const time = (unix: number | undefined): string => (unix ? new Date(unix * 1000).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, " UTC") : "");
const took = (start: number | undefined, end: number | undefined): string => (start && end ? ` · ${end - start}s` : "");
const pipelinePath = (repo: CiRepo, n: number, step?: number): string => `/repos/${repo.id}/pipeline/${n}${step !== undefined ? `/${step}` : ""}`;

function what(p: CiPipeline): string {
  const pr = /^refs\/pull\/(\d+)\//.exec(p.metadata.pipeline.commit.ref)?.[1];
  if (p.event === "cron") return `cron ${p.metadata.pipeline.cron ?? ""}`.trim();
  if (p.event === "pull_request") return `pull request #${pr ?? "?"}${p.title ? ` ${p.title}` : ""}`;
  if (p.event === "push") return `push to ${p.metadata.pipeline.commit.branch}`;
  return p.event;
}

function stepHtml(repo: CiRepo, p: CiPipeline, s: StepRecord, open: boolean): Html {
  const log = s.logs.length === 0 ? html`<p class="meta">No output.</p>` : html`<pre class="log">${s.logs.map((l) => `${l.data}\n`).join("")}</pre>`;
  return html`<details id="step-${s.pid}"${open ? html` open` : ""}><summary>${stateChip(s.state)} <b>${s.name}</b> <span class="meta">${s.type}${s.image ? ` · ${s.image}` : ""}${s.state === "failure" ? ` · exit ${s.exitCode}` : ""}${took(s.started, s.finished)}</span>${s.error ? html` <span class="meta">(${s.error})</span>` : ""} <a href="${pipelinePath(repo, p.number, s.pid)}">#</a></summary>${log}</details>`;
}

function workflowHtml(repo: CiRepo, p: CiPipeline, wf: WorkflowRecord, step: number | undefined): Html {
  return html`<div class="box"><h3>${stateChip(wf.state)} ${wf.name} <span class="meta">${wf.file}${took(wf.started, wf.finished)}</span></h3>${wf.error ? html`<p>${wf.error}</p>` : ""}${wf.steps.map((s) => stepHtml(repo, p, s, step === undefined || step === s.pid))}</div>`;
}

// ── pages ──────────────────────────────────────────────────────────────────────────────

function homePage(c: PageCtx): HtmlReply {
  const repos = c.svc.store.state.repos.filter((r) => r.active && canSee(c, r)).sort((a, b) => a.fullName.localeCompare(b.fullName));
  return ok("sandbox CI", html`<h1>Repositories</h1>${repos.length === 0 ? html`<p class="meta">None${c.login ? "" : " visible without signing in"}.</p>` : html`<ul>${repos.map((r) => html`<li><a href="/repos/${r.id}">${r.fullName}</a></li>`)}</ul>`}<p class="meta">The API is at <code>/api</code>.</p>`);
}

function repoPage(c: PageCtx): HtmlReply {
  const repo = repoOf(c);
  if (!("fullName" in repo)) return repo;
  const pipelines = c.svc.pipelinesOf(repo).slice(0, 200);
  const rows = pipelines.map(
    (p) => html`<tr><td><a href="${pipelinePath(repo, p.number)}">#${p.number}</a></td><td>${stateChip(p.record.state)}</td><td>${what(p)}</td><td><code>${shortSha(p.metadata.pipeline.commit.sha)}</code></td><td class="meta">${time(p.created)}</td></tr>`,
  );
  return ok(`${repo.fullName} · pipelines`, html`<h1>${repo.fullName}</h1>${pipelines.length === 0 ? html`<p class="meta">No pipelines yet.</p>` : html`<table>${rows}</table>`}`);
}

function pipelinePage(c: PageCtx, step: number | undefined): HtmlReply {
  const repo = repoOf(c);
  if (!("fullName" in repo)) return repo;
  const p = c.svc.pipeline(repo, Number(c.params.number));
  if (!p) return notFound(`${repo.fullName} has no pipeline #${c.params.number ?? ""}`);
  const steps = p.record.workflows.flatMap((w) => w.steps);
  if (step !== undefined && !steps.some((s) => s.pid === step)) return notFound(`pipeline #${p.number} has no step ${step}`);
  const commit = p.metadata.pipeline.commit;
  const forgeRepo = c.svc.forgeRepo(repo)?.htmlUrl;
  const forgeCommit = forgeRepo ? `${forgeRepo}/commit/${commit.sha}` : undefined;
  // A pull request pipeline's forge link is the pull request; others point at the commit.
  const forgeLink = p.metadata.pipeline.forgeUrl;
  const errors = [...p.preErrors.map((e) => `${e.is_warning ? "warning" : "error"}: ${e.message}`), ...p.record.errors];
  return ok(
    `${repo.fullName} · pipeline #${p.number}`,
    html`<p class="meta"><a href="/repos/${repo.id}">${repo.fullName}</a></p>
<h1>Pipeline #${p.number} ${stateChip(p.record.state)}</h1>
<p>${forgeLink && forgeLink !== forgeCommit ? link(forgeLink, what(p)) : what(p)} · <code>${commit.branch}</code> · commit ${forgeCommit ? link(forgeCommit, shortSha(commit.sha)) : shortSha(commit.sha)}${p.sender ? ` · by ${p.sender}` : ""}</p>
${commit.message ? html`<pre class="md">${commit.message.trimEnd()}</pre>` : ""}
<p class="meta">created ${time(p.created)}${p.record.started ? ` · started ${time(p.record.started)}` : ""}${p.record.finished ? ` · finished ${time(p.record.finished)}` : ""}${took(p.record.started, p.record.finished)}</p>
${errors.length > 0 ? html`<ul>${errors.map((e) => html`<li>${e}</li>`)}</ul>` : ""}
${p.record.workflows.map((wf) => workflowHtml(repo, p, wf, step))}
${p.record.filtered.length > 0 ? html`<p class="meta">Not run: ${p.record.filtered.map((f, i) => html`${i > 0 ? "; " : ""}${f.name} (${f.reason})`)}</p>` : ""}
${p.record.workflows.length === 0 && p.record.filtered.length === 0 && errors.length === 0 ? html`<p class="meta">No workflows.</p>` : ""}`,
  );
}
