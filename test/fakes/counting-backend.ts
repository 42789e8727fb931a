// A wrapper around a real backend that records each task it is given: lets a test prove that
// a run made no LLM call (or exactly one), without replacing the backend under test.
import type { Backend, RunResult, RunTask } from "../../src/llm/types.ts";

export class Counting implements Backend {
  readonly kind;
  readonly name;
  readonly credentialNames: readonly string[] = [];
  calls: RunTask[] = [];
  private readonly inner: Backend;
  constructor(inner: Backend) {
    this.inner = inner;
    this.kind = inner.kind;
    this.name = inner.name;
  }
  run<T>(task: RunTask<T>): Promise<RunResult<T>> {
    this.calls.push(task);
    return this.inner.run(task);
  }
}
