// A dry run is a property of the run, not of each agent: the forge and CI clients, the
// ops-repo state store, git and the LLM backend of a dry run all refuse to change anything and
// report here what they were asked to do. One DryRun per run collects those planned writes in
// order, so the log lists them as they happen and the outcome line can count them.
//
// Some writes can be simulated (a label added, a lease taken: the run reads its own writes
// back and goes on); others cannot, because the run would need an answer only the real write
// gives (the model's work, a pull request's number). Those *stop* the run: the component
// throws the DryRunStop this returns, and the runtime turns the run's end into the outcome
// "dry run: would …". Whatever the run does after a stop (unwinding: releasing leases,
// recording a failure the stop caused) is not planned work: it is logged at debug level only.

/** Where the planned writes are logged (the run's logger). */
export interface DryRunLog {
  info(message: string): void;
  debug(message: string): void;
}

/** Thrown where a dry run cannot go on without really writing (or really running the model). */
export class DryRunStop extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DryRunStop";
  }
}

export class DryRun {
  private readonly log: DryRunLog;
  private readonly planned: string[] = [];
  private stopLine: string | undefined;
  private stopWhat: string | undefined;

  constructor(log: DryRunLog) {
    this.log = log;
  }

  /** A write that was asked for and not made; `summary` is one line about its content. */
  write(action: string, summary?: string): void {
    const line = describe(action, summary);
    if (this.stopLine !== undefined) {
      this.log.debug(`dry run: after the stop: would ${line}`);
      return;
    }
    this.planned.push(line);
    this.log.info(`dry run: would ${line}`);
  }

  /**
   * A write or model run the run cannot simulate: it is logged, the first one is remembered
   * as where the run stopped, and the caller throws the returned error.
   */
  stop(action: string, summary?: string): DryRunStop {
    const line = describe(action, summary);
    if (this.stopLine === undefined) {
      this.stopLine = line;
      this.stopWhat = action;
      this.log.info(`dry run: would ${line}; the dry run stops here`);
    } else {
      this.log.debug(`dry run: after the stop: would ${line}`);
    }
    return new DryRunStop(`dry run: would ${line}`);
  }

  /** The HttpClient's write guard: a request that would change the server stops the run. */
  refuse(request: string, summary: string): Error {
    return this.stop(request, summary);
  }

  /** Where the run stopped (`would …` without the prefix), if it did. */
  get stoppedAt(): string | undefined {
    return this.stopLine;
  }

  /** Where the run stopped without the one-line summary (`run the model (backend x) for dev`). */
  get stopAction(): string | undefined {
    return this.stopWhat;
  }

  /** The writes planned before the stop, in order. */
  get writes(): readonly string[] {
    return this.planned;
  }
}

function describe(action: string, summary: string | undefined): string {
  return summary !== undefined && summary !== "" ? `${action} — ${summary}` : action;
}
