// Public surface of the LLM layer.
export type * from "./types.ts";
export { addUsage, emptyUsage, totalTokens } from "./types.ts";
export { isAllowedName, llmEnv, pickCredentials } from "./env.ts";
export { runWithAccounting } from "./accounting.ts";
export type { AccountedResult, AccountedTask, Accounting, Caps } from "./accounting.ts";
export { InMemoryLedger, InMemorySessionStore, InMemorySlots } from "./memory.ts";
export { backendConfigSchema, createBackend, scriptedConfigSchema } from "./factory.ts";
export type { BackendConfig } from "./factory.ts";
export { formatRun, tryBackend } from "./try.ts";
export type { TrySummary } from "./try.ts";
export { ClaudeCliBackend, claudeCliConfigSchema } from "./claude-cli/backend.ts";
export { OpenAiBackend, openaiConfigSchema } from "./openai/backend.ts";
export { ScriptedBackend } from "./scripted/backend.ts";
export { loadScript, parseScript, scriptSchema } from "./scripted/script.ts";
export { costOf, priceTableSchema } from "./meter.ts";
export type { PriceTable } from "./meter.ts";
export { decodeSession, encodeSession, MAX_SESSION_COMPRESSED_BYTES } from "./session.ts";
