// One dev tick (disinto-behaviour §2.1–§2.3, advanced one bounded step at a time). In order:
//
//   1. finish what is in flight — the phase record in the ops repo, checked against the forge
//      (the forge wins): recover `implementing`, read CI for `awaiting_ci`, the review for
//      `awaiting_review`, finish `merging`, wait out `paused`; PRs merged or closed by others
//      and closed issues are reconciled;
//   2. merge what is ready without the LLM — any open PR of this identity approved and green;
//   3. otherwise adopt an in-progress issue of ours nobody tracks (a crash after the claim),
//      release orphaned in-progress issues after a grace period, and pick the next backlog
//      issue: claim it and implement it.
//
// Deciding needs forge and ops-repo reads only: a tick with nothing to do takes no lease,
// starts no git and no LLM, and writes no journal. Work happens under the lease
// `dev/<project>/<login>`; after taking it the tick re-reads the phase record and re-decides
// if another tick moved it. Before it claims an issue the backend is checked (preflight): a
// backend that cannot run is a configuration error (exit 2) that claims and writes nothing.
// Every tick that acts journals what it saw, did and how it ended (`journal/dev/<day>.md`).
import { createHash } from "node:crypto";
import { ConfigError, errorMessage } from "../../lib/errors.ts";
import { appendJournal } from "../../state/journal.ts";
import type { Issue, PullRequest } from "../../forge/types.ts";
import { MergeError } from "../../forge/errors.ts";
import type { Outcome } from "../../host/outcome.ts";
import type { Lease } from "../../state/lease.ts";
import { phaseRecordSchema, type Phase, type PhaseRecord } from "../../state/phase.ts";
import type { AgentRuntime } from "../runtime.ts";
import { describeFailures, diagnose, readHeadCi, restartPipelines } from "./ci-state.ts";
import type { CommitCi } from "../../ci/commit.ts";
import { devLabels, type DevLabels } from "./labels.ts";
import { IssueOps, sameLogin } from "./lifecycle.ts";
import { pickNext } from "./pick.ts";
import { readVerdict, type Verdict } from "./review-state.ts";
import { ciBreaker, survey, type Survey } from "./survey.ts";
import { backendFailedComment, branchName, issueOfPull, markerOf, orphanComment, pausedComment, prBody, prTitle, pullIsFor, refusalComment } from "./text.ts";
import type { Refusal } from "./result.ts";
import type { WorkKind, WorkResult } from "./work.ts";

/** An in-progress label younger than this is a claim in the making, not an orphan (#471, #565). */
export const ORPHAN_GRACE_MS = 60_000;
/** The lease outlives the step's deadline by this much, then frees itself. */
const LEASE_MARGIN_MS = 60_000;
/** At most this many of our own open PRs are checked for a merge per tick. */
const MERGE_SCAN_MAX = 10;
/** Rounds of model-resolved merge conflicts per PR before a person is asked. */
export const CONFLICT_ROUNDS_MAX = 2;
const CONFLICT_NOTE = "merge conflict round";
/** The note of the `idle` transition after a backend failure released a fresh claim. */
const BACKEND_NOTE = "backend failed";
/** After such a failure, no new issue is claimed for this long (the phase record says when). */
export const BACKEND_RETRY_MS = 15 * 60_000;

const IN_FLIGHT: ReadonlySet<Phase> = new Set(["implementing", "awaiting_ci", "awaiting_review", "merging", "paused"]);

// Model work (git, the workspace, prompts, formulas, the LLM layer) is imported when a tick
// gets to it: deciding, and an idle tick, load none of it (bundles/ puts it in its own chunks).
const workModule = () => import("./work.ts");
const promptModule = () => import("./prompt.ts");

export function leaseName(project: string, login: string): string {
  return `dev/${project}/${login}`;
}

type Plan =
  | { kind: "idle"; summary: string }
  | { kind: "inflight"; rec: PhaseRecord; pr: PullRequest | undefined; issue: Issue | undefined; ci: CommitCi | undefined; verdict: Verdict | undefined }
  | { kind: "merge_ready"; pr: PullRequest; issue: number | undefined }
  | { kind: "adopt"; issue: Issue }
  | { kind: "finish_done"; rec: PhaseRecord }
  | { kind: "finish_block"; rec: PhaseRecord }
  /** `pick`: a backlog issue is to be claimed (else only orphans are released). */
  | { kind: "work"; survey: Survey; orphans: Issue[]; pick: boolean };

export async function runDevTick(rt: AgentRuntime): Promise<Outcome> {
  return new DevTick(rt).run();
}

class DevTick {
  private readonly rt: AgentRuntime;
  private readonly labels: DevLabels;
  private readonly ops: IssueOps;
  private readonly project: string;
  private readonly login: string;
  private lease: Lease | undefined;
  private steps: string[] = [];

  constructor(rt: AgentRuntime) {
    this.rt = rt;
    this.labels = devLabels(rt.config);
    this.ops = new IssueOps(rt, this.labels);
    this.project = rt.config.name;
    this.login = rt.login;
  }

  async run(): Promise<Outcome> {
    const { rt } = this;
    const first = await rt.phases.read(this.project, this.login);
    const plan = await this.assess(first);
    if (plan.kind === "idle") return this.idle(plan.summary);
    if (plan.kind === "work" && plan.pick) await this.preflight();

    const name = leaseName(this.project, this.login);
    const got = await rt.leases.acquire(name, { ttlMs: Math.max(5 * 60_000, rt.deadline - rt.now() + LEASE_MARGIN_MS), holder: rt.holder });
    if (!got.acquired) return this.idle(`another dev tick of ${this.login} is working (${got.current.holder?.id ?? "?"})`);
    this.lease = got.lease;
    await rt.checkpoint("after-lease");
    try {
      const fresh = await rt.phases.read(this.project, this.login);
      const again = same(first, fresh) ? plan : await this.assess(fresh);
      if (again.kind === "idle") return this.idle(again.summary);
      let outcome: Outcome;
      try {
        outcome = await this.act(again);
      } catch (err) {
        await this.journal(again, { outcome: "failed", summary: errorMessage(err) });
        throw err;
      }
      if (outcome.outcome !== "idle" || this.steps.length > 0) await this.journal(again, outcome);
      return outcome;
    } finally {
      this.lease = undefined;
      await rt.leases.release(got.lease).catch((err: unknown) => rt.log.warn(`lease ${name}: release failed (${err instanceof Error ? err.message : String(err)}); it expires by itself`));
    }
  }

