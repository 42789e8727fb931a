// Session blobs: a backend's resumable conversation, gzip-compressed and size-bounded so it can
// live in the ops repo (DESIGN §5) and never grows without limit across CI runs.
import { gunzipSync, gzipSync } from "node:zlib";
import { z } from "zod";
import type { BackendKind, SessionBlob } from "./types.ts";

/** Largest compressed session kept (base64 adds a third on top). */
export const MAX_SESSION_COMPRESSED_BYTES = 4 * 1024 * 1024;
/** Largest uncompressed payload accepted on load: guards against a decompression bomb. */
export const MAX_SESSION_PAYLOAD_BYTES = 64 * 1024 * 1024;

export const sessionBlobSchema = z.object({
  v: z.literal(1),
  backend: z.enum(["claude-cli", "openai", "scripted"]),
  sessionId: z.string().optional(),
  data: z.string().optional(),
  bytes: z.number().int().nonnegative().optional(),
  dropped: z.string().optional(),
});

export interface SessionBounds {
  maxCompressedBytes?: number;
  maxPayloadBytes?: number;
}

/** Compress a payload; a payload over the bound becomes a `dropped` blob that says why. */
export function encodeSession(backend: BackendKind, payload: string, sessionId: string | undefined, bounds: SessionBounds = {}): SessionBlob {
  const raw = Buffer.from(payload, "utf8");
  const gz = gzipSync(raw);
  const max = bounds.maxCompressedBytes ?? MAX_SESSION_COMPRESSED_BYTES;
  const base: SessionBlob = { v: 1, backend, ...(sessionId !== undefined ? { sessionId } : {}) };
  if (gz.length > max) return { ...base, dropped: `session too large: ${gz.length} bytes compressed > ${max}` };
  return { ...base, data: gz.toString("base64"), bytes: raw.length };
}

export type DecodedSession = { ok: true; payload: string; sessionId: string | undefined } | { ok: false; reason: string };

/** Validate and decompress. Every failure is a reason, never a throw: the caller starts fresh. */
export function decodeSession(blob: unknown, backend: BackendKind, bounds: SessionBounds = {}): DecodedSession {
  const parsed = sessionBlobSchema.safeParse(blob);
  if (!parsed.success) return { ok: false, reason: `session blob malformed: ${z.prettifyError(parsed.error)}` };
  const b = parsed.data;
  if (b.backend !== backend) return { ok: false, reason: `session belongs to backend ${b.backend}, not ${backend}` };
  if (b.dropped !== undefined) return { ok: false, reason: `session was dropped: ${b.dropped}` };
  if (b.data === undefined) return { ok: false, reason: "session blob has no data" };
  const maxC = bounds.maxCompressedBytes ?? MAX_SESSION_COMPRESSED_BYTES;
  // base64 length * 3/4 ≈ bytes: reject before decoding anything huge
  if ((b.data.length * 3) / 4 > maxC + 4) return { ok: false, reason: `session too large: ~${Math.round((b.data.length * 3) / 4)} bytes compressed > ${maxC}` };
  try {
    const out = gunzipSync(Buffer.from(b.data, "base64"), { maxOutputLength: bounds.maxPayloadBytes ?? MAX_SESSION_PAYLOAD_BYTES });
    return { ok: true, payload: out.toString("utf8"), sessionId: b.sessionId };
  } catch (err) {
    return { ok: false, reason: `session data corrupt: ${err instanceof Error ? err.message : String(err)}` };
  }
}
