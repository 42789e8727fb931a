// The openai backend: the runner's own agent loop over an OpenAI-compatible chat endpoint.
// The model proposes tool calls; the runner executes them (confined to the working tree) and
// enforces the limits between every step. The session is the message list.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { Redactor } from "../../lib/redact.ts";
import { llmEnv } from "../env.ts";
import { defaultIsolation, enterSandbox } from "../isolation.ts";
import type { ModelSandbox } from "../isolation.ts";
import { priceTableSchema, RunMeter, timerDelay } from "../meter.ts";
import type { Stop } from "../meter.ts";
import { clip, redactingSink } from "../progress.ts";
import { jsonFromText, safeJson, validateResult } from "../result.ts";
import { decodeSession, encodeSession } from "../session.ts";
import { executeTool, functionTools, SUBMIT_RESULT, toolContext, unwrapSubmitted } from "../tools/toolbox.ts";
import { openaiPreflight } from "../preflight.ts";
import { Transcript } from "../transcript.ts";

import type { Backend, BackendEnv, RunResult, RunStatus, RunTask, Usage } from "../types.ts";
import { ApiError, streamChat } from "./client.ts";
import type { Completion } from "./client.ts";

export const openaiConfigSchema = z.object({
  type: z.literal("openai"),
  /** API root, with or without `/v1`: `http://127.0.0.1:8080`, `https://api.openai.com/v1`. */
  baseUrl: z.url(),
  model: z.string().min(1),
  /** Name of the environment variable holding the API key (none for a local server). */
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  prices: priceTableSchema.optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  maxRetries: z.number().int().nonnegative().default(4),
  retryBaseMs: z.number().int().positive().default(1000),
  requestTimeoutMs: z.number().int().positive().default(300_000),
  commandTimeoutMs: z.number().int().positive().default(120_000),
  /** How many times an invalid or missing structured result goes back to the model. */
  resultRetries: z.number().int().nonnegative().default(2),
});
export type OpenAiConfig = z.infer<typeof openaiConfigSchema>;

const messageSchema = z.looseObject({ role: z.enum(["system", "user", "assistant", "tool"]) });
const sessionPayloadSchema = z.object({ messages: z.array(messageSchema) });
type Message = z.infer<typeof messageSchema>;

/** A message as it may leave for the endpoint: its text and tool-call arguments redacted. */
function redactMessage(m: Message, redactor: Redactor): Message {
  const out: Message = { ...m };
  if (typeof m["content"] === "string") out["content"] = redactor.redact(m["content"]);
  const calls = m["tool_calls"];
  if (Array.isArray(calls)) {
    out["tool_calls"] = calls.map((c: unknown) => {
      const call = c as { function?: { arguments?: unknown } };
      if (typeof call.function?.arguments !== "string") return c;
      return { ...(c as object), function: { ...call.function, arguments: redactor.redact(call.function.arguments) } };
    });
  }
  return out;
}

/** Rough token count when a server reports no usage: limits must still bite. */
function estimateUsage(messages: Message[], c: Completion): Usage {
  const out = c.content.length + c.toolCalls.reduce((n, t) => n + t.name.length + t.arguments.length, 0);
  return { inputTokens: Math.ceil(JSON.stringify(messages).length / 4), outputTokens: Math.ceil(out / 4), cacheReadTokens: 0, cacheWriteTokens: 0 };
}

export class OpenAiBackend implements Backend {
  readonly kind = "openai" as const;
  readonly name: string;
  readonly credentialNames: readonly string[];
  private readonly config: OpenAiConfig;

  constructor(config: Omit<z.input<typeof openaiConfigSchema>, "type">) {
    this.config = openaiConfigSchema.parse({ ...config, type: "openai" });
    this.name = `openai:${this.config.model}`;
    this.credentialNames = this.config.apiKeyEnv ? [this.config.apiKeyEnv] : [];
  }

  preflight(env: BackendEnv): Promise<string | undefined> {
    return openaiPreflight(this.config, env);
  }

  async run<T>(task: RunTask<T>): Promise<RunResult<T>> {
    const held: { sandbox?: ModelSandbox } = {};
    try {
      return await this.loop(task, held);
    } finally {
      await held.sandbox?.release();
    }
  }

