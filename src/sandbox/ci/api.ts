// The Woodpecker 3.x REST API subset the sandbox CI serves under `/api` (server/router/api.go):
// user, repo lookup/activation/settings, pipelines (list with filters, get with workflows and
// steps, manual create, restart, cancel, config), step logs, crons and repo secrets. Paths,
// JSON shapes and status codes follow contracts/woodpecker.md (c); errors are text/plain.
import { z } from "zod";
import { CronSyntaxError } from "../../lib/cron.ts";
import { CiApiError, noContent, ok, Routes, type Reply } from "./http.ts";
import { EVENTS } from "./metadata.ts";
import { cronModel, inactiveRepoModel, logEntryModel, pipelineModel, repoModel, secretModel, userModel } from "./models.ts";
import { nextExecSeconds, validTimezone } from "./scheduler.ts";
import type { CiService } from "./service.ts";
import { isTerminal } from "./status.ts";
import type { ApprovalMode, CiCron, CiPipeline, CiRepo, CiSecret } from "./store.ts";

export interface ApiCtx {
  svc: CiService;
  login: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body(): Promise<Buffer>;
}

export interface RepoCtx extends ApiCtx {
  repo: CiRepo;
}

type Need = "pull" | "push" | "admin";
export type ApiHandler = (c: ApiCtx) => Promise<Reply> | Reply;

/** Woodpecker's page size: default and maximum 50 (session/pagination.go). */
export const MAX_PER_PAGE = 50;

export function pageOf(q: URLSearchParams): { page: number; perPage: number } {
  const page = Math.max(1, Number.parseInt(q.get("page") ?? "1", 10) || 1);
  let perPage = Number.parseInt(q.get("perPage") ?? "", 10) || MAX_PER_PAGE;
  if (perPage < 1 || perPage > MAX_PER_PAGE) perPage = MAX_PER_PAGE;
  return { page, perPage };
}

function paginate<T>(items: T[], q: URLSearchParams): T[] {
  const { page, perPage } = pageOf(q);
  return items.slice((page - 1) * perPage, page * perPage);
}

