// The full transcript of a run, one JSON object per line, redacted. Progress lines in the log
// are short summaries; this file is where the whole conversation can be read afterwards.
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Redactor } from "../lib/redact.ts";
import type { Backend, RunResult, RunTask } from "./types.ts";

export class Transcript {
  readonly path: string;
  private readonly redactor: Redactor;
  private failed = false;

  constructor(redactor: Redactor, path?: string) {
    this.redactor = redactor;
    if (path === undefined) {
      const dir = mkdtempSync(join(tmpdir(), "disinto-llm-"));
      this.path = join(dir, "transcript.jsonl");
    } else {
      mkdirSync(dirname(path), { recursive: true });
      this.path = path;
    }
    // umask-independent: the transcript may quote file contents the model read
    writeFileSync(this.path, "", { mode: 0o600 });
  }

  /** Append one record; `data` is serialised and then redacted as text. */
  write(kind: string, data: unknown): void {
    this.raw(JSON.stringify({ t: new Date().toISOString(), kind, data }));
  }

  /** Append an already-serialised line (e.g. a stream-json frame as the CLI printed it). */
  raw(line: string): void {
    if (this.failed) return;
    try {
      appendFileSync(this.path, `${this.redactor.redact(line)}\n`);
    } catch {
      // A full disk must not fail the run; the log still has the summaries.
      this.failed = true;
    }
  }
}

/**
 * The backend with every run's transcript, unless the task names one, in a directory the
 * caller owns (an agent run's work dir, removed when the run ends) instead of a fresh
 * directory under the OS temp dir that nothing removes. `dir` is asked on the first run only.
 */
export function transcriptsIn(backend: Backend, dir: () => Promise<string>): Backend {
  let where: Promise<string> | undefined;
  let n = 0;
  const wrapped: Backend = {
    kind: backend.kind,
    name: backend.name,
    credentialNames: backend.credentialNames,
    async run<T>(task: RunTask<T>): Promise<RunResult<T>> {
      if (task.transcriptPath !== undefined) return backend.run(task);
      where ??= dir();
      const path = join(await where, `transcript-${++n}.jsonl`);
      return backend.run({ ...task, transcriptPath: path });
    },
  };
  const preflight = backend.preflight?.bind(backend);
  if (preflight) wrapped.preflight = preflight;
  return wrapped;
}
