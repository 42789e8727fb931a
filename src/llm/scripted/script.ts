// The scripted backend's script: which task answers which prompt, what it does to the tree,
// and what it returns. JSON or TOML, validated; a bad script stops with the file and the key.
import { readFile } from "node:fs/promises";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { ConfigError } from "../../lib/errors.ts";

const tokens = (what: string) => z.number().int().nonnegative().default(0).describe(`Simulated ${what} tokens (default 0).`);
const usageSchema = z
  .object({
    inputTokens: tokens("input"),
    outputTokens: tokens("output"),
    cacheReadTokens: tokens("cache-read"),
    cacheWriteTokens: tokens("cache-write"),
  })
  .strict()
  .describe("Token usage this step reports, as a model backend would; it counts against the task's token limit and lands in the ledger.");

const simulated = {
  usage: usageSchema.optional(),
  costUsd: z.number().nonnegative().optional().describe("Cost in US dollars this step reports; it counts against the cost limits and budgets."),
};

const relPath = (what: string) => z.string().min(1).describe(`Path of the file to ${what}, relative to the run's working tree (it may not leave it).`);

export const actionSchema = z
  .union([
    z.object({ write: z.object({ path: relPath("write"), content: z.string().describe("The file's whole new content.") }).strict().describe("Write a file (the write_file tool)."), ...simulated }).strict(),
    z
      .object({
        edit: z
          .object({ path: relPath("edit"), old: z.string().describe("Text that occurs exactly once in the file."), new: z.string().describe("The text that replaces it.") })
          .strict()
          .describe("Replace one occurrence of a text in a file (the edit_file tool)."),
        ...simulated,
      })
      .strict(),
    z
      .object({
        run: z
          .object({ command: z.string().min(1).describe("A shell command, run in the working tree, confined like a model's."), timeoutSeconds: z.number().positive().optional().describe("Seconds before the command is killed (default: the backend's).") })
          .strict()
          .describe("Run a command (the run_command tool); needs a task with the edit tool policy."),
        ...simulated,
      })
      .strict(),
    z.object({ read: z.object({ path: relPath("read") }).strict().describe("Read a file (the read_file tool)."), ...simulated }).strict(),
  ])
  .describe("One tool call, as a model would make it: exactly one of write, edit, run or read.");
export type ScriptAction = z.infer<typeof actionSchema>;

export const scriptTaskSchema = z
  .object({
    name: z.string().optional().describe("A name for logs and the transcript."),
    /** Regular expression tested against the prompt; tasks without one are used in order. */
    match: z
      .string()
      .refine((s) => {
        try {
          new RegExp(s);
          return true;
        } catch {
          return false;
        }
      }, "not a valid regular expression")
      .optional()
      .describe("A JavaScript regular expression tested against the prompt: the first task whose match fits answers. Tasks without one answer in order, each once, when no match fits."),
    actions: z.array(actionSchema).default([]).describe("Tool calls made in order before the answer, each one turn (default none)."),
    result: z
      .object({
        text: z.string().default("").describe("The final reply text."),
        structured: z.unknown().optional().describe("The structured result (JSON) for tasks that ask for one, e.g. a review verdict; validated against the task's schema."),
        /** Simulate a failure the way a model backend would report it. */
        status: z.enum(["ok", "max_turns", "budget", "error"]).default("ok").describe("How the run ends: ok, or a failure the way a model backend reports it (max_turns, budget, error)."),
        reason: z.string().optional().describe("Why the run failed, for a status other than ok."),
      })
      .strict()
      .default({ text: "", status: "ok" })
      .describe("The answer: the final turn's text and structured result, and how the run ends."),
    ...simulated,
  })
  .strict()
  .describe("One canned answer: which prompt it answers, what it does to the working tree, what it returns.");
export type ScriptTask = z.infer<typeof scriptTaskSchema>;

export const scriptSchema = z
  .object({ tasks: z.array(scriptTaskSchema).min(1).describe("The answers, tried in order; at least one.") })
  .strict()
  .describe("A script of the scripted backend (JSON, or TOML with [[tasks]] tables): deterministic answers for tests and the demo instead of a model.");
export type Script = z.infer<typeof scriptSchema>;

/** The script's JSON Schema (draft-07), for `disinto schema script` and editors. */
export function scriptJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(scriptSchema, { io: "input", target: "draft-7", unrepresentable: "any" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, title: "disinto scripted backend script", ...rest };
}

export function parseScript(data: unknown, file = "script"): Script {
  const r = scriptSchema.safeParse(data);
  if (r.success) return r.data;
  throw new ConfigError(r.error.issues.map((i) => ({ file, path: i.path.join("."), message: i.message })));
}

/** A script's text, TOML when `file` ends in .toml, else JSON; `file` names it in errors. */
export function parseScriptText(text: string, file: string): Script {
  let data: unknown;
  try {
    data = file.endsWith(".toml") ? parseToml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError([{ file, path: "", message: `cannot parse: ${(err as Error).message}` }]);
  }
  return parseScript(data, file);
}

/** Where a script's path was given: the config file and its key, for the error when it cannot be read. */
export interface ScriptRef {
  file: string;
  key: string;
}

/**
 * Reads and validates the script at `path`. A file that cannot be read is a config error
 * (exit 2) naming the file and key that point at it (`ref`), not a raw ENOENT; a script that
 * does not parse or validate names the script file and the key inside it.
 */
export async function loadScript(path: string, ref?: ScriptRef): Promise<Script> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : (err as Error).message;
    throw new ConfigError([{ file: ref?.file ?? path, path: ref?.key ?? "", message: `cannot read ${path} (${why}): expected the scripted backend's script, a JSON or TOML file (see \`disinto schema script\`)` }]);
  }
  return parseScriptText(text, path);
}
