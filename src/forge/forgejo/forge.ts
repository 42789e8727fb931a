// The Forgejo/Gitea implementation of Forge: wires one HttpClient (auth, retries, counter)
// into the per-noun modules, and keeps one handle per repo so label names resolve once.
import { setTimeout as sleep } from "node:timers/promises";
import { HttpClient } from "../../http/client.ts";
import type { RequestStats } from "../../http/counter.ts";
import { DEFAULT_RETRY, type RetryPolicy } from "../../http/retry.ts";
import type { Redactor } from "../../lib/redact.ts";
import type {
  ActionsSecretsApi,
  BranchProtectionsApi,
  BranchesApi,
  CollaboratorsApi,
  CommentsApi,
  ContentsApi,
  Forge,
  IssuesApi,
  LabelsApi,
  Org,
  OrgCreate,
  PullsApi,
  Repo,
  RepoCreate,
  RepoForge,
  RepoRef,
  ReviewsApi,
  ServerVersion,
  StatusesApi,
  User,
} from "../types.ts";
import { ForgejoActionsSecrets } from "./actions-secrets.ts";
import { ForgejoBranchProtections, ForgejoBranches } from "./branches.ts";
import { ForgejoComments } from "./comments.ts";
import { ForgejoContents } from "./contents.ts";
import { repoContext, type ForgejoContext } from "./context.ts";
import { ForgejoIssues } from "./issues.ts";
import { ForgejoLabels } from "./labels.ts";
import { ForgejoPulls } from "./pulls.ts";
import { ForgejoCollaborators, createOrg, createRepo, getRepo } from "./repos.ts";
import { ForgejoReviews } from "./reviews.ts";
import { ROUTES } from "./routes.ts";
import { userSchema, versionSchema } from "./schemas.ts";
import { ForgejoStatuses } from "./statuses.ts";

export interface ForgejoForgeOptions {
  /** Server root (`https://forge.example`) or API base (`…/api/v1`). */
  url: string;
  token: string;
  /** The run's redactor; the token is registered with it. */
  redactor?: Redactor;
  /** Per request attempt. Default 30 s. */
  timeoutMs?: number;
  /** Retries of idempotent requests (HTTP layer). */
  retry?: Partial<RetryPolicy>;
  /** Attempts of creates and merges, each preceded by a look for the earlier attempt's effect. */
  writeRetry?: Partial<RetryPolicy>;
  /** Wait after a timed-out write before looking for its effect. Default 2 s. */
  settleMs?: number;
  connections?: number;
  userAgent?: string;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export function apiBase(url: string): string {
  const trimmed = url.replace(/\/+$/, "");
  return /\/api\/v1$/.test(trimmed) ? trimmed : `${trimmed}/api/v1`;
}

export class ForgejoForge implements Forge {
  readonly http: HttpClient;
  private readonly ctx: ForgejoContext;
  private readonly repos = new Map<string, RepoForge>();
  private user: Promise<User> | undefined;

  constructor(opts: ForgejoForgeOptions) {
    if (opts.token.trim() === "") throw new Error("forge token is empty");
    const random = opts.random ?? Math.random;
    const doSleep = opts.sleep ?? ((ms: number) => sleep(ms).then(() => undefined));
    this.http = new HttpClient({
      baseUrl: apiBase(opts.url),
      authorization: `token ${opts.token}`,
      secret: opts.token,
      redactor: opts.redactor,
      timeoutMs: opts.timeoutMs,
      retry: opts.retry,
      connections: opts.connections,
      userAgent: opts.userAgent ?? "disinto-forge",
      random,
      sleep: doSleep,
    });
    this.ctx = {
      http: this.http,
      me: () => this.currentUser(),
      writeRetry: { ...DEFAULT_RETRY, ...opts.writeRetry },
      settleMs: opts.settleMs ?? 2_000,
      sleep: doSleep,
      random,
    };
  }

  currentUser(): Promise<User> {
    this.user ??= this.http
      .json(ROUTES.currentUser, userSchema)
      .then((r) => r.data)
      .catch((err: unknown) => {
        this.user = undefined; // a failed lookup must not be cached
        throw err;
      });
    return this.user;
  }

  async serverVersion(): Promise<ServerVersion> {
    return (await this.http.json(ROUTES.version, versionSchema)).data;
  }

  getRepo(ref: RepoRef): Promise<Repo | undefined> {
    return getRepo(this.ctx, ref);
  }

  createRepo(repo: RepoCreate): Promise<Repo> {
    return createRepo(this.ctx, repo);
  }

  createOrg(org: OrgCreate): Promise<Org> {
    return createOrg(this.ctx, org);
  }

  repo(ref: RepoRef): RepoForge {
    const key = `${ref.owner}/${ref.name}`;
    let handle = this.repos.get(key);
    if (!handle) {
      handle = new ForgejoRepo(this.ctx, ref);
      this.repos.set(key, handle);
    }
    return handle;
  }

  requestStats(): RequestStats {
    return this.http.stats();
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

class ForgejoRepo implements RepoForge {
  readonly ref: RepoRef;
  readonly issues: IssuesApi;
  readonly comments: CommentsApi;
  readonly labels: LabelsApi;
  readonly pulls: PullsApi;
  readonly reviews: ReviewsApi;
  readonly statuses: StatusesApi;
  readonly contents: ContentsApi;
  readonly branches: BranchesApi;
  readonly protections: BranchProtectionsApi;
  readonly collaborators: CollaboratorsApi;
  readonly actionsSecrets: ActionsSecretsApi;

  constructor(base: ForgejoContext, ref: RepoRef) {
    const ctx = repoContext(base, ref);
    const labels = new ForgejoLabels(ctx);
    this.ref = ctx.ref;
    this.labels = labels;
    this.issues = new ForgejoIssues(ctx, labels);
    this.comments = new ForgejoComments(ctx);
    this.pulls = new ForgejoPulls(ctx, labels);
    this.reviews = new ForgejoReviews(ctx);
    this.statuses = new ForgejoStatuses(ctx);
    this.contents = new ForgejoContents(ctx);
    this.branches = new ForgejoBranches(ctx);
    this.protections = new ForgejoBranchProtections(ctx);
    this.collaborators = new ForgejoCollaborators(ctx);
    this.actionsSecrets = new ForgejoActionsSecrets(ctx);
  }
}
