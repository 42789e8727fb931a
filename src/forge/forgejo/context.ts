// What every per-noun module of the Forgejo client shares: the HTTP client, the token user,
// the write-retry policy, and (per repo) the path parameters.
import type { HttpClient } from "../../http/client.ts";
import type { RetryPolicy } from "../../http/retry.ts";
import type { RepoRef, User } from "../types.ts";

export interface ForgejoContext {
  readonly http: HttpClient;
  /** The token's user, fetched once. */
  readonly me: () => Promise<User>;
  /** Attempts and backoff for non-idempotent writes (creates, merges). */
  readonly writeRetry: RetryPolicy;
  /** Wait after a timed-out write before looking for its effect (the server may still be at it). */
  readonly settleMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

export interface RepoContext extends ForgejoContext {
  readonly ref: RepoRef;
  /** `owner/name`, for messages. */
  readonly slug: string;
  /** Path parameters every repo route needs. */
  readonly params: { readonly owner: string; readonly repo: string };
}

export function repoContext(base: ForgejoContext, ref: RepoRef): RepoContext {
  return { ...base, ref: { ...ref }, slug: `${ref.owner}/${ref.name}`, params: { owner: ref.owner, repo: ref.name } };
}
