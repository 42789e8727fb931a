// The scripted backend's script: which task answers which prompt, what it does to the tree,
// and what it returns. JSON or TOML, validated; a bad script stops with the file and the key.
import { readFile } from "node:fs/promises";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { ConfigError } from "../../lib/errors.ts";

const usageSchema = z.object({
  inputTokens: z.number().int().nonnegative().default(0),
  outputTokens: z.number().int().nonnegative().default(0),
  cacheReadTokens: z.number().int().nonnegative().default(0),
  cacheWriteTokens: z.number().int().nonnegative().default(0),
});

const simulated = { usage: usageSchema.optional(), costUsd: z.number().nonnegative().optional() };

export const actionSchema = z.union([
  z.object({ write: z.object({ path: z.string().min(1), content: z.string() }), ...simulated }).strict(),
  z.object({ edit: z.object({ path: z.string().min(1), old: z.string(), new: z.string() }), ...simulated }).strict(),
  z.object({ run: z.object({ command: z.string().min(1), timeoutSeconds: z.number().positive().optional() }), ...simulated }).strict(),
  z.object({ read: z.object({ path: z.string().min(1) }), ...simulated }).strict(),
]);
export type ScriptAction = z.infer<typeof actionSchema>;

export const scriptTaskSchema = z.object({
  name: z.string().optional(),
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
    .optional(),
  actions: z.array(actionSchema).default([]),
  result: z
    .object({
      text: z.string().default(""),
      structured: z.unknown().optional(),
      /** Simulate a failure the way a model backend would report it. */
      status: z.enum(["ok", "max_turns", "budget", "error"]).default("ok"),
      reason: z.string().optional(),
    })
    .default({ text: "", status: "ok" }),
  ...simulated,
});
export type ScriptTask = z.infer<typeof scriptTaskSchema>;

export const scriptSchema = z.object({ tasks: z.array(scriptTaskSchema).min(1) });
export type Script = z.infer<typeof scriptSchema>;

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

export async function loadScript(path: string): Promise<Script> {
  return parseScriptText(await readFile(path, "utf8"), path);
}
