// The LLM backend of a dry run: it is never called. A run that gets as far as the model stops
// there — the model's work is the one thing a dry run cannot simulate, and everything after it
// (commits, pushes, pull requests, verdicts) depends on it.
import type { DryRun } from "../lib/dry-run.ts";
import type { Backend, RunResult, RunTask } from "./types.ts";

export class DryRunBackend implements Backend {
  readonly kind;
  readonly name;
  readonly credentialNames: readonly string[];
  private readonly dry: DryRun;
  /** What the run is, for the log line: e.g. `dev` or `review`. */
  private readonly purpose: string;

  constructor(inner: Backend, dry: DryRun, purpose: string) {
    this.kind = inner.kind;
    this.name = inner.name;
    this.credentialNames = inner.credentialNames;
    this.dry = dry;
    this.purpose = purpose;
  }

  run<T>(task: RunTask<T>): Promise<RunResult<T>> {
    const what = [`${task.tools} tools`, task.session ? `session ${task.session.key}${task.session.resume ? " (resumed)" : ""}` : "", `prompt of ${task.prompt.length} characters`].filter(Boolean);
    task.log.debug(`dry run: the prompt would have been:\n${task.prompt}`);
    // A backend never throws for its own failures, and callers turn a throw into an error result;
    // the DryRun remembers the stop, so the run's outcome says where it stopped whatever they do.
    return Promise.reject(this.dry.stop(`run the model (backend ${this.name}) for ${this.purpose}`, what.join(", ")));
  }
}
