// Failures a state-store caller branches on.

/** A write carried a fence older than the document's: a newer lease holder has written since. */
export class FencedError extends Error {
  readonly path: string;
  readonly fence: number;
  readonly current: number;
  constructor(path: string, fence: number, current: number) {
    super(`${path}: write with fence ${fence} refused; the document was written under fence ${current} (a newer lease holder)`);
    this.name = "FencedError";
    this.path = path;
    this.fence = fence;
    this.current = current;
  }
}

/** Renewing or writing under a lease that is no longer ours (expired and taken, or released). */
export class LeaseLostError extends Error {
  readonly lease: string;
  constructor(lease: string, detail: string) {
    super(`lease ${lease} lost: ${detail}`);
    this.name = "LeaseLostError";
    this.lease = lease;
  }
}

/** Releasing a lease someone else holds. */
export class NotHolderError extends Error {
  readonly lease: string;
  constructor(lease: string, holder: string, caller: string) {
    super(`lease ${lease} is held by ${holder}, not ${caller}; refusing to release it`);
    this.name = "NotHolderError";
    this.lease = lease;
  }
}

/** `update` kept losing the race past its retry bound. */
export class ContentionError extends Error {
  readonly path: string;
  readonly attempts: number;
  constructor(path: string, attempts: number, cause: unknown) {
    super(`${path}: still losing the compare-and-swap race after ${attempts} attempts`, { cause });
    this.name = "ContentionError";
    this.path = path;
    this.attempts = attempts;
  }
}

/** A stored document that does not parse or match its schema. */
export class CorruptDocumentError extends Error {
  readonly path: string;
  constructor(path: string, detail: string) {
    super(`${path}: stored document is not valid: ${detail}`);
    this.name = "CorruptDocumentError";
    this.path = path;
  }
}
