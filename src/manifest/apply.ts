// Applying a manifest with the agent's own identity. The policy is checked first against a
// fresh read of every issue the manifest names (a manifest outside it is rejected whole and
// nothing is written); then the actions run in a fixed order, each one idempotent, with a
// checkpoint after each so fault-injection tests can kill the run between any two of them.
//
// The order, and why:
//  1. create_issue — first, so the texts of later actions can name them (`{{issue:<key>}}`,
//     e.g. "Bundled into #B" on the sources of a bundled issue);
//  2. edit_body — an issue's body is fixed before a label makes it visible to the dev agent
//     (the original's rule: edit_body before add_label for enriched promotions);
//  3. comment;
//  4. add_label, then 5. remove_label — a kill between them leaves an issue with both labels
//     (still found by the next survey), never with neither (lost from every queue);
//  6. sync_priority;
//  7. close_issue, 8. close_pr — last on the forge: the closing comment is part of the close,
//     and a closed issue takes no other action, so nothing follows a close;
//  9. ops_write, 10. ops_pr — the agent's memory records what was done on the forge, so a kill
//     leaves it behind the forge (the next run redoes, idempotently), never ahead of it.
//
// Idempotent means: what is created carries `<!-- disinto:<agent>:<key> -->` and is looked for
// first (comments among the issue's comments, issues among the newest issues this login
// created — one page — PRs by their head branch); edits and ops writes compare before writing;
// label changes are no-ops when the label already is as wanted; a close of a closed issue is a
// no-op. A run killed anywhere and applied again ends in the same forge state.
import type { RepoForge } from "../forge/types.ts";
import type { AgentRuntime } from "../agents/runtime.ts";
import { describeAction, REFERENCE, targetsOf, type Action, type ActionKind, type ActionOf, type Manifest } from "./actions.ts";
import { contentKey, findMarked, hasMarker, withMarker } from "./marker.ts";
import { knownFormulas, vaultRules } from "../vault/formulas.ts";
import { requestFromAgent } from "../vault/request.ts";
import { checkPolicy, HELD_LABEL, PRIORITY_LABEL, type Policy, type Snapshot, type TargetState, type Violation } from "./policy.ts";

export type ApplyRuntime = Pick<AgentRuntime, "repo" | "ops" | "forge" | "state" | "login" | "log" | "checkpoint" | "dryRun"> & { config?: Pick<AgentRuntime["config"], "vault" | "labels"> };

export const APPLY_ORDER: readonly ActionKind[] = [
  "create_issue",
  "edit_body",
  "comment",
  "add_label",
  "remove_label",
  "sync_priority",
  "close_issue",
  "close_pr",
  "ops_write",
  "ops_pr",
  "vault_request",
];

/** How many issues this login created are read when looking for a marked one (one page). */
export const CREATED_LOOKBACK = 50;

export interface ActionResult {
  /** Index in the manifest. */
  index: number;
  kind: ActionKind;
  action: string;
  /** done: changed the forge or ops repo; noop: already as wanted; skipped: left alone on purpose; planned: a dry run's. */
  result: "done" | "noop" | "skipped" | "planned";
  detail?: string;
}

export type ApplyOutcome =
  | { status: "applied"; results: ActionResult[]; created: Record<string, number> }
  | { status: "rejected"; violations: Violation[] };

