// Pipeline configuration: the `.woodpecker/*.yml` files of a commit parsed into typed
// workflows. Only the subset the sandbox runs is modelled; keys it cannot honour are reported
// (`unsupported`: the workflow ends in state `error` rather than running differently from
// Woodpecker), keys it can safely ignore become warnings, malformed values are errors that
// name the file and the key path.
import { parseDocument } from "yaml";
import { z } from "zod";
import { ConfigError, type ConfigIssue } from "../../lib/errors.ts";
import { EVENTS } from "./metadata.ts";
import { substitute, SubstitutionError } from "./substitution.ts";
import { compileEvaluate } from "./when.ts";

export interface ConstraintList {
  include: string[];
  exclude: string[];
}

export interface PathConstraint extends ConstraintList {
  ignoreMessage?: string;
  /** Result when the commit changed no files; Woodpecker's default is true. */
  onEmpty: boolean;
}

export type StatusFilter = "success" | "failure";

/** One map of a `when:` list: every key must match (AND). */
export interface Condition {
  event: string[];
  branch?: ConstraintList;
  ref?: ConstraintList;
  cron?: ConstraintList;
  repo?: ConstraintList;
  platform?: ConstraintList;
  instance?: ConstraintList;
  path?: PathConstraint;
  status: StatusFilter[];
  evaluate?: string;
  /** Matrix filters are accepted and ignored (the sandbox runs no matrix). */
  matrix?: Record<string, unknown>;
  local?: boolean;
}

export interface Dependency {
  name: string;
  /** Dropped silently when the named workflow or step is not in the pipeline. */
  optional: boolean;
}

export type StepKind = "commands" | "plugin";

export interface StepConfig {
  name: string;
  image: string;
  /** `plugin`: no commands, no entrypoint and no environment (Woodpecker's IsPlugin). */
  type: StepKind;
  commands: string[];
  settings: Record<string, unknown>;
  environment: Record<string, unknown>;
  /** Conditions as written; an empty list means "always, while the workflow succeeds". */
  when: Condition[];
  /** undefined = not set; `[]` = start at once (DAG mode). */
  dependsOn?: Dependency[];
  failure: "fail" | "ignore" | "cancel";
  /** Working directory relative to the checkout. */
  directory?: string;
}

export interface WorkflowConfig {
  /** File name without path, leading dots and extension. */
  name: string;
  /** The file it came from, as given (`.woodpecker/ci.yml`). */
  file: string;
  steps: StepConfig[];
  when: Condition[];
  dependsOn: Dependency[];
  runsOn: StatusFilter[];
  skipClone: boolean;
  labels: Record<string, string>;
  /** Features the sandbox cannot run; a non-empty list makes the workflow end in `error`. */
  unsupported: ConfigIssue[];
  /** Keys accepted but ignored, deprecated forms, unknown keys. */
  warnings: ConfigIssue[];
}

export interface ParseOptions {
  /** Metadata environment for `${VAR}` substitution; without it the text is parsed as is. */
  substitute?: Readonly<Record<string, string>>;
}

// ---------------------------------------------------------------------------------------
// zod shapes of the raw YAML

// yaml.v3 decodes any scalar into a string field by its text, so `commands: [true]` is "true"
const scalarText = z.union([z.string(), z.number().transform(String), z.boolean().transform(String)], { error: "expected a string" });

const stringOrList = z
  .union([scalarText, z.array(scalarText)], { error: "expected a string or a list of strings" })
  .transform((v) => (typeof v === "string" ? [v] : v));

const constraintList = z
  .union(
    [
      z.string(),
      z.array(z.string()),
      z.strictObject({ include: stringOrList.optional(), exclude: stringOrList.optional() }),
    ],
    { error: "expected a string, a list of strings or a map with include/exclude" },
  )
  .transform((v): ConstraintList => {
    if (typeof v === "string") return { include: [v], exclude: [] };
    if (Array.isArray(v)) return { include: v, exclude: [] };
    return { include: v.include ?? [], exclude: v.exclude ?? [] };
  });

