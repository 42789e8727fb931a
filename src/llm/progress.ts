// Progress lines: every line goes through the run's Redactor before it reaches the logger, and
// tool calls are reduced to one short summary (`edit src/x.ts`, `bash npm test`).
import type { Redactor } from "../lib/redact.ts";
import type { ProgressSink } from "./types.ts";

export function redactingSink(log: ProgressSink, redactor: Redactor): ProgressSink {
  return {
    info: (m) => log.info(redactor.redact(m)),
    warn: (m) => log.warn(redactor.redact(m)),
    debug: (m) => log.debug(redactor.redact(m)),
  };
}

/** One line, at most `max` characters: enough to recognise the command, never a file's content. */
export function clip(s: string, max = 80): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

/** Short description of a tool call, from the tool name and whatever arguments identify it. */
export function summarizeToolCall(name: string, input: unknown): string {
  const a = (input !== null && typeof input === "object" ? input : {}) as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof a[k] === "string" ? a[k] : undefined);
  const path = str("path") ?? str("file_path") ?? str("notebook_path");
  switch (name) {
    case "Bash":
    case "run_command":
      return `bash ${clip(str("command") ?? "")}`;
    case "Edit":
    case "MultiEdit":
    case "edit_file":
    case "NotebookEdit":
      return `edit ${path ?? "?"}`;
    case "Write":
    case "write_file":
      return `write ${path ?? "?"}`;
    case "Read":
    case "read_file":
      return `read ${path ?? "?"}`;
    case "list_files":
    case "LS":
      return `list ${path ?? "."}`;
    case "Grep":
    case "search":
      return `search ${clip(str("pattern") ?? "", 60)}`;
    case "Glob":
      return `glob ${clip(str("pattern") ?? "", 60)}`;
    case "submit_result":
      return "submit_result";
    default:
      return clip(name, 60);
  }
}

export function formatTokens(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}
