// argv and environment for one `claude -p` run (contract §1, §6, §7).
import { llmEnv } from "../env.ts";
import type { ToolPolicy } from "../types.ts";

/** Credentials and endpoint settings the CLI reads; nothing else from the caller reaches it. */
export const CLAUDE_CREDENTIAL_NAMES = [
  "ANTHROPIC_API_KEY",
  "CLAUDE_CODE_OAUTH_TOKEN",
  "ANTHROPIC_AUTH_TOKEN",
  "ANTHROPIC_BASE_URL",
  "ANTHROPIC_CUSTOM_HEADERS",
] as const;

/**
 * Read-only runs may look, not touch: Read plus a few inspecting shell commands, everything
 * else denied without a prompt (`dontAsk`). Best effort — the CLI decides what a Bash rule
 * matches — which is why judgment agents return results and never have their tree committed.
 */
export const READ_ONLY_ALLOWED = [
  "Read",
  "Bash(git log *)",
  "Bash(git diff *)",
  "Bash(git show *)",
  "Bash(git status *)",
  "Bash(ls *)",
  "Bash(grep *)",
  "Bash(rg *)",
  "Bash(cat *)",
  "Bash(head *)",
  "Bash(tail *)",
  "Bash(wc *)",
];

/** Arguments longer than this go through stdin instead (Linux caps one argument at 128 KiB). */
export const MAX_PROMPT_ARG_BYTES = 100 * 1024;

export interface ClaudeArgs {
  prompt: string;
  model: string | undefined;
  maxTurns: number;
  policy: ToolPolicy;
  system: string | undefined;
  jsonSchema: Record<string, unknown> | undefined;
  resumeId: string | undefined;
  maxBudgetUsd: number | undefined;
  extraArgs: readonly string[];
}

/**
 * Every option uses the `--name=value` form: `--allowedTools` and friends are variadic and
 * would otherwise swallow the prompt that follows. The prompt comes last, after `--`, so a
 * prompt starting with `-` is not read as an option. When it is too long for argv it is left
 * out and the caller writes it to stdin (the CLI reads stdin when there is no prompt argument).
 */
export function claudeArgs(a: ClaudeArgs): { args: string[]; stdin: string | undefined } {
  const args = ["-p", "--output-format=stream-json", "--verbose", `--max-turns=${a.maxTurns}`];
  if (a.model) args.push(`--model=${a.model}`);
  // No user/project/local settings: a PR must not be able to add hooks or permissions via .claude/
  args.push("--setting-sources=");
  if (a.policy === "edit") {
    args.push("--permission-mode=bypassPermissions");
  } else {
    args.push("--permission-mode=dontAsk", "--tools=Read,Bash", `--allowedTools=${READ_ONLY_ALLOWED.join(",")}`, "--disallowedTools=Edit,Write,NotebookEdit");
  }
  if (a.system) args.push(`--append-system-prompt=${a.system}`);
  if (a.jsonSchema) args.push(`--json-schema=${JSON.stringify(a.jsonSchema)}`);
  if (a.resumeId) args.push(`--resume=${a.resumeId}`);
  if (a.maxBudgetUsd !== undefined) args.push(`--max-budget-usd=${a.maxBudgetUsd.toFixed(4)}`);
  args.push(...a.extraArgs);
  if (Buffer.byteLength(a.prompt) > MAX_PROMPT_ARG_BYTES) return { args, stdin: a.prompt };
  args.push("--", a.prompt);
  return { args, stdin: undefined };
}

/**
 * The allowlisted environment plus the run's credentials, its own config dir and CI hygiene.
 * IS_SANDBOX=1: the CLI refuses bypassPermissions as root without it; set only when the CLI
 * itself runs as root (a root runner normally starts it as the model user, see isolation.ts).
 */
export function claudeEnv(
  credentials: Readonly<Record<string, string>>,
  configDir: string,
  policy: ToolPolicy,
  parent: Readonly<Record<string, string | undefined>> = process.env,
  asRoot: boolean = process.getuid?.() === 0,
): Record<string, string> {
  const extra: Record<string, string> = {
    ...credentials,
    CLAUDE_CONFIG_DIR: configDir,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_ERROR_REPORTING: "1",
    DISABLE_TELEMETRY: "1",
  };
  if (policy === "edit" && asRoot) extra["IS_SANDBOX"] = "1";
  return llmEnv(parent, extra);
}
