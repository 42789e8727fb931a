// The run's log: levels, sections, text or JSON lines, and a redactor between every byte and
// the output — including a child's output streamed through `pipe`.
import { StringDecoder } from "node:string_decoder";
import type { Readable } from "node:stream";
import type { Redactor, StreamRedactor } from "../lib/redact.ts";
import { defuseCommands, escapeCommandData } from "./actions.ts";
import type { HostKind } from "./detect.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "text" | "json";
export type LogFields = Record<string, unknown>;

/** Anything with a `write(string)`: a node Writable, or an array collector in tests. */
export interface LogSink {
  write(chunk: string): unknown;
}

export interface LoggerOptions {
  out: LogSink;
  redactor: Redactor;
  host: HostKind;
  format?: LogFormat | undefined;
  level?: LogLevel | undefined;
  now?: (() => number) | undefined;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const TEXT_PREFIX: Record<LogLevel, string> = { debug: "debug: ", info: "", warn: "warning: ", error: "error: " };
// Keys of a JSON line the fields may not overwrite.
const RESERVED = new Set(["ts", "level", "msg", "section"]);

export interface PipeOptions {
  /** Name of the stream in JSON lines (`stream: "claude"`), and a text prefix if `prefix` is unset. */
  name?: string | undefined;
  /** Put before every line in text format, e.g. `claude │ `. */
  prefix?: string | undefined;
  level?: LogLevel | undefined;
}

/** Redacted line output for text that arrives in chunks. */
export interface LogStream {
  write(chunk: string | Uint8Array): void;
  end(): void;
}

export class Logger {
  private readonly out: LogSink;
  private readonly redactor: Redactor;
  private readonly host: HostKind;
  private readonly now: () => number;
  private format: LogFormat;
  private level: LogLevel;
  private current: string | undefined;
  private masked = new Set<string>();

  constructor(opts: LoggerOptions) {
    this.out = opts.out;
    this.redactor = opts.redactor;
    this.host = opts.host;
    this.format = opts.format ?? "text";
    this.level = opts.level ?? "info";
    this.now = opts.now ?? Date.now;
  }