const pathConstraint = z
  .union(
    [
      z.string(),
      z.array(z.string()),
      z.strictObject({
        include: stringOrList.optional(),
        exclude: stringOrList.optional(),
        ignore_message: z.string().optional(),
        on_empty: z.boolean().optional(),
      }),
    ],
    { error: "expected a string, a list of strings or a map with include/exclude/ignore_message/on_empty" },
  )
  .transform((v): PathConstraint => {
    if (typeof v === "string") return { include: [v], exclude: [], onEmpty: true };
    if (Array.isArray(v)) return { include: v, exclude: [], onEmpty: true };
    const p: PathConstraint = { include: v.include ?? [], exclude: v.exclude ?? [], onEmpty: v.on_empty ?? true };
    if (v.ignore_message !== undefined) p.ignoreMessage = v.ignore_message;
    return p;
  });

const eventList = stringOrList.superRefine((events, ctx) => {
  events.forEach((e, i) => {
    if (!(EVENTS as readonly string[]).includes(e)) {
      ctx.addIssue({ code: "custom", path: [i], message: `unknown event "${e}"; expected one of ${EVENTS.join(", ")}` });
    }
  });
});

const statusList = stringOrList.superRefine((list, ctx) => {
  list.forEach((s, i) => {
    if (s !== "success" && s !== "failure") ctx.addIssue({ code: "custom", path: [i], message: `status must be "success" or "failure", not "${s}"` });
  });
});

const conditionSchema = z.strictObject({
  event: eventList.optional(),
  branch: constraintList.optional(),
  ref: constraintList.optional(),
  cron: constraintList.optional(),
  repo: constraintList.optional(),
  platform: constraintList.optional(),
  instance: constraintList.optional(),
  path: pathConstraint.optional(),
  status: statusList.optional(),
  evaluate: z.string().optional(),
  matrix: z.record(z.string(), z.unknown()).optional(),
  local: z.boolean().optional(),
}).transform((c): Condition => {
  const { event, status, ...rest } = c;
  const out: Condition = { event: event ?? [], status: (status ?? []) as StatusFilter[] };
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
});

const whenSchema = z
  .union([conditionSchema, z.array(conditionSchema)], { error: "expected a condition map or a list of condition maps" })
  .transform((v) => (Array.isArray(v) ? v : [v]));

const dependsOnSchema = z
  .union(
    [
      z.string(),
      z.array(z.union([z.string(), z.strictObject({ name: z.string(), optional: z.boolean().optional() })], { error: "expected a name or {name, optional}" })),
    ],
    { error: "expected a name or a list of names" },
  )
  .transform((v): Dependency[] => (typeof v === "string" ? [v] : v).map((d) => (typeof d === "string" ? { name: d, optional: false } : { name: d.name, optional: d.optional ?? false })));

const valueMap = (what: string) =>
  z.custom<Record<string, unknown>>((v) => typeof v === "object" && v !== null && !Array.isArray(v), {
    message: `${what} must be a map`,
  });

const stepSchema = z.looseObject({
  name: z.string().optional(),
  image: z.string({ error: (i) => (i.input === undefined ? "missing image" : "image must be a string") }),
  commands: stringOrList.optional(),
  entrypoint: z.union([z.string(), z.array(z.string())]).optional(),
  settings: valueMap("settings").optional(),
  environment: z
    .custom<Record<string, unknown>>((v) => typeof v === "object" && v !== null && !Array.isArray(v), {
      message: "environment must be a map (the list form `- KEY=value` was removed in Woodpecker 3.0)",
    })
    .optional(),
  when: whenSchema.optional(),
  depends_on: dependsOnSchema.optional(),
  failure: z.enum(["fail", "ignore", "cancel"], { error: 'failure must be "fail", "ignore" or "cancel"' }).optional(),
  detach: z.boolean().optional(),
  directory: z.string().optional(),
  pull: z.boolean().optional(),
  privileged: z.boolean().optional(),
});

