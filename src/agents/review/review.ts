// Reviewing one PR, under its lease. Everything the candidate sweep saw is read again first:
// another run may have reviewed this head meanwhile, or died half-way through posting. Then the
// context, the model's verdict (validated), the runner's own checks, and the posts — comment,
// formal review, status — in an order a later run can always finish.
import type { Comment, Issue, PullRequest, RepoForge } from "../../forge/types.ts";
import { errorMessage } from "../../lib/errors.ts";
import { appendJournal } from "../../state/journal.ts";
import type { Lease } from "../../state/lease.ts";
import type { AgentRuntime } from "../runtime.ts";
import { checkoutPr, HeadMovedError, type PrTree } from "./checkout.ts";
import { excerpt, parseDiff } from "./diff.ts";
import { addDust } from "../gardener/dust.ts";
import { fileFollowUps } from "./followups.ts";
import { loadReviewFormula } from "./formula.ts";
import { ineligible } from "./gate.ts";
import { errorCount, hasFormalReview, MAX_ERRORS_PER_SHA, reviewComments, verdictOfComment, type ReviewComment } from "./markers.ts";
import { postFormalReview, renderComment, renderErrorComment, setStatus, statusOf } from "./post.ts";
import { acceptanceCriteria, linkedIssueNumber, renderPrompt, type LinkedIssue, type ReReview } from "./prompt.ts";
import { askReviewer } from "./reviewer.ts";
import { describeStale, staleBaseCheck, type StaleFile } from "./stale-base.ts";
import type { Verdict } from "./verdict.ts";

export type ReviewResult =
  | { kind: "posted"; pr: number; summary: string }
  | { kind: "failed"; pr: number; summary: string }
  | { kind: "paused"; pr: number; summary: string }
  | { kind: "skipped"; pr: number; summary: string };

/** Posting needs this long after the model is done. */
const POST_MARGIN_MS = 2 * 60_000;

