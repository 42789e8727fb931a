// The factory as one supervisor run sees it: every read the probes share, made once and only
// when a probe asks (a recipe file that names no CI probe never reads the CI). Reads only.
import { isFinishedStatus, pipelineRefFromUrl, type Pipeline, type RepoCi } from "../../ci/index.ts";
import type { Comment, Issue, PullRequest } from "../../forge/types.ts";
import type { LeaseDoc } from "../../state/lease.ts";
import { phaseRecordSchema, type PhaseRecord } from "../../state/phase.ts";
import type { Totals } from "../../state/ledger.ts";
import type { AgentRuntime } from "../runtime.ts";

/** Newest pipelines read per repository: one page. */
export const PIPELINES_READ = 50;

export interface CiTarget {
  /** `owner/name` on the forge. */
  repo: string;
  api: RepoCi;
}

export class FactoryView {
  readonly rt: AgentRuntime;
  readonly now: number;
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(rt: AgentRuntime) {
    this.rt = rt;
    this.now = rt.now();
  }

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (p === undefined) {
      p = read();
      this.memo.set(key, p);
    }
    return p;
  }

  /** Every open issue (not PRs): the issue pages of a run. */
  openIssues(): Promise<Issue[]> {
    return this.once("issues", () => this.rt.repo.issues.list({ state: "open", type: "issues", sort: "oldest" }));
  }

  openPulls(): Promise<PullRequest[]> {
    return this.once("pulls", () => this.rt.repo.pulls.list({ state: "open", sort: "oldest" }));
  }

  comments(issue: number): Promise<Comment[]> {
    return this.once(`comments/${issue}`, () => this.rt.repo.comments.list(issue));
  }

  /** The project repo and the ops repo on the CI; undefined without a CI client. */
  ciTargets(): Promise<CiTarget[] | undefined> {
    return this.once("ci", async () => {
      const ci = this.rt.ci;
      if (ci === undefined) return undefined;
      const { config } = this.rt;
      const out: CiTarget[] = [];
      const projectId = config.ci.woodpecker_repo_id ?? (await ci.lookupRepo(config.repo))?.id;
      if (projectId !== undefined) out.push({ repo: config.repo, api: ci.repo(projectId) });
      const ops = await ci.lookupRepo(config.ops_repo);
      if (ops !== undefined && ops.active) out.push({ repo: config.ops_repo, api: ci.repo(ops.id) });
      return out;
    });
  }

  pipelines(t: CiTarget): Promise<Pipeline[]> {
    return this.once(`pipelines/${t.repo}`, () => t.api.pipelines.list({ page: 1, perPage: PIPELINES_READ }));
  }

  /** Whether the pipeline at `url` has finished, and when; undefined when unknown. */
  async pipelineFinished(url: string): Promise<{ finished: boolean; at: number | undefined } | undefined> {
    const ci = this.rt.ci;
    const ref = pipelineRefFromUrl(url);
    if (ci === undefined || ref === undefined) return undefined;
    const p = await this.once(`pipeline/${ref.repoId}/${ref.number}`, () => ci.repo(ref.repoId).pipelines.get(ref.number));
    if (p === undefined) return undefined;
    return { finished: p.finished !== undefined || isFinishedStatus(p.status), at: p.finished?.getTime() };
  }

  leases(): Promise<LeaseDoc[]> {
    return this.once("leases", () => this.rt.leases.list());
  }

  /** The dev agent's phase records of this project, one per dev identity. */
  phases(): Promise<PhaseRecord[]> {
    return this.once("phases", async () => {
      const dir = `state/${this.rt.config.name}/dev`;
      const out: PhaseRecord[] = [];
      for (const e of await this.rt.state.list(dir)) {
        if (e.type !== "file" || !e.name.endsWith(".json")) continue;
        const doc = await this.rt.state.readJson(e.path, phaseRecordSchema);
        if (doc !== undefined) out.push(doc.value);
      }
      return out;
    });
  }

  spentToday(): Promise<Record<string, Totals>> {
    return this.once("ledger", () => this.rt.ledger.byBackend(new Date(this.now)));
  }
}

export const minutesSince = (now: number, at: number | Date | undefined): number => (at === undefined ? 0 : Math.max(0, Math.floor((now - (typeof at === "number" ? at : at.getTime())) / 60_000)));

export interface BlockRecord {
  comment: Comment;
  reason: string;
  at: number;
}

/**
 * The newest `### Blocked — issue #N` comment (the dev agent's escalation, disinto-behaviour
 * §3.1) with its exit reason; the reason is in the comment, not in a label.
 */
export function lastBlock(comments: readonly Comment[], issue: number): BlockRecord | undefined {
  for (let i = comments.length - 1; i >= 0; i--) {
    const c = comments[i] as Comment;
    if (!c.body.startsWith(`### Blocked — issue #${issue}`)) continue;
    const reason = /^\| Exit reason \| `([^`]+)` \|$/m.exec(c.body)?.[1] ?? "unknown";
    return { comment: c, reason, at: c.createdAt.getTime() };
  }
  return undefined;
}