  // ── deciding (reads only) ─────────────────────────────────────────────────────────────────

  private async assess(rec: PhaseRecord | undefined): Promise<Plan> {
    const { rt } = this;
    if (rec !== undefined && IN_FLIGHT.has(rec.phase) && rec.issue !== null) {
      if (rec.phase === "paused" && (await this.budgetSpent(rec.issue))) return { kind: "idle", summary: `#${rec.issue} paused: the spend cap is still reached` };
      if (rec.phase === "implementing" || rec.phase === "merging" || rec.phase === "paused") return { kind: "inflight", rec, pr: undefined, issue: undefined, ci: undefined, verdict: undefined };
      const [pr, issue] = await Promise.all([rec.pr !== null ? rt.repo.pulls.get(rec.pr) : Promise.resolve(undefined), rt.repo.issues.get(rec.issue)]);
      const inflight = { kind: "inflight" as const, rec, pr, issue, ci: undefined, verdict: undefined };
      if (pr === undefined || pr.state !== "open" || issue === undefined || issue.state !== "open") return inflight;
      const ci = await readHeadCi(rt, pr.head.sha);
      if (rec.phase === "awaiting_ci") {
        if (pr.head.sha === rec.head_sha && (ci.state === "pending" || ci.state === "none") && !this.ciStale(rec)) return { kind: "idle", summary: `#${rec.issue} → PR #${pr.number} awaiting_ci (CI ${ci.state})` };
        return { ...inflight, ci };
      }
      // awaiting_review
      if (pr.head.sha !== rec.head_sha || ci.state !== "success") return { ...inflight, ci };
      const verdict = await readVerdict(rt, pr.number, pr.head.sha, pr.author);
      if (verdict.kind === "none") return { kind: "idle", summary: `#${rec.issue} → PR #${pr.number} awaiting_review` };
      return { ...inflight, ci, verdict };
    }

    const s = await survey(rt, this.labels);
    // 2. merge what is ready, without the LLM
    for (const pr of s.myPulls.slice(0, MERGE_SCAN_MAX)) {
      if (pr.draft || pr.base.ref !== rt.config.primary_branch) continue;
      const verdict = await readVerdict(rt, pr.number, pr.head.sha, pr.author);
      if (verdict.kind !== "approved") continue;
      const ci = await readHeadCi(rt, pr.head.sha);
      if (ci.state === "success") return { kind: "merge_ready", pr, issue: issueOfPull(pr) };
    }
    // 3. an in-progress issue of ours that the record does not track: a crash after the claim,
    // or between the last forge write and the record.
    const orphans: Issue[] = [];
    for (const issue of s.inProgress) {
      const mine = issue.assignees.some((a) => sameLogin(a, this.login));
      if (mine) {
        if (rec?.issue === issue.number && rec.phase === "done") return { kind: "finish_done", rec };
        if (rec?.issue === issue.number && rec.phase === "escalated") return { kind: "finish_block", rec };
        return { kind: "adopt", issue };
      }
      if (issue.assignees.length === 0) orphans.push(issue);
    }
    const releasable: Issue[] = [];
    for (const o of orphans) if (await this.orphaned(o, s)) releasable.push(o);
    const pick = pickNext({ backlog: s.backlog, login: this.login, labels: this.labels, depState: s.depState });
    const cooling = pick.issue !== undefined ? (this.backendCooling(rec) ?? (await ciBreaker(rt))) : undefined;
    if (cooling !== undefined && releasable.length === 0) return { kind: "idle", summary: cooling };
    if (pick.issue !== undefined || releasable.length > 0) return { kind: "work", survey: s, orphans: releasable, pick: pick.issue !== undefined && cooling === undefined };
    const waiting = orphans.length > 0 ? `; ${orphans.length} unassigned in-progress issue${orphans.length === 1 ? "" : "s"} not released (grace period, open PR or tracked)` : "";
    return { kind: "idle", summary: `${idleSummary(s, pick.passed.length)}${waiting}` };
  }

  /**
   * A backend failure released a fresh claim less than BACKEND_RETRY_MS ago (read from the
   * record the tick has anyway): why no issue is claimed yet, or undefined.
   */
  private backendCooling(rec: PhaseRecord | undefined): string | undefined {
    const last = rec?.phase === "idle" ? rec.history.at(-1) : undefined;
    if (last?.to !== "idle" || !last.note?.startsWith(BACKEND_NOTE)) return undefined;
    const retry = Date.parse(last.at) + BACKEND_RETRY_MS;
    if (!(this.rt.now() < retry)) return undefined;
    return `not claiming: the LLM backend failed at ${last.at} (${last.note.slice(BACKEND_NOTE.length + 2)}); next try after ${new Date(retry).toISOString()}`;
  }

