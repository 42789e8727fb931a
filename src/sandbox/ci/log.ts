// A step's log: output split into lines, each masked (registered secrets and credential
// shapes) and stamped, kept in memory for the API and handed to listeners as it arrives.
import type { Redactor, StreamRedactor } from "../../lib/redact.ts";

/** Woodpecker caps a log line at 1 MiB (pipeline/const.go); longer output is split. */
export const MAX_LINE_BYTES = 1024 * 1024;

export type LogStream = "stdout" | "stderr" | "system";

export interface LogLine {
  /** 0-based line number within the step. */
  line: number;
  /** Seconds since the step started (Woodpecker LogEntry.time). */
  time: number;
  /** Epoch milliseconds. */
  at: number;
  data: string;
  stream: LogStream;
}

export class StepLog {
  readonly lines: LogLine[] = [];
  private readonly started: number;
  private readonly redactor: Redactor;
  private readonly onLine: (l: LogLine) => void;
  private readonly streams = new Map<LogStream, { redact: StreamRedactor; partial: string }>();

  constructor(redactor: Redactor, onLine: (l: LogLine) => void, started = Date.now()) {
    this.redactor = redactor;
    this.onLine = onLine;
    this.started = started;
  }

  /** Raw output as it arrives, in arbitrary chunks. */
  write(stream: LogStream, chunk: string): void {
    const s = this.state(stream);
    s.partial += s.redact.push(chunk);
    this.flushLines(stream, s, false);
  }

  /** A whole line written by the CI itself (clone commands, skip reasons). */
  system(text: string): void {
    for (const line of text.split("\n")) this.emit("system", this.redactor.redact(line));
  }

  /** End of output: releases what the redactors and line splitters still hold. */
  close(): void {
    for (const [stream, s] of this.streams) {
      s.partial += s.redact.end();
      this.flushLines(stream, s, true);
    }
  }

  text(): string {
    return this.lines.map((l) => `${l.data}\n`).join("");
  }

  private state(stream: LogStream): { redact: StreamRedactor; partial: string } {
    let s = this.streams.get(stream);
    if (!s) {
      s = { redact: this.redactor.stream(), partial: "" };
      this.streams.set(stream, s);
    }
    return s;
  }

  private flushLines(stream: LogStream, s: { partial: string }, final: boolean): void {
    let nl = s.partial.indexOf("\n");
    while (nl >= 0) {
      this.emit(stream, s.partial.slice(0, nl).replace(/\r$/, ""));
      s.partial = s.partial.slice(nl + 1);
      nl = s.partial.indexOf("\n");
    }
    while (Buffer.byteLength(s.partial) > MAX_LINE_BYTES) {
      const cut = cutAtBytes(s.partial, MAX_LINE_BYTES);
      this.emit(stream, s.partial.slice(0, cut));
      s.partial = s.partial.slice(cut);
    }
    if (final && s.partial !== "") {
      this.emit(stream, s.partial);
      s.partial = "";
    }
  }

  private emit(stream: LogStream, data: string): void {
    const at = Date.now();
    const l: LogLine = { line: this.lines.length, time: Math.max(0, Math.floor((at - this.started) / 1000)), at, data, stream };
    this.lines.push(l);
    this.onLine(l);
  }
}

function cutAtBytes(s: string, max: number): number {
  // chars ≤ bytes, so the cut is at most `max` characters; back off until it fits
  let cut = Math.min(s.length, max);
  while (cut > 0 && Buffer.byteLength(s.slice(0, cut)) > max) cut = Math.floor(cut * 0.9);
  return cut;
}