/** An action failed: the ones before it were applied (`results`); the next run may apply the rest. */
export class ApplyError extends Error {
  readonly results: readonly ActionResult[];
  readonly index: number;
  constructor(index: number, action: string, results: readonly ActionResult[], cause: unknown) {
    super(`manifest action ${index} (${action}) failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "ApplyError";
    this.results = results;
    this.index = index;
  }
}

/** The manifest's actions in apply order (stable: manifest order within a kind), with their manifest index. */
export function applyOrder(actions: readonly Action[]): { index: number; action: Action }[] {
  return actions.map((action, index) => ({ index, action })).sort((a, b) => APPLY_ORDER.indexOf(a.action.kind) - APPLY_ORDER.indexOf(b.action.kind) || a.index - b.index);
}

/** The checkpoint after the i-th action in apply order. */
export const checkpointName = (i: number): string => `manifest:after-${i}`;

/**
 * Every issue or PR the manifest names, as the forge has them now; with `vault`, the vault's
 * rules too when the manifest asks the vault for something (one ops-repo read).
 */
export async function readSnapshot(repo: RepoForge, manifest: Manifest, vault?: { ops: RepoForge; secrets: readonly string[] }): Promise<Snapshot> {
  const numbers = [...new Set(manifest.actions.flatMap(targetsOf))];
  const targets = new Map<number, TargetState>();
  const asksVault = vault !== undefined && manifest.actions.some((a) => a.kind === "vault_request");
  const [read, formulas] = await Promise.all([Promise.all(numbers.map((n) => repo.issues.get(n))), asksVault ? knownFormulas(vault.ops) : undefined]);
  for (const i of read) if (i !== undefined) targets.set(i.number, { number: i.number, state: i.state, labels: i.labels, isPull: i.isPull });
  if (formulas === undefined || vault === undefined) return { targets };
  return { targets, vault: vaultRules(formulas, vault.secrets) };
}

/** Check the manifest against the policy, then apply it; a rejected manifest writes nothing. */
export async function applyManifest(rt: ApplyRuntime, manifest: Manifest, p: Policy): Promise<ApplyOutcome> {
  const check = checkPolicy(manifest, p, await readSnapshot(rt.repo, manifest, { ops: rt.ops, secrets: rt.config?.vault.secrets ?? [] }));
  if (!check.ok) return { status: "rejected", violations: check.violations };
  return { status: "applied", ...(await applyChecked(rt, manifest, p.agent)) };
}

/** Apply a manifest that passed the policy. Throws ApplyError naming the action that failed. */
export async function applyChecked(rt: ApplyRuntime, manifest: Manifest, agent: string): Promise<{ results: ActionResult[]; created: Record<string, number> }> {
  const order = applyOrder(manifest.actions);
  const results: ActionResult[] = [];
  const created: Record<string, number> = {};
  if (rt.dryRun) {
    // A dry run lists what it would apply and reads nothing more: no write reaches the forge,
    // and actions after a create would need the number only the real create gives.
    for (const { index, action } of order) {
      rt.dryRun.write(`apply ${agent} action ${index}: ${describeAction(action)}`);
      results.push({ index, kind: action.kind, action: describeAction(action), result: "planned" });
    }
    return { results, created };
  }
  const applier = new Applier(rt, agent, created);
  for (const [i, { index, action }] of order.entries()) {
    const what = describeAction(action);
    let r: { result: ActionResult["result"]; detail?: string };
    try {
      r = await applier.apply(action);
    } catch (err) {
      throw new ApplyError(index, what, results, err);
    }
    results.push({ index, kind: action.kind, action: what, ...r });
    rt.log.info(`${agent}: ${what} → ${r.result}${r.detail ? ` (${r.detail})` : ""}`);
    await rt.checkpoint(checkpointName(i));
  }
  return { results, created };
}

type Step = { result: ActionResult["result"]; detail?: string };

class Applier {
  private mine: { number: number; body: string; author: string }[] | undefined;
  private opsDefault: string | undefined;

  private readonly rt: ApplyRuntime;
  private readonly agent: string;
  private readonly created: Record<string, number>;

  constructor(rt: ApplyRuntime, agent: string, created: Record<string, number>) {
    this.rt = rt;
    this.agent = agent;
    this.created = created;
  }

  apply(a: Action): Promise<Step> {
    switch (a.kind) {
      case "create_issue":
        return this.createIssue(a);
      case "edit_body":
        return this.editBody(a);
      case "comment":
        return this.comment(a.issue, a.key ?? contentKey(`comment/${a.issue}`, a.body), a.body);
      case "add_label":
        return this.addLabel(a);
      case "remove_label":
        return this.removeLabel(a);
      case "sync_priority":
        return this.syncPriority(a);
      case "close_issue":
        return this.close(a.issue, a.reason, false);
      case "close_pr":
        return this.close(a.pr, a.reason, true);
      case "ops_write":
        return this.opsWrite(a);
      case "ops_pr":
        return this.opsPr(a);
      case "vault_request":
        return this.vaultRequest(a);
    }
  }

  /** `{{issue:<key>}}` → `#N` of the issue created with that key. */
  private resolve(text: string): string {
    return text.replace(REFERENCE, (_m, key: string) => {
      const n = this.created[key];
      if (n === undefined) throw new Error(`{{issue:${key}}}: no issue was created with key ${key} before this action`);
      return `#${n}`;
    });
  }

  private async createIssue(a: ActionOf<"create_issue">): Promise<Step> {
    const repo = this.rt.repo;
    this.mine ??= await repo.issues.list({ state: "all", type: "issues", createdBy: this.rt.login, page: 1, limit: CREATED_LOOKBACK });
    const found = findMarked(this.mine, this.rt.login, this.agent, a.key);
    if (found) {
      this.created[a.key] = found.number;
      return { result: "noop", detail: `#${found.number} exists` };
    }
    const issue = await repo.issues.create({ title: a.title, body: withMarker(this.resolve(a.body), this.agent, a.key), labels: [...a.labels] });
    this.mine.unshift(issue);
    this.created[a.key] = issue.number;
    return { result: "done", detail: `#${issue.number}` };
  }

  private async editBody(a: ActionOf<"edit_body">): Promise<Step> {
    const body = this.resolve(a.body);
    const cur = await this.rt.repo.issues.get(a.issue);
    if (cur === undefined) throw new Error(`#${a.issue} no longer exists`);
    if (cur.body.trim() === body.trim()) return { result: "noop" };
    await this.rt.repo.issues.edit(a.issue, { body });
    return { result: "done" };
  }

  private async comment(issue: number, key: string, text: string): Promise<Step> {
    const comments = await this.rt.repo.comments.list(issue);
    if (findMarked(comments, this.rt.login, this.agent, key)) return { result: "noop", detail: "already posted" };
    await this.rt.repo.comments.create(issue, withMarker(this.resolve(text), this.agent, key));
    return { result: "done" };
  }

  private async addLabel(a: ActionOf<"add_label">): Promise<Step> {
    const have = await this.rt.repo.labels.onIssue(a.issue);
    if (have.includes(a.label)) return { result: "noop" };
    await this.rt.repo.labels.add(a.issue, [a.label]);
    return { result: "done" };
  }

  private async removeLabel(a: ActionOf<"remove_label">): Promise<Step> {
    const have = await this.rt.repo.labels.onIssue(a.issue);
    if (!have.includes(a.label)) return { result: "noop" };
    await this.rt.repo.labels.remove(a.issue, a.label);
    return { result: "done" };
  }

  private async syncPriority(a: ActionOf<"sync_priority">): Promise<Step> {
    const repo = this.rt.repo;
    const holders = await repo.issues.list({ state: "open", type: "issues", labels: [PRIORITY_LABEL] });
    const want = new Set(a.issues);
    const added: number[] = [];
    const removed: number[] = [];
    const held: number[] = [];
    for (const n of a.issues) {
      if (holders.some((h) => h.number === n)) continue;
      const labels = await repo.labels.onIssue(n);
      if (labels.includes(HELD_LABEL)) held.push(n);
      else if (!labels.includes(PRIORITY_LABEL)) {
        await repo.labels.add(n, [PRIORITY_LABEL]);
        added.push(n);
      }
    }
    for (const h of holders) {
      if (want.has(h.number)) continue;
      if (h.labels.includes(HELD_LABEL)) held.push(h.number);
      else {
        await repo.labels.remove(h.number, PRIORITY_LABEL);
        removed.push(h.number);
      }
    }
    const parts = [added.length > 0 ? `+${added.map((n) => `#${n}`).join(" +")}` : "", removed.length > 0 ? `-${removed.map((n) => `#${n}`).join(" -")}` : "", held.length > 0 ? `left alone (${HELD_LABEL}): ${held.map((n) => `#${n}`).join(", ")}` : ""].filter(Boolean);
    return { result: added.length + removed.length > 0 ? "done" : "noop", ...(parts.length > 0 ? { detail: parts.join("; ") } : {}) };
  }

  private async close(n: number, reason: string, pull: boolean): Promise<Step> {
    const repo = this.rt.repo;
    const cur = await repo.issues.get(n);
    if (cur === undefined) throw new Error(`#${n} no longer exists`);
    if (cur.state === "closed") return { result: "noop", detail: "already closed" };
    if (pull) {
      const pr = await repo.pulls.get(n);
      if (pr?.merged) return { result: "noop", detail: "merged" };
    }
    await this.comment(n, pull ? `close-pr/${n}` : `close/${n}`, reason);
    await repo.issues.close(n);
    return { result: "done" };
  }

  private async opsWrite(a: ActionOf<"ops_write">): Promise<Step> {
    const r = await this.rt.state.updateText(a.path, () => a.text, a.message);
    return { result: r.changed ? "done" : "noop" };
  }

  /** Last in the order: what the agent did on the forge is done before it asks for more. */
  private async vaultRequest(a: ActionOf<"vault_request">): Promise<Step> {
    const r = await requestFromAgent(this.rt, a, this.agent);
    const where = r.pr !== undefined ? `PR #${r.pr}${r.url ? ` ${r.url}` : ""}` : `${r.state}`;
    return { result: r.created ? "done" : "noop", detail: `${r.created ? "requested" : "requested before"}: ${where}${r.tier ? ` (tier ${r.tier})` : ""}` };
  }

  private async opsPr(a: ActionOf<"ops_pr">): Promise<Step> {
    const ops = this.rt.ops;
    this.opsDefault ??= (await this.rt.forge.getRepo(ops.ref))?.defaultBranch ?? "main";
    const base = this.opsDefault;
    const existing = await ops.pulls.findByHead(a.branch, { state: "all" });
    if (existing && existing.author.toLowerCase() === this.rt.login.toLowerCase() && hasMarker(existing.body, this.agent, a.key)) {
      if (existing.state === "closed" || existing.merged) return { result: "noop", detail: `PR #${existing.number} ${existing.merged ? "merged" : "closed"}` };
    }
    if ((await ops.branches.get(a.branch)) === undefined) await ops.branches.create(a.branch, base);
    const changes = [];
    for (const f of a.files) {
      const text = this.rt.state.redact(f.text);
      const cur = await ops.contents.get(f.path, { ref: a.branch });
      if (cur === undefined) changes.push({ operation: "create" as const, path: f.path, text });
      else if (cur.text !== text) changes.push({ operation: "update" as const, path: f.path, text, sha: cur.sha });
    }
    if (changes.length > 0) await ops.contents.commitFiles({ branch: a.branch, message: this.rt.state.message(a.title), files: changes });
    if (existing && existing.state === "open") return { result: changes.length > 0 ? "done" : "noop", detail: `PR #${existing.number}` };
    const pr = await ops.pulls.create({ head: a.branch, base, title: a.title, body: withMarker(this.resolve(a.body), this.agent, a.key) });
    return { result: "done", detail: `PR #${pr.number}` };
  }
}