  /**
   * Before claiming: the backend can be built from the config and says it could run. What
   * the operator must fix stops the run here with exit 2 — nothing claimed, nothing written.
   */
  private async preflight(): Promise<void> {
    const { rt } = this;
    // A scripted backend's unreadable script is a ConfigError from rt.backend() already.
    const backend = await rt.backend();
    const problem = await backend.preflight?.(rt.backendEnv(backend));
    if (problem === undefined) return;
    throw new ConfigError([{ file: `projects/${rt.config.name}.toml`, path: `backends.${rt.backendName ?? "?"}`, message: `${backend.name} cannot run: ${rt.ctx.redactor.redact(problem)}` }]);
  }

  /** One journal entry for a tick that acted: what it saw, what it did, how it ended. Never fails the tick. */
  private async journal(plan: Exclude<Plan, { kind: "idle" }>, outcome: Pick<Outcome, "outcome" | "summary">): Promise<void> {
    const { rt } = this;
    const lines = [`- Saw: ${describePlan(plan)}`, `- Did: ${this.steps.length > 0 ? this.steps.join(" → ") : "nothing recorded"}`, `- Outcome: ${outcome.outcome} — ${outcome.summary}`];
    try {
      await appendJournal(rt.state, "dev", {
        at: new Date(rt.now()),
        title: rt.ctx.redactor.redact(`${this.project} ${this.login}: ${outcome.summary}`.replace(/\s+/g, " ").slice(0, 160)),
        body: rt.ctx.redactor.redact(lines.join("\n")),
        ...(rt.ctx.pipeline.url ? { pipelineUrl: rt.ctx.pipeline.url } : {}),
      });
    } catch (err) {
      rt.log.warn(`journal: ${errorMessage(err)}`);
    }
  }

  /** Whether the issue's or the day's cap is still spent (reads the ledger only). */
  private async budgetSpent(issue: number): Promise<boolean> {
    const limits = this.rt.config.limits;
    if (limits.budget_usd_per_issue === undefined && limits.budget_usd_per_day === undefined) return false;
    const { rt } = this;
    const backend = await rt.backend();
    const { ledger } = rt.accounting;
    const now = new Date(rt.now());
    const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString();
    const [byKey, byDay] = await Promise.all([ledger.totals({ key: (await workModule()).budgetKey(issue) }), ledger.totals({ backend: backend.name, since: dayStart })]);
    return (limits.budget_usd_per_issue !== undefined && byKey.costUsd >= limits.budget_usd_per_issue) || (limits.budget_usd_per_day !== undefined && byDay.costUsd >= limits.budget_usd_per_day);
  }

  // ── acting (under the lease) ──────────────────────────────────────────────────────────────

  private async act(plan: Exclude<Plan, { kind: "idle" }>): Promise<Outcome> {
    switch (plan.kind) {
      case "inflight":
        return this.inflight(plan.rec, plan.pr, plan.issue, plan.ci, plan.verdict);
      case "merge_ready":
        return this.mergeStray(plan.pr, plan.issue);
      case "adopt":
        return this.adopt(plan.issue);
      case "finish_done":
        return this.finishMerged(plan.rec, "finished closing");
      case "finish_block":
        return this.finishBlock(plan.rec);
      case "work":
        return this.pickAndWork(plan.survey, plan.orphans, plan.pick);
    }
  }

  private async write(change: Partial<Omit<PhaseRecord, "project" | "identity" | "history" | "updated_at">>, note: string, why: string): Promise<PhaseRecord> {
    const lease = this.lease;
    if (lease === undefined) throw new Error("phase write outside the lease");
    const rec = await this.rt.phases.write(lease, this.project, this.login, () => ({ ...change, note }), why);
    this.steps.push(`${rec.phase}${note ? ` (${note})` : ""}`);
    return rec;
  }

  private async inflight(rec: PhaseRecord, prIn: PullRequest | undefined, issueIn: Issue | undefined, ciIn: CommitCi | undefined, verdictIn: Verdict | undefined): Promise<Outcome> {
    const { rt } = this;
    const n = rec.issue as number;
    const pr = prIn ?? (rec.pr !== null ? await rt.repo.pulls.get(rec.pr) : undefined);
    const issue = issueIn ?? (await rt.repo.issues.get(n));
    // The forge wins: work merged, closed or made moot by someone else is recorded as such.
    if (pr !== undefined && pr.merged) return this.finishMerged({ ...rec, pr: pr.number, branch: rec.branch ?? pr.head.ref }, `PR #${pr.number} was merged`);
    if (pr !== undefined && pr.state === "closed") {
      if (issue === undefined || issue.state === "closed") return this.done(rec, `PR #${pr.number} and the issue were closed by someone else`);
      return this.escalate(rec, "closed_externally", `PR #${pr.number} was closed without merging by someone else.`);
    }
    if (issue === undefined || issue.state === "closed") {
      if (pr !== undefined) {
        await this.ops.commentOnce(pr.number, markerOf("moot", `pr-${pr.number}`), `Issue #${n} was closed, so this PR is no longer needed; closing it.\n\n${markerOf("moot", `pr-${pr.number}`)}`);
        await rt.repo.issues.close(pr.number);
        await rt.repo.branches.delete(pr.head.ref).catch(() => false);
      }
      return this.done(rec, `issue #${n} was closed by someone else`);
    }
    if (issue.labels.includes(this.labels.blocked)) {
      // Blocked on the forge (by a person, or by an escalation whose record write was lost).
      await this.write({ phase: "escalated" }, "labelled blocked on the forge", `dev: #${n} blocked`);
      if (issue.labels.includes(this.labels.inProgress)) await rt.repo.labels.remove(n, this.labels.inProgress);
      return this.did(`#${n} is blocked on the forge: left alone`);
    }
    switch (rec.phase) {
      case "implementing":
        return this.recover(rec, issue, pr);
      case "merging":
        if (pr === undefined) return this.recover(rec, issue, pr);
        return this.merge(rec, issue, pr);
      case "paused": {
        const back = [...rec.history].reverse().find((t) => t.to === "paused")?.from ?? "implementing";
        const resumed = await this.write({ phase: back === "paused" ? "implementing" : back }, "budget available again", `dev: #${n} resumes`);
        return this.inflight(resumed, pr, issue, undefined, undefined);
      }
      case "awaiting_ci":
        if (pr === undefined) return this.recover(rec, issue, pr);
        return this.awaitingCi(rec, issue, pr, ciIn ?? (await readHeadCi(rt, pr.head.sha)));
      case "awaiting_review": {
        if (pr === undefined) return this.recover(rec, issue, pr);
        const ci = ciIn ?? (await readHeadCi(rt, pr.head.sha));
        if (pr.head.sha !== rec.head_sha || ci.state !== "success") {
          const moved = await this.write({ phase: "awaiting_ci", head_sha: pr.head.sha }, pr.head.sha !== rec.head_sha ? "new commits on the PR" : `CI is ${ci.state} on the head`, `dev: #${n} back to CI`);
          return this.awaitingCi(moved, issue, pr, ci);
        }
        return this.awaitingReview(rec, issue, pr, verdictIn ?? (await readVerdict(rt, pr.number, pr.head.sha, pr.author)));
      }
      default:
        return this.idle(`#${n} is ${rec.phase}`);
    }
  }

