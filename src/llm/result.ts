// Validation of the model's structured result. A result that does not match the schema is an
// error with a readable reason; nothing downstream ever sees a partially valid object.
import { z } from "zod";

export type Validated<T> = { ok: true; value: T } | { ok: false; reason: string };

export function validateResult<T>(schema: z.ZodType<T>, value: unknown): Validated<T> {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, reason: `structured result does not match the schema:\n${z.prettifyError(r.error)}` };
}

/**
 * A JSON value from the model's final text, for backends without a native structured-output
 * channel or a model that answered in prose: the whole text, else the last fenced block, else
 * the outermost {...} span.
 */
export function jsonFromText(text: string): unknown {
  const attempts: string[] = [text.trim()];
  const fences = [...text.matchAll(/```(?:json)?\s*\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  if (fences.length > 0) attempts.push(fences[fences.length - 1]!.trim());
  const first = text.indexOf("{");
  const last = text.lastIndexOf("}");
  if (first >= 0 && last > first) attempts.push(text.slice(first, last + 1));
  for (const a of attempts) {
    try {
      return JSON.parse(a);
    } catch {
      // next candidate
    }
  }
  return undefined;
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
