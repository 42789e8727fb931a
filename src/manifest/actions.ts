// The action vocabulary every judgment agent answers in (DESIGN §10): a manifest is a list of
// these, validated here, checked against the agent's policy (policy.ts) and applied by the
// runner (apply.ts). The model never writes to the forge itself. Every string and list has an
// upper bound, so an answer cannot smuggle a megabyte comment or a thousand edits past the
// schema; the bounds sit below what Forgejo accepts (65,535 characters per body).
import { z } from "zod";

export const MAX_ACTIONS = 50;
export const MAX_TITLE = 255;
/** Issue bodies and comments; room is left for the marker the runner appends. */
export const MAX_BODY = 60_000;
export const MAX_REASON = 4_000;
export const MAX_LABEL = 100;
export const MAX_LABELS = 20;
export const MAX_PRIORITY_SET = 50;
export const MAX_OPS_PATH = 300;
export const MAX_OPS_FILES = 20;
export const MAX_OPS_TEXT = 200_000;
export const MAX_SUMMARY = 2_000;
const MAX_NUMBER = 1_000_000_000;

/** What an idempotency key may look like: it ends up inside an HTML comment and a branch name. */
export const KEY = /^[a-z0-9][a-z0-9._-]*$/;
export const MAX_KEY = 64;

const text = (max: number, what: string) => z.string().trim().min(1, { error: `${what} must not be empty` }).max(max, { error: `${what} is longer than ${max} characters` });
const number = (what: string) => z.number().int().positive().max(MAX_NUMBER).describe(what);
const key = z
  .string()
  .min(1)
  .max(MAX_KEY)
  .regex(KEY, { error: (iss) => `expected a key of lower-case letters, digits, ".", "_" or "-", starting with a letter or digit, got ${JSON.stringify(iss.input)}` })
  .describe("Idempotency key, unique in the manifest: the runner marks what it creates with it and looks for the mark before creating again.");
const label = text(MAX_LABEL, "a label name").describe("Label name, exactly as on the forge.");
const opsPath = z
  .string()
  .min(1)
  .max(MAX_OPS_PATH)
  .regex(/^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/, { error: (iss) => `expected a relative path of letters, digits, ".", "_", "-" and "/", got ${JSON.stringify(iss.input)}` })
  .refine((p) => !p.split("/").some((s) => s === "." || s === ".."), { error: "must not contain . or .. segments" })
  .describe("Path in the ops repo, relative to its root.");
/** `{{issue:<key>}}` in a text is replaced by `#N` of the issue created with that key. */
const prose = (max: number, what: string) => text(max, what).describe(`${what} (markdown). \`{{issue:<key>}}\` stands for the issue this manifest creates with that key.`);

export const addLabelSchema = z.strictObject({ kind: z.literal("add_label"), issue: number("Issue or PR number."), label });
export const removeLabelSchema = z.strictObject({ kind: z.literal("remove_label"), issue: number("Issue or PR number."), label });
export const commentSchema = z.strictObject({
  kind: z.literal("comment"),
  issue: number("Issue or PR number."),
  body: prose(MAX_BODY, "the comment"),
  key: key.optional(),
});
export const editBodySchema = z.strictObject({ kind: z.literal("edit_body"), issue: number("Issue number."), body: prose(MAX_BODY, "the new body") });
export const closeIssueSchema = z.strictObject({
  kind: z.literal("close_issue"),
  issue: number("Issue number."),
  reason: prose(MAX_REASON, "the reason, posted as the closing comment"),
});
export const createIssueSchema = z.strictObject({
  kind: z.literal("create_issue"),
  key,
  title: text(MAX_TITLE, "the title").refine((s) => !s.includes("\n"), { error: "the title must be one line" }),
  body: prose(MAX_BODY, "the body"),
  labels: z.array(label).max(MAX_LABELS).default([]),
});
export const closePrSchema = z.strictObject({ kind: z.literal("close_pr"), pr: number("Pull request number."), reason: prose(MAX_REASON, "the reason, posted as the closing comment") });
export const syncPrioritySchema = z.strictObject({
  kind: z.literal("sync_priority"),
  issues: z
    .array(number("Issue number."))
    .max(MAX_PRIORITY_SET)
    .refine((a) => new Set(a).size === a.length, { error: "lists an issue twice" })
    .describe("Exactly the open issues that should carry the `priority` label; it is removed from every other."),
});
export const opsWriteSchema = z.strictObject({ kind: z.literal("ops_write"), path: opsPath, text: z.string().max(MAX_OPS_TEXT), message: text(MAX_TITLE, "the commit message") });
export const opsPrSchema = z.strictObject({
  kind: z.literal("ops_pr"),
  key,
  branch: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)+$/, { error: (iss) => `expected a branch like <agent>/<name>, got ${JSON.stringify(iss.input)}` }),
  title: text(MAX_TITLE, "the title"),
  body: prose(MAX_BODY, "the description"),
  files: z
    .array(z.strictObject({ path: opsPath, text: z.string().max(MAX_OPS_TEXT) }))
    .min(1)
    .max(MAX_OPS_FILES)
    .refine((fs) => new Set(fs.map((f) => f.path)).size === fs.length, { error: "lists a path twice" }),
});
/**
 * Asks the vault for an action (src/vault/request.ts): low tier is committed to the ops repo
 * at once, medium and high wait for a person's approval. The runner validates it against the
 * project's vault allowlists; the policy says which formulas the agent may ask for.
 */