const workflowSchema = z.looseObject({
  steps: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())], { error: (i) => (i.input === undefined ? "missing steps" : "steps must be a list or a map") }),
  when: whenSchema.optional(),
  depends_on: dependsOnSchema.optional(),
  runs_on: statusList.optional(),
  skip_clone: z.boolean().optional(),
  labels: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const STEP_KEYS_IGNORED = ["pull", "privileged", "volumes", "backend_options", "ports", "dns", "dns_search", "devices", "extra_hosts", "network_mode", "tmpfs"];
const STEP_KEYS = new Set([...Object.keys(stepSchema.shape), ...STEP_KEYS_IGNORED]);
const STEP_KEYS_REMOVED: Record<string, string> = {
  secrets: "step `secrets` was removed in Woodpecker 3.0; use `environment: {NAME: {from_secret: name}}`",
  group: "step `group` was removed in Woodpecker 3.0; use `depends_on`",
};
const WORKFLOW_KEYS_IGNORED: Record<string, string> = {
  variables: "",
  $schema: "",
  workspace: "workspace is ignored: the sandbox checks out into its own directory",
  concurrency: "concurrency is ignored: the sandbox runs one workflow at a time",
  clone: "custom clone steps are ignored: the sandbox clones with git",
};
const WORKFLOW_KEYS_UNSUPPORTED: Record<string, string> = {
  services: "services are not supported by the sandbox CI (no containers)",
  matrix: "matrix workflows are not supported by the sandbox CI",
};
const WORKFLOW_KEYS_REMOVED: Record<string, string> = {
  pipeline: "`pipeline` was removed in Woodpecker 3.0; use `steps`",
  branches: "`branches` was removed in Woodpecker 3.0; use `when: {branch: …}`",
  platform: "`platform` was removed in Woodpecker 3.0; use `labels: {platform: …}`",
};
const WORKFLOW_KEYS = new Set([...Object.keys(workflowSchema.shape), ...Object.keys(WORKFLOW_KEYS_IGNORED), ...Object.keys(WORKFLOW_KEYS_UNSUPPORTED)]);

// ---------------------------------------------------------------------------------------

/** Workflow name of a config file: `.woodpecker/.lint.yaml` → `lint`. */
export function workflowName(file: string): string {
  const base = file.split("/").pop() ?? file;
  return base.replace(/^\.+/, "").replace(/\.ya?ml$/i, "");
}

/**
 * The config files Woodpecker would read from a tree (repo-relative paths): the `*.yml` /
 * `*.yaml` files directly inside `.woodpecker/`, else `.woodpecker.yaml`, else `.woodpecker.yml`.
 */
export function discoverConfigFiles(paths: Iterable<string>): string[] {
  const all = [...paths];
  const inDir = all.filter((p) => /^\.woodpecker\/[^/]+\.ya?ml$/i.test(p)).sort();
  if (inDir.length > 0) return inDir;
  for (const single of [".woodpecker.yaml", ".woodpecker.yml"]) if (all.includes(single)) return [single];
  return [];
}

