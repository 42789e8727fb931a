// The Woodpecker implementation of Ci: one HttpClient (Bearer token, retries, counter) shared
// by the per-noun modules, and one handle per repo id.
import { HttpClient } from "../../http/client.ts";
import type { RequestStats } from "../../http/counter.ts";
import { hasStatus, isUnknownOutcome } from "../../http/errors.ts";
import type { RetryPolicy } from "../../http/retry.ts";
import type { Redactor } from "../../lib/redact.ts";
import { CiValidationError } from "../errors.ts";
import type { Ci, CiRepo, CronsApi, PipelinesApi, RepoCi, RepoPatch, SecretsApi } from "../types.ts";
import { repoContext, unlessNotFound } from "./context.ts";
import { WoodpeckerCrons } from "./crons.ts";
import { WoodpeckerPipelines } from "./pipelines.ts";
import { ROUTES } from "./routes.ts";
import { repoSchema } from "./schemas.ts";
import { WoodpeckerSecrets } from "./secrets.ts";

export interface WoodpeckerCiOptions {
  /** Server root (`https://ci.example`) or API base (`…/api`). */
  url: string;
  /** Personal access token ("User settings → CLI & API"). */
  token: string;
  /** The run's redactor; the token is registered with it. */
  redactor?: Redactor;
  /** Per request attempt. Default 30 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  connections?: number;
  userAgent?: string;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export function woodpeckerApiBase(url: string): string {
  const trimmed = url.replace(/\/+$/, "");
  return /\/api$/.test(trimmed) ? trimmed : `${trimmed}/api`;
}

export class WoodpeckerCi implements Ci {
  readonly http: HttpClient;
  private readonly repos = new Map<number, RepoCi>();

  constructor(opts: WoodpeckerCiOptions) {
    if (opts.token.trim() === "") throw new Error("Woodpecker token is empty");
    this.http = new HttpClient({
      baseUrl: woodpeckerApiBase(opts.url),
      authorization: `Bearer ${opts.token}`,
      secret: opts.token,
      redactor: opts.redactor,
      timeoutMs: opts.timeoutMs,
      retry: opts.retry,
      connections: opts.connections ?? 4,
      userAgent: opts.userAgent ?? "disinto-ci",
      random: opts.random,
      sleep: opts.sleep,
    });
  }

  async lookupRepo(fullName: string): Promise<CiRepo | undefined> {
    const parts = fullName.split("/").filter((p) => p !== "");
    const name = parts.pop();
    if (name === undefined || parts.length === 0) throw new Error(`repo full name must be "owner/name", got ${JSON.stringify(fullName)}`);
    // Nested groups (GitLab) keep their slashes: the lookup route takes the full name as a path.
    const res = await unlessNotFound(this.http.json(ROUTES.repoLookup, repoSchema, { params: { owner: parts, name } }));
    return res?.data;
  }

  async getRepo(repoId: number): Promise<CiRepo | undefined> {
    const res = await unlessNotFound(this.http.json(ROUTES.repoGet, repoSchema, { params: repoContext(this.http, repoId).params }));
    return res?.data;
  }

  async activateRepo(repo: { forgeRemoteId: string | number; fullName: string }): Promise<CiRepo> {
    const remoteId = String(repo.forgeRemoteId);
    if (remoteId === "" || remoteId === "0") throw new Error(`activate ${repo.fullName}: forge repo id is missing`);
    const existing = await this.lookupRepo(repo.fullName);
    if (existing?.active === true) return existing;
    try {
      return (await this.http.json(ROUTES.repoActivate, repoSchema, { query: { forge_remote_id: remoteId } })).data;
    } catch (err) {
      // 409: active already (someone else was quicker, or our lost response did it).
      if (hasStatus(err, 409) || isUnknownOutcome(err)) {
        const now = await this.lookupRepo(repo.fullName);
        if (now?.active === true) return now;
      }
      throw err;
    }
  }

  async updateRepo(repoId: number, patch: RepoPatch): Promise<CiRepo> {
    const body: Record<string, unknown> = {};
    if (patch.timeout !== undefined) body.timeout = patch.timeout;
    if (patch.configFile !== undefined) body.config_file = patch.configFile;
    try {
      return (await this.http.json(ROUTES.repoUpdate, repoSchema, { params: repoContext(this.http, repoId).params, body, idempotent: true })).data;
    } catch (err) {
      if (hasStatus(err, 400, 422)) throw new CiValidationError(`settings of repo ${repoId}`, err);
      throw err;
    }
  }

  repo(repoId: number): RepoCi {
    let handle = this.repos.get(repoId);
    if (!handle) {
      handle = new WoodpeckerRepo(this.http, repoId);
      this.repos.set(repoId, handle);
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

class WoodpeckerRepo implements RepoCi {
  readonly id: number;
  readonly pipelines: PipelinesApi;
  readonly crons: CronsApi;
  readonly secrets: SecretsApi;

  constructor(http: HttpClient, repoId: number) {
    const ctx = repoContext(http, repoId);
    this.id = repoId;
    this.pipelines = new WoodpeckerPipelines(ctx);
    this.crons = new WoodpeckerCrons(ctx);
    this.secrets = new WoodpeckerSecrets(ctx);
  }
}
