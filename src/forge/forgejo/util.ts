
export { unlessNotFound } from "../../http/errors.ts";

/** A file path or branch name as path segments: slashes stay slashes, the rest is encoded. */
export function segments(path: string): string[] {
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.length === 0) throw new Error(`empty path ${JSON.stringify(path)}`);
  return parts;
}

export function requireText(what: string, value: string): void {
  if (value.trim() === "") throw new Error(`${what} must not be empty`);
}
