// A streaming client for OpenAI-compatible `/v1/chat/completions` (OpenAI, llama-server, vLLM,
// Ollama, gateways). Streams SSE, reassembles tool-call arguments that arrive in fragments per
// `index`, reads usage from the final chunk (`stream_options.include_usage`), and retries 429
// and 5xx with backoff that honours Retry-After — never past the run's deadline.
import { request } from "undici";
import { z } from "zod";
import type { Usage } from "../types.ts";

const num = z.number().nonnegative();

const apiUsageSchema = z.looseObject({
  prompt_tokens: num.default(0),
  completion_tokens: num.default(0),
  prompt_tokens_details: z.looseObject({ cached_tokens: num.nullish() }).nullish(),
});

const toolCallDeltaSchema = z.looseObject({
  index: z.number().int().nonnegative().nullish(),
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

const messageLikeSchema = z.looseObject({
  content: z.string().nullish(),
  reasoning_content: z.string().nullish(),
  tool_calls: z.array(toolCallDeltaSchema).nullish(),
});

const chunkSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        delta: messageLikeSchema.nullish(),
        message: messageLikeSchema.nullish(), // non-streamed responses
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: apiUsageSchema.nullish(),
  error: z.union([z.string(), z.looseObject({ message: z.string().optional() })]).optional(),
});

export interface ToolCall {
  id: string;
  name: string;
  /** The JSON text as the model sent it — parsed (and possibly rejected) by the tool layer. */
  arguments: string;
}

export interface Completion {
  content: string;
  toolCalls: ToolCall[];
  finishReason: string | undefined;
  /** Undefined when the server sent none (some do not support include_usage). */
  usage: Usage | undefined;
}

export class ApiError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

export interface ClientConfig {
  baseUrl: string;
  apiKey: string | undefined;
  headers: Readonly<Record<string, string>>;
  maxRetries: number;
  retryBaseMs: number;
  requestTimeoutMs: number;
}

/** `http://host:8080` and `http://host:8080/v1` both name the API root. */
export function completionsUrl(baseUrl: string): string {
  const b = baseUrl.replace(/\/+$/, "");
  return /\/v\d+$/.test(b) ? `${b}/chat/completions` : `${b}/v1/chat/completions`;
}

function toUsage(u: z.infer<typeof apiUsageSchema>): Usage {
  const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
  return { inputTokens: Math.max(0, u.prompt_tokens - cached), outputTokens: u.completion_tokens, cacheReadTokens: cached, cacheWriteTokens: 0 };
}

/** Reassembles a streamed assistant message from its deltas. */
export class CompletionAssembler {
  private content = "";
  private readonly calls = new Map<number, { id: string; name: string; args: string }>();
  private lastIndex = -1;
  finishReason: string | undefined;
  usage: Usage | undefined;

  push(payload: unknown): void {
    const r = chunkSchema.safeParse(payload);
    if (!r.success) throw new ApiError(`unexpected chunk from the server: ${z.prettifyError(r.error)}`);
    const c = r.data;
    if (c.error !== undefined) throw new ApiError(`server error mid-stream: ${typeof c.error === "string" ? c.error : (c.error.message ?? JSON.stringify(c.error))}`);
    if (c.usage) this.usage = toUsage(c.usage);
    for (const ch of c.choices ?? []) {
      const d = ch.delta ?? ch.message;
      if (d?.content) this.content += d.content;
      (d?.tool_calls ?? []).forEach((tc, pos) => {
        // Fragments carry only `index` and an arguments piece; a server that omits `index`
        // gets the position, and a bare fragment continues the previous call.
        const idx = tc.index ?? (tc.id || tc.function?.name ? (ch.message ? pos : this.lastIndex + 1) : Math.max(0, this.lastIndex));
        this.lastIndex = idx;
        const cur = this.calls.get(idx) ?? { id: "", name: "", args: "" };
        if (tc.id) cur.id = tc.id;
        if (tc.function?.name) cur.name += cur.name === tc.function.name ? "" : tc.function.name;
        if (tc.function?.arguments) cur.args += tc.function.arguments;
        this.calls.set(idx, cur);
      });
      if (ch.finish_reason) this.finishReason = ch.finish_reason;
    }
  }