async function jsonBody<S extends z.ZodType>(c: ApiCtx, schema: S, what: string): Promise<z.infer<S>> {
  const raw = await c.body();
  let value: unknown = {};
  if (raw.length > 0) {
    try {
      value = JSON.parse(raw.toString("utf8"));
    } catch (err) {
      throw new CiApiError(400, `Error parsing ${what}. ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join(".") ?? "";
    throw new CiApiError(400, `Error parsing ${what}. ${field ? `${field}: ` : ""}${issue?.message ?? "invalid body"}`);
  }
  return parsed.data;
}

function intParam(c: ApiCtx, name: string, what: string): number {
  const raw = c.params[name] ?? "";
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new CiApiError(400, `Error parsing ${what}. invalid value "${raw}"`);
  return n;
}

function pipelineOf(c: RepoCtx): CiPipeline {
  const number = intParam(c, "number", "pipeline number");
  const p = c.svc.pipeline(c.repo, number);
  if (!p) throw new CiApiError(404, `Pipeline ${number} not found`);
  return p;
}

/** 204 + `Pipeline-Filtered: true` when no workflow matched (Woodpecker's handlePipelineErr). */
function pipelineReply(p: CiPipeline | undefined): Reply {
  if (!p) return noContent({ "Pipeline-Filtered": "true" });
  return ok(pipelineModel(p, true));
}

const stringMap = z.record(z.string(), z.string());

const RepoPatch = z.object({
  config_file: z.string().optional(),
  timeout: z.number().int().optional(),
  trusted: z.object({ network: z.boolean().optional(), volumes: z.boolean().optional(), security: z.boolean().optional() }).optional(),
  require_approval: z.string().optional(),
  allow_pr: z.boolean().optional(),
  allow_deploy: z.boolean().optional(),
  visibility: z.string().optional(),
  cancel_previous_pipeline_events: z.array(z.string()).optional(),
  netrc_trusted: z.array(z.string()).optional(),
});

const PipelineOptions = z.object({ branch: z.string().optional(), variables: stringMap.nullish() });

const CronBody = z.object({
  name: z.string().optional(),
  schedule: z.string().optional(),
  branch: z.string().optional(),
  enabled: z.boolean().optional(),
  timezone: z.string().optional(),
  variables: stringMap.nullish(),
});

const SecretBody = z.object({
  name: z.string().optional(),
  value: z.string().optional(),
  events: z.array(z.string()).nullish(),
  images: z.array(z.string()).nullish(),
  note: z.string().optional(),
});

const APPROVAL_MODES: readonly ApprovalMode[] = ["none", "forks", "pull_requests", "all_events"];
// server/model/secret.go validDockerImageString
const IMAGE_RE = /^([\w\-_./]*[\w\-_]+)+(:[\w\-_]+)?$/;

function validateSecret(s: { name: string; value: string; events: string[]; images: string[] }, verb: "inserting" | "updating"): void {
  const fail = (m: string): never => {
    throw new CiApiError(422, `Error ${verb} secret. ${m}`);
  };
  for (const e of s.events) if (!(EVENTS as readonly string[]).includes(e)) fail(`Invalid Secret Event: '${e}'`);
  if (s.events.length === 0) fail("Invalid Secret Event: no event specified");
  for (const i of s.images) {
    if (i === "") fail("Invalid Secret Image: empty image in images");
    if (!IMAGE_RE.test(i)) fail(`Invalid Secret Image: image '${i}' do not match regexp '${IMAGE_RE.source}'`);
  }
  if (s.name === "") fail("Invalid Secret Name: empty name");
  if (s.value === "") fail("Invalid Secret Value: empty value");
}

export function buildApi(): Routes<{ need?: Need; handler: (c: ApiCtx & { repo?: CiRepo }) => Promise<Reply> | Reply }> {
  const routes = new Routes<{ need?: Need; handler: (c: ApiCtx & { repo?: CiRepo }) => Promise<Reply> | Reply }>();
  const user = (method: string, path: string, handler: ApiHandler): void => routes.add(method, `/api${path}`, { handler });
  const repo = (method: string, path: string, need: Need, handler: (c: RepoCtx) => Promise<Reply> | Reply): void =>
    routes.add(method, `/api/repos/{repo_id}${path}`, {
      need,
      handler: (c) => {
        if (!c.repo) throw new CiApiError(404, "Repo not found");
        return handler(c as RepoCtx);
      },
    });

  // ── user ──────────────────────────────────────────────────────────────────────────
  user("GET", "/user", (c) => {
    const a = c.svc.access.account(c.login);
    if (!a) throw new CiApiError(401, "User not authorized");
    return ok(userModel(a));
  });

  user("GET", "/user/repos", (c) => {
    const all = c.query.get("all") === "true";
    const out: unknown[] = [];
    for (const info of c.svc.access.reposFor(c.login).sort((a, b) => a.fullName.localeCompare(b.fullName))) {
      const r = c.svc.repoByName(info.fullName);
      if (r && (r.active || all)) out.push(repoModel(r, info));
      else if (!r && all) out.push(inactiveRepoModel(info));
    }
    return ok(out);
  });

  // ── repositories ──────────────────────────────────────────────────────────────────
  user("GET", "/repos/lookup/{owner}/{name}", (c) => {
    const full = `${c.params.owner ?? ""}/${c.params.name ?? ""}`;
    const r = c.svc.repoByName(full);
    const info = r ? c.svc.forgeRepo(r) : undefined;
    if (!r || !info || !c.svc.access.permission(c.login, info.fullName).pull) throw new CiApiError(404, `Repo "${full}" not found`);
    return ok(repoModel(r, info));
  });

  user("POST", "/repos", async (c) => {
    const raw = c.query.get("forge_remote_id") ?? "";
    if (!/^\d+$/.test(raw)) throw new CiApiError(400, "No forge_remote_id provided");
    const r = await c.svc.activate(Number(raw), c.login);
    return ok(repoModel(r, c.svc.forgeRepo(r)));
  });

  repo("GET", "", "pull", (c) => ok(repoModel(c.repo, c.svc.forgeRepo(c.repo))));

  repo("PATCH", "", "admin", async (c) => {
    const body = await jsonBody(c, RepoPatch, "repository");
    const admin = c.svc.access.account(c.login)?.admin ?? false;
    if (body.trusted !== undefined && !admin) throw new CiApiError(403, "Insufficient privileges");
    if (body.timeout !== undefined) {
      if (body.timeout < 1) throw new CiApiError(400, "Timeout must be at least 1 minute");
      if (body.timeout > 120 && !admin) throw new CiApiError(403, "Timeout is not allowed to be higher than max timeout");
    }
    if (body.require_approval !== undefined && !(APPROVAL_MODES as readonly string[]).includes(body.require_approval)) {
      throw new CiApiError(400, `Invalid require-approval setting "${body.require_approval}"`);
    }
    const r = c.repo;
    if (body.config_file !== undefined) r.configFile = body.config_file;
    if (body.timeout !== undefined) r.timeout = body.timeout;
    if (body.trusted) r.trusted = { ...r.trusted, ...Object.fromEntries(Object.entries(body.trusted).filter(([, v]) => v !== undefined)) };
    if (body.require_approval !== undefined) r.requireApproval = body.require_approval as ApprovalMode;
    if (body.allow_pr !== undefined) r.allowPr = body.allow_pr;
    if (body.allow_deploy !== undefined) r.allowDeploy = body.allow_deploy;
    if (body.cancel_previous_pipeline_events !== undefined) r.cancelPreviousPipelineEvents = body.cancel_previous_pipeline_events;
    await c.svc.store.save();
    return ok(repoModel(r, c.svc.forgeRepo(r)));
  });

  repo("DELETE", "", "admin", async (c) => {
    await c.svc.deactivate(c.repo);
    return ok(repoModel(c.repo, c.svc.forgeRepo(c.repo)));
  });

  // ── pipelines ─────────────────────────────────────────────────────────────────────
  repo("GET", "/pipelines", "pull", (c) => {
    const q = c.query;
    let list = c.svc.pipelinesOf(c.repo);
    const time = (name: string): number | undefined => {
      const v = q.get(name);
      if (!v) return undefined;
      const t = Date.parse(v);
      if (Number.isNaN(t)) throw new CiApiError(400, `Error parsing ${name}: "${v}" is not an RFC 3339 time`);
      return Math.floor(t / 1000);
    };
    const before = time("before");
    const after = time("after");
    const branch = q.get("branch");
    const events = (q.get("event") ?? "").split(",").map((e) => e.trim()).filter(Boolean);
    const ref = q.get("ref");
    const status = q.get("status");
    list = list.filter(
      (p) =>
        (before === undefined || p.created < before) &&
        (after === undefined || p.created > after) &&
        (!branch || p.metadata.pipeline.commit.branch === branch) &&
        (events.length === 0 || events.includes(p.event)) &&
        (!ref || p.metadata.pipeline.commit.ref.includes(ref)) &&
        (!status || p.record.state === status),
    );
    return ok(paginate(list, q).map((p) => pipelineModel(p, false)));
  });

  repo("POST", "/pipelines", "push", async (c) => {
    const body = await jsonBody(c, PipelineOptions, "pipeline options");
    return pipelineReply(await c.svc.manual(c.repo, c.login, body.branch ?? "", body.variables ?? {}));
  });

  repo("GET", "/pipelines/latest", "pull", (c) => {
    const branch = c.query.get("branch");
    const p = c.svc.pipelinesOf(c.repo).find((x) => !branch || x.metadata.pipeline.commit.branch === branch);
    if (!p) throw new CiApiError(404, "Pipeline not found");
    return ok(pipelineModel(p, true));
  });

  repo("GET", "/pipelines/{number}", "pull", (c) => ok(pipelineModel(pipelineOf(c), true)));

  repo("POST", "/pipelines/{number}", "push", async (c) => {
    const p = pipelineOf(c);
    if (p.record.state === "blocked" || p.record.state === "declined") throw new CiApiError(400, `cannot restart a pipeline with status ${p.record.state}`);
    const event = c.query.get("event");
    if (event && event !== p.event) throw new CiApiError(400, `the sandbox CI restarts pipelines with their own event (${p.event}), not ${event}`);
    const vars: Record<string, string> = {};
    for (const [k, v] of c.query) if (!["event", "deploy_to", "deploy_task"].includes(k) && vars[k] === undefined) vars[k] = v;
    return pipelineReply(await c.svc.restart(c.repo, p, vars));
  });

  repo("DELETE", "/pipelines/{number}", "admin", async (c) => {
    const p = pipelineOf(c);
    if (c.svc.isRunning(p) || !isTerminal(p.record.state)) throw new CiApiError(422, "Cannot delete pipeline as it is still running");
    await c.svc.store.deletePipeline(p);
    return noContent();
  });

  repo("POST", "/pipelines/{number}/cancel", "push", (c) => {
    const p = pipelineOf(c);
    if (!c.svc.cancel(p)) throw new CiApiError(400, "Cannot cancel a non-running or non-pending or non-blocked pipeline");
    return noContent();
  });

  repo("GET", "/pipelines/{number}/config", "pull", (c) =>
    ok(pipelineOf(c).configs.map((f) => ({ hash: f.hash, name: f.name, data: Buffer.from(f.data, "utf8").toString("base64") }))),
  );

  repo("GET", "/logs/{number}/{step_id}", "pull", (c) => {
    const p = pipelineOf(c);
    const id = intParam(c, "step_id", "step id");
    const step = p.record.workflows.flatMap((w) => w.steps).find((s) => s.id === id);
    if (!step) throw new CiApiError(404, `Step ${id} not found`);
    return ok(step.logs.map((l) => logEntryModel(step, l)));
  });

  // ── crons ─────────────────────────────────────────────────────────────────────────
  const cronOf = (c: RepoCtx): CiCron => {
    const id = intParam(c, "cron_id", "cron id");
    const cron = c.svc.store.state.crons.find((x) => x.repoId === c.repo.id && x.id === id);
    if (!cron) throw new CiApiError(404, `Cron ${id} not found`);
    return cron;
  };
  const checkSchedule = (schedule: string, timezone: string, verb: string): number => {
    if (!validTimezone(timezone)) throw new CiApiError(422, `Error ${verb} cron. validate failed: invalid timezone "${timezone}"`);
    try {
      return nextExecSeconds(schedule, timezone, new Date());
    } catch (err) {
      if (err instanceof CronSyntaxError) throw new CiApiError(422, `Error ${verb} cron. validate failed: can't parse schedule: ${err.message}`);
      throw err;
    }
  };
  const checkBranch = async (c: RepoCtx, branch: string, verb: string): Promise<void> => {
    if (branch !== "" && !(await c.svc.access.branchHead(c.repo.fullName, branch))) {
      throw new CiApiError(400, `Error ${verb} cron. branch not resolved: branch "${branch}" not found`);
    }
  };

  repo("GET", "/cron", "push", (c) => ok(paginate(c.svc.store.state.crons.filter((x) => x.repoId === c.repo.id), c.query).map(cronModel)));

  repo("POST", "/cron", "push", async (c) => {
    const body = await jsonBody(c, CronBody, "request");
    const name = body.name ?? "";
    const schedule = body.schedule ?? "";
    if (name === "") throw new CiApiError(422, "Error inserting cron. validate failed: name is required");
    if (schedule === "") throw new CiApiError(422, "Error inserting cron. validate failed: schedule is required");
    const timezone = body.timezone || "UTC";
    const nextExec = checkSchedule(schedule, timezone, "inserting");
    await checkBranch(c, body.branch ?? "", "inserting");
    if (c.svc.store.state.crons.some((x) => x.repoId === c.repo.id && x.name === name)) throw new CiApiError(409, `Error inserting cron. a cron named "${name}" already exists`);
    const cron: CiCron = {
      id: c.svc.store.nextId("cron"),
      repoId: c.repo.id,
      name,
      schedule,
      branch: body.branch ?? "",
      // Woodpecker 3.13+ copies `enabled` as given: omitting it creates a disabled cron
      enabled: body.enabled ?? false,
      timezone,
      variables: body.variables ?? {},
      creatorId: c.svc.access.account(c.login)?.id ?? 0,
      created: Math.floor(Date.now() / 1000),
      nextExec,
    };
    c.svc.store.state.crons.push(cron);
    await c.svc.store.save();
    return ok(cronModel(cron));
  });

  repo("GET", "/cron/{cron_id}", "push", (c) => ok(cronModel(cronOf(c))));

  repo("PATCH", "/cron/{cron_id}", "push", async (c) => {
    const cron = cronOf(c);
    const body = await jsonBody(c, CronBody, "request");
    const name = body.name ?? cron.name;
    if (name === "") throw new CiApiError(422, "Error updating cron. validate failed: name is required");
    if (name !== cron.name && c.svc.store.state.crons.some((x) => x.repoId === c.repo.id && x.name === name)) throw new CiApiError(409, `Error updating cron. a cron named "${name}" already exists`);
    const schedule = body.schedule ?? cron.schedule;
    if (schedule === "") throw new CiApiError(422, "Error updating cron. validate failed: schedule is required");
    const timezone = body.timezone || cron.timezone;
    const nextExec = checkSchedule(schedule, timezone, "updating");
    if (body.branch !== undefined) await checkBranch(c, body.branch, "updating");
    cron.name = name;
    if (schedule !== cron.schedule || timezone !== cron.timezone) cron.nextExec = nextExec;
    cron.schedule = schedule;
    cron.timezone = timezone;
    if (body.branch !== undefined) cron.branch = body.branch;
    if (body.enabled !== undefined) {
      if (body.enabled && !cron.enabled) cron.nextExec = nextExec;
      cron.enabled = body.enabled;
    }
    if (body.variables) cron.variables = body.variables;
    await c.svc.store.save();
    return ok(cronModel(cron));
  });

  repo("DELETE", "/cron/{cron_id}", "push", async (c) => {
    const cron = cronOf(c);
    c.svc.store.state.crons.splice(c.svc.store.state.crons.indexOf(cron), 1);
    await c.svc.store.save();
    return noContent();
  });

  repo("POST", "/cron/{cron_id}", "push", async (c) => pipelineReply(await c.svc.runCron(cronOf(c))));

  // ── secrets ───────────────────────────────────────────────────────────────────────
  const secretOf = (c: RepoCtx): CiSecret => {
    const name = (c.params.name ?? "").toLowerCase();
    const s = c.svc.store.state.secrets.find((x) => x.repoId === c.repo.id && x.name === name);
    if (!s) throw new CiApiError(404, `Secret "${name}" not found`);
    return s;
  };

  repo("GET", "/secrets", "push", (c) => ok(paginate(c.svc.store.state.secrets.filter((s) => s.repoId === c.repo.id), c.query).map(secretModel)));

  repo("POST", "/secrets", "push", async (c) => {
    const body = await jsonBody(c, SecretBody, "secret");
    const s: CiSecret = {
      id: 0,
      repoId: c.repo.id,
      name: (body.name ?? "").toLowerCase(),
      value: body.value ?? "",
      events: [...(body.events ?? [])].sort(),
      images: body.images ?? [],
      note: body.note ?? "",
    };
    validateSecret(s, "inserting");
    if (c.svc.store.state.secrets.some((x) => x.repoId === c.repo.id && x.name === s.name)) {
      // Woodpecker surfaces the store's unique-constraint error
      throw new CiApiError(500, `Error inserting secret "${s.name}". a secret with this name already exists`);
    }
    s.id = c.svc.store.nextId("secret");
    c.svc.store.state.secrets.push(s);
    await c.svc.store.save();
    return ok(secretModel(s));
  });

  repo("GET", "/secrets/{name}", "push", (c) => ok(secretModel(secretOf(c))));

  repo("PATCH", "/secrets/{name}", "push", async (c) => {
    const s = secretOf(c);
    const body = await jsonBody(c, SecretBody, "secret");
    const next = {
      name: s.name,
      value: body.value ? body.value : s.value,
      events: body.events ? [...body.events].sort() : s.events,
      images: body.images ?? s.images,
    };
    validateSecret(next, "updating");
    Object.assign(s, next);
    if (body.note !== undefined) s.note = body.note;
    await c.svc.store.save();
    return ok(secretModel(s));
  });

  repo("DELETE", "/secrets/{name}", "push", async (c) => {
    const s = secretOf(c);
    c.svc.store.state.secrets.splice(c.svc.store.state.secrets.indexOf(s), 1);
    await c.svc.store.save();
    return noContent();
  });

  return routes;
}