/** Parse every config file of a commit (`path → text`; non-config paths are ignored). */
export function loadWorkflows(files: ReadonlyMap<string, string> | Readonly<Record<string, string>>, opts: ParseOptions = {}): WorkflowConfig[] {
  const map = files instanceof Map ? (files as ReadonlyMap<string, string>) : new Map(Object.entries(files as Record<string, string>));
  const chosen = discoverConfigFiles(map.keys());
  const issues: ConfigIssue[] = [];
  const out: WorkflowConfig[] = [];
  const seen = new Map<string, string>();
  for (const file of chosen) {
    try {
      const wf = parseWorkflow(file, map.get(file) ?? "", opts);
      const other = seen.get(wf.name);
      if (other !== undefined) issues.push({ file, path: "", message: `workflow name "${wf.name}" is also used by ${other}` });
      seen.set(wf.name, file);
      out.push(wf);
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      else throw err;
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return out;
}

/** Parse one workflow file. Throws ConfigError naming the file and key path of each problem. */
export function parseWorkflow(file: string, text: string, opts: ParseOptions = {}): WorkflowConfig {
  let source = text;
  if (opts.substitute) {
    try {
      source = substitute(text, opts.substitute);
    } catch (err) {
      if (err instanceof SubstitutionError) throw new ConfigError([{ file, path: "", message: err.message }]);
      throw err;
    }
  }
  const doc = parseDocument(source, { merge: true, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const first = (e.message.split("\n")[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, "");
        const issue: ConfigIssue = { file, path: "", message: `invalid YAML: ${first}` };
        const line = e.linePos?.[0]?.line;
        if (line !== undefined) issue.line = line;
        return issue;
      }),
    );
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError([{ file, path: "", message: "a workflow must be a YAML map with a `steps` key" }]);
  }
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const unsupported: ConfigIssue[] = [];
  const top = raw as Record<string, unknown>;

  for (const key of Object.keys(top)) {
    const removed = WORKFLOW_KEYS_REMOVED[key];
    if (removed) issues.push({ file, path: key, message: removed });
    const unsup = WORKFLOW_KEYS_UNSUPPORTED[key];
    if (unsup) unsupported.push({ file, path: key, message: unsup });
    const ignored = WORKFLOW_KEYS_IGNORED[key];
    if (ignored) warnings.push({ file, path: key, message: ignored });
    if (!removed && !WORKFLOW_KEYS.has(key)) warnings.push({ file, path: key, message: "unknown key, ignored" });
  }

  const parsed = workflowSchema.safeParse(top);
  if (!parsed.success) {
    issues.push(...zodIssues(file, [], parsed.error));
    throw new ConfigError(issues);
  }
  const w = parsed.data;
  const name = workflowName(file);

  // steps: list form (names from `name`) or map form (names from keys)
  const rawSteps: [string | undefined, (string | number)[], unknown][] = Array.isArray(w.steps)
    ? w.steps.map((s, i) => [undefined, ["steps", i], s])
    : Object.entries(w.steps).map(([k, s]) => [k, ["steps", k], s]);
  if (rawSteps.length === 0) issues.push({ file, path: "steps", message: "a workflow needs at least one step" });

  const steps: StepConfig[] = [];
  rawSteps.forEach(([key, path, value], index) => {
    const step = parseStep(file, path, key, index, value, issues, warnings, unsupported);
    if (step) steps.push(step);
  });

  const when = w.when ?? [];
  checkEvaluate(file, ["when"], when, unsupported);

  if (steps.some((s) => s.dependsOn !== undefined)) {
    // DAG mode: names must be unique and dependencies must exist
    const names = new Set<string>();
    for (const s of steps) {
      if (names.has(s.name)) issues.push({ file, path: `steps.${s.name}`, message: `duplicate step name "${s.name}" (step names must be unique when steps use depends_on)` });
      names.add(s.name);
    }
    steps.forEach((s) => {
      for (const d of s.dependsOn ?? []) {
        if (!names.has(d.name) && !d.optional) issues.push({ file, path: `steps.${s.name}.depends_on`, message: `step "${s.name}" depends on unknown step "${d.name}"` });
      }
    });
  }

  if (issues.length > 0) throw new ConfigError(issues);
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(w.labels ?? {})) labels[k] = String(v);
  return {
    name,
    file,
    steps,
    when,
    dependsOn: w.depends_on ?? [],
    runsOn: (w.runs_on ?? []) as StatusFilter[],
    skipClone: w.skip_clone ?? false,
    labels,
    unsupported,
    warnings,
  };
}