  result(): Completion {
    const toolCalls = [...this.calls.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([i, c]) => ({ id: c.id || `call_${i}_${Math.random().toString(36).slice(2, 8)}`, name: c.name, arguments: c.args }));
    return { content: this.content, toolCalls, finishReason: this.finishReason, usage: this.usage };
  }
}

/** Seconds or an HTTP date → milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === "") return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

const RETRYABLE_NET = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT"]);

export interface StreamOptions {
  signal: AbortSignal;
  deadline: number;
  onRetry?: (attempt: number, why: string, delayMs: number) => void;
}

/** POST one chat completion and stream it; retries only failures that happened before any output. */
export async function streamChat(cfg: ClientConfig, body: Record<string, unknown>, opts: StreamOptions): Promise<Completion> {
  const url = completionsUrl(cfg.baseUrl);
  const headers: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream, application/json", ...cfg.headers };
  if (cfg.apiKey) headers["authorization"] = `Bearer ${cfg.apiKey}`;
  const payload = JSON.stringify(body);
  for (let attempt = 0; ; attempt++) {
    let why: string;
    let hinted: number | undefined;
    try {
      const res = await request(url, { method: "POST", headers, body: payload, signal: opts.signal, headersTimeout: cfg.requestTimeoutMs, bodyTimeout: cfg.requestTimeoutMs });
      if (res.statusCode >= 200 && res.statusCode < 300) {
        const type = String(res.headers["content-type"] ?? "");
        if (type.includes("application/json")) {
          const asm = new CompletionAssembler();
          asm.push(await res.body.json());
          return asm.result();
        }
        return await readSse(res.body);
      }
      const text = (await res.body.text().catch(() => "")).slice(0, 500);
      if (res.statusCode !== 429 && res.statusCode < 500) throw new ApiError(`HTTP ${res.statusCode} from ${url}: ${text}`, res.statusCode);
      why = `HTTP ${res.statusCode}`;
      hinted = retryAfterMs(res.headers["retry-after"]);
    } catch (err) {
      if (opts.signal.aborted || err instanceof ApiError) throw err;
      const code = (err as { code?: string }).code ?? "";
      if (!RETRYABLE_NET.has(code)) throw new ApiError(`request to ${url} failed: ${(err as Error).message}`);
      why = code;
    }
    if (attempt >= cfg.maxRetries) throw new ApiError(`${why} from ${url}: giving up after ${attempt + 1} attempts`);
    const backoff = cfg.retryBaseMs * 2 ** attempt * (0.8 + Math.random() * 0.4);
    const delay = hinted ?? backoff;
    if (Date.now() + delay >= opts.deadline) throw new ApiError(`${why} from ${url}: the retry delay (${Math.round(delay)} ms) would pass the deadline`);
    opts.onRetry?.(attempt + 1, why, delay);
    await sleep(delay, opts.signal);
  }
}

async function readSse(body: AsyncIterable<Buffer | string>): Promise<Completion> {
  const asm = new CompletionAssembler();
  const decoder = new TextDecoder();
  let buf = "";
  let data: string[] = [];
  let done = false;
  const dispatch = (): void => {
    if (data.length === 0) return;
    const text = data.join("\n");
    data = [];
    if (text.trim() === "[DONE]") {
      done = true;
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError(`server sent a data line that is not JSON: ${text.slice(0, 200)}`);
    }
    asm.push(json);
  };
  for await (const chunk of body) {
    buf += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).replace(/\r$/, "");
      buf = buf.slice(nl + 1);
      if (line === "") dispatch();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      // `event:`, `id:`, `retry:` and `:` comments carry nothing we need
      if (done) return asm.result();
    }
  }
  if (buf.startsWith("data:")) data.push(buf.slice(5).replace(/^ /, ""));
  dispatch();
  return asm.result();
}
