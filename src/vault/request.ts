// Asking for a vault action (reference §10.3), for any agent (the manifest's `vault_request`)
// and `disinto vault request FILE`. Low tier: committed to the ops repo's main with
// `dispatch_mode = "direct"`, and the push starts the dispatcher. Medium and high: branch
// `vault/<id>`, PR `vault: <id>` with labels `vault` and `pending-approval`; a person approves.
// An id is asked for once: a second request returns the first, whatever became of it.
import { SCHEDULED_AGENTS, type ProjectConfig, type ScheduledAgent } from "../config/project.ts";
import type { Forge, RepoForge } from "../forge/types.ts";
import { ConflictError } from "../forge/errors.ts";
import { ConfigError } from "../lib/errors.ts";
import { knownFormulas, vaultRules } from "./formulas.ts";
import { checkAction, actionPath, renderAction, requestBranch, requestTitle, resultPath, type Tier, type VaultAction } from "./action.ts";
import { classify, loadPolicy, type VaultPolicy } from "./tiers.ts";
import { parseResult } from "./results.ts";

/** pending: PR open · direct/approved: on main, not yet run · a result status once it ran. */
export type RequestState = "pending" | "direct" | "approved" | "rejected" | "ok" | "failed" | "invalid";

export interface RequestOutcome {
  id: string;
  /** False when the id was requested before: nothing was written. */
  created: boolean;
  state: RequestState;
  tier?: Tier;
  reasons?: string[];
  pr?: number;
  url?: string;
}

export interface RequestDeps {
  ops: RepoForge;
  policy: VaultPolicy;
  /** The ops repo's default branch. */
  base: string;
  /** Who asks (an agent's login, or the CLI's user), for the PR body. */
  requester: string;
  /** Label names of the ops repo (the config's labels.vault and labels["pending-approval"]). */
  labels: { vault: string; pending: string };
  /** Masks secret values in what is written (the state store's redaction). */
  redact?: (text: string) => string;
}

/** What became of an id requested before, or undefined when it is new. Three reads at most. */
export async function existingRequest(ops: RepoForge, id: string): Promise<RequestOutcome | undefined> {
  const result = await ops.contents.get(resultPath(id));
  if (result !== undefined) {
    const r = parseResult(result.text);
    return { id, created: false, state: r?.status ?? "failed", ...(r?.pr !== undefined ? { pr: r.pr } : {}) };
  }
  const onMain = await ops.contents.get(actionPath(id));
  if (onMain !== undefined) return { id, created: false, state: /^dispatch_mode\s*=\s*"direct"/m.test(onMain.text) ? "direct" : "approved" };
  const pr = await ops.pulls.findByHead(requestBranch(id), { state: "all" });
  if (pr !== undefined) return { id, created: false, state: pr.merged ? "approved" : pr.state === "open" ? "pending" : "rejected", pr: pr.number, url: pr.htmlUrl };
  return undefined;
}

export function requestBody(a: VaultAction, tier: Tier, reasons: readonly string[], requester: string, fileText: string): string {
  return [
    `**${requester}** asks to run the vault formula \`${a.formula}\`.`,
    "",
    "### Why",
    "",
    a.context,
    "",
    "| | |",
    "| --- | --- |",
    `| formula | \`${a.formula}\` |`,
    `| secrets | ${a.secrets.length > 0 ? a.secrets.map((s) => `\`${s}\``).join(", ") : "none"} |`,
    `| tier | **${tier}** (${reasons.join("; ")}) |`,
    `| timeout | ${a.timeout_minutes} min |`,
    "",
    "```toml",
    fileText.trimEnd(),
    "```",
    "",
    "This needs an admin of this repository who is not a disinto identity: **approve** the pull request (on its latest commit) and merge it. The vault dispatcher checks the approval before it runs anything; close the PR to refuse.",
    "",
    `<!-- disinto:vault:${a.id} -->`,
  ].join("\n");
}