  private async awaitingCi(rec: PhaseRecord, issue: Issue, pr: PullRequest, ci: CommitCi): Promise<Outcome> {
    const { rt } = this;
    const n = issue.number;
    if (pr.head.sha !== rec.head_sha) rec = await this.write({ head_sha: pr.head.sha }, "", `dev: #${n} PR head moved`);
    if (ci.state === "pending" || ci.state === "none") {
      // CI that never answers (a stuck agent, a workflow file that does not parse) must not
      // keep the issue in flight for ever: after ci.stale_minutes a person is asked to look.
      if (this.ciStale(rec)) {
        const minutes = rt.config.ci.stale_minutes;
        const missing = ci.missing.length > 0 ? ` Missing: ${ci.missing.join(", ")}.` : "";
        return this.escalate(rec, "ci_stale", `CI has reported no result on ${pr.head.sha.slice(0, 12)} (PR #${pr.number}) for more than ${minutes} minute${minutes === 1 ? "" : "s"} (ci.stale_minutes); it is ${ci.state}.${missing}`);
      }
      return this.idle(`#${n} → PR #${pr.number} awaiting_ci (CI ${ci.state})`);
    }
    if (ci.state === "success") {
      const next = await this.write({ phase: "awaiting_review", head_sha: pr.head.sha }, `CI green on ${pr.head.sha.slice(0, 12)}`, `dev: #${n} CI green`);
      const verdict = await readVerdict(rt, pr.number, pr.head.sha, pr.author);
      if (verdict.kind === "none") return this.did(`#${n} → PR #${pr.number} awaiting_review`, next);
      return this.awaitingReview(next, issue, pr, verdict);
    }
    const d = await diagnose(rt, ci);
    const where = d.targetUrl ?? "";
    if (d.infra && rec.infra_retriggers < 1) {
      if (await restartPipelines(rt, d.pipelines)) {
        await this.write({ infra_retriggers: rec.infra_retriggers + 1 }, "", `dev: #${n} re-run CI after an infrastructure failure (${d.infraReason ?? "infra"}) ${where}`);
        return this.did(`#${n} → PR #${pr.number} CI re-triggered after an infrastructure failure (${d.infraReason ?? "infra"})`);
      }
    }
    const max = rt.config.limits.ci_fix_attempts;
    if (rec.ci_fix_attempts >= max) return this.escalate(rec, "ci_exhausted", `CI still fails after ${rec.ci_fix_attempts} fix attempts (PR #${pr.number}, ${where}).\n\n${describeFailures(d)}`);
    const attempt = rec.ci_fix_attempts + 1;
    const working = await this.write({ phase: "implementing", ci_fix_attempts: attempt, head_sha: pr.head.sha }, `CI failed${where ? ` (${where})` : ""}: fix attempt ${attempt}/${max}`, `dev: #${n} CI fix ${attempt}`);
    const prompt = (await promptModule()).ciFixPrompt({ sha: pr.head.sha, targetUrl: d.targetUrl, failures: d.failures, passing: d.passing, attempt, max });
    return this.runWork(working, issue, pr, { kind: "ci_fix", prompt }, pr.head.sha);
  }

  /** Whether CI has been waited for longer than ci.stale_minutes since the record entered awaiting_ci. */
  private ciStale(rec: PhaseRecord): boolean {
    const entered = rec.history.findLast((t) => t.to === "awaiting_ci");
    if (entered === undefined) return false;
    return this.rt.now() - Date.parse(entered.at) > this.rt.config.ci.stale_minutes * 60_000;
  }

  private async awaitingReview(rec: PhaseRecord, issue: Issue, pr: PullRequest, verdict: Verdict): Promise<Outcome> {
    const n = issue.number;
    if (verdict.kind === "none") return this.idle(`#${n} → PR #${pr.number} awaiting_review`);
    if (verdict.kind === "approved") {
      const merging = await this.write({ phase: "merging", head_sha: pr.head.sha }, `approved by ${verdict.by}`, `dev: #${n} merging`);
      return this.merge(merging, issue, pr);
    }
    const max = this.rt.config.limits.review_rounds;
    if (rec.review_rounds >= max) return this.escalate(rec, "review_exhausted", `Still changes requested after ${rec.review_rounds} review rounds (PR #${pr.number}).\n\n${verdict.body}`);
    const round = rec.review_rounds + 1;
    const working = await this.write({ phase: "implementing", review_rounds: round, ci_fix_attempts: 0, head_sha: pr.head.sha }, `${verdict.verdict} by ${verdict.by}: review round ${round}/${max}`, `dev: #${n} review round ${round}`);
    return this.runWork(working, issue, pr, { kind: "review_fix", prompt: (await promptModule()).reviewFixPrompt({ reviewer: verdict.by, verdict: verdict.verdict, body: verdict.body, round, max }) }, pr.head.sha);
  }