export const vaultRequestSchema = z.strictObject({
  kind: z.literal("vault_request"),
  id: key.describe("Id of the vault action: vault/actions/<id>.toml; asking again for an id returns the first request."),
  formula: text(MAX_LABEL, "the formula").describe("The vault formula to run, e.g. release or webhook."),
  context: text(MAX_REASON, "the context").describe("Why the action is needed, for the person who approves it."),
  secrets: z.array(z.string().min(1).max(MAX_LABEL)).max(20).default([]).describe("NAMEs of the secrets the formula needs, from the project's vault allowlist."),
  params: z.record(z.string().min(1).max(64), z.string().max(MAX_REASON)).default({}).describe("The formula's inputs, e.g. {\"version\": \"1.2.0\"}."),
  blast_radius: z.enum(["low", "medium", "high"]).optional().describe("Your estimate of the damage if it goes wrong; it can raise the tier, not lower it past the vault policy."),
});

const ACTION_SCHEMAS = [
  addLabelSchema,
  removeLabelSchema,
  commentSchema,
  editBodySchema,
  closeIssueSchema,
  createIssueSchema,
  closePrSchema,
  syncPrioritySchema,
  opsWriteSchema,
  opsPrSchema,
  vaultRequestSchema,
] as const;

export const actionSchema = z.discriminatedUnion("kind", ACTION_SCHEMAS);
export type Action = z.output<typeof actionSchema>;
export type ActionKind = Action["kind"];
export type ActionOf<K extends ActionKind> = Extract<Action, { kind: K }>;
export const ACTION_KINDS: readonly ActionKind[] = ACTION_SCHEMAS.map((s) => s.shape.kind.value);

export const manifestSchema = z.strictObject({
  summary: text(MAX_SUMMARY, "the summary").describe("One or two sentences: what this manifest does and why."),
  actions: z.array(actionSchema).max(MAX_ACTIONS).describe("What to change, in any order: the runner applies them in its own fixed order."),
});
export type Manifest = z.output<typeof manifestSchema>;

/**
 * The manifest schema of a task that may use only `kinds`: what the model is shown (and what
 * a backend with structured output enforces). Policy still checks the kinds on its own.
 */
export function manifestSchemaFor(kinds: readonly ActionKind[]): z.ZodType<Manifest> {
  const options = ACTION_SCHEMAS.filter((s) => kinds.includes(s.shape.kind.value));
  if (options.length === 0) throw new Error("a manifest schema needs at least one action kind");
  const action = options.length === 1 ? options[0]! : z.discriminatedUnion("kind", options as unknown as [typeof addLabelSchema, ...(typeof addLabelSchema)[]]);
  return manifestSchema.extend({ actions: z.array(action).max(MAX_ACTIONS).describe(manifestSchema.shape.actions.description ?? "") });
}

export type JsonSchema = Record<string, unknown>;

/** The JSON Schema of a result schema, as the model reads it (the input side: defaults optional). */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
}

/** The issue or PR an action names, if any (sync_priority names several: see `targetsOf`). */
export function targetOf(a: Action): number | undefined {
  switch (a.kind) {
    case "add_label":
    case "remove_label":
    case "comment":
    case "edit_body":
    case "close_issue":
      return a.issue;
    case "close_pr":
      return a.pr;
    default:
      return undefined;
  }
}

/** Every issue or PR number the action names. */
export function targetsOf(a: Action): number[] {
  if (a.kind === "sync_priority") return [...a.issues];
  const t = targetOf(a);
  return t === undefined ? [] : [t];
}

/** The texts of an action that may hold `{{issue:<key>}}` references. */
export function proseOf(a: Action): string[] {
  switch (a.kind) {
    case "comment":
    case "edit_body":
    case "create_issue":
      return [a.body];
    case "close_issue":
    case "close_pr":
      return [a.reason];
    case "ops_pr":
      return [a.body];
    default:
      return [];
  }
}

export const REFERENCE = /\{\{issue:([a-z0-9][a-z0-9._-]*)\}\}/g;

/** Keys that `{{issue:<key>}}` references in `text` name. */
export function referencedKeys(text: string): string[] {
  return [...text.matchAll(REFERENCE)].map((m) => m[1]!);
}

/** One line about an action, for logs, the journal and a dry run. */
export function describeAction(a: Action): string {
  const one = (s: string, n = 60): string => {
    const l = s.replace(/\s+/g, " ").trim();
    return l.length <= n ? l : `${l.slice(0, n - 1)}…`;
  };
  switch (a.kind) {
    case "add_label":
      return `add label ${a.label} to #${a.issue}`;
    case "remove_label":
      return `remove label ${a.label} from #${a.issue}`;
    case "comment":
      return `comment on #${a.issue} (${a.body.length} chars): ${one(a.body)}`;
    case "edit_body":
      return `edit the body of #${a.issue} (${a.body.length} chars)`;
    case "close_issue":
      return `close #${a.issue}: ${one(a.reason)}`;
    case "create_issue":
      return `create issue ${JSON.stringify(one(a.title, 80))}${a.labels.length > 0 ? ` [${a.labels.join(", ")}]` : ""} (key ${a.key})`;
    case "close_pr":
      return `close PR #${a.pr}: ${one(a.reason)}`;
    case "sync_priority":
      return `priority on exactly ${a.issues.length > 0 ? a.issues.map((n) => `#${n}`).join(", ") : "no issue"}`;
    case "ops_write":
      return `write ops ${a.path} (${a.text.length} chars)`;
    case "ops_pr":
      return `ops PR ${JSON.stringify(one(a.title, 80))} from ${a.branch} (${a.files.length} file${a.files.length === 1 ? "" : "s"})`;
    case "vault_request":
      return `vault request ${a.id} (${a.formula})`;
  }
}