export async function requestVault(deps: RequestDeps, action: VaultAction): Promise<RequestOutcome> {
  return (await existingRequest(deps.ops, action.id)) ?? createRequest(deps, action);
}

/** Write a request for an id that has none yet (the caller looked). */
async function createRequest(deps: RequestDeps, action: VaultAction): Promise<RequestOutcome> {
  const { ops } = deps;
  const { tier, reasons } = classify(action, deps.policy);
  const redact = deps.redact ?? ((t: string) => t);
  if (tier === "low") {
    const text = redact(renderAction({ ...action, dispatch_mode: "direct" }));
    try {
      await ops.contents.create(actionPath(action.id), { text, message: `vault: request ${action.id} (${action.formula}, low tier: direct)\n\nRequested by ${deps.requester}.\n` });
    } catch (err) {
      if (err instanceof ConflictError) return (await existingRequest(ops, action.id)) ?? { id: action.id, created: false, state: "direct" };
      throw err;
    }
    return { id: action.id, created: true, state: "direct", tier, reasons };
  }
  const branch = requestBranch(action.id);
  const text = redact(renderAction({ ...action, dispatch_mode: "pr" }));
  if ((await ops.branches.get(branch)) === undefined) {
    try {
      await ops.branches.create(branch, deps.base);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  const cur = await ops.contents.get(actionPath(action.id), { ref: branch });
  if (cur === undefined) await ops.contents.create(actionPath(action.id), { text, message: `vault: request ${action.id} (${action.formula}, ${tier} tier)\n`, branch });
  else if (cur.text !== text) await ops.contents.update(actionPath(action.id), { text, message: `vault: request ${action.id} (${action.formula}, ${tier} tier)\n`, branch, sha: cur.sha });
  const pr = await ops.pulls.create({
    head: branch,
    base: deps.base,
    title: requestTitle(action.id),
    body: redact(requestBody(action, tier, reasons, deps.requester, text)),
    labels: [deps.labels.vault, deps.labels.pending],
  });
  return { id: action.id, created: true, state: "pending", tier, reasons, pr: pr.number, url: pr.htmlUrl };
}

export interface AgentRequestRuntime {
  ops: RepoForge;
  forge: Pick<Forge, "getRepo">;
  login: string;
  state: { redact(text: string): string };
  config?: Pick<ProjectConfig, "vault" | "labels">;
}

/** A judgment agent's `vault_request`, validated against the project's allowlists and asked for. */
export async function requestFromAgent(
  rt: AgentRequestRuntime,
  a: { id: string; formula: string; context: string; secrets: string[]; params: Record<string, string>; blast_radius?: Tier | undefined },
  agent: string,
): Promise<RequestOutcome> {
  const before = await existingRequest(rt.ops, a.id);
  if (before !== undefined) return before;
  const formulas = await knownFormulas(rt.ops);
  const raw = { id: a.id, formula: a.formula, context: a.context, secrets: a.secrets, params: a.params, ...(a.blast_radius !== undefined ? { blast_radius: a.blast_radius } : {}), ...(isScheduled(agent) ? { requested_by: agent } : {}) };
  const checked = checkAction(raw, `${agent}'s vault_request ${a.id}`, vaultRules(formulas, rt.config?.vault.secrets ?? []));
  if (!checked.ok) throw new ConfigError(checked.issues);
  const [{ policy }, repo] = await Promise.all([loadPolicy(rt.ops), rt.forge.getRepo(rt.ops.ref)]);
  return createRequest(
    {
      ops: rt.ops,
      policy,
      base: repo?.defaultBranch ?? "main",
      requester: `${rt.login} (${agent})`,
      labels: { vault: rt.config?.labels.vault ?? "vault", pending: rt.config?.labels["pending-approval"] ?? "pending-approval" },
      redact: (t) => rt.state.redact(t),
    },
    checked.action,
  );
}

const isScheduled = (agent: string): agent is ScheduledAgent => (SCHEDULED_AGENTS as readonly string[]).includes(agent);