  private async loop<T>(task: RunTask<T>, held: { sandbox?: ModelSandbox }): Promise<RunResult<T>> {
    const cfg = this.config;
    const redactor = task.redactor ?? new Redactor();
    for (const v of Object.values(task.env)) redactor.add(v);
    for (const v of Object.values(cfg.headers)) redactor.add(v);
    const log = redactingSink(task.log, redactor);
    const transcript = new Transcript(redactor, task.transcriptPath);
    const meter = new RunMeter(task.limits, cfg.prices);
    let messages: Message[] = [];
    let lastText = "";
    let sessionId: string = randomUUID();

    const finish = (status: RunStatus, reason?: string, result?: T, extra: Partial<RunResult<T>> = {}): RunResult<T> => {
      const r: RunResult<T> = {
        status,
        ...(reason !== undefined ? { reason: redactor.redact(reason) } : {}),
        text: lastText,
        ...(result !== undefined ? { result } : {}),
        usage: meter.usage,
        costUsd: meter.costUsd,
        turns: meter.turns,
        durationMs: meter.elapsedMs(),
        sessionId,
        ...(messages.length > 0 ? { session: encodeSession("openai", JSON.stringify({ messages }), sessionId) } : {}),
        transcriptPath: transcript.path,
        ...extra,
      };
      transcript.write("outcome", { status, reason, turns: r.turns, usage: r.usage, costUsd: r.costUsd, durationMs: r.durationMs });
      if (status === "ok") log.info(`${this.name}: ${status}${reason ? ` — ${clip(reason, 300)}` : ""}`);
      else log.warn(`${this.name}: ${status}${reason ? ` — ${clip(reason, 300)}` : ""}`);
      return r;
    };

    let apiKey: string | undefined;
    if (cfg.apiKeyEnv) {
      apiKey = task.env[cfg.apiKeyEnv];
      if (!apiKey) return finish("error", `no API key: ${cfg.apiKeyEnv} was not passed to the run`);
    }
    const unknown = Object.keys(task.env).filter((k) => k !== cfg.apiKeyEnv);
    if (unknown.length > 0) return finish("error", `refusing unexpected credentials ${unknown.join(", ")}: this backend reads only ${cfg.apiKeyEnv ?? "none"}`);

    if (task.session?.resume) {
      const d = decodeSession(task.session.resume, "openai");
      const p = d.ok ? sessionPayloadSchema.safeParse(safeJson(d.payload)) : undefined;
      if (!d.ok || !p?.success) return finish("error", `cannot resume session ${task.session.key}: ${d.ok ? "payload malformed" : d.reason}`, undefined, { resumeFailed: true });
      messages = p.data.messages.filter((m) => m.role !== "system");
      sessionId = d.sessionId ?? sessionId;
      log.info(`${this.name}: resuming session (${messages.length} messages)`);
    }
    // Everything in `messages` goes to the endpoint: no secret the run knows goes with it.
    if (task.system) messages.unshift({ role: "system", content: redactor.redact(task.system) });
    messages.push({ role: "user", content: redactor.redact(task.prompt) });
    transcript.write("user", { system: task.system, prompt: task.prompt });

    // Commands the model runs get the allowlist only — not even this backend's API key — and
    // run confined, away from this process's environment (isolation.ts).
    try {
      held.sandbox = await enterSandbox(task.isolation ?? defaultIsolation(), { tree: task.cwd, write: task.tools === "edit", log });
    } catch (err) {
      return finish("error", `cannot isolate the model: ${(err as Error).message}`);
    }
    const ctx = toolContext(task.cwd, llmEnv(), cfg.commandTimeoutMs, task.limits.deadline, held.sandbox);
    const tools = functionTools(task.tools, task.resultSchema);
    const client = { baseUrl: cfg.baseUrl, apiKey, headers: cfg.headers, maxRetries: cfg.maxRetries, retryBaseMs: cfg.retryBaseMs, requestTimeoutMs: cfg.requestTimeoutMs };
    let resultRetries = cfg.resultRetries;
    let warnedNoUsage = false;

    for (;;) {
      const before = meter.beforeTurn();
      if (before) return finish(before.status, before.reason);

      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(new Error("deadline")), timerDelay(meter.remainingMs()));
      let c: Completion;
      try {
        c = await streamChat(
          client,
          {
            model: cfg.model,
            messages: messages.map((m) => redactMessage(m, redactor)),
            tools,
            tool_choice: "auto", // a string: llama-server ignores or rejects the object form (contract §8)
            parallel_tool_calls: true,
            stream: true,
            stream_options: { include_usage: true },
            ...(cfg.temperature !== undefined ? { temperature: cfg.temperature } : {}),
            ...(cfg.maxOutputTokens !== undefined ? { max_tokens: cfg.maxOutputTokens } : {}),
          },
          { signal: abort.signal, deadline: task.limits.deadline, onRetry: (n, why, ms) => log.warn(`${this.name}: ${why}, retry ${n} in ${Math.round(ms)} ms`) },
        );
      } catch (err) {
        if (abort.signal.aborted) return finish("deadline", `deadline reached during a model call after ${meter.elapsedMs()} ms`);
        return finish("error", err instanceof ApiError ? err.message : `model call failed: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
      meter.turns++;
      let usage = c.usage;
      if (!usage) {
        if (!warnedNoUsage) log.debug(`${this.name}: the server reports no usage; estimating tokens from text length`);
        warnedNoUsage = true;
        usage = estimateUsage(messages, c);
      }
      meter.add(usage);
      transcript.write("assistant", { content: c.content, toolCalls: c.toolCalls, finishReason: c.finishReason, usage });
      if (c.content.trim()) lastText = c.content;
      messages.push({
        role: "assistant",
        content: c.content || null,
        ...(c.toolCalls.length > 0 ? { tool_calls: c.toolCalls.map((t) => ({ id: t.id, type: "function", function: { name: t.name, arguments: t.arguments } })) } : {}),
      });

      const hit: Stop | undefined = meter.exhausted();
      if (hit) {
        // answer every call so the saved conversation stays valid for the API when resumed
        for (const t of c.toolCalls) messages.push({ role: "tool", tool_call_id: t.id, content: `not run: ${hit.reason}` });
        return finish(hit.status, hit.reason);
      }

      if (c.toolCalls.length === 0) {
        if (!task.resultSchema) return finish("ok");
        const raw = jsonFromText(c.content);
        const v = raw === undefined ? { ok: false as const, reason: "no structured result: call submit_result" } : validateResult(task.resultSchema, raw);
        if (v.ok) return finish("ok", undefined, v.value);
        if (resultRetries-- <= 0) return finish("error", `no valid structured result: ${v.reason}`);
        messages.push({ role: "user", content: `${v.reason}\nCall ${SUBMIT_RESULT} with arguments that match its parameters.` });
        continue;
      }

      let submitted: { value: T } | undefined;
      let submitError: string | undefined;
      for (const t of c.toolCalls) {
        if (t.name === SUBMIT_RESULT && task.resultSchema) {
          const raw = safeJson(t.arguments);
          const v = raw === undefined ? { ok: false as const, reason: "the arguments are not valid JSON" } : validateResult(task.resultSchema, unwrapSubmitted(task.resultSchema, raw));
          log.info(`submit_result${v.ok ? "" : " (invalid)"}`);
          if (v.ok) submitted = { value: v.value };
          else submitError = v.reason;
          messages.push({ role: "tool", tool_call_id: t.id, content: v.ok ? "accepted" : `error: ${v.reason}` });
          continue;
        }
        const out = await executeTool(t.name, t.arguments, task.tools, ctx);
        log.info(out.ok ? out.summary : `${out.summary} ✗`);
        transcript.write("tool", { id: t.id, name: t.name, arguments: t.arguments, ok: out.ok, output: out.output });
        messages.push({ role: "tool", tool_call_id: t.id, content: redactor.redact(out.output) });
      }
      if (submitted) return finish("ok", undefined, submitted.value);
      if (submitError !== undefined && resultRetries-- <= 0) return finish("error", `no valid structured result: ${submitError}`);
    }
  }
}

