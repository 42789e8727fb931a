// What an agent may do with a task's manifest (DESIGN §10.4): which action kinds, which labels
// it may add or remove, how many actions and new issues per run, where in the ops repo it may
// write. The check is pure — the manifest and a snapshot of the issues it names, read by the
// applier beforehand — and a manifest with one action outside the policy is rejected whole,
// every violation listed, so nothing is ever half-applied.
import { checkAction as checkVaultAction, type ActionRules } from "../vault/action.ts";
import { ACTION_KINDS, proseOf, referencedKeys, targetsOf, type Action, type ActionKind, type Manifest } from "./actions.ts";

/** The label the dev agent puts on the issue it works on: off limits to judgment agents. */
export const HELD_LABEL = "in-progress";
export const PRIORITY_LABEL = "priority";

export interface Policy {
  /** The agent, as in markers `<!-- disinto:<agent>:<key> -->` and ops folders. */
  agent: string;
  kinds: readonly ActionKind[];
  labels: { add: readonly string[]; remove: readonly string[] };
  maxActions: number;
  maxNewIssues: number;
  /** Ops-repo folders it may write (`ops_write`, `ops_pr` files), e.g. `gardener/`. */
  opsFolders: readonly string[];
  /** Vault formulas it may request (`vault_request`); none unless listed. */
  vaultFormulas: readonly string[];
}

/** An issue or PR as the applier read it before the check. */
export interface TargetState {
  number: number;
  state: "open" | "closed";
  labels: readonly string[];
  isPull: boolean;
}

export interface Snapshot {
  /** Every number the manifest names; a number missing here does not exist on the forge. */
  targets: ReadonlyMap<number, TargetState>;
  /**
   * The vault's rules (formulas that exist, the project's secrets allowlist), read when the
   * manifest asks the vault for something: a `vault_request` the vault would refuse is a
   * violation here, before anything is applied. Without it, such a manifest is rejected.
   */
  vault?: ActionRules;
}

export type ViolationRule =
  | "kind"
  | "label"
  | "max_actions"
  | "max_new_issues"
  | "missing"
  | "not_an_issue"
  | "not_a_pull"
  | "held"
  | "closed"
  | "ops_path"
  | "ops_branch"
  | "duplicate_key"
  | "reference"
  | "vault";

export interface Violation {
  /** Index in the manifest's `actions`; -1 for the manifest as a whole. */
  index: number;
  kind: ActionKind | "manifest";
  rule: ViolationRule;
  message: string;
}

export type PolicyCheck = { ok: true } | { ok: false; violations: Violation[] };

/** A policy with its defaults: only its own ops folder, its own branches. */
export function policy(p: Partial<Policy> & Pick<Policy, "agent" | "kinds">): Policy {
  for (const k of p.kinds) if (!ACTION_KINDS.includes(k)) throw new Error(`policy of ${p.agent}: unknown action kind ${JSON.stringify(k)}`);
  return {
    agent: p.agent,
    kinds: p.kinds,
    labels: p.labels ?? { add: [], remove: [] },
    maxActions: p.maxActions ?? 10,
    maxNewIssues: p.maxNewIssues ?? 0,
    opsFolders: (p.opsFolders ?? [`${p.agent}/`]).map((f) => (f.endsWith("/") ? f : `${f}/`)),
    vaultFormulas: p.vaultFormulas ?? [],
  };
}

const ABOUT_CLOSING = new Set<ActionKind>(["close_issue", "close_pr"]);
const ISSUE_ONLY = new Set<ActionKind>(["edit_body", "close_issue", "sync_priority"]);

/** Every way `manifest` steps outside `p`, given what the forge holds (`snap`). */
export function checkPolicy(manifest: Manifest, p: Policy, snap: Snapshot): PolicyCheck {
  const out: Violation[] = [];
  const v = (index: number, kind: Violation["kind"], rule: ViolationRule, message: string): void => {
    out.push({ index, kind, rule, message });
  };
  const actions = manifest.actions;
  if (actions.length > p.maxActions) v(-1, "manifest", "max_actions", `${actions.length} actions; ${p.agent} may take at most ${p.maxActions} per run`);
  const creates = actions.filter((a) => a.kind === "create_issue");
  if (creates.length > p.maxNewIssues) v(-1, "manifest", "max_new_issues", `${creates.length} new issues; ${p.agent} may create at most ${p.maxNewIssues} per run`);

  const keys = new Map<string, number>();
  for (const [i, a] of actions.entries()) {
    const k = a.kind === "create_issue" || a.kind === "ops_pr" || a.kind === "vault_request" ? (a.kind === "vault_request" ? a.id : a.key) : a.kind === "comment" ? a.key : undefined;
    if (k === undefined) continue;
    const first = keys.get(k);
    if (first !== undefined) v(i, a.kind, "duplicate_key", `key ${k} is already used by action ${first}`);
    else keys.set(k, i);
  }
  const createdKeys = new Set(creates.map((a) => a.key));

  for (const [i, a] of actions.entries()) {
    if (!p.kinds.includes(a.kind)) {
      v(i, a.kind, "kind", `${p.agent} may not ${a.kind} in this task (allowed: ${p.kinds.join(", ") || "none"})`);
      continue;
    }
    checkAction(i, a, p, snap, createdKeys, v);
  }
  return out.length === 0 ? { ok: true } : { ok: false, violations: out };
}

