// Labels by name. Names are resolved to ids from a per-repo cache loaded once per run: older
// servers (Forgejo ≤ v7, Gitea ≤ 1.21) take ids only, and every server silently ignores a
// name it does not know — so an unresolvable name throws UnknownLabelError here, after one
// refresh of the cache in case another agent created the label meanwhile.
import { hasStatus } from "../../http/errors.ts";
import { collect } from "../../http/paginate.ts";
import { UnknownLabelError } from "../errors.ts";
import type { Label, LabelSpec, LabelsApi } from "../types.ts";
import type { RepoContext } from "./context.ts";
import { ROUTES } from "./routes.ts";
import { labelNamesSchema, labelSchema } from "./schemas.ts";
import { writeOnce } from "./write-once.ts";

export class ForgejoLabels implements LabelsApi {
  private readonly ctx: RepoContext;
  /** name → label; repo labels first, then org labels (when the owner is an org). */
  private byName: Map<string, Label> | undefined;
  private loading: Promise<Map<string, Label>> | undefined;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async list(): Promise<Label[]> {
    return [...(await this.load(true)).values()];
  }

  async create(spec: LabelSpec): Promise<Label> {
    const body = { name: spec.name, color: normaliseColor(spec.color), description: spec.description ?? "", exclusive: spec.exclusive ?? false };
    const label = await writeOnce(this.ctx, {
      attempt: async () => (await this.ctx.http.json(ROUTES.labelCreate, labelSchema, { params: this.ctx.params, body })).data,
      // The server does not refuse duplicate names, so a lost response must not be resent
      // while the label is already there.
      find: async () => (await this.fetchRepoLabels()).find((l) => l.name === spec.name),
    });
    (await this.load(false)).set(label.name, label);
    return label;
  }

  async ensure(specs: LabelSpec[]): Promise<Label[]> {
    const known = await this.load(false);
    const out: Label[] = [];
    for (const spec of specs) {
      out.push(known.get(spec.name) ?? (await this.create(spec)));
    }
    return out;
  }

  async resolve(names: string[]): Promise<number[]> {
    const unique = [...new Set(names)];
    let known = await this.load(false);
    if (unique.some((n) => !known.has(n))) known = await this.load(true);
    const missing = unique.filter((n) => !known.has(n));
    if (missing.length > 0) throw new UnknownLabelError(this.ctx.slug, missing);
    return unique.map((n) => (known.get(n) as Label).id);
  }

  async onIssue(issue: number): Promise<string[]> {
    return (await this.ctx.http.json(ROUTES.issueLabelsList, labelNamesSchema, { params: { ...this.ctx.params, index: issue } })).data;
  }

  async add(issue: number, names: string[]): Promise<string[]> {
    if (names.length === 0) return this.onIssue(issue);
    const ids = await this.resolve(names);
    // Adding a label that is already there is a no-op on the server, so this POST may repeat.
    const res = await this.ctx.http.json(ROUTES.issueLabelsAdd, labelNamesSchema, { params: { ...this.ctx.params, index: issue }, body: { labels: ids }, idempotent: true });
    return res.data;
  }

  async remove(issue: number, name: string): Promise<void> {
    const [id] = await this.resolve([name]);
    // Removing a label the issue does not carry is a no-op (204), so a retry is harmless.
    await this.ctx.http.send(ROUTES.issueLabelRemove, { params: { ...this.ctx.params, index: issue, identifier: id as number } });
  }

  async replace(issue: number, names: string[]): Promise<string[]> {
    const ids = names.length === 0 ? [] : await this.resolve(names);
    const res = await this.ctx.http.json(ROUTES.issueLabelsReplace, labelNamesSchema, { params: { ...this.ctx.params, index: issue }, body: { labels: ids } });
    return res.data;
  }

  private async load(refresh: boolean): Promise<Map<string, Label>> {
    if (!refresh && this.byName) return this.byName;
    // Concurrent callers share one listing.
    this.loading ??= (async () => {
      // Both listings at once: one round trip to a distant forge instead of two.
      const [org, repo] = await Promise.all([this.fetchOrgLabels(refresh), this.fetchRepoLabels()]);
      const map = new Map<string, Label>();
      for (const l of org) if (!map.has(l.name)) map.set(l.name, l);
      // Repo labels win over org labels of the same name, as on the server; of two repo labels
      // with one name (the server allows it), the older one wins.
      const repoNames = new Set<string>();
      for (const l of repo) {
        if (repoNames.has(l.name)) continue;
        repoNames.add(l.name);
        map.set(l.name, l);
      }
      return map;
    })().finally(() => {
      this.loading = undefined;
    });
    const map = await this.loading;
    this.byName = map;
    return map;
  }

  private async fetchRepoLabels(): Promise<Label[]> {
    return collect(this.ctx.http, ROUTES.labelsList, labelSchema, { params: this.ctx.params });
  }

  /** Undefined until first asked; `ownerIsOrg` saves the 404 on every refresh for user repos. */
  private orgLabels: Label[] | undefined;
  private ownerIsOrg = true;
  private async fetchOrgLabels(refresh: boolean): Promise<Label[]> {
    if (this.orgLabels && (!refresh || !this.ownerIsOrg)) return this.orgLabels;
    try {
      this.orgLabels = await collect(this.ctx.http, ROUTES.orgLabelsList, labelSchema, { params: { org: this.ctx.ref.owner } });
    } catch (err) {
      // A user-owned repo has no org labels: the org route answers 404 (or 403 on some servers).
      if (!hasStatus(err, 404, 403)) throw err;
      this.orgLabels = [];
      this.ownerIsOrg = false;
    }
    return this.orgLabels;
  }
}

export function normaliseColor(color: string): string {
  const hex = color.trim().replace(/^#/, "").toLowerCase();
  if (!/^[0-9a-f]{6}$/.test(hex)) throw new Error(`label color must be #rrggbb, got ${JSON.stringify(color)}`);
  return `#${hex}`;
}