function parseStep(
  file: string,
  path: (string | number)[],
  key: string | undefined,
  index: number,
  value: unknown,
  issues: ConfigIssue[],
  warnings: ConfigIssue[],
  unsupported: ConfigIssue[],
): StepConfig | undefined {
  const where = formatPath(path);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    issues.push({ file, path: where, message: "a step must be a map" });
    return undefined;
  }
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    const removed = STEP_KEYS_REMOVED[k];
    if (removed) issues.push({ file, path: `${where}.${k}`, message: removed });
    else if (!STEP_KEYS.has(k)) warnings.push({ file, path: `${where}.${k}`, message: "unknown step key, ignored" });
    else if (STEP_KEYS_IGNORED.includes(k)) warnings.push({ file, path: `${where}.${k}`, message: `${k} is ignored by the sandbox CI (steps run as local processes)` });
  }
  const parsed = stepSchema.safeParse(obj);
  if (!parsed.success) {
    issues.push(...zodIssues(file, path, parsed.error));
    return undefined;
  }
  const s = parsed.data;
  const name = key ?? s.name ?? `step-${index}`;
  const hasCommands = s.commands !== undefined && s.commands.length > 0;
  if (s.settings !== undefined && hasCommands) issues.push({ file, path: `${where}.settings`, message: "Cannot configure both `commands` and `settings`" });
  if (s.settings !== undefined && s.entrypoint !== undefined) issues.push({ file, path: `${where}.settings`, message: "Cannot configure both `entrypoint` and `settings`" });
  if (s.settings !== undefined && s.environment !== undefined) warnings.push({ file, path: `${where}.environment`, message: "Should not configure both `environment` and `settings`" });
  if (s.entrypoint !== undefined) unsupported.push({ file, path: `${where}.entrypoint`, message: "a custom entrypoint is not supported by the sandbox CI" });
  if (s.detach === true) unsupported.push({ file, path: `${where}.detach`, message: "detached steps are not supported by the sandbox CI" });
  if (s.directory !== undefined && (s.directory.startsWith("/") || s.directory.split("/").includes(".."))) {
    issues.push({ file, path: `${where}.directory`, message: "directory must be a path inside the workspace" });
  }
  const when = s.when ?? [];
  checkEvaluate(file, [...path, "when"], when, unsupported);
  const isPlugin = !hasCommands && s.entrypoint === undefined && s.environment === undefined;
  const step: StepConfig = {
    name,
    image: s.image,
    type: isPlugin ? "plugin" : "commands",
    commands: s.commands ?? [],
    settings: s.settings ?? {},
    environment: s.environment ?? {},
    when,
    failure: s.failure ?? "fail",
  };
  if (s.depends_on !== undefined) step.dependsOn = s.depends_on;
  if (s.directory !== undefined) step.directory = s.directory;
  return step;
}

function checkEvaluate(file: string, path: (string | number)[], when: Condition[], unsupported: ConfigIssue[]): void {
  when.forEach((c, i) => {
    if (c.evaluate === undefined) return;
    try {
      compileEvaluate(c.evaluate);
    } catch (err) {
      unsupported.push({ file, path: formatPath([...path, i, "evaluate"]), message: err instanceof Error ? err.message : String(err) });
    }
  });
}

function zodIssues(file: string, prefix: (string | number)[], error: z.ZodError): ConfigIssue[] {
  return flattenIssues(error.issues, prefix).map(([path, message]) => ({ file, path: formatPath(path), message }));
}

type Key = string | number;
interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  errors?: ZodIssueLike[][];
}

/**
 * A failed union reports one issue per alternative. The alternative that got furthest into
 * the value (deepest issue path) is what the author meant, so its issues are reported; when
 * every alternative failed at the top, the union's own message ("expected …") is clearer.
 */
function flattenIssues(issues: readonly ZodIssueLike[], prefix: readonly Key[]): [Key[], string][] {
  const out: [Key[], string][] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))];
    if (issue.code === "invalid_union" && issue.errors && issue.errors.length > 0) {
      const depth = (branch: ZodIssueLike[]): number => Math.max(0, ...branch.map((i) => i.path.length + (i.code === "invalid_union" ? 0.5 : 0)));
      const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
      if (depth(best) > 0) {
        out.push(...flattenIssues(best, path));
        continue;
      }
    }
    out.push([path, issue.message]);
  }
  return out;
}

/** `["steps", 0, "when", "event"]` → `steps[0].when.event`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? p : `.${p}`;
  return out;
}
