// Watching the factory from outside, the way a person would through the forge and Woodpecker
// APIs: after each step the demo asks what is new — pipelines and what their agent steps
// said, pull requests opened and merged, reviews, issues closed — and tells it in the order
// one thing causes the next. At the end the same reads give the summary.
import type { Ci, Pipeline } from "../ci/types.ts";
import type { Forge, Issue, PullRequest, RepoForge, Review } from "../forge/types.ts";
import { errorMessage } from "../lib/errors.ts";
import { pullIsFor } from "../agents/dev/text.ts";
import { Ledger, StateStore } from "../state/index.ts";
import type { DemoGardener, DemoIssue, DemoReport } from "./report.ts";
import { DEMO_OPS_REPO, DEMO_REPO } from "./setup.ts";

const DONE = new Set(["success", "failure", "killed", "canceled", "skipped", "error", "declined"]);
/** The agents' outcome line in a step log: `dev: #1 → PR #4 awaiting_ci · …`. */
const OUTCOME = /^(dev|review|gardener): .+/;

const mark = (state: string): string => (state === "success" ? "✓" : state === "skipped" ? "–" : "✗");
const short = (sha: string): string => sha.slice(0, 7);

export interface ObserverInput {
  forge: Forge;
  ci: Ci;
  ciUrl: string;
  ciRepoId: number;
  /** The issues the demo is about (the seeded backlog). */
  issues: readonly number[];
  devLogin: string;
  reviewLogin: string;
}

interface PullSeen {
  merged: boolean;
}

export class Observer {
  private readonly repo: RepoForge;
  private readonly input: ObserverInput;
  private readonly pipelinesSeen = new Set<number>();
  private readonly pullsSeen = new Map<number, PullSeen>();
  private readonly reviewsSeen = new Set<number>();
  private readonly closedSeen = new Set<number>();

  constructor(input: ObserverInput) {
    this.input = input;
    this.repo = input.forge.repo(DEMO_REPO);
  }

  pipelineUrl(n: number): string {
    return `${this.input.ciUrl.replace(/\/+$/, "")}/repos/${this.input.ciRepoId}/pipeline/${n}`;
  }

  /** Lines about everything that happened since the last call, in causal order. */
  async news(): Promise<string[]> {
    const out: string[] = [];
    const pipelines = await this.finishedPipelines();
    const pulls = await this.repo.pulls.list({ state: "all", sort: "oldest" });

    // What agents did inside cron pipelines comes before what their pushes and PRs started.
    for (const p of pipelines.filter((x) => x.event === "cron")) out.push(...(await this.describePipeline(p)));
    for (const pr of pulls) {
      if (this.pullsSeen.has(pr.number)) continue;
      this.pullsSeen.set(pr.number, { merged: false });
      out.push(`${pr.author} opened PR #${pr.number} "${pr.title}" — ${pr.htmlUrl}`);
    }
    for (const pr of pulls) {
      const seen = this.pullsSeen.get(pr.number);
      if (seen === undefined || seen.merged || !pr.merged) continue;
      seen.merged = true;
      const by = await this.mergedBy(pr.number);
      out.push(`${by ?? "someone"} merged PR #${pr.number} into ${pr.base.ref}${pr.mergeCommitSha ? ` (${short(pr.mergeCommitSha)})` : ""}`);
    }
    for (const n of this.input.issues) {
      if (this.closedSeen.has(n)) continue;
      const issue = await this.repo.issues.get(n);
      if (issue?.state !== "closed") continue;
      this.closedSeen.add(n);
      out.push(`issue #${n} "${issue.title}" closed — ${issue.htmlUrl}`);
    }
    for (const p of pipelines.filter((x) => x.event !== "cron")) out.push(...(await this.describePipeline(p)));
    for (const pr of pulls) {
      for (const r of await this.repo.reviews.list(pr.number)) {
        if (this.reviewsSeen.has(r.id) || (r.state !== "APPROVED" && r.state !== "REQUEST_CHANGES")) continue;
        this.reviewsSeen.add(r.id);
        out.push(`${r.author} ${r.state === "APPROVED" ? "approved" : "requested changes on"} PR #${pr.number} at ${short(r.commitId)}`);
      }
    }
    return out;
  }

  async pipelineStatus(n: number): Promise<string | undefined> {
    return (await this.input.ci.repo(this.input.ciRepoId).pipelines.get(n))?.status;
  }

  private async finishedPipelines(): Promise<Pipeline[]> {
    const list = await this.input.ci.repo(this.input.ciRepoId).pipelines.list();
    const fresh = list.filter((p) => !this.pipelinesSeen.has(p.number) && DONE.has(p.status)).sort((a, b) => a.number - b.number);
    const out: Pipeline[] = [];
    for (const p of fresh) {
      this.pipelinesSeen.add(p.number);
      out.push((await this.input.ci.repo(this.input.ciRepoId).pipelines.get(p.number)) ?? p);
    }
    return out;
  }

