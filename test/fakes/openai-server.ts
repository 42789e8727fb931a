// A fake OpenAI-compatible `/v1/chat/completions` on loopback, for driving the openai backend
// through the real HTTP client: streamed SSE with tool-call arguments cut into fragments, a
// usage-only final chunk, error statuses with Retry-After, non-JSON arguments, and a model
// that never stops calling tools. Requests are recorded for assertions.
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeCall {
  name: string;
  /** An object is JSON-encoded; a string is sent as is (use it for malformed arguments). */
  args: unknown;
}

export type Reply =
  | { kind: "text"; text: string; usage?: { prompt: number; completion: number; cached?: number } }
  | { kind: "tools"; calls: FakeCall[]; text?: string; fragment?: number; usage?: { prompt: number; completion: number; cached?: number } }
  | { kind: "status"; status: number; retryAfter?: string; body?: string }
  | { kind: "stall"; ms: number; then: Reply }
  /** Decided from the request (a hostile model sends back what its tools found). */
  | { kind: "dynamic"; reply: (req: RecordedRequest) => Reply };

export interface RecordedRequest {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown> & { messages: { role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string }[] };
}

export interface FakeOpenAi {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * `replies` are served in order; when they run out `fallback` answers (default: one more
 * list_files call — a model that never stops).
 */
export async function startFakeOpenAi(replies: Reply[], fallback: Reply = { kind: "tools", calls: [{ name: "list_files", args: { path: "." } }] }): Promise<FakeOpenAi> {
  const requests: RecordedRequest[] = [];
  const queue = [...replies];
  let callSeq = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url !== "/v1/chat/completions" || req.method !== "POST") {
        res.writeHead(404).end("not found");
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RecordedRequest["body"];
      requests.push({ headers: req.headers, body });
      // llama-server rejects tool_choice objects; so does this fake (contract §8)
      if (body["tool_choice"] !== undefined && typeof body["tool_choice"] !== "string") {
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "Invalid tool_choice" } }));
        return;
      }
      const next = queue.shift() ?? fallback;
      void serve(res, next.kind === "dynamic" ? next.reply({ headers: req.headers, body }) : next);
    });
  });

  const serve = async (res: ServerResponse, r: Reply): Promise<void> => {
    if (r.kind === "dynamic") throw new Error("fake openai: a dynamic reply must be resolved before serving");
    if (r.kind === "stall") {
      await new Promise((resolve) => setTimeout(resolve, r.ms));
      if (res.destroyed) return;
      return serve(res, r.then);
    }
    if (r.kind === "status") {
      res.writeHead(r.status, { "content-type": "application/json", ...(r.retryAfter !== undefined ? { "retry-after": r.retryAfter } : {}) });
      res.end(r.body ?? JSON.stringify({ error: { message: `fake ${r.status}` } }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (o: unknown): boolean => res.write(`data: ${JSON.stringify(o)}\n\n`);
    const base = { id: "chatcmpl-fake", object: "chat.completion.chunk", created: 0, model: "fake" };
    send({ ...base, choices: [{ index: 0, delta: { role: "assistant" }, finish_reason: null }] });
    const text = r.kind === "text" ? r.text : (r.text ?? "");
    // text in two pieces, as a real stream would
    if (text) for (const piece of [text.slice(0, Math.ceil(text.length / 2)), text.slice(Math.ceil(text.length / 2))]) if (piece) send({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
    if (r.kind === "tools") {
      r.calls.forEach((c, index) => {
        const args = typeof c.args === "string" ? c.args : JSON.stringify(c.args);
        send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, id: `call_${++callSeq}`, type: "function", function: { name: c.name, arguments: "" } }] }, finish_reason: null }] });
        const n = Math.max(1, r.fragment ?? 7);
        for (let i = 0; i < args.length; i += n) send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: args.slice(i, i + n) } }] }, finish_reason: null }] });
      });
    }
    send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: r.kind === "tools" ? "tool_calls" : "stop" }] });
    const u = r.usage ?? { prompt: 100, completion: 20 };
    send({ ...base, choices: [], usage: { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion, ...(u.cached ? { prompt_tokens_details: { cached_tokens: u.cached } } : {}) } });
    res.end("data: [DONE]\n\n");
  };

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
