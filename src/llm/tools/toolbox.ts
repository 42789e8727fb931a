// The runner's own tools, for backends that run the agent loop themselves (openai, scripted).
// Each tool has a zod schema for its arguments (what the model sends is outside input), a JSON
// schema derived from it for the API, and a handler. Failures become text for the model — a
// bad call is a message back, never a crash of the run.
import { realpathSync } from "node:fs";
import { z } from "zod";
import type { ModelSandbox } from "../isolation.ts";
import { summarizeToolCall } from "../progress.ts";
import type { ToolPolicy } from "../types.ts";
import { runCommand } from "./command.ts";
import { editTextFile, listFiles, readTextFile, searchFiles, writeTextFile } from "./files.ts";
import type { FsRoot } from "./files.ts";
import { PathError } from "./paths.ts";

export interface ToolContext {
  root: FsRoot;
  /** Where run_command runs the model's commands (see isolation.ts); unconfined without one. */
  sandbox?: ModelSandbox;
  /** Environment for run_command: the allowlist, without the backend's credentials. */
  env: Record<string, string>;
  commandTimeoutMs: number;
  /** Absolute epoch ms; a command never runs past it. */
  deadline: number;
}

export function toolContext(cwd: string, env: Record<string, string>, commandTimeoutMs: number, deadline: number, sandbox?: ModelSandbox): ToolContext {
  const owner = sandbox?.owner;
  return { root: { real: realpathSync(cwd), given: cwd, ...(owner ? { owner } : {}) }, env, commandTimeoutMs, deadline, ...(sandbox ? { sandbox } : {}) };
}

interface ToolDef<A> {
  name: string;
  description: string;
  args: z.ZodType<A>;
  /** Changes the tree or runs code: not offered under the read-only policy. */
  mutating: boolean;
  run(args: A, ctx: ToolContext): Promise<string>;
}

// Erases the argument type for the table; each handler still sees its own parsed arguments.
function def<A>(d: ToolDef<A>): ToolDef<unknown> {
  return d;
}

const TOOLS: readonly ToolDef<unknown>[] = [
  def({
    name: "list_files",
    description: "List files and directories (directories end with /). Paths are relative to the working tree.",
    args: z.object({ path: z.string().default("."), recursive: z.boolean().default(false) }),
    mutating: false,
    run: (a, ctx) => listFiles(ctx.root, a.path, { recursive: a.recursive }),
  }),
  def({
    name: "read_file",
    description: "Read a text file. Optional 1-based line offset and line limit for large files.",
    args: z.object({ path: z.string(), offset: z.number().int().positive().optional(), limit: z.number().int().positive().optional() }),
    mutating: false,
    run: (a, ctx) => readTextFile(ctx.root, a.path, { ...(a.offset !== undefined ? { offset: a.offset } : {}), ...(a.limit !== undefined ? { limit: a.limit } : {}) }),
  }),
  def({
    name: "search",
    description: "Search file contents under a path (default: the whole tree) with a regular expression; returns file:line: text.",
    args: z.object({
      pattern: z.string().min(1),
      path: z.string().default("."),
      literal: z.boolean().default(false),
      ignore_case: z.boolean().default(false),
    }),
    mutating: false,
    run: (a, ctx) => searchFiles(ctx.root, a.pattern, { path: a.path, literal: a.literal, ignoreCase: a.ignore_case }),
  }),
  def({
    name: "write_file",
    description: "Create or overwrite a text file with the given content (parent directories are created).",
    args: z.object({ path: z.string().min(1), content: z.string() }),
    mutating: true,
    run: (a, ctx) => writeTextFile(ctx.root, a.path, a.content),
  }),
  def({
    name: "edit_file",
    description: "Replace old_text with new_text in a file. old_text must occur exactly once; copy it exactly, including whitespace.",
    args: z.object({ path: z.string().min(1), old_text: z.string(), new_text: z.string() }),
    mutating: true,
    run: (a, ctx) => editTextFile(ctx.root, a.path, a.old_text, a.new_text),
  }),
  def({
    name: "run_command",
    description: "Run a shell command (sh -c) in the working tree. Output is truncated to its head and tail. No network credentials are available.",
    args: z.object({ command: z.string().min(1), timeout_seconds: z.number().positive().optional() }),
    mutating: true,
    run: async (a, ctx) => {
      const left = ctx.deadline - Date.now();
      if (left <= 0) return "not run: the run's deadline has passed";
      const asked = a.timeout_seconds !== undefined ? a.timeout_seconds * 1000 : ctx.commandTimeoutMs;
      const r = await runCommand(ctx.root.real, a.command, { env: ctx.env, timeoutMs: Math.min(asked, ctx.commandTimeoutMs, left), ...(ctx.sandbox ? { sandbox: ctx.sandbox } : {}) });
      const status = r.timedOut ? "timed out (process group killed)" : r.signal ? `killed by ${r.signal}` : `exit code ${r.exitCode ?? "?"}`;
      return `${status}\n${r.output}`;
    },
  }),
];

