import { hasStatus } from "../../http/errors.ts";

/** `get…` semantics: 404 is an answer (absent), everything else is a failure. */
export async function unlessNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (hasStatus(err, 404)) return undefined;
    throw err;
  }
}

/** A file path or branch name as path segments: slashes stay slashes, the rest is encoded. */
export function segments(path: string): string[] {
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.length === 0) throw new Error(`empty path ${JSON.stringify(path)}`);
  return parts;
}

export function requireText(what: string, value: string): void {
  if (value.trim() === "") throw new Error(`${what} must not be empty`);
}