  private async describePipeline(p: Pipeline): Promise<string[]> {
    const pr = /^refs\/pull\/(\d+)\//.exec(p.ref)?.[1];
    const what = p.event === "cron" ? `cron ${p.message || "?"}` : p.event === "pull_request" ? `pull_request, PR #${pr ?? "?"}` : p.event === "push" ? `push to ${p.branch}` : p.event;
    const workflows = p.workflows.map((w) => `${w.name} ${mark(w.state)} ${w.state}`).join(", ");
    const lines = [`CI pipeline #${p.number} (${what}): ${workflows || p.status} — ${this.pipelineUrl(p.number)}`];
    for (const w of p.workflows) {
      for (const s of w.steps) {
        if (s.type !== "plugin") continue;
        const said = await this.outcomeLine(p.number, s.id);
        if (said !== undefined) lines.push(`    ${said}`);
      }
    }
    return lines;
  }

  /** The agent's outcome line from a plugin step's log. */
  private async outcomeLine(pipeline: number, stepId: number): Promise<string | undefined> {
    try {
      const log = await this.input.ci.repo(this.input.ciRepoId).pipelines.logLines(pipeline, stepId);
      return [...log].reverse().find((l) => OUTCOME.test(l));
    } catch (err) {
      return `(log unavailable: ${errorMessage(err)})`;
    }
  }

  /** Who merged a pull request: the actor of its `merge_pull` timeline event. */
  private async mergedBy(pr: number): Promise<string | undefined> {
    const events = await this.repo.issues.timeline(pr);
    return events.filter((e) => e.type === "merge_pull").at(-1)?.actor;
  }

  /** Whether every demo issue is closed by a merged pull request of the dev agent. */
  async allMerged(): Promise<boolean> {
    const issues = await this.issueFacts();
    return issues.every((i) => i.state === "closed" && i.merged_by !== null);
  }

  async issueFacts(): Promise<DemoIssue[]> {
    const pulls = await this.repo.pulls.list({ state: "all", sort: "oldest" });
    const out: DemoIssue[] = [];
    for (const n of this.input.issues) {
      const issue: Issue | undefined = await this.repo.issues.get(n);
      const mine = pulls.filter((p) => p.author.toLowerCase() === this.input.devLogin.toLowerCase() && pullIsFor(p, n));
      const pr: PullRequest | undefined = mine.filter((p) => p.merged).at(-1) ?? mine.at(-1);
      let mergedBy: string | null = null;
      let approvedBy: string | null = null;
      if (pr !== undefined) {
        if (pr.merged) mergedBy = (await this.mergedBy(pr.number)) ?? null;
        const reviews: Review[] = await this.repo.reviews.list(pr.number);
        approvedBy = reviews.filter((r) => r.state === "APPROVED" && !r.dismissed && r.commitId === pr.head.sha).at(-1)?.author ?? null;
      }
      out.push({
        number: n,
        title: issue?.title ?? "",
        state: issue?.state === "closed" ? "closed" : "open",
        pr: pr?.number ?? null,
        pr_url: pr?.htmlUrl ?? null,
        merged_by: mergedBy,
        approved_by: approvedBy,
      });
    }
    return out;
  }

  /** What became of the vague issue the gardener grooms. */
  async groomed(n: number, ran: boolean): Promise<DemoGardener> {
    const issue = await this.repo.issues.get(n);
    const labels = [...(issue?.labels ?? [])].sort();
    const enriched = labels.includes("backlog") && !labels.includes("underspecified") && /^## Acceptance criteria$/m.test(issue?.body ?? "");
    return { issue: n, title: issue?.title ?? "", url: issue?.htmlUrl ?? "", labels, enriched, ran };
  }

  /** The summary's counts, read from the forge, Woodpecker and the ops repo's ledger. */
  async totals(): Promise<Pick<DemoReport, "prs" | "reviews" | "pipelines" | "llm_runs" | "tokens" | "cost_usd">> {
    const pulls = await this.repo.pulls.list({ state: "all" });
    let approved = 0;
    let changes = 0;
    for (const pr of pulls) {
      for (const r of await this.repo.reviews.list(pr.number)) {
        if (r.state === "APPROVED") approved++;
        else if (r.state === "REQUEST_CHANGES") changes++;
      }
    }
    const pipelines = await this.input.ci.repo(this.input.ciRepoId).pipelines.list();
    const byEvent: Record<string, number> = {};
    for (const p of pipelines) byEvent[p.event] = (byEvent[p.event] ?? 0) + 1;

    const store = new StateStore({ contents: this.input.forge.repo(DEMO_OPS_REPO).contents, author: { agent: "demo" } });
    const ledger = new Ledger(store);
    let runs = 0;
    let tokens = 0;
    let cost = 0;
    for (const e of await store.list("ledger")) {
      const day = /^(\d{4}-\d{2}-\d{2})\.jsonl$/.exec(e.name)?.[1];
      if (e.type !== "file" || day === undefined) continue;
      for (const entry of await ledger.entries(day)) {
        runs++;
        tokens += entry.input_tokens + entry.output_tokens;
        cost += entry.cost_usd;
      }
    }
    return {
      prs: { opened: pulls.length, merged: pulls.filter((p) => p.merged).length },
      reviews: { total: approved + changes, approved, changes_requested: changes },
      pipelines: { total: pipelines.length, by_event: byEvent, failed: pipelines.filter((p) => DONE.has(p.status) && p.status !== "success").length },
      llm_runs: runs,
      tokens,
      cost_usd: Math.round(cost * 1e6) / 1e6,
    };
  }
}