function checkAction(i: number, a: Action, p: Policy, snap: Snapshot, createdKeys: ReadonlySet<string>, v: (index: number, kind: Violation["kind"], rule: ViolationRule, message: string) => void): void {
  if (a.kind === "vault_request") {
    if (!p.vaultFormulas.includes(a.formula)) v(i, a.kind, "vault", `${p.agent} may not request the vault formula ${a.formula} (may request: ${p.vaultFormulas.join(", ") || "none"})`);
    if (snap.vault === undefined) {
      v(i, a.kind, "vault", "the vault's rules (formulas, secrets allowlist) were not read, so the request cannot be checked");
      return;
    }
    const raw = { id: a.id, formula: a.formula, context: a.context, secrets: a.secrets, params: a.params, ...(a.blast_radius !== undefined ? { blast_radius: a.blast_radius } : {}) };
    const r = checkVaultAction(raw, `vault_request ${a.id}`, snap.vault);
    if (!r.ok) for (const x of r.issues) v(i, a.kind, "vault", `${x.path ? `${x.path}: ` : ""}${x.message}`);
    return;
  }
  if (a.kind === "add_label" && !p.labels.add.includes(a.label)) v(i, a.kind, "label", `${p.agent} may not add label ${a.label} (may add: ${p.labels.add.join(", ") || "none"})`);
  if (a.kind === "remove_label" && !p.labels.remove.includes(a.label)) v(i, a.kind, "label", `${p.agent} may not remove label ${a.label} (may remove: ${p.labels.remove.join(", ") || "none"})`);
  if (a.kind === "create_issue") {
    for (const l of a.labels) if (!p.labels.add.includes(l)) v(i, a.kind, "label", `${p.agent} may not create an issue with label ${l} (may add: ${p.labels.add.join(", ") || "none"})`);
  }
  if (a.kind === "sync_priority" && !(p.labels.add.includes(PRIORITY_LABEL) && p.labels.remove.includes(PRIORITY_LABEL))) {
    v(i, a.kind, "label", `${p.agent} may not both add and remove label ${PRIORITY_LABEL}, which sync_priority does`);
  }
  if (a.kind === "ops_write") checkOpsPath(i, a.kind, a.path, p, v);
  if (a.kind === "ops_pr") {
    for (const f of a.files) checkOpsPath(i, a.kind, f.path, p, v);
    if (!a.branch.startsWith(`${p.agent}/`)) v(i, a.kind, "ops_branch", `branch ${a.branch} is not under ${p.agent}/`);
  }
  for (const t of proseOf(a)) {
    for (const k of referencedKeys(t)) if (!createdKeys.has(k)) v(i, a.kind, "reference", `{{issue:${k}}} names no create_issue of this manifest`);
  }

  for (const n of targetsOf(a)) {
    const t = snap.targets.get(n);
    if (t === undefined) {
      v(i, a.kind, "missing", `#${n} does not exist`);
      continue;
    }
    if (a.kind === "close_pr" && !t.isPull) v(i, a.kind, "not_a_pull", `#${n} is an issue, not a pull request`);
    if (ISSUE_ONLY.has(a.kind) && t.isPull) v(i, a.kind, "not_an_issue", `#${n} is a pull request`);
    // The dev agent's issue: a sync leaves it as it is (apply skips it) rather than failing
    // the whole ranking; an action that names it is refused.
    if (t.labels.includes(HELD_LABEL) && a.kind !== "sync_priority") v(i, a.kind, "held", `#${n} is ${HELD_LABEL}: the dev agent holds it`);
    if (t.state === "closed" && !ABOUT_CLOSING.has(a.kind)) v(i, a.kind, "closed", `#${n} is closed; only close_issue and close_pr may name a closed issue`);
  }
}

function checkOpsPath(i: number, kind: ActionKind, path: string, p: Policy, v: (index: number, kind: Violation["kind"], rule: ViolationRule, message: string) => void): void {
  if (!p.opsFolders.some((f) => path.startsWith(f))) v(i, kind, "ops_path", `${path} is outside ${p.agent}'s ops folders (${p.opsFolders.join(", ")})`);
}

/** The violations as lines for the outcome, the log and the journal. */
export function describeViolations(vs: readonly Violation[]): string[] {
  return vs.map((x) => (x.index < 0 ? `manifest: ${x.rule}: ${x.message}` : `action ${x.index} (${x.kind}): ${x.rule}: ${x.message}`));
}
