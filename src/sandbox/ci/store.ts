// The sandbox CI's database: activated repositories, crons, secrets and API tokens in one
// JSON document (`state.json`), and one file per pipeline (`pipelines/<id>.json`, logs
// included). Both are written atomically (temp file + rename), writes to one file are chained
// and coalesced, so after a restart with the same data dir the CI resumes where it stopped.
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PipelineRecord } from "./executor.ts";
import type { PipelineMetadata } from "./metadata.ts";

export type ApprovalMode = "none" | "forks" | "pull_requests" | "all_events";

export interface CiRepo {
  id: number;
  /** The forge's repository id. */
  remoteId: number;
  owner: string;
  name: string;
  fullName: string;
  active: boolean;
  /** Login of the user who activated it: statuses and clones use that account's forge token. */
  userLogin: string;
  /** Minutes per workflow. */
  timeout: number;
  /** "" = Woodpecker's default order (.woodpecker/, .woodpecker.yaml, .woodpecker.yml). */
  configFile: string;
  trusted: { network: boolean; volumes: boolean; security: boolean };
  requireApproval: ApprovalMode;
  allowPr: boolean;
  allowDeploy: boolean;
  cancelPreviousPipelineEvents: string[];
  nextNumber: number;
  /** Unix seconds. */
  created: number;
}

export interface CiCron {
  id: number;
  repoId: number;
  name: string;
  schedule: string;
  /** "" = the repo's default branch at run time. */
  branch: string;
  enabled: boolean;
  timezone: string;
  variables: Record<string, string>;
  creatorId: number;
  created: number;
  /** Unix seconds of the next run (0 when there is none). */
  nextExec: number;
}

export interface CiSecret {
  id: number;
  repoId: number;
  name: string;
  value: string;
  events: string[];
  images: string[];
  note: string;
}

export interface PipelineConfig {
  /** Workflow file path, e.g. `.woodpecker/test.yml`. */
  name: string;
  /** sha256 of the content. */
  hash: string;
  data: string;
}

export interface PipelineError {
  type: "linter" | "deprecation" | "compiler" | "generic" | "bad_habit";
  message: string;
  is_warning: boolean;
  data?: unknown;
}

export interface CiPipeline {
  id: number;
  repoId: number;
  number: number;
  parent: number;
  event: string;
  /** Everything the `CI_*` variables came from; restarts and CI_PREV_* reuse it. */
  metadata: PipelineMetadata;
  /** Pull request title (PR events), else empty. */
  title: string;
  sender: string;
  created: number;
  updated: number;
  variables: Record<string, string>;
  configs: PipelineConfig[];
  /** Errors found before anything ran (config could not be parsed). */
  preErrors: PipelineError[];
  /** The executor's record: live while the pipeline runs, restored from disk afterwards. */
  record: PipelineRecord;
  /** Pull request facts (PR events). */
  pr?: { number: number; labels: string[]; fromFork: boolean };
}

interface StateFile {
  version: 1;
  nextId: Record<string, number>;
  /** CI API token per forge login. */
  tokens: Record<string, string>;
  repos: CiRepo[];
  crons: CiCron[];
  secrets: CiSecret[];
}

export class CiStore {
  readonly state: StateFile;
  readonly pipelines: CiPipeline[];
  /** True when the data dir held no CI state yet (seeds apply). */
  readonly fresh: boolean;
  private readonly dir: string | undefined;
  private readonly chains = new Map<string, { writing: Promise<void>; dirty: boolean }>();

  private constructor(dir: string | undefined, state: StateFile, pipelines: CiPipeline[], fresh: boolean) {
    this.dir = dir;
    this.state = state;
    this.pipelines = pipelines;
    this.fresh = fresh;
  }

  /** In memory only when `dir` is undefined. */
  static async open(dir: string | undefined): Promise<CiStore> {
    const empty: StateFile = { version: 1, nextId: {}, tokens: {}, repos: [], crons: [], secrets: [] };
    if (dir === undefined) return new CiStore(undefined, empty, [], true);
    await mkdir(join(dir, "pipelines"), { recursive: true });
    let state = empty;
    let fresh = true;
    try {
      state = JSON.parse(await readFile(join(dir, "state.json"), "utf8")) as StateFile;
      fresh = false;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    const pipelines: CiPipeline[] = [];
    for (const f of (await readdir(join(dir, "pipelines"))).filter((n) => /^\d+\.json$/.test(n))) {
      pipelines.push(JSON.parse(await readFile(join(dir, "pipelines", f), "utf8")) as CiPipeline);
    }
    pipelines.sort((a, b) => a.id - b.id);
    return new CiStore(dir, state, pipelines, fresh);
  }

  nextId(kind: string): number {
    const n = (this.state.nextId[kind] ?? 0) + 1;
    this.state.nextId[kind] = n;
    return n;
  }

  save(): Promise<void> {
    return this.write("state.json", () => JSON.stringify(this.state));
  }

  savePipeline(p: CiPipeline): Promise<void> {
    return this.write(join("pipelines", `${p.id}.json`), () => JSON.stringify(p));
  }

  async deletePipeline(p: CiPipeline): Promise<void> {
    const i = this.pipelines.indexOf(p);
    if (i >= 0) this.pipelines.splice(i, 1);
    if (!this.dir) return;
    const key = join("pipelines", `${p.id}.json`);
    await this.chains.get(key)?.writing;
    await rm(join(this.dir, key), { force: true });
  }

  /** Resolves once every write requested so far has landed. */
  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()].map((c) => c.writing));
  }

  /** Writes are chained per file; a write requested while one is in flight folds into one follow-up. */
  private write(rel: string, serialize: () => string): Promise<void> {
    const dir = this.dir;
    if (dir === undefined) return Promise.resolve();
    let chain = this.chains.get(rel);
    if (!chain) {
      chain = { writing: Promise.resolve(), dirty: false };
      this.chains.set(rel, chain);
    }
    const c = chain;
    c.dirty = true;
    c.writing = c.writing.then(async () => {
      if (!c.dirty) return;
      c.dirty = false;
      const file = join(dir, rel);
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, serialize());
      await rename(tmp, file);
    });
    return c.writing;
  }
}