  /** Switch format or level once the settings are known. */
  configure(opts: { format?: LogFormat | undefined; level?: LogLevel | undefined }): void {
    if (opts.format) this.format = opts.format;
    if (opts.level) this.level = opts.level;
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  debug(msg: string, fields?: LogFields): void {
    this.log("debug", msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log("info", msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log("warn", msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log("error", msg, fields);
  }

  log(level: LogLevel, msg: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    if (this.format === "json") {
      this.jsonLine(level, msg, fields);
      return;
    }
    // Values are masked before they are quoted: quoting escapes a secret's JSON form again,
    // into a form the redactor does not know.
    const text = this.redactor.redact(`${msg}${renderFields(this.redactDeep(fields) as LogFields)}`);
    if (this.host === "actions" && (level === "warn" || level === "error")) this.annotate(level, text);
    else this.lines(text, TEXT_PREFIX[level]);
  }

  // Annotations are shown on the run's summary page, not only in the log.
  private annotate(level: "warn" | "error", text: string): void {
    this.raw(`::${level === "warn" ? "warning" : "error"}::${escapeCommandData(text)}\n`);
  }

  /** Starts a section (and ends the previous one: Actions groups do not nest). */
  section(name: string): void {
    this.endSection();
    this.current = this.redactor.redact(name.replace(/\s+/g, " ").trim());
    if (this.format === "json") this.jsonLine("info", this.current, { type: "section" });
    else if (this.host === "actions") this.raw(`::group::${escapeCommandData(this.current)}\n`);
    else this.raw(`── ${this.current} ──\n`);
  }

  endSection(): void {
    if (this.current === undefined) return;
    if (this.format !== "json" && this.host === "actions") this.raw("::endgroup::\n");
    this.current = undefined;
  }

  /** Runs `fn` inside a section, ending it however `fn` ends. */
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.section(name);
    try {
      return await fn();
    } finally {
      this.endSection();
    }
  }

  /** Registers a secret found during the run: masked from now on, also by the Actions runner. */
  addSecret(value: string | undefined | null): void {
    this.redactor.add(value);
    this.announceMasks();
  }

  /**
   * On Actions, tells the runner every registered secret (`::add-mask::`), so it masks them
   * too in output that does not pass through this logger. Idempotent.
   */
  announceMasks(): void {
    if (this.host !== "actions") return;
    for (const value of this.redactor.values) {
      for (const line of value.split(/\r?\n/)) {
        const l = line.trim();
        if (l === "" || this.masked.has(l)) continue;
        this.masked.add(l);
        this.raw(`::add-mask::${escapeCommandData(l)}\n`);
      }
    }
  }

  /**
   * A JSON object line in JSON format (with ts and level), else `text` as a line. For records
   * such as the outcome that must be both readable and parseable.
   */
  record(level: LogLevel, text: string, record: object): void {
    if (this.format === "json") this.jsonLine(level, text, record);
    else if (this.host === "actions" && (level === "warn" || level === "error")) this.annotate(level, this.redactor.redact(text));
    else this.lines(this.redactor.redact(text), "");
  }

  /** Line output for chunks of text (an LLM's stream), redacted across chunk boundaries. */
  stream(opts: PipeOptions = {}): LogStream {
    const level = opts.level ?? "info";
    const prefix = opts.prefix ?? (opts.name ? `${opts.name} │ ` : "");
    const redacting: StreamRedactor = this.redactor.stream();
    const decoder = new StringDecoder("utf8");
    let partial = "";
    const emit = (text: string, flush: boolean) => {
      partial += text;
      const nl = partial.lastIndexOf("\n");
      let ready = "";
      if (flush) [ready, partial] = [partial, ""];
      else if (nl >= 0) [ready, partial] = [partial.slice(0, nl + 1), partial.slice(nl + 1)];
      // A line too long to hold (no newline for 64 KiB) was already cut by the redactor.
      else if (partial.length > 64 * 1024) [ready, partial] = [partial, ""];
      if (ready === "" || !this.enabled(level)) return;
      for (const line of ready.replace(/\n$/, "").split("\n")) {
        if (this.format === "json") this.jsonLine(level, line, opts.name ? { stream: opts.name } : {}, false);
        else this.raw(`${prefix}${this.host === "actions" ? defuseCommands(line) : line}\n`);
      }
    };
    return {
      write: (chunk) => emit(redacting.push(typeof chunk === "string" ? chunk : decoder.write(Buffer.from(chunk))), false),
      end: () => emit(redacting.push(decoder.end()) + redacting.end(), true),
    };
  }

  /** Copies a readable (a child's stdout) into the log, redacted, until it ends. */
  async pipe(source: Readable, opts: PipeOptions = {}): Promise<void> {
    const s = this.stream(opts);
    try {
      for await (const chunk of source) s.write(chunk as string | Uint8Array);
    } finally {
      s.end();
    }
  }

  private jsonLine(level: LogLevel, msg: string, fields: object, redactMsg = true): void {
    const obj: LogFields = { ts: new Date(this.now()).toISOString(), level, msg: redactMsg ? this.redactor.redact(msg) : msg };
    if (this.current !== undefined) obj.section = this.current;
    for (const [k, v] of Object.entries(fields) as [string, unknown][]) obj[RESERVED.has(k) ? `field_${k}` : k] = this.redactDeep(v);
    // Masking the serialised line also catches secrets in field values, in their JSON form.
    this.raw(`${this.redactor.redact(JSON.stringify(obj, jsonReplacer))}\n`);
  }

  private redactDeep(value: unknown, depth = 0): unknown {
    if (typeof value === "string") return this.redactor.redact(value);
    if (value instanceof Error) return this.redactor.redact(value.message);
    if (depth > 16 || value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v, depth + 1));
    if (Object.getPrototypeOf(value) !== Object.prototype) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redactDeep(v, depth + 1)]));
  }

  private lines(text: string, prefix: string): void {
    const actions = this.host === "actions";
    const body = text
      .split("\n")
      .map((l) => `${prefix}${actions ? defuseCommands(l) : l}`)
      .join("\n");
    this.raw(`${body}\n`);
  }

  private raw(text: string): void {
    this.out.write(text);
  }
}

function renderFields(fields: LogFields): string {
  let out = "";
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out += ` ${k}=${renderValue(v)}`;
  }
  return out;
}

function renderValue(v: unknown): string {
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v instanceof Error) return JSON.stringify(v.message);
  return JSON.stringify(v, jsonReplacer) ?? String(v);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
