// createBackend: the one place a backend is chosen, always from an explicit `type`. The
// scripted backend answers without a model, so nothing selects it by default or by fallback.
import { z } from "zod";
import { ConfigError } from "../lib/errors.ts";
import { ClaudeCliBackend, claudeCliConfigSchema } from "./claude-cli/backend.ts";
import { OpenAiBackend, openaiConfigSchema } from "./openai/backend.ts";
import { ScriptedBackend } from "./scripted/backend.ts";
import { loadScript, scriptSchema } from "./scripted/script.ts";
import type { Backend } from "./types.ts";

export const scriptedConfigSchema = z.object({
  type: z.literal("scripted"),
  /** Path to a JSON or TOML script, or the script itself. */
  script: z.union([z.string().min(1), scriptSchema]),
  commandTimeoutMs: z.number().int().positive().optional(),
});

export const backendConfigSchema = z.discriminatedUnion("type", [claudeCliConfigSchema, openaiConfigSchema, scriptedConfigSchema]);
export type BackendConfig = z.input<typeof backendConfigSchema>;

export async function createBackend(config: unknown, file = "llm backend config"): Promise<Backend> {
  const r = backendConfigSchema.safeParse(config);
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => ({ file, path: i.path.join("."), message: i.message })));
  const c = r.data;
  switch (c.type) {
    case "claude-cli":
      return new ClaudeCliBackend(c);
    case "openai":
      return new OpenAiBackend(c);
    case "scripted": {
      const script = typeof c.script === "string" ? await loadScript(c.script, { file, key: "script" }) : c.script;
      return new ScriptedBackend(script, c.commandTimeoutMs !== undefined ? { commandTimeoutMs: c.commandTimeoutMs } : {});
    }
  }
}