  /** `implementing` found at the start of a tick: the run that wrote it died or ran out of time. */
  private async recover(rec: PhaseRecord, issue: Issue, prIn: PullRequest | undefined): Promise<Outcome> {
    const { rt } = this;
    const branch = rec.branch ?? branchName(issue.number, 0);
    const pr = prIn ?? (await rt.repo.pulls.findByHead(branch, { state: "open" }));
    if (pr !== undefined && rec.conflict_rounds > 0 && rec.history.at(-1)?.note?.startsWith(CONFLICT_NOTE)) {
      // Nothing of a conflict round survives its run (an unfinished merge is not pushed): merge again.
      return this.runWork(rec, issue, pr, { kind: "conflict_fix", round: rec.conflict_rounds, max: CONFLICT_ROUNDS_MAX }, rec.head_sha ?? undefined);
    }
    const as = rec.review_rounds > 0 && rec.history.at(-1)?.note?.includes("review round") ? "review_fix" : rec.ci_fix_attempts > 0 && rec.history.at(-1)?.note?.includes("fix attempt") ? "ci_fix" : "implement";
    let followUp: string | undefined;
    if (pr !== undefined && as === "ci_fix") {
      const ci = await readHeadCi(rt, pr.head.sha);
      if (ci.state === "failure") {
        const d = await diagnose(rt, ci);
        followUp = (await promptModule()).ciFixPrompt({ sha: pr.head.sha, targetUrl: d.targetUrl, failures: d.failures, passing: d.passing, attempt: rec.ci_fix_attempts, max: rt.config.limits.ci_fix_attempts });
      }
    } else if (pr !== undefined && as === "review_fix") {
      const v = await readVerdict(rt, pr.number, pr.head.sha, pr.author);
      if (v.kind === "changes") followUp = (await promptModule()).reviewFixPrompt({ reviewer: v.by, verdict: v.verdict, body: v.body, round: rec.review_rounds, max: rt.config.limits.review_rounds });
    }
    const working = rec.branch === null ? await this.write({ branch }, "", `dev: #${issue.number} branch ${branch}`) : rec;
    return this.runWork(working, issue, pr, { kind: "recover", followUp, as }, rec.head_sha ?? undefined);
  }

  /** An in-progress issue assigned to us that no record tracks: take it up again. */
  private async adopt(issue: Issue): Promise<Outcome> {
    const { rt } = this;
    const open = await this.findOpenPull(issue.number);
    const branch = open?.head.ref ?? (await this.freshBranch(issue.number));
    const rec = await this.write(
      { phase: "implementing", issue: issue.number, branch, pr: open?.number ?? null, head_sha: null, ci_fix_attempts: 0, review_rounds: 0, conflict_rounds: 0, infra_retriggers: 0, session_key: branch },
      `adopted #${issue.number} (in progress, assigned to ${this.login}, untracked)`,
      `dev: adopt #${issue.number}`,
    );
    await rt.checkpoint("after-adopt");
    if (open !== undefined) {
      // A PR exists already: walk it from CI onwards rather than start the work again.
      const moved = await this.write({ phase: "awaiting_ci", head_sha: open.head.sha }, `PR #${open.number} exists`, `dev: #${issue.number} PR exists`);
      return this.awaitingCi(moved, issue, open, await readHeadCi(rt, open.head.sha));
    }
    return this.runWork(rec, issue, undefined, { kind: "recover", followUp: undefined, as: "implement" }, undefined);
  }