export const SUBMIT_RESULT = "submit_result";

export function toolNames(policy: ToolPolicy): string[] {
  return TOOLS.filter((t) => policy === "edit" || !t.mutating).map((t) => t.name);
}

export interface FunctionTool {
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  delete s["$schema"];
  return s;
}

/** OpenAI `tools` for a policy; `submit_result` is added when the task wants a structured result. */
export function functionTools(policy: ToolPolicy, resultSchema?: z.ZodType): FunctionTool[] {
  const tools: FunctionTool[] = TOOLS.filter((t) => policy === "edit" || !t.mutating).map((t) => ({
    type: "function",
    function: { name: t.name, description: t.description, parameters: jsonSchemaOf(t.args) },
  }));
  if (resultSchema) {
    tools.push({
      type: "function",
      function: {
        name: SUBMIT_RESULT,
        description: "Submit the final structured result. Call it exactly once, when done; the arguments are the result.",
        parameters: submitParameters(resultSchema),
      },
    });
  }
  return tools;
}

/** Function parameters must be an object: a non-object result schema is wrapped as `{result}`. */
export function submitParameters(resultSchema: z.ZodType): Record<string, unknown> {
  const s = jsonSchemaOf(resultSchema);
  return s["type"] === "object" ? s : { type: "object", properties: { result: s }, required: ["result"] };
}

export function unwrapSubmitted(resultSchema: z.ZodType, args: unknown): unknown {
  const s = jsonSchemaOf(resultSchema);
  if (s["type"] === "object") return args;
  return args !== null && typeof args === "object" ? (args as Record<string, unknown>)["result"] : undefined;
}

export interface ToolOutcome {
  ok: boolean;
  /** What goes back to the model. */
  output: string;
  /** One line for the log (`edit src/x.ts`). */
  summary: string;
}

/** Parse arguments (a JSON string from the API or an object from a script) and run the tool. */
export async function executeTool(name: string, rawArgs: unknown, policy: ToolPolicy, ctx: ToolContext): Promise<ToolOutcome> {
  let args: unknown = rawArgs;
  if (typeof rawArgs === "string") {
    try {
      args = rawArgs.trim() === "" ? {} : JSON.parse(rawArgs);
    } catch (err) {
      return { ok: false, summary: `${name} (bad arguments)`, output: `error: the arguments for ${name} are not valid JSON (${(err as Error).message}); send one JSON object matching the tool's parameters` };
    }
  }
  const summary = summarizeToolCall(name, args);
  const tool = TOOLS.find((t) => t.name === name);
  if (!tool) return { ok: false, summary, output: `error: unknown tool ${name}; available: ${toolNames(policy).join(", ")}` };
  if (tool.mutating && policy !== "edit") return { ok: false, summary, output: `error: ${name} is not available in this read-only task` };
  const parsed = tool.args.safeParse(args);
  if (!parsed.success) return { ok: false, summary, output: `error: invalid arguments for ${name}: ${z.prettifyError(parsed.error)}` };
  try {
    return { ok: true, summary, output: await tool.run(parsed.data, ctx) };
  } catch (err) {
    const msg = err instanceof PathError || (err instanceof Error && err.name === "ToolError") ? err.message : `${(err as Error).name ?? "Error"}: ${(err as Error).message ?? String(err)}`;
    return { ok: false, summary, output: `error: ${msg}` };
  }
}
