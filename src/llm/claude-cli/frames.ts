// stream-json frames of `claude -p --output-format stream-json --verbose` (contract §3–§4).
// Schemas are loose: the CLI adds fields between versions, and only the ones read here matter.
import { z } from "zod";

const num = z.number().nonnegative();

export const apiUsageSchema = z.looseObject({
  input_tokens: num.optional(),
  output_tokens: num.optional(),
  cache_creation_input_tokens: num.nullable().optional(),
  cache_read_input_tokens: num.nullable().optional(),
});
export type ApiUsage = z.infer<typeof apiUsageSchema>;

const contentBlockSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
});

const toolResultSchema = z.looseObject({
  type: z.string(),
  tool_use_id: z.string().optional(),
  is_error: z.boolean().optional(),
  content: z.unknown().optional(),
});

export const systemFrameSchema = z.looseObject({
  type: z.literal("system"),
  subtype: z.string(),
  session_id: z.string().optional(),
  model: z.string().optional(),
  permissionMode: z.string().optional(),
  apiKeySource: z.string().optional(),
  claude_code_version: z.string().optional(),
  // permission_denied / api_retry details
  tool_name: z.string().optional(),
  message: z.string().optional(),
  attempt: z.number().optional(),
  max_retries: z.number().optional(),
  error_status: z.number().nullable().optional(),
});

export const assistantFrameSchema = z.looseObject({
  type: z.literal("assistant"),
  message: z.looseObject({
    id: z.string().optional(),
    content: z.array(contentBlockSchema).default([]),
    usage: apiUsageSchema.optional(),
  }),
  parent_tool_use_id: z.string().nullable().optional(),
  session_id: z.string().optional(),
  uuid: z.string().optional(),
  error: z.string().optional(),
});

export const userFrameSchema = z.looseObject({
  type: z.literal("user"),
  message: z.looseObject({ content: z.union([z.string(), z.array(toolResultSchema)]) }),
  parent_tool_use_id: z.string().nullable().optional(),
  session_id: z.string().optional(),
});

const modelUsageSchema = z.looseObject({
  inputTokens: num.default(0),
  outputTokens: num.default(0),
  cacheReadInputTokens: num.default(0),
  cacheCreationInputTokens: num.default(0),
  costUSD: num.optional(),
});

export const resultFrameSchema = z.looseObject({
  type: z.literal("result"),
  subtype: z.string(),
  is_error: z.boolean(),
  result: z.string().optional(),
  errors: z.array(z.string()).optional(),
  session_id: z.string().optional(),
  num_turns: z.number().int().nonnegative().optional(),
  duration_ms: z.number().optional(),
  total_cost_usd: num.optional(),
  usage: apiUsageSchema.optional(),
  modelUsage: z.record(z.string(), modelUsageSchema).optional(),
  structured_output: z.unknown().optional(),
  api_error_status: z.number().nullable().optional(),
  terminal_reason: z.string().optional(),
  stop_reason: z.string().nullable().optional(),
  permission_denials: z.array(z.looseObject({ tool_name: z.string() })).optional(),
  startup_failure_reason: z.string().optional(),
});
export type ResultFrame = z.infer<typeof resultFrameSchema>;

const otherFrameSchema = z.looseObject({ type: z.string(), session_id: z.string().optional() });

export type Frame =
  | { kind: "system"; frame: z.infer<typeof systemFrameSchema> }
  | { kind: "assistant"; frame: z.infer<typeof assistantFrameSchema> }
  | { kind: "user"; frame: z.infer<typeof userFrameSchema> }
  | { kind: "result"; frame: ResultFrame }
  | { kind: "other"; frame: z.infer<typeof otherFrameSchema> };

export type ParsedLine = { kind: "frame"; value: Frame } | { kind: "noise"; line: string } | { kind: "invalid"; line: string; error: string };

/** One stdout line. Non-JSON lines (deprecation notices, debug output) are noise, not errors. */
export function parseLine(line: string): ParsedLine {
  const t = line.trim();
  if (!t.startsWith("{")) return { kind: "noise", line };
  let json: unknown;
  try {
    json = JSON.parse(t);
  } catch {
    return { kind: "noise", line };
  }
  const base = otherFrameSchema.safeParse(json);
  if (!base.success) return { kind: "noise", line };
  const pick = <S extends z.ZodType>(schema: S, kind: Frame["kind"]): ParsedLine => {
    const r = schema.safeParse(json);
    if (!r.success) return { kind: "invalid", line, error: `${base.data.type} frame: ${z.prettifyError(r.error)}` };
    return { kind: "frame", value: { kind, frame: r.data } as Frame };
  };
  switch (base.data.type) {
    case "system":
      return pick(systemFrameSchema, "system");
    case "assistant":
      return pick(assistantFrameSchema, "assistant");
    case "user":
      return pick(userFrameSchema, "user");
    case "result":
      return pick(resultFrameSchema, "result");
    default:
      return { kind: "frame", value: { kind: "other", frame: base.data } };
  }
}