  private async pickAndWork(s: Survey, orphans: Issue[], mayPick: boolean): Promise<Outcome> {
    const { rt } = this;
    const released: number[] = [];
    for (const o of orphans) if (await this.releaseOrphan(o)) released.push(o.number);
    const exclude = new Set<number>();
    for (let i = 0; mayPick && i < 5; i++) {
      const pick = pickNext({ backlog: s.backlog, login: this.login, labels: this.labels, depState: s.depState, exclude });
      const issue = pick.issue;
      if (issue === undefined) break;
      const claim = await this.ops.claim(issue.number);
      if (!claim.ok) {
        rt.log.info(`#${issue.number}: not claimed (${claim.reason}); trying the next issue`);
        exclude.add(issue.number);
        continue;
      }
      await rt.checkpoint("after-claim");
      const open = await this.findOpenPull(issue.number);
      const branch = open?.head.ref ?? (await this.freshBranch(issue.number));
      const rec = await this.write(
        { phase: "implementing", issue: issue.number, branch, pr: open?.number ?? null, head_sha: null, ci_fix_attempts: 0, review_rounds: 0, conflict_rounds: 0, infra_retriggers: 0, session_key: branch },
        `claimed #${issue.number}`,
        `dev: claim #${issue.number}`,
      );
      await rt.checkpoint("after-phase-implementing");
      const backlog = s.backlog.map((b) => ({ number: b.number, title: b.title }));
      return this.runWork(rec, claim.issue, open, { kind: open !== undefined ? "recover" : "implement", ...(open !== undefined ? { followUp: undefined, as: "implement" as const } : {}) } as WorkKind, undefined, backlog);
    }
    if (released.length > 0) return this.did(`released orphaned in-progress ${released.map((r) => `#${r}`).join(", ")}`);
    return this.idle(exclude.size > 0 ? `nothing claimed: ${[...exclude].map((e) => `#${e}`).join(", ")} went to others` : "nothing to do");
  }

  /**
   * An in-progress issue with no assignee, no open PR and no dev agent tracking it — whose
   * in-progress label is older than the grace period (a claim assigns before it labels, but a
   * label just added may still be a claim under way). Reads only.
   */
  private async orphaned(issue: Issue, s: Survey): Promise<boolean> {
    const { rt } = this;
    s.openPulls ??= await rt.repo.pulls.list({ state: "open", sort: "oldest" });
    if (s.openPulls.some((p) => pullIsFor(p, issue.number))) return false;
    if (await this.trackedByAnyone(issue.number)) return false;
    const timeline = await rt.repo.issues.timeline(issue.number);
    const labelled = timeline.filter((e) => e.type === "label" && e.label?.name === this.labels.inProgress && e.label.action === "added").at(-1);
    return labelled === undefined || rt.now() - labelled.createdAt.getTime() >= ORPHAN_GRACE_MS;
  }

  /** Release an orphan (see `orphaned`), after checking that nobody took it meanwhile. */
  private async releaseOrphan(issue: Issue): Promise<boolean> {
    const { rt } = this;
    const fresh = await rt.repo.issues.get(issue.number);
    if (fresh === undefined || fresh.state !== "open" || fresh.assignees.length > 0 || !fresh.labels.includes(this.labels.inProgress)) return false;
    await this.ops.release(fresh);
    const key = `${issue.number}-${fresh.updatedAt.getTime()}`;
    await this.ops.commentOnce(issue.number, markerOf("orphan", key), orphanComment({ issue: issue.number, at: new Date(rt.now()), key, graceSeconds: ORPHAN_GRACE_MS / 1000 }));
    rt.log.info(`#${issue.number}: released an orphaned in-progress issue`);
    return true;
  }

  /** Whether any dev identity's phase record has the issue in flight. */
  private async trackedByAnyone(issue: number): Promise<boolean> {
    const dir = `state/${this.project}/dev`;
    for (const e of await this.rt.state.list(dir)) {
      if (e.type !== "file" || !e.name.endsWith(".json")) continue;
      const doc = await this.rt.state.readJson(e.path, phaseRecordSchema).catch(() => undefined);
      if (doc !== undefined && doc.value.issue === issue && IN_FLIGHT.has(doc.value.phase)) return true;
    }
    return false;
  }

  private async findOpenPull(issue: number): Promise<PullRequest | undefined> {
    const open = await this.rt.repo.pulls.list({ state: "open", sort: "oldest" });
    return open.find((p) => sameLogin(p.author, this.login) && pullIsFor(p, issue));
  }

  /** `fix/issue-N`, or `fix/issue-N-K` with a K no branch uses yet: a fresh attempt never builds on a stale one. */
  private async freshBranch(issue: number): Promise<string> {
    for (let k = 0; k < 100; k++) {
      const name = branchName(issue, k);
      if ((await this.rt.repo.branches.get(name)) === undefined) return name;
    }
    throw new Error(`#${issue}: 100 branches fix/issue-${issue}-* exist already`);
  }

  // ── model work and what follows ────────────────────────────────────────────────────────────

  private async runWork(rec: PhaseRecord, issue: Issue, pr: PullRequest | undefined, work: WorkKind, judgedHead: string | undefined, backlog: { number: number; title: string }[] = []): Promise<Outcome> {
    const { rt } = this;
    const branch = rec.branch as string;
    const [{ doWork }, { loadDevFormula }] = await Promise.all([workModule(), import("./formula.ts")]);
    const formula = await loadDevFormula(rt.ops);
    const result: WorkResult = await doWork(rt, { issue, branch, pr: pr?.number, lastPhase: rec.history.at(-1)?.from ?? rec.phase, judgedHead, work, formula, labels: this.labels, backlog });
    const n = issue.number;
    switch (result.kind) {
      case "refused":
        return this.refuse(rec, issue, result.result);
      case "escalate":
        return this.escalate(rec, result.reason, result.details);
      case "paused": {
        await this.ops.commentOnce(n, markerOf("paused", `${branch}-${new Date(rt.now()).toISOString().slice(0, 10)}`), pausedComment({ issue: n, reason: result.reason, at: new Date(rt.now()), key: `${branch}-${new Date(rt.now()).toISOString().slice(0, 10)}` }));
        await this.write({ phase: "paused" }, result.reason, `dev: #${n} paused`);
        return { outcome: "paused", summary: `#${n} paused: ${result.reason}`, details: this.details(n, pr?.number) };
      }
      case "backend_failed":
        return this.backendFailed(rec, issue, pr, work, result.reason);
      case "failed":
        // A push that failed: not the issue's fault, and its commit waits for the next tick.
        return { outcome: "failed", summary: `#${n}: ${result.reason}`, details: this.details(n, pr?.number) };
      case "interrupted":
        this.steps.push(result.reason);
        return { outcome: "paused", summary: `#${n} interrupted: ${result.reason}${result.head ? "; work in progress pushed" : ""}`, details: this.details(n, pr?.number) };
      case "pushed": {
        const open = pr ?? (await rt.repo.pulls.findByHead(branch, { state: "open" }));
        let number = open?.number;
        if (number === undefined) {
          const redact = (t: string): string => rt.ctx.redactor.redact(t);
          const created = await rt.repo.pulls.create({ head: branch, base: rt.config.primary_branch, title: redact(prTitle(issue.title, n)), body: redact(prBody(n, result.summary)) });
          number = created.number;
          await rt.checkpoint("after-pr");
        }
        await this.write({ phase: "awaiting_ci", pr: number, head_sha: result.head }, `pushed ${result.head.slice(0, 12)} to PR #${number}`, `dev: #${n} PR #${number} awaiting CI`);
        return this.did(`#${n} → PR #${number} awaiting_ci`);
      }
    }
  }

  private async refuse(rec: PhaseRecord, issue: Issue, r: Refusal): Promise<Outcome> {
    const { rt } = this;
    const n = issue.number;
    const at = new Date(rt.now());
    const key = `${rec.branch ?? n}`;
    if (r.status === "too_large") {
      await this.ops.commentOnce(n, markerOf("too_large", key), refusalComment({ kind: "too_large", body: r.reason, at, key }));
      await this.ops.ensureLabels();
      await rt.repo.labels.add(n, [this.labels.underspecified]);
      await this.ops.release(issue, { backlog: false });
      if (issue.labels.includes(this.labels.backlog)) await rt.repo.labels.remove(n, this.labels.backlog);
    } else if (r.status === "already_done") {
      await this.ops.commentOnce(n, markerOf("already_done", key), refusalComment({ kind: "already_done", body: r.reason, at, key }));
      await this.ops.release(issue, { backlog: false });
      await rt.repo.issues.close(n);
    } else {
      const blockers = r.blocked_by.filter((b) => b !== n);
      const body = `This issue needs ${blockers.map((b) => `#${b}`).join(", ")} first.${r.reason ? `\n\n${r.reason}` : ""}\n\nSuggestion: work on #${blockers[0] ?? "?"} first. The dependency was added to the issue's description so the dev agent waits for it.`;
      await this.ops.commentOnce(n, markerOf("unmet_dependency", key), refusalComment({ kind: "unmet_dependency", body, at, key }));
      // Recorded where every dev tick reads dependencies, so the issue is not picked again before they close.
      const fresh = await rt.repo.issues.get(n);
      const missing = blockers.filter((b) => !(fresh?.body ?? "").includes(`#${b} (found by the dev agent)`));
      if (fresh !== undefined && missing.length > 0) {
        await rt.repo.issues.edit(n, { body: rt.ctx.redactor.redact(`${fresh.body.trimEnd()}\n\n## Dependencies\n\n${missing.map((b) => `- #${b} (found by the dev agent)`).join("\n")}\n`) });
      }
      await this.ops.release(fresh ?? issue);
    }
    await this.write({ phase: "idle", issue: null, branch: null, pr: null, head_sha: null }, `refused #${n}: ${r.status}`, `dev: #${n} refused (${r.status})`);
    return this.did(`#${n} refused: ${r.status}`);
  }

  /**
   * The backend did not run at all, after the claim. Said once on the issue (a marker keyed by
   * the failure, so the same failure on a later tick says nothing new) and journalled. A claim
   * made for this run goes back to the backlog and no issue is claimed for BACKEND_RETRY_MS;
   * work already in flight keeps its phase and is retried on the next tick.
   */
  private async backendFailed(rec: PhaseRecord, issue: Issue, pr: PullRequest | undefined, work: WorkKind, reason: string): Promise<Outcome> {
    const { rt } = this;
    const n = issue.number;
    const backend = await rt.backend();
    const fresh = work.kind === "implement" && pr === undefined;
    const key = `${n}-${createHash("sha256").update(reason.replace(/\d+/g, "#")).digest("hex").slice(0, 12)}`;
    const body = backendFailedComment({ issue: n, backend: backend.name, reason, at: new Date(rt.now()), key, released: fresh, retryMinutes: BACKEND_RETRY_MS / 60_000 });
    await this.ops.commentOnce(n, markerOf("backend_failed", key), body);
    const note = `${BACKEND_NOTE}: ${reason.replace(/\s+/g, " ").slice(0, 200)}`;
    if (fresh) {
      await this.ops.release(issue);
      await this.write({ phase: "idle", issue: null, branch: null, pr: null, head_sha: null }, note, `dev: #${n} released (${BACKEND_NOTE})`);
    } else {
      this.steps.push(note);
    }
    return { outcome: "failed", summary: `#${n}: the LLM backend ${backend.name} did not run (${reason})${fresh ? "; released to the backlog" : ""}`, details: this.details(n, pr?.number) };
  }

  private async escalate(rec: PhaseRecord, reason: string, details: string): Promise<Outcome> {
    const { rt } = this;
    const n = rec.issue as number;
    await this.ops.block(n, reason, { details, key: `${rec.branch ?? n}-${reason}` });
    await rt.checkpoint("after-block");
    await this.write({ phase: "escalated" }, reason, `dev: #${n} escalated (${reason})`);
    return this.did(`#${n}${rec.pr !== null ? ` → PR #${rec.pr}` : ""} escalated: ${reason}`);
  }

  /** Escalated in the record but the forge still shows it in progress (a crash in between). */
  private async finishBlock(rec: PhaseRecord): Promise<Outcome> {
    const reason = [...rec.history].reverse().find((t) => t.to === "escalated")?.note ?? "escalated";
    await this.ops.block(rec.issue as number, reason, { key: `${rec.branch ?? rec.issue}-${reason}` });
    return this.did(`#${rec.issue} escalation finished (${reason})`);
  }

  // ── merging ────────────────────────────────────────────────────────────────────────────────

  private async merge(rec: PhaseRecord, issue: Issue, pr: PullRequest): Promise<Outcome> {
    const { rt } = this;
    const n = rec.issue as number;
    try {
      await rt.repo.pulls.merge(pr.number, { style: "merge", headCommitId: pr.head.sha, deleteBranchAfterMerge: true });
    } catch (err) {
      if (!(err instanceof MergeError)) throw err;
      const now = await rt.repo.pulls.get(pr.number);
      if (now?.merged) return this.finishMerged(rec, `PR #${pr.number} merged (by a concurrent merge)`);
      if (now !== undefined && now.head.sha !== pr.head.sha) {
        await this.write({ phase: "awaiting_ci", head_sha: now.head.sha }, "the head moved before the merge", `dev: #${n} head moved`);
        return this.did(`#${n} → PR #${pr.number} awaiting_ci (head moved)`);
      }
      if (err.failure === "conflict") {
        // Bring the branch up to date on the server; CI and review look at the result.
        let updateError: unknown;
        try {
          await rt.repo.pulls.updateBranch(pr.number, "merge");
        } catch (e) {
          updateError = e;
        }
        if (updateError === undefined) {
          const after = await rt.repo.pulls.get(pr.number);
          await this.write({ phase: "awaiting_ci", head_sha: after?.head.sha ?? null }, "merged the primary branch into the PR after a merge conflict", `dev: #${n} update branch`);
          return this.did(`#${n} → PR #${pr.number} awaiting_ci (branch updated)`);
        }
        // Real conflicts: the model resolves them in a merge of the primary branch, a bounded
        // number of times; CI and review then judge the result like any other push.
        const why = errorMessage(updateError);
        if (rec.conflict_rounds >= CONFLICT_ROUNDS_MAX) {
          return this.escalate(rec, "merge_conflict", `PR #${pr.number} still conflicts with ${rt.config.primary_branch} after ${rec.conflict_rounds} rounds of resolving (${err.message}; updating the branch: ${why}).`);
        }
        const round = rec.conflict_rounds + 1;
        const working = await this.write({ phase: "implementing", conflict_rounds: round, ci_fix_attempts: 0, head_sha: pr.head.sha }, `${CONFLICT_NOTE} ${round}/${CONFLICT_ROUNDS_MAX}`, `dev: #${n} merge conflict round ${round}`);
        return this.runWork(working, issue, pr, { kind: "conflict_fix", round, max: CONFLICT_ROUNDS_MAX }, pr.head.sha);
      }
      return this.escalate(rec, "merge_blocked", err.message);
    }
    await rt.checkpoint("after-merge");
    return this.finishMerged(rec, `merged PR #${pr.number}`);
  }

  /** After the merge: close the issue, clean its labels, delete the branch, record `done`. */
  private async finishMerged(rec: PhaseRecord, note: string): Promise<Outcome> {
    const { rt } = this;
    const n = rec.issue as number;
    await this.ops.closeDone(n);
    await rt.checkpoint("after-close");
    if (rec.branch !== null) await rt.repo.branches.delete(rec.branch);
    if (rec.phase !== "done") await this.write({ phase: "done" }, note, `dev: #${n} done`);
    return this.did(`#${n} → PR #${rec.pr ?? "?"} merged`);
  }

  /** An approved, green PR of ours that no record tracks: merge it without the LLM. */
  private async mergeStray(pr: PullRequest, issue: number | undefined): Promise<Outcome> {
    const { rt } = this;
    try {
      await rt.repo.pulls.merge(pr.number, { style: "merge", headCommitId: pr.head.sha, deleteBranchAfterMerge: true });
    } catch (err) {
      if (!(err instanceof MergeError)) throw err;
      const now = await rt.repo.pulls.get(pr.number);
      if (!now?.merged) return { outcome: "failed", summary: `PR #${pr.number}: merge refused (${err.message})` };
    }
    await rt.checkpoint("after-merge");
    if (issue !== undefined) await this.ops.closeDone(issue);
    await rt.repo.branches.delete(pr.head.ref);
    return this.did(`${issue !== undefined ? `#${issue} → ` : ""}PR #${pr.number} merged (approved and green)`);
  }

  private async done(rec: PhaseRecord, note: string): Promise<Outcome> {
    await this.write({ phase: "done" }, note, `dev: #${rec.issue} done`);
    return this.did(`#${rec.issue}: ${note}`);
  }

  // ── outcome ────────────────────────────────────────────────────────────────────────────────

  private details(issue: number | undefined, pr: number | undefined): Record<string, unknown> {
    return { ...(issue !== undefined ? { issue } : {}), ...(pr !== undefined ? { pr } : {}), steps: this.steps };
  }

  private did(summary: string, rec?: PhaseRecord): Outcome {
    return { outcome: "done", summary, details: { ...(rec ? { phase: rec.phase } : {}), steps: this.steps } };
  }

  private idle(summary: string): Outcome {
    return { outcome: "idle", summary, ...(this.steps.length > 0 ? { details: { steps: this.steps } } : {}) };
  }
}

/** What the tick found, for its journal entry. */
function describePlan(plan: Exclude<Plan, { kind: "idle" }>): string {
  switch (plan.kind) {
    case "inflight":
      return `#${plan.rec.issue} in flight, ${plan.rec.phase}${plan.rec.pr !== null ? ` (PR #${plan.rec.pr})` : ""}${plan.ci ? `, CI ${plan.ci.state}` : ""}${plan.verdict && plan.verdict.kind !== "none" ? `, review ${plan.verdict.kind}` : ""}`;
    case "merge_ready":
      return `PR #${plan.pr.number} approved and green, tracked by no record`;
    case "adopt":
      return `#${plan.issue.number} in progress and assigned to this identity, tracked by no record`;
    case "finish_done":
      return `#${plan.rec.issue} done but not yet closed on the forge`;
    case "finish_block":
      return `#${plan.rec.issue} escalated but not yet blocked on the forge`;
    case "work":
      return `${plan.survey.backlog.length} backlog issue${plan.survey.backlog.length === 1 ? "" : "s"}${plan.orphans.length > 0 ? `, orphaned in-progress ${plan.orphans.map((o) => `#${o.number}`).join(", ")}` : ""}`;
  }
}

function same(a: PhaseRecord | undefined, b: PhaseRecord | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.updated_at === b.updated_at && a.phase === b.phase && a.issue === b.issue;
}

function idleSummary(s: Survey, passed: number): string {
  if (s.backlog.length === 0) return "nothing to do (empty backlog)";
  return `nothing to do (${s.backlog.length} backlog issue${s.backlog.length === 1 ? "" : "s"}, ${passed} not ready)`;
}
