// zod schemas for the Woodpecker JSON we read, each transforming into our domain type.
// Woodpecker 3.0 renamed timestamp fields (`created_at` → `created`, `start_time` → `started`,
// …) and turned the repo's `trusted` flag into an object (woodpecker.md (c), "v2 → v3"): both
// spellings are accepted here, so the rest of the client sees one shape. Unknown fields are
// stripped; nulls and omissions become empty values.
import { z } from "zod";
import type { CiRepo, CiSecret, CiState, Cron, LogEntry, LogEntryType, Pipeline, PipelineErrorInfo, Step, Workflow } from "../types.ts";
// Built together on first use, not at import: most agent runs read no pipeline and should not
// pay for ~170 schema objects at start (the exports below are z.lazy handles to them).
function build() {

  const text = z
    .string()
    .nullish()
    .transform((v) => v ?? "");
  const num = z
    .number()
    .nullish()
    .transform((v) => v ?? 0);
  const flag = z
    .boolean()
    .nullish()
    .transform((v) => v ?? false);
  const strings = z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? []);
  const stringMap = z
    .record(z.string(), z.string())
    .nullish()
    .transform((v) => ({ ...v }));
  // Unix seconds; 0 and absent mean "not yet".
  const seconds = z.number().nullish();

  function firstTime(...values: (number | null | undefined)[]): Date | undefined {
    for (const v of values) if (v !== null && v !== undefined && v > 0) return new Date(v * 1000);
    return undefined;
  }

  const KNOWN_STATES: ReadonlySet<string> = new Set<CiState>(["pending", "running", "success", "failure", "killed", "canceled", "skipped", "error", "blocked", "declined", "created"]);
  // A state a newer server invents must not break an agent's run: it reads as "unknown".
  const state = text.transform((v): CiState => (KNOWN_STATES.has(v) ? (v as CiState) : "unknown"));

  // ---------------------------------------------------------------------------------------------
  // Repo

  const trusted = z
    .union([z.boolean(), z.object({ network: flag, volumes: flag, security: flag })])
    .nullish()
    .transform((t) => (typeof t === "boolean" || t === null || t === undefined ? { network: t === true, volumes: t === true, security: t === true } : t));

  const repoSchema = z
    .object({
      id: z.number(),
      forge_remote_id: z.union([z.string(), z.number()]).nullish(),
      full_name: z.string(),
      owner: text,
      name: text,
      default_branch: text,
      timeout: num,
      active: flag,
      trusted,
      require_approval: text,
      config_file: text,
      forge_url: text,
      link_url: text,
      clone_url: text,
    })
    .transform(
      (r): CiRepo => ({
        id: r.id,
        forgeRemoteId: r.forge_remote_id === null || r.forge_remote_id === undefined ? "" : String(r.forge_remote_id),
        fullName: r.full_name,
        owner: r.owner || (r.full_name.split("/")[0] ?? ""),
        name: r.name || r.full_name.slice(r.full_name.indexOf("/") + 1),
        defaultBranch: r.default_branch,
        timeout: r.timeout,
        active: r.active,
        trusted: r.trusted,
        requireApproval: r.require_approval,
        configFile: r.config_file,
        forgeUrl: r.forge_url || r.link_url,
        cloneUrl: r.clone_url,
      }),
    );

  // ---------------------------------------------------------------------------------------------
  // Pipeline, workflow, step

  const stepSchema = z
    .object({
      id: z.number(),
      pid: num,
      ppid: num,
      name: text,
      state,
      error: text,
      exit_code: num,
      type: text,
      started: seconds,
      finished: seconds,
      start_time: seconds,
      end_time: seconds,
    })
    .transform(
      (s): Step => ({
        id: s.id,
        pid: s.pid,
        ppid: s.ppid,
        name: s.name,
        state: s.state,
        error: s.error,
        exitCode: s.exit_code,
        type: s.type,
        started: firstTime(s.started, s.start_time),
        finished: firstTime(s.finished, s.end_time),
      }),
    );

  const workflowSchema = z
    .object({
      id: z.number(),
      pid: num,
      name: text,
      state,
      error: text,
      started: seconds,
      finished: seconds,
      start_time: seconds,
      end_time: seconds,
      children: z.array(stepSchema).nullish(),
    })
    .transform(
      (w): Workflow => ({
        id: w.id,
        pid: w.pid,
        name: w.name,
        state: w.state,
        error: w.error,
        started: firstTime(w.started, w.start_time),
        finished: firstTime(w.finished, w.end_time),
        steps: w.children ?? [],
      }),
    );

  const pipelineError = z.union([
    z.string().transform((message): PipelineErrorInfo => ({ type: "", message, isWarning: false })),
    z.object({ type: text, message: text, is_warning: flag }).transform((e): PipelineErrorInfo => ({ type: e.type, message: e.message, isWarning: e.is_warning })),
  ]);

  // `commit` is the sha; some API generations nested it as an object.
  const commitSha = z
    .union([z.string(), z.object({ sha: text })])
    .nullish()
    .transform((c) => (typeof c === "string" ? c : (c?.sha ?? "")));

  const pipelineSchema = z
    .object({
      id: z.number(),
      number: z.number(),
      parent: num,
      event: text,
      status: state,
      errors: z.array(pipelineError).nullish(),
      created: seconds,
      updated: seconds,
      started: seconds,
      finished: seconds,
      created_at: seconds,
      updated_at: seconds,
      started_at: seconds,
      finished_at: seconds,
      commit: commitSha,
      branch: text,
      ref: text,
      refspec: text,
      message: text,
      title: text,
      author: text,
      forge_url: text,
      link_url: text,
      deploy_to: text,
      deploy_task: text,
      variables: stringMap,
      workflows: z.array(workflowSchema).nullish(),
    })
    .transform(
      (p): Pipeline => ({
        id: p.id,
        number: p.number,
        parent: p.parent,
        event: p.event,
        status: p.status,
        errors: p.errors ?? [],
        created: firstTime(p.created, p.created_at),
        updated: firstTime(p.updated, p.updated_at),
        started: firstTime(p.started, p.started_at),
        finished: firstTime(p.finished, p.finished_at),
        commit: p.commit,
        branch: p.branch,
        ref: p.ref,
        refspec: p.refspec,
        message: p.message,
        title: p.title,
        author: p.author,
        forgeUrl: p.forge_url || p.link_url,
        deployTo: p.deploy_to,
        deployTask: p.deploy_task,
        variables: p.variables,
        workflows: p.workflows ?? [],
      }),
    );

  // ---------------------------------------------------------------------------------------------
  // Logs

  const logType = z
    .number()
    .nullish()
    .transform((t): LogEntryType => (t === 1 || t === 2 || t === 3 || t === 4 ? t : 0));

  const logEntrySchema = z
    .object({
      id: num,
      step_id: num,
      time: num,
      line: num,
      // Go `[]byte` → base64 string in JSON.
      data: z.string().nullish(),
      type: logType,
    })
    .transform(
      (e): LogEntry => ({
        id: e.id,
        stepId: e.step_id,
        time: e.time,
        line: e.line,
        type: e.type,
        text: Buffer.from(e.data ?? "", "base64")
          .toString("utf8")
          .replace(/\r?\n$/, ""),
      }),
    );

  // ---------------------------------------------------------------------------------------------
  // Cron

  const cronSchema = z
    .object({
      id: z.number(),
      name: z.string(),
      repo_id: num,
      schedule: text,
      branch: text,
      // Absent before 3.13, where every cron runs.
      enabled: z.boolean().nullish(),
      variables: stringMap,
      timezone: text,
      next_exec: seconds,
      created: seconds,
      created_at: seconds,
    })
    .transform(
      (c): Cron => ({
        id: c.id,
        name: c.name,
        repoId: c.repo_id,
        schedule: c.schedule,
        branch: c.branch,
        enabled: c.enabled ?? true,
        variables: c.variables,
        timezone: c.timezone || "UTC",
        nextExec: firstTime(c.next_exec),
        created: firstTime(c.created, c.created_at),
      }),
    );

  // ---------------------------------------------------------------------------------------------
  // Secret (the value is never sent back)

  const secretSchema = z
    .object({
      id: num,
      name: z.string(),
      events: strings,
      images: strings,
      // 1.x spelling, still seen behind old proxies/clients.
      event: strings,
      image: strings,
      note: text,
    })
    .transform(
      (s): CiSecret => ({
        id: s.id,
        name: s.name,
        events: s.events.length > 0 ? s.events : s.event,
        images: s.images.length > 0 ? s.images : s.image,
        note: s.note,
      }),
    );

  return { repoSchema, stepSchema, workflowSchema, pipelineSchema, logEntrySchema, cronSchema, secretSchema };
}

let built: ReturnType<typeof build> | undefined;
const schemas = (): ReturnType<typeof build> => (built ??= build());

export const repoSchema = z.lazy(() => schemas().repoSchema);
export const stepSchema = z.lazy(() => schemas().stepSchema);
export const workflowSchema = z.lazy(() => schemas().workflowSchema);
export const pipelineSchema = z.lazy(() => schemas().pipelineSchema);
export const logEntrySchema = z.lazy(() => schemas().logEntrySchema);
export const cronSchema = z.lazy(() => schemas().cronSchema);
export const secretSchema = z.lazy(() => schemas().secretSchema);
