// The LLM backend of a dry run: it is never called. A run that gets as far as the model stops
// there — the model's work is the one thing a dry run cannot simulate, and everything after it
// (commits, pushes, pull requests, verdicts) depends on it.
import type { DryRun } from "../lib/dry-run.ts";
import { emptyUsage, type Backend, type BackendEnv, type RunResult, type RunTask } from "./types.ts";

export class DryRunBackend implements Backend {
  readonly kind;
  readonly name;
  readonly credentialNames: readonly string[];
  private readonly inner: Backend;
  private readonly dry: DryRun;
  /** What the run is, for the log line: e.g. `dev` or `review`. */
  private readonly purpose: string;

  constructor(inner: Backend, dry: DryRun, purpose: string) {
    this.inner = inner;
    this.kind = inner.kind;
    this.name = inner.name;
    this.credentialNames = inner.credentialNames;
    this.dry = dry;
    this.purpose = purpose;
  }

  /** Whether the backend could run is a read: a dry run reports a broken one as the real run would. */
  preflight(env: BackendEnv): Promise<string | undefined> {
    return this.inner.preflight?.(env) ?? Promise.resolve(undefined);
  }

  run<T>(task: RunTask<T>): Promise<RunResult<T>> {
    const what = [`${task.tools} tools`, task.session ? `session ${task.session.key}${task.session.resume ? " (resumed)" : ""}` : "", `prompt of ${task.prompt.length} characters`].filter(Boolean);
    task.log.debug(`dry run: the prompt would have been:\n${task.prompt}`);
    const stop = this.dry.stop(`run the model (backend ${this.name}) for ${this.purpose}`, what.join(", "));
    // Not a throw (callers turn one into an error result, and an error is reported on the issue
    // or PR): `budget` is the status agents already treat as "not started, nothing spent, stop
    // cleanly". The DryRun remembers the stop, so the outcome says where the run stopped.
    return Promise.resolve({ status: "budget", reason: stop.message, text: "", usage: emptyUsage(), costUsd: 0, turns: 0, durationMs: 0, transcriptPath: "" });
  }
}
