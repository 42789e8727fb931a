// One review tick. A `pull_request` event reviews that PR; any other trigger sweeps the open
// PRs. Deciding costs forge reads only (one list, one reviews read per open PR): an idle tick
// starts no git and no LLM. Each review runs under a per-PR lease, and everything is re-checked
// after taking it, so any number of concurrent ticks post one review per head SHA.
import { keepAlive } from "../shared/keep-alive.ts";
import type { PullRequest, Review } from "../../forge/types.ts";
import type { Outcome } from "../../host/outcome.ts";
import { errorMessage } from "../../lib/errors.ts";
import { readCommitCi } from "../../ci/commit.ts";
import type { AgentRuntime } from "../runtime.ts";
import { wake } from "../shared/wake.ts";
import { ciGate, ineligible, type RequiredCi } from "./gate.ts";
import { errorCount, hasFormalReview, MAX_ERRORS_PER_SHA } from "./markers.ts";
import type { ReviewResult } from "./review.ts";

/** A review that cannot finish in this much time left is not started. */
export const MIN_REVIEW_MS = 3 * 60_000;

/**
 * A review lease is short and renewed while the review runs: a run that dies frees its PR
 * within minutes, while a long model run keeps it as long as it lives.
 */
export const LEASE_TTL_MS = 10 * 60_000;
export const RENEW_EVERY_MS = 3 * 60_000;

const READ_CONCURRENCY = 5;

export function leaseName(project: string, pr: number): string {
  return `review/${project}/pr-${pr}`;
}

export interface Candidate {
  pr: PullRequest;
  reviews: Review[];
}

/**
 * The token-free part of a review sweep: of `prs`, the ones to review — not ineligible, not
 * the reviewer's own, no formal review of this identity on the head — and why the rest are not.
 * The light tick (src/agents/tick) asks it whether the review agent has work.
 */
export async function reviewCandidates(rt: Pick<AgentRuntime, "config" | "log" | "login" | "repo">, prs: readonly PullRequest[]): Promise<{ candidates: Candidate[]; skipped: Record<string, number> }> {
  const { config, log, login } = rt;
  const primary = config.primary_branch;
  const sameLogin = (a: string): boolean => a.toLowerCase() === login.toLowerCase();
  const skipped: Record<string, number> = {};
  const skip = (why: string): void => void (skipped[why] = (skipped[why] ?? 0) + 1);
  const eligible: PullRequest[] = [];
  for (const pr of prs) {
    const why = ineligible(pr, primary) ?? (sameLogin(pr.author) ? "own" : undefined);
    if (why) {
      skip(why);
      log.debug(`PR #${pr.number}: not for review (${why})`);
    } else eligible.push(pr);
  }
  // The one per-PR read of an idle sweep, a few at a time: wall time, not request count.
  const candidates: Candidate[] = [];
  for (let i = 0; i < eligible.length; i += READ_CONCURRENCY) {
    const batch = eligible.slice(i, i + READ_CONCURRENCY);
    const reviewed = await Promise.all(batch.map(async (pr) => ({ pr, reviews: await rt.repo.reviews.list(pr.number) })));
    for (const c of reviewed) {
      if (hasFormalReview(c.reviews, login, c.pr.head.sha)) skip("reviewed");
      else candidates.push(c);
    }
  }

  return { candidates, skipped };
}