/** `opts.sha` is the head the sweep saw (and gated on CI); a PR that moved since waits for the next tick. */
export async function reviewPullRequest(rt: AgentRuntime, number: number, opts: { lease: Lease; ciNote: string; sha: string }): Promise<ReviewResult> {
  const { log, login } = rt;
  const pr = await rt.repo.pulls.get(number);
  const skipped = (why: string): ReviewResult => {
    log.info(`PR #${number}: ${why}`);
    return { kind: "skipped", pr: number, summary: `PR #${number} ${why}` };
  };
  if (!pr) return skipped("is gone");
  const why = ineligible(pr, rt.config.primary_branch);
  if (why) return skipped(`is no longer for review (${why})`);
  const sha = pr.head.sha;
  if (sha !== opts.sha) return skipped(`moved to ${sha.slice(0, 7)} since the sweep; the next run reviews it`);
  const [reviews, comments] = await Promise.all([rt.repo.reviews.list(number), rt.repo.comments.list(number)]);
  if (hasFormalReview(reviews, login, sha)) return skipped(`already reviewed at ${sha.slice(0, 7)}`);
  const errors = errorCount(comments, login, sha);
  if (errors >= MAX_ERRORS_PER_SHA) return skipped(`has ${errors} failed reviews of ${sha.slice(0, 7)}`);

  const mine = reviewComments(comments, login);
  const done = mine.find((c) => c.sha === sha);
  if (done) return finishInterrupted(rt, pr, done, mine);

  const earlier = mine.filter((c) => c.sha !== sha);
  const previous = earlier.at(-1);
  const round = earlier.length + 1;

  let tree: PrTree;
  try {
    tree = await checkoutPr(rt, pr);
  } catch (err) {
    if (err instanceof HeadMovedError) return skipped(err.message.replace(/^PR #\d+: /, ""));
    throw err;
  }
  try {
    const gathered = await gather(rt, pr, tree, previous, round, opts.ciNote);
    log.info(`PR #${number}: ${round > 1 ? `re-review round ${round}` : "review"} of ${sha.slice(0, 7)} · ${gathered.files} files · diff ${gathered.diffBytes} bytes${gathered.stale.length > 0 ? ` · stale base: ${gathered.stale.map((s) => s.path).join(", ")}` : ""}`);
    await rt.checkpoint("review:asking");
    const answer = await askReviewer(rt, { cwd: tree.dir, prompt: gathered.prompt, pr: number, deadline: rt.deadline - POST_MARGIN_MS });

    if (answer.status === "budget") {
      return { kind: "paused", pr: number, summary: `PR #${number} paused: ${answer.reason ?? "budget"}` };
    }
    if (answer.status !== "ok" || answer.result === undefined) {
      const reason = `${answer.status}: ${answer.reason ?? "the model returned no structured verdict"}`;
      await rt.leases.assertHeld(opts.lease);
      const attempt = errors + 1;
      await rt.repo.comments.create(number, rt.ctx.redactor.redact(renderErrorComment(sha, attempt, reason)));
      await setStatus(rt.repo, sha, "error", `review failed (attempt ${attempt} of ${MAX_ERRORS_PER_SHA})`, log, rt.ctx.pipeline.url);
      log.error(`PR #${number}: no valid verdict (attempt ${attempt} of ${MAX_ERRORS_PER_SHA}): ${reason}`);
      return { kind: "failed", pr: number, summary: `PR #${number} review failed (attempt ${attempt}/${MAX_ERRORS_PER_SHA})` };
    }

    const verdict = enforceStaleBase(answer.result, gathered.stale, pr.base.ref);
    await rt.leases.assertHeld(opts.lease);
    const followUps = await followUpsOf(rt, number, sha, verdict);
    const body = renderComment({
      pr: number,
      sha,
      round,
      previousSha: previous?.sha,
      baseRef: pr.base.ref,
      baseSha: tree.baseSha,
      verdict: verdict.verdict,
      reason: verdict.reason,
      markdown: verdict.review_markdown,
      followUps,
    });
    await rt.repo.comments.create(number, rt.ctx.redactor.redact(body));
    await rt.checkpoint("review:commented");
    const posted = await post(rt, number, sha, round, verdict.verdict, rt.ctx.redactor.redact(verdict.reason));
    await journal(rt, pr, round, verdict, followUps, posted.dismissed);
    const extra = [round > 1 ? `round ${round}` : "", followUps.length > 0 ? `${followUps.length} follow-up${followUps.length === 1 ? "" : "s"}` : "", posted.dismissed > 0 ? `dismissed ${posted.dismissed}` : ""].filter(Boolean);
    return { kind: "posted", pr: number, summary: `PR #${number} ${verdict.verdict}${extra.length > 0 ? ` (${extra.join(", ")})` : ""}` };
  } finally {
    await tree.dispose();
  }
}

interface Gathered {
  prompt: string;
  files: number;
  diffBytes: number;
  stale: StaleFile[];
}

async function gather(rt: AgentRuntime, pr: PullRequest, tree: PrTree, previous: ReviewComment | undefined, round: number, ciNote: string): Promise<Gathered> {
  const sha = pr.head.sha;
  const [fullDiff, upstreamDiff, { formula }] = await Promise.all([
    tree.git.diff(tree.mergeBase, sha),
    tree.mergeBase === tree.baseSha ? Promise.resolve("") : tree.git.diff(tree.mergeBase, tree.baseSha),
    loadReviewFormula(rt.ops),
  ]);
  const files = parseDiff(fullDiff);
  const stale = await staleBaseCheck({ upstream: parseDiff(upstreamDiff), pr: files, headText: (p) => tree.headText(p) });
  const max = rt.config.review.diff_max_bytes;

  let reReview: ReReview | undefined;
  if (previous) {
    const incremental = (await tree.hasCommit(previous.sha)) ? excerpt(await tree.git.diff(previous.sha, sha), max) : undefined;
    reReview = { round, previousSha: previous.sha, previousReview: previous.comment.body, incremental };
  }

  const [issue, guides] = await Promise.all([linkedIssue(rt.repo, pr.body), guidesOf(rt.repo, formula.context.files, rt.config.primary_branch)]);
  const prompt = renderPrompt({
    repo: rt.config.repo,
    pr: { number: pr.number, title: pr.title, body: pr.body, author: pr.author, headRef: pr.head.ref, baseRef: pr.base.ref, headSha: sha, baseSha: tree.baseSha, mergeBase: tree.mergeBase },
    ci: ciNote,
    issue,
    files,
    diff: excerpt(fullDiff, max),
    reReview,
    stale,
    guides,
    formula,
  });
  return { prompt, files: files.length, diffBytes: Buffer.byteLength(fullDiff), stale };
}

async function linkedIssue(repo: RepoForge, body: string): Promise<LinkedIssue | undefined> {
  const n = linkedIssueNumber(body);
  if (n === undefined) return undefined;
  const issue = await repo.issues.get(n);
  if (!issue || issue.isPull) return undefined;
  return { number: n, title: issue.title, body: issue.body, acceptance: acceptanceCriteria(issue.body) };
}

/** The formula's context files (AGENTS.md) from the primary branch, never the PR's copies. */
async function guidesOf(repo: RepoForge, paths: readonly string[], primary: string): Promise<{ path: string; text: string }[]> {
  const docs = await Promise.all(paths.map((p) => repo.contents.get(p, { ref: primary })));
  return docs.flatMap((d, i) => (d === undefined ? [] : [{ path: paths[i]!, text: d.text }]));
}

/**
 * A PR that would revert work merged on its base is blocked whatever the model concluded:
 * the check is deterministic, and a rubber stamp here is how upstream work silently vanished.
 */
export function enforceStaleBase(v: Verdict, stale: readonly StaleFile[], baseRef: string): Verdict {
  if (stale.length === 0) return v;
  const section = `\n\n### Stale base (runner check, blocking)\n\n${describeStale(stale)}\n\nMerge or rebase onto \`${baseRef}\` and keep the upstream changes.`;
  if (v.verdict !== "APPROVE") return { ...v, review_markdown: `${v.review_markdown}${section}` };
  return {
    ...v,
    verdict: "REQUEST_CHANGES",
    reason: `stale base: merging would revert upstream changes to ${stale.map((s) => s.path).join(", ")} (the reviewer's own verdict was APPROVE)`,
    review_markdown: `${v.review_markdown}${section}`,
  };
}

async function followUpsOf(rt: AgentRuntime, pr: number, sha: string, v: Verdict): Promise<Issue[]> {
  try {
    const r = await fileFollowUps(rt.repo, {
      label: rt.config.labels["tech-debt"],
      pr,
      sha,
      findings: v.findings,
      max: rt.config.review.followups_max,
      redact: (s) => rt.ctx.redactor.redact(s),
      dust: { add: (entries) => addDust(rt.state, entries, new Date(rt.now())), now: new Date(rt.now()) },
    });
    if (r.dust.length > 0) rt.log.info(`PR #${pr}: trivial follow-ups to the gardener's dust ledger: ${r.dust.join("; ")}`);
    if (r.duplicates.length > 0) rt.log.info(`PR #${pr}: follow-ups already open: ${r.duplicates.join("; ")}`);
    if (r.overLimit > 0) rt.log.warn(`PR #${pr}: ${r.overLimit} follow-up(s) over review.followups_max (${rt.config.review.followups_max}) not filed`);
    return r.created;
  } catch (err) {
    // Follow-ups are a by-product: the verdict still goes out without them.
    rt.log.warn(`PR #${pr}: could not file tech-debt follow-ups: ${errorMessage(err)}`);
    return [];
  }
}

async function post(rt: AgentRuntime, pr: number, sha: string, round: number, verdict: Verdict["verdict"], reason: string): Promise<{ dismissed: number }> {
  const { dismissed } = await postFormalReview(rt.repo, { pr, sha, round, verdict, reason, login: rt.login, log: rt.log });
  await rt.checkpoint("review:formal");
  const s = statusOf(verdict);
  await setStatus(rt.repo, sha, s.state, s.description, rt.log, rt.ctx.pipeline.url);
  return { dismissed };
}

/** The comment is there but the run that wrote it died before the formal review: finish it. */
async function finishInterrupted(rt: AgentRuntime, pr: PullRequest, done: ReviewComment, mine: readonly ReviewComment[]): Promise<ReviewResult> {
  const stated = verdictOfComment(lastVerdictBlock(done.comment));
  if (!stated) throw new Error(`PR #${pr.number}: review comment ${done.comment.id} for ${done.sha.slice(0, 7)} has no verdict line; fix or delete it`);
  const round = mine.findIndex((c) => c === done) + 1;
  rt.log.info(`PR #${pr.number}: finishing the interrupted review of ${done.sha.slice(0, 7)} (${stated.verdict})`);
  const { dismissed } = await post(rt, pr.number, done.sha, round, stated.verdict, stated.reason);
  return { kind: "posted", pr: pr.number, summary: `PR #${pr.number} ${stated.verdict} (finished an interrupted review${dismissed > 0 ? `, dismissed ${dismissed}` : ""})` };
}

/** The verdict line is the comment's last `### Verdict` section (the model's text comes before it). */
function lastVerdictBlock(c: Comment): string {
  const at = c.body.lastIndexOf("### Verdict");
  return at < 0 ? c.body : c.body.slice(at);
}

async function journal(rt: AgentRuntime, pr: PullRequest, round: number, v: Verdict, followUps: readonly Issue[], dismissed: number): Promise<void> {
  try {
    const lines = [`- PR: #${pr.number} ${pr.title}`, `- Head: ${pr.head.sha}`, `- Verdict: ${v.verdict} — ${v.reason}`, `- Findings: ${v.findings.length}`];
    if (followUps.length > 0) lines.push(`- Follow-ups: ${followUps.map((i) => `#${i.number}`).join(", ")}`);
    if (dismissed > 0) lines.push(`- Dismissed earlier rejections: ${dismissed}`);
    await appendJournal(rt.state, "review", {
      at: new Date(rt.now()),
      title: `${rt.config.name} PR #${pr.number} ${round > 1 ? `round ${round} ` : ""}${v.verdict}`,
      body: rt.ctx.redactor.redact(lines.join("\n")),
      ...(rt.ctx.pipeline.url ? { pipelineUrl: rt.ctx.pipeline.url } : {}),
    });
  } catch (err) {
    rt.log.warn(`journal: ${errorMessage(err)}`);
  }
}
