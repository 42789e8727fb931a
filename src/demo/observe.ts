// Watching the factory from outside, the way a person would through the forge and Woodpecker
// APIs: after each step the demo asks what is new — pipelines and what their agent steps
// said, pull requests opened and merged, reviews, issues closed — and tells it in the order
// one thing causes the next. At the end the same reads give the summary.
import type { Ci, Pipeline } from "../ci/types.ts";
import type { Forge, Issue, PullRequest, RepoForge, Review } from "../forge/types.ts";
import { errorMessage } from "../lib/errors.ts";
import { pullIsFor } from "../agents/dev/text.ts";
import { Ledger, StateStore } from "../state/index.ts";
import type { DemoAgent, DemoGardener, DemoIssue, DemoPlanner, DemoReport } from "./report.ts";
import { DEMO_OPS_REPO, DEMO_REPO } from "./setup.ts";

const DONE = new Set(["success", "failure", "killed", "canceled", "skipped", "error", "declined"]);
/** The agents' outcome line in a step log: `dev: #1 → PR #4 awaiting_ci · …`. */
const OUTCOME = /^(dev|review|gardener|planner|supervisor|architect|predictor|vault): .+/;
/** An outcome line of a run that changed nothing (or could not). */
const NO_ACTION = /^[a-z]+: (idle|paused|failed|invalid)\b/;

const mark = (state: string): string => (state === "success" ? "✓" : state === "skipped" ? "–" : "✗");
const short = (sha: string): string => sha.slice(0, 7);

export interface ObserverInput {
  forge: Forge;
  ci: Ci;
  ciUrl: string;
  ciRepoId: number;
  /** The issues the demo is about (the seeded backlog); agents' issues join with `track`. */
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
  private readonly issues: number[];

  constructor(input: ObserverInput) {
    this.input = input;
    this.issues = [...input.issues];
    this.repo = input.forge.repo(DEMO_REPO);
  }

  /** An issue an agent filed joins the ones the demo takes to merge. */
  track(n: number): void {
    if (!this.issues.includes(n)) this.issues.push(n);
  }

  tracked(): readonly number[] {
    return this.issues;
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
    for (const n of this.issues) {
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
        // A failed project step: the line of its log that says why (what the dev agent's fix reads).
        if (s.type !== "plugin" && s.state === "failure") {
          const why = await this.failureLine(p.number, s.id);
          if (why !== undefined) lines.push(`    ${why}`);
        }
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

  /** The last line of a failed step's log that names an error or a failing check. */
  private async failureLine(pipeline: number, stepId: number): Promise<string | undefined> {
    try {
      const log = await this.input.ci.repo(this.input.ciRepoId).pipelines.logLines(pipeline, stepId);
      return [...log].reverse().find((l) => /^(check-docs:|not ok |\s*✖ |Error|AssertionError)/.test(l.trim()))?.trim();
    } catch {
      return undefined;
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
    for (const n of this.issues) {
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
    // Closed: the dev agent took it to merge after the gardener made it ready (the factory demo).
    const enriched = (labels.includes("backlog") || issue?.state === "closed") && !labels.includes("underspecified") && /^## Acceptance criteria$/m.test(issue?.body ?? "");
    return { issue: n, title: issue?.title ?? "", url: issue?.htmlUrl ?? "", labels, enriched, ran };
  }

  /** What the planner left: its tree in the ops repo and the issues its login filed. */
  async planned(ran: boolean, login: string): Promise<DemoPlanner> {
    const doc = await this.input.forge.repo(DEMO_OPS_REPO).contents.get("prerequisites.md");
    const objectives = (doc?.text.match(/^## Objective: /gm) ?? []).length;
    const all = await this.repo.issues.list({ state: "all", type: "issues", sort: "oldest" });
    const filed = all.filter((i) => !i.isPull && i.author.toLowerCase() === login.toLowerCase()).map((i) => i.number);
    return { ran, objectives, filed };
  }

  /** Label → merged per merged tracked issue: from its newest `backlog` label event (or its creation) to its PR's merge. */
  async latencies(backlog: string): Promise<{ issue: number; ms: number }[]> {
    const out: { issue: number; ms: number }[] = [];
    for (const f of await this.issueFacts()) {
      if (f.pr === null || f.merged_by === null) continue;
      const issue = await this.repo.issues.get(f.number);
      const labelled = (await this.repo.issues.timeline(f.number)).filter((e) => e.type === "label" && e.label?.name === backlog && e.label.action === "added").at(-1)?.createdAt ?? issue?.createdAt;
      const merged = (await this.repo.issues.timeline(f.pr)).filter((e) => e.type === "merge_pull").at(-1)?.createdAt;
      if (labelled === undefined || merged === undefined) continue;
      out.push({ issue: f.number, ms: Math.max(0, merged.getTime() - labelled.getTime()) });
    }
    return out;
  }

  /** Per agent: its workflows' runs, those that did something, time, and the ledger's spend. */
  async agents(names: readonly string[]): Promise<DemoAgent[]> {
    const api = this.input.ci.repo(this.input.ciRepoId);
    const rows = new Map<string, DemoAgent>(names.map((a) => [a, { agent: a, runs: 0, actions: 0, llm_runs: 0, tokens: 0, cost_usd: 0, time_ms: 0 }]));
    for (const p of await api.pipelines.list()) {
      const full = (await api.pipelines.get(p.number)) ?? p;
      for (const w of full.workflows) {
        const row = rows.get(w.name.replace(/^disinto-/, ""));
        if (row === undefined || !w.name.startsWith("disinto-") || !DONE.has(w.state) || w.state === "skipped") continue;
        row.runs++;
        if (w.started !== undefined && w.finished !== undefined) row.time_ms += Math.max(0, w.finished.getTime() - w.started.getTime());
        for (const s of w.steps) {
          if (s.type !== "plugin") continue;
          const said = await this.outcomeLine(full.number, s.id);
          if (said !== undefined && OUTCOME.test(said) && !NO_ACTION.test(said)) row.actions++;
        }
      }
    }
    // The vault's dispatcher runs in the ops repo's pipelines: its runs are counted by the vault's own report.
    const store = new StateStore({ contents: this.input.forge.repo(DEMO_OPS_REPO).contents, author: { agent: "demo" } });
    const ledger = new Ledger(store);
    for (const e of await store.list("ledger")) {
      const day = /^(\d{4}-\d{2}-\d{2})\.jsonl$/.exec(e.name)?.[1];
      if (e.type !== "file" || day === undefined) continue;
      for (const entry of await ledger.entries(day)) {
        const row = rows.get(entry.agent);
        if (row === undefined) continue;
        row.llm_runs++;
        row.tokens += entry.input_tokens + entry.output_tokens;
        row.cost_usd = Math.round((row.cost_usd + entry.cost_usd) * 1e6) / 1e6;
      }
    }
    return [...rows.values()];
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
