// The issue side of the dev agent's work (disinto-behaviour §3.1): claim, release, block,
// close, and comments that a retried tick never posts twice. Every gate compares assignees
// with this identity's login (§14.4): another identity's work is never touched.
import type { Comment, Issue, LabelSpec } from "../../forge/types.ts";
import { UnknownLabelError } from "../../forge/errors.ts";
import type { AgentRuntime } from "../runtime.ts";
import type { DevLabels } from "./labels.ts";
import { isSkipLabel } from "./labels.ts";
import { blockedComment, markerOf } from "./text.ts";

export const sameLogin = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** How long a claim may keep the per-issue claim lease: a claim is a handful of requests. */
const CLAIM_TTL_MS = 2 * 60_000;

export type ClaimResult = { ok: true; issue: Issue } | { ok: false; reason: string };

export class IssueOps {
  private readonly rt: AgentRuntime;
  readonly labels: DevLabels;
  private ensured = false;

  constructor(rt: AgentRuntime, labels: DevLabels) {
    this.rt = rt;
    this.labels = labels;
  }

  /** The labels this agent writes exist (created with the original's colours when missing). */
  async ensureLabels(): Promise<void> {
    if (this.ensured) return;
    const l = this.labels;
    const specs: LabelSpec[] = [
      { name: l.backlog, color: "#0075ca", description: "ready for the dev agent" },
      { name: l.inProgress, color: "#1d76db", description: "the dev agent owns the issue" },
      { name: l.blocked, color: "#e11d48", description: "stuck; the reason is in a comment" },
      { name: l.underspecified, color: "#fbca04", description: "too large or vague for one session" },
    ];
    await this.rt.repo.labels.ensure(specs);
    this.ensured = true;
  }

  /**
   * Post `body` unless a comment carrying `marker` is already there: a tick that died after
   * posting and is retried does not say it twice. The body is redacted: it may quote the
   * model or a backend.
   */
  async commentOnce(issue: number, marker: string, body: string): Promise<Comment | undefined> {
    const existing = await this.rt.repo.comments.list(issue);
    if (existing.some((c) => sameLogin(c.author, this.rt.login) && c.body.includes(marker))) return undefined;
    return this.rt.repo.comments.create(issue, this.rt.ctx.redactor.redact(body));
  }

  /**
   * Claim (§3.1, #830): under a short per-issue lease shared by every dev identity, re-read
   * the issue, assign it to us, re-read the assignee (last write wins on the server) and only
   * if it is still us label it in-progress and drop backlog/blocked.
   */
  async claim(number: number): Promise<ClaimResult> {
    const { rt } = this;
    const name = `dev-claim/${rt.config.name}/issue-${number}`;
    const got = await rt.leases.acquire(name, { ttlMs: CLAIM_TTL_MS, holder: rt.holder });
    if (!got.acquired) return { ok: false, reason: `another dev identity is claiming it (${got.current.holder?.id ?? "?"})` };
    try {
      const fresh = await rt.repo.issues.get(number);
      if (fresh === undefined || fresh.state !== "open") return { ok: false, reason: "no longer open" };
      const other = fresh.assignees.find((a) => !sameLogin(a, rt.login));
      if (other !== undefined) return { ok: false, reason: `assigned to ${other}` };
      const skip = fresh.labels.find((l) => isSkipLabel(this.labels, l) && l !== this.labels.blocked);
      if (skip !== undefined && !(skip === this.labels.inProgress && fresh.assignees.some((a) => sameLogin(a, rt.login)))) return { ok: false, reason: `labelled ${skip}` };
      let issue = fresh;
      if (!fresh.assignees.some((a) => sameLogin(a, rt.login))) {
        await rt.repo.issues.setAssignees(number, [rt.login]);
        const reread = await rt.repo.issues.get(number);
        if (reread === undefined || !reread.assignees.some((a) => sameLogin(a, rt.login))) return { ok: false, reason: "lost the assignment race" };
        if (reread.assignees.length > 1) {
          // Someone else was added at the same moment: leave it to them.
          await rt.repo.issues.setAssignees(number, reread.assignees.filter((a) => !sameLogin(a, rt.login)));
          return { ok: false, reason: `assigned to ${reread.assignees.join(", ")} at once` };
        }
        issue = reread;
      }
      await rt.checkpoint("claim-assigned");
      await this.ensureLabels();
      if (!issue.labels.includes(this.labels.inProgress)) await rt.repo.labels.add(number, [this.labels.inProgress]);
      for (const l of [this.labels.backlog, this.labels.blocked]) if (issue.labels.includes(l)) await rt.repo.labels.remove(number, l);
      const labels = issue.labels.filter((l) => l !== this.labels.backlog && l !== this.labels.blocked);
      if (!labels.includes(this.labels.inProgress)) labels.push(this.labels.inProgress);
      return { ok: true, issue: { ...issue, labels } };
    } finally {
      await rt.leases.release(got.lease).catch((err: unknown) => rt.log.warn(`claim lease ${name}: release failed (${String(err)}); it expires by itself`));
    }
  }

  /** Give the issue back (§3.1 `issue_release`): no assignee, not in progress, in the backlog. */
  async release(issue: Issue, opts: { backlog?: boolean } = {}): Promise<void> {
    const { rt } = this;
    await this.ensureLabels();
    if (issue.assignees.some((a) => sameLogin(a, rt.login))) await rt.repo.issues.setAssignees(issue.number, issue.assignees.filter((a) => !sameLogin(a, rt.login)));
    if ((opts.backlog ?? true) && !issue.labels.includes(this.labels.backlog)) await rt.repo.labels.add(issue.number, [this.labels.backlog]);
    if (issue.labels.includes(this.labels.inProgress)) await rt.repo.labels.remove(issue.number, this.labels.inProgress);
  }

  /**
   * Escalate (§3.1 `issue_block`): the `### Blocked — issue #N` comment with the exit reason,
   * time and redacted details; `-in-progress +blocked`; the assignee stays.
   */
  async block(number: number, reason: string, opts: { details?: string; key: string }): Promise<void> {
    const { rt } = this;
    const details = opts.details === undefined ? undefined : rt.ctx.redactor.redact(opts.details);
    await this.ensureLabels();
    await this.commentOnce(
      number,
      markerOf("blocked", opts.key),
      blockedComment({ issue: number, reason, at: new Date(rt.now()), key: opts.key, ...(details !== undefined ? { details } : {}) }),
    );
    await rt.checkpoint("block-commented");
    const labels = await rt.repo.labels.onIssue(number);
    if (!labels.includes(this.labels.blocked)) await rt.repo.labels.add(number, [this.labels.blocked]);
    if (labels.includes(this.labels.inProgress)) await rt.repo.labels.remove(number, this.labels.inProgress);
  }

  /** The work is merged: close the issue (if the forge has not already) and clear our labels. */
  async closeDone(number: number): Promise<void> {
    const { rt } = this;
    const issue = await rt.repo.issues.get(number);
    if (issue === undefined) return;
    if (issue.state === "open") await rt.repo.issues.close(number);
    for (const l of [this.labels.inProgress, this.labels.backlog, this.labels.blocked]) {
      if (!issue.labels.includes(l)) continue;
      try {
        await rt.repo.labels.remove(number, l);
      } catch (err) {
        if (!(err instanceof UnknownLabelError)) throw err;
      }
    }
  }
}
