// HTTP plumbing of the sandbox CI server in Woodpecker's manner: errors are `text/plain`
// bodies (Woodpecker answers with gin's c.String), routes are path templates with `{param}`.
import type { IncomingMessage, ServerResponse } from "node:http";

export class CiApiError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "CiApiError";
    this.status = status;
    this.headers = headers;
  }
}

export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

export const ok = (body: unknown): Reply => ({ status: 200, json: body });
export const noContent = (headers?: Record<string, string>): Reply => ({ status: 204, ...(headers ? { headers } : {}) });

const MAX_BODY = 4 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new CiApiError(413, "request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string | undefined;
  if (reply.json !== undefined) {
    headers["Content-Type"] = "application/json; charset=utf-8";
    payload = JSON.stringify(reply.json);
  } else if (reply.text !== undefined) {
    headers["Content-Type"] = "text/plain; charset=utf-8";
    payload = reply.text;
  }
  if (payload !== undefined) headers["Content-Length"] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export { Routes, type RouteMatch } from "../routes.ts";