export async function runReviewTick(rt: AgentRuntime): Promise<Outcome> {
  const { config, log, login } = rt;

  const eventPr = rt.ctx.event === "pull_request" ? rt.ctx.pr : undefined;
  let prs: PullRequest[];
  if (eventPr !== undefined) {
    const pr = await rt.repo.pulls.get(eventPr);
    prs = pr ? [pr] : [];
    log.info(`pull_request event: PR #${eventPr}`);
  } else {
    prs = await rt.repo.pulls.list({ state: "open", sort: "oldest" });
  }

  const { candidates, skipped } = await reviewCandidates(rt, prs);
  const skip = (why: string): void => void (skipped[why] = (skipped[why] ?? 0) + 1);

  const results: ReviewResult[] = [];
  const max = config.review.max_per_tick;
  for (const { pr } of candidates) {
    if (results.filter((r) => r.kind !== "skipped").length >= max) {
      skip("over max_per_tick");
      continue;
    }
    if (rt.deadline - rt.now() < MIN_REVIEW_MS) {
      skip("deadline");
      continue;
    }
    const sha = pr.head.sha;
    const comments = await rt.repo.comments.list(pr.number);
    if (errorCount(comments, login, sha) >= MAX_ERRORS_PER_SHA) {
      skip("error limit");
      log.info(`PR #${pr.number}: ${MAX_ERRORS_PER_SHA} failed reviews of ${sha.slice(0, 7)}; waiting for a new push`);
      continue;
    }
    const gate = await ciGate(
      config.ci.required_contexts,
      () => requiredCi(rt, sha),
      async () => (await rt.repo.pulls.files(pr.number)).map((f) => f.filename),
    );
    if (!gate.pass) {
      skip("ci");
      log.info(`PR #${pr.number}: ${gate.reason}; not reviewing ${sha.slice(0, 7)} yet`);
      continue;
    }

    // Everything above was read without the lease: another run may review this head from here
    // on, which reviewPullRequest re-checks under the lease (fault tests pause here).
    await rt.checkpoint("review:before-lease");
    const name = leaseName(config.name, pr.number);
    const got = await rt.leases.acquire(name, { ttlMs: LEASE_TTL_MS, holder: rt.holder });
    if (!got.acquired) {
      skip("busy");
      log.info(`PR #${pr.number}: being reviewed by ${got.current.holder?.id ?? "another run"}`);
      continue;
    }
    const heartbeat = keepAlive(rt, got.lease, LEASE_TTL_MS, RENEW_EVERY_MS);
    try {
      // The review itself (git, the diff, the prompt, the LLM layer) is loaded only by a tick that reviews.
      const { reviewPullRequest } = await import("./review.ts");
      results.push(await reviewPullRequest(rt, pr.number, { lease: got.lease, ciNote: gate.note, sha }));
    } catch (err) {
      // One PR's failure (a forge error, a lost lease) is reported and the sweep goes on.
      log.error(`PR #${pr.number}: ${errorMessage(err)}`);
      results.push({ kind: "failed", pr: pr.number, summary: `PR #${pr.number} error: ${errorMessage(err).split("\n")[0] ?? ""}` });
    } finally {
      const held = await heartbeat.stop();
      await rt.leases.release(held).catch((err: unknown) => log.warn(`lease ${name}: release failed (${String(err)}); it expires on its own`));
    }
  }

  // A verdict is what the dev agent waits for: an approval to merge, requested changes to answer.
  if (results.some((r) => r.kind === "posted")) await wake(rt, "dev", "review posted a verdict");
  return outcomeOf(results, prs.length, skipped);
}


async function requiredCi(rt: AgentRuntime, sha: string): Promise<RequiredCi> {
  const ci = await readCommitCi(rt.repo, sha, { requiredContexts: rt.config.ci.required_contexts });
  return {
    state: ci.state,
    missing: ci.missing,
    failed: ci.contexts.filter((c) => c.state === "failure" || c.state === "error").map((c) => c.context),
  };
}

function outcomeOf(results: readonly ReviewResult[], open: number, skipped: Record<string, number>): Outcome {
  const posted = results.filter((r) => r.kind === "posted");
  const failed = results.filter((r) => r.kind === "failed");
  const paused = results.filter((r) => r.kind === "paused");
  const parts = results.map((r) => r.summary);
  const skips = Object.entries(skipped).map(([k, v]) => `${v} ${k}`);
  const details = { reviewed: posted.map((r) => r.pr), failed: failed.map((r) => r.pr), skipped };
  if (failed.length > 0) return { outcome: "failed", summary: parts.join("; "), details };
  if (posted.length > 0) return { outcome: "done", summary: parts.join("; "), details };
  if (paused.length > 0) return { outcome: "paused", summary: parts.join("; "), details };
  const what = parts.length > 0 ? `${parts.join("; ")}; ` : "";
  return { outcome: "idle", summary: `${what}nothing to review (${open} open PR${open === 1 ? "" : "s"}${skips.length > 0 ? `: ${skips.join(", ")}` : ""})`, details };
}
