// Records → Woodpecker 3.x API JSON (server/model: Repo, Pipeline via ToAPIModel, Workflow,
// Step, LogEntry, Cron, Secret, User), v3 field names (`created`/`started`/`finished`, `trusted`
// as an object). Go's `omitempty` fields are left out when empty, as Woodpecker does.
import type { StepRecord, WorkflowRecord } from "./executor.ts";
import type { ForgeAccount, ForgeRepoInfo } from "./forge-access.ts";
import type { LogLine } from "./log.ts";
import type { CiCron, CiPipeline, CiRepo, CiSecret, PipelineError } from "./store.ts";

type Json = Record<string, unknown>;

export function repoModel(r: CiRepo, forge: ForgeRepoInfo | undefined): Json {
  const out: Json = {
    id: r.id,
    forge_id: 1,
    forge_remote_id: String(r.remoteId),
    org_id: 0,
    owner: r.owner,
    name: r.name,
    full_name: r.fullName,
    clone_url_ssh: "",
    pr_enabled: true,
    visibility: forge?.private ? "private" : "public",
    private: forge?.private ?? false,
    trusted: { ...r.trusted },
    require_approval: r.requireApproval,
    approval_allowed_users: [],
    active: r.active,
    allow_pr: r.allowPr,
    allow_deploy: r.allowDeploy,
    config_file: r.configFile,
    cancel_previous_pipeline_events: [...r.cancelPreviousPipelineEvents],
    netrc_trusted: [],
  };
  if (forge) {
    out.forge_url = forge.htmlUrl;
    out.clone_url = forge.cloneUrl;
    out.default_branch = forge.defaultBranch;
  }
  if (r.timeout) out.timeout = r.timeout;
  return out;
}

/** A forge repository the CI does not know yet (`GET /api/user/repos?all=true`). */
export function inactiveRepoModel(forge: ForgeRepoInfo): Json {
  return {
    forge_id: 1,
    forge_remote_id: String(forge.remoteId),
    org_id: 0,
    owner: forge.owner,
    name: forge.name,
    full_name: forge.fullName,
    forge_url: forge.htmlUrl,
    clone_url: forge.cloneUrl,
    clone_url_ssh: "",
    default_branch: forge.defaultBranch,
    pr_enabled: true,
    visibility: forge.private ? "private" : "public",
    private: forge.private,
    trusted: { network: false, volumes: false, security: false },
    require_approval: "forks",
    approval_allowed_users: [],
    active: false,
    allow_pr: false,
    allow_deploy: false,
    config_file: "",
    cancel_previous_pipeline_events: [],
    netrc_trusted: [],
  };
}

export function pipelineErrors(p: CiPipeline): PipelineError[] {
  return [...p.preErrors, ...p.record.errors.map((message): PipelineError => ({ type: "generic", message, is_warning: false }))];
}

/** `Pipeline` as the API returns it; `withWorkflows` only for the single-pipeline GET. */
export function pipelineModel(p: CiPipeline, withWorkflows: boolean): Json {
  const meta = p.metadata;
  const c = meta.pipeline.commit;
  let message = c.message ?? "";
  if (p.event === "cron") message = meta.pipeline.cron ?? "";
  else if (p.pr) message = p.title;
  const out: Json = {
    id: p.id,
    number: p.number,
    author: meta.pipeline.author ?? "",
    parent: p.parent,
    event: p.event,
    event_reason: [],
    status: p.record.state,
    errors: pipelineErrors(p),
    created: p.created,
    updated: p.updated,
    started: p.record.started ?? 0,
    finished: p.record.finished ?? 0,
    deploy_to: "",
    deploy_task: "",
    commit: c.sha,
    branch: c.branch,
    ref: c.ref,
    refspec: c.refspec ?? "",
    author_avatar: meta.pipeline.avatar ?? "",
    author_email: c.authorEmail ?? "",
    forge_url: meta.pipeline.forgeUrl ?? "",
    reviewed_by: "",
    reviewed: 0,
    title: p.title,
    message,
    timestamp: c.timestamp ?? p.created,
    sender: p.event === "cron" ? (meta.pipeline.cron ?? "") : p.sender,
  };
  if (withWorkflows && p.record.workflows.length > 0) out.workflows = p.record.workflows.map((w) => workflowModel(p, w));
  const files = meta.pipeline.changedFiles ?? [];
  if (files.length > 0) out.changed_files = [...files];
  if (Object.keys(p.variables).length > 0) out.variables = { ...p.variables };
  if (p.pr && p.pr.labels.length > 0) out.pr_labels = [...p.pr.labels];
  if (p.pr?.fromFork) out.from_fork = true;
  if (meta.pipeline.cron !== undefined) out.cron = meta.pipeline.cron;
  return out;
}

export function workflowModel(p: CiPipeline, w: WorkflowRecord): Json {
  const out: Json = { id: w.id, pipeline_id: p.id, pid: w.pid, name: w.name, state: w.state };
  if (w.error) out.error = w.error;
  if (w.started) out.started = w.started;
  if (w.finished) out.finished = w.finished;
  out.platform = p.metadata.system.platform ?? "";
  if (!out.platform) delete out.platform;
  out.children = w.steps.map((s) => stepModel(p, s));
  return out;
}

export function stepModel(p: CiPipeline, s: StepRecord): Json {
  const out: Json = { id: s.id, uuid: stepUuid(s.id), pipeline_id: p.id, pid: s.pid, ppid: s.ppid, name: s.name, state: s.state };
  if (s.error) out.error = s.error;
  out.exit_code = s.exitCode;
  if (s.started) out.started = s.started;
  if (s.finished) out.finished = s.finished;
  out.type = s.type;
  return out;
}

/** Steps have no UUID in the executor; a stable one is derived from the id. */
export function stepUuid(id: number): string {
  return `00000000-0000-4000-8000-${id.toString(16).padStart(12, "0")}`;
}

/** `LogEntry`: `data` is Go `[]byte`, hence base64; type 0 stdout, 1 stderr. */
export function logEntryModel(s: StepRecord, l: LogLine): Json {
  return {
    id: s.id * 1_000_000 + l.line + 1,
    step_id: s.id,
    time: l.time,
    line: l.line,
    data: Buffer.from(l.data, "utf8").toString("base64"),
    type: l.stream === "stderr" ? 1 : 0,
  };
}

export function cronModel(c: CiCron): Json {
  return {
    id: c.id,
    name: c.name,
    repo_id: c.repoId,
    creator_id: c.creatorId,
    next_exec: c.nextExec,
    schedule: c.schedule,
    created: c.created,
    branch: c.branch,
    enabled: c.enabled,
    timezone: c.timezone,
    variables: { ...c.variables },
  };
}

/** Values are never returned. */
export function secretModel(s: CiSecret): Json {
  return { id: s.id, org_id: 0, repo_id: s.repoId, name: s.name, images: [...s.images], events: [...s.events], note: s.note };
}

export function userModel(a: ForgeAccount): Json {
  return { id: a.id, forge_id: 1, forge_remote_id: String(a.id), login: a.login, email: a.email, avatar_url: "", admin: a.admin, org_id: 0 };
}
