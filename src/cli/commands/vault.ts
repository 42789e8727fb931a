// `disinto vault classify|request|list|show`: the vault by hand — see what tier an action
// gets and why, ask for one, and follow requests, approvals and results in the ops repo.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { loadProjectConfig, parseProjectConfig } from "../../config/load.ts";
import type { ProjectConfig } from "../../config/project.ts";
import { ForgejoForge } from "../../forge/index.ts";
import type { RepoForge } from "../../forge/types.ts";
import { baseSettingsSchema, loadSettings, settingsCliOptions } from "../../host/settings.ts";
import { ConfigError, UsageError } from "../../lib/errors.ts";
import { Redactor } from "../../lib/redact.ts";
import { actionPath, mustParseAction } from "../../vault/action.ts";
import { knownFormulas, vaultRules } from "../../vault/formulas.ts";
import { formatAge, vaultItem, vaultOverview } from "../../vault/overview.ts";
import { requestVault } from "../../vault/request.ts";
import { classify, loadPolicy, mergePolicy, parsePolicy, SHIPPED_POLICY } from "../../vault/tiers.ts";
import { write, type Command, type CommandInput, type OptionSpec } from "../command.ts";
import { requireOpsRepo, requireSettings, splitRepo } from "../forge-settings.ts";

const settingsSchema = baseSettingsSchema.pick({ forge_url: true, forge_token: true, ops_repo: true, project: true });
// Tokens come from the environment only: no flag takes a secret.
const settingOptions = settingsCliOptions(settingsSchema.omit({ forge_token: true }));
const jsonOption: OptionSpec = { type: "boolean", description: "Print JSON instead of text." };
const FORGE_NEEDS = `Needs --forge-url and --ops-repo (or DISINTO_FORGE_URL and DISINTO_OPS_REPO) and a forge
token that can read the ops repo in DISINTO_FORGE_TOKEN.`;

async function readArg(io: CommandInput["io"], file: string): Promise<string> {
  try {
    return await readFile(resolve(io.cwd, file), "utf8");
  } catch (err) {
    throw new UsageError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

async function withOps<T>(input: CommandInput, fn: (ops: RepoForge, forge: ForgejoForge, s: { project: string | undefined; login: () => Promise<string> }) => Promise<T>): Promise<T> {
  const redactor = new Redactor();
  const s = loadSettings(settingsSchema, { env: input.io.env, flags: input.flags, redactor });
  requireSettings(s, ["forge_url", "forge_token", "ops_repo"]);
  const forge = new ForgejoForge({ url: s.forge_url as string, token: s.forge_token as string, redactor });
  try {
    const ref = splitRepo(s.ops_repo as string);
    await requireOpsRepo(forge, ref, s.forge_url as string);
    return await fn(forge.repo(ref), forge, { project: s.project, login: async () => (await forge.currentUser()).login });
  } finally {
    await forge.close();
  }
}

function forgeGiven(input: CommandInput): boolean {
  const s = loadSettings(settingsSchema, { env: input.io.env, flags: input.flags, redactor: new Redactor() });
  return s.forge_url !== undefined && s.forge_token !== undefined && s.ops_repo !== undefined;
}

export const vaultClassifyCommand: Command = {
  name: ["vault", "classify"],
  usage: "vault classify FILE [--policy FILE] [--json]",
  summary: "Print the tier of a vault action (low, medium, high) and why",
  description: `Reads a vault action (TOML, see \`disinto schema vault-action\`) and prints its tier and the
reasons: the policy's tier for its formula (a formula the policy does not name is high), then
what its blast_radius did (it raises a tier always, and lowers it only where the policy's
[lowest] table allows).

The policy is disinto's shipped one, with the ops repo's vault/policy.toml over it when the
forge settings are given (${FORGE_NEEDS.replace(/\n/g, " ")}), or with --policy FILE over it.
Exit 2 when the file is not a valid action.`,
  options: { policy: { type: "string", value: "FILE", description: "A vault/policy.toml to lay over the shipped policy instead of the ops repo's." }, json: jsonOption, ...settingOptions },
  args: { min: 1, max: 1 },
  async run(input) {
    const file = input.args[0]!;
    const text = await readArg(input.io, file);
    const action = mustParseAction(text, file);
    let policy = SHIPPED_POLICY;
    let source = "disinto's shipped policy";
    if (typeof input.flags.policy === "string") {
      policy = mergePolicy(SHIPPED_POLICY, parsePolicy(await readArg(input.io, input.flags.policy), input.flags.policy));
      source = `${input.flags.policy} over disinto's shipped policy`;
    } else if (forgeGiven(input)) {
      ({ policy, source } = await withOps(input, (ops) => loadPolicy(ops)));
    }
    const c = classify(action, policy);
    if (input.flags.json === true) write(input.io.stdout, JSON.stringify({ id: action.id, formula: action.formula, tier: c.tier, reasons: c.reasons, policy: source }, null, 2));
    else write(input.io.stdout, `${action.id}: ${c.tier}\n${c.reasons.map((r) => `  - ${r}`).join("\n")}\n  (policy: ${source})`);
    return 0;
  },
};

export const vaultRequestCommand: Command = {
  name: ["vault", "request"],
  usage: "vault request FILE [--config FILE] [--json]",
  summary: "Ask for a vault action: low tier goes to main, medium and high open a PR for an admin's approval",
  description: `Validates the action against the project config (its formula must exist, its secrets must be
in [vault] secrets) and classifies it. Low tier: committed to the ops repo's main as
vault/actions/<id>.toml with dispatch_mode = "direct", and the vault pipeline runs it.
Medium and high: branch vault/<id>, pull request "vault: <id>" with labels vault and
pending-approval; an admin of the ops repo who is not a disinto identity approves and merges
it. Asking again for an id returns the first request, whatever became of it.

${FORGE_NEEDS} The token must be able to write the ops repo. The project config
comes from projects/<project>.toml in the ops repo (--project), or --config FILE.
Exit 2 when the action is invalid: nothing is written.`,
  options: { config: { type: "string", value: "FILE", description: "A local project config instead of projects/<project>.toml in the ops repo." }, json: jsonOption, ...settingOptions },
  args: { min: 1, max: 1 },
  async run(input) {
    const file = input.args[0]!;
    const text = await readArg(input.io, file);
    return withOps(input, async (ops, forge, s) => {
      const config = await projectConfig(input, ops, s.project);
      const formulas = await knownFormulas(ops);
      const action = mustParseAction(text, file, vaultRules(formulas, config.vault.secrets));
      const [{ policy }, repo, login] = await Promise.all([loadPolicy(ops), forge.getRepo(ops.ref), s.login()]);
      const r = await requestVault(
        { ops, policy, base: repo?.defaultBranch ?? "main", requester: login, labels: { vault: config.labels.vault, pending: config.labels["pending-approval"] } },
        action,
      );
      if (input.flags.json === true) write(input.io.stdout, JSON.stringify(r, null, 2));
      else if (!r.created) write(input.io.stdout, `${r.id}: requested before (${r.state}${r.pr !== undefined ? `, PR #${r.pr}` : ""}); nothing written`);
      else if (r.pr !== undefined) write(input.io.stdout, `${r.id}: ${r.tier} tier → PR #${r.pr} waits for an admin's approval${r.url ? `: ${r.url}` : ""}\n${(r.reasons ?? []).map((x) => `  - ${x}`).join("\n")}`);
      else write(input.io.stdout, `${r.id}: low tier → committed to main as ${actionPath(r.id)} (dispatch_mode = "direct")\n${(r.reasons ?? []).map((x) => `  - ${x}`).join("\n")}`);
      return 0;
    });
  },
};

async function projectConfig(input: CommandInput, ops: RepoForge, project: string | undefined): Promise<ProjectConfig> {
  if (typeof input.flags.config === "string") return loadProjectConfig(resolve(input.io.cwd, input.flags.config));
  if (project === undefined) throw new ConfigError([{ file: "settings", path: "project", message: "missing; give --project or DISINTO_PROJECT (selects projects/<project>.toml in the ops repo), or --config FILE" }]);
  const path = `projects/${project}.toml`;
  const doc = await ops.contents.get(path);
  if (doc === undefined) throw new ConfigError([{ file: `${ops.ref.owner}/${ops.ref.name}:${path}`, path: "", message: "not found in the ops repo" }]);
  return parseProjectConfig(doc.text, `${ops.ref.owner}/${ops.ref.name}:${path}`);
}

export const vaultListCommand: Command = {
  name: ["vault", "list"],
  usage: "vault list [--json]",
  summary: "List vault requests waiting for approval, actions queued or running, and results",
  description: `Reads the ops repo: open "vault: <id>" pull requests (waiting for an admin's approval, with
their age), actions on main without a result (approved or direct, the dispatcher runs them
next), running markers, and every result, newest first. Nothing is written.

${FORGE_NEEDS}`,
  options: { json: jsonOption, ...settingOptions },
  args: { min: 0, max: 0 },
  async run(input) {
    return withOps(input, async (ops) => {
      const o = await vaultOverview(ops);
      if (input.flags.json === true) {
        write(input.io.stdout, JSON.stringify(o, null, 2));
        return 0;
      }
      const lines = [`pending approval: ${o.pending.length === 0 ? "none" : ""}`];
      for (const p of o.pending) lines.push(`  ${p.id}  PR #${p.pr} by ${p.author}, ${formatAge(p.ageMinutes)} old  ${p.url}`);
      lines.push(`queued (on main, no result): ${o.queued.length === 0 ? "none" : o.queued.join(", ")}`);
      lines.push(`running: ${o.running.length === 0 ? "none" : o.running.join(", ")}`);
      lines.push(`results: ${o.results.length === 0 ? "none" : ""}`);
      for (const r of o.results) lines.push(`  ${r.id}  ${r.status}${r.exit_code !== null ? ` (exit ${r.exit_code})` : ""}  ${r.finished}${r.reason ? `  ${r.reason}` : ""}`);
      write(input.io.stdout, lines.join("\n"));
      return 0;
    });
  },
};

export const vaultShowCommand: Command = {
  name: ["vault", "show"],
  usage: "vault show ID [--json]",
  summary: "Show one vault action: its file, its request PR, and its result with the log's tail",
  description: `Reads vault/actions/<ID>.toml (on main, else on its request branch), the "vault: <ID>" pull
request, the running marker and vault/results/<ID>.json. Exit 2 when the ops repo knows
nothing of ID.

${FORGE_NEEDS}`,
  options: { json: jsonOption, ...settingOptions },
  args: { min: 1, max: 1 },
  async run(input) {
    const id = input.args[0]!;
    return withOps(input, async (ops) => {
      const item = await vaultItem(ops, id);
      if (item.action === undefined && item.pr === undefined && item.result === undefined) throw new UsageError(`vault show: no action, request or result with the id ${JSON.stringify(id)} in ${ops.ref.owner}/${ops.ref.name}`);
      if (input.flags.json === true) {
        write(input.io.stdout, JSON.stringify(item, null, 2));
        return 0;
      }
      const state = item.result ? item.result.status : item.running ? "running" : item.where === "main" ? "queued" : item.pr?.state === "open" ? "pending approval" : item.pr ? "closed" : "unknown";
      const lines = [`${id}: ${state}`];
      if (item.pr) lines.push(`request: PR #${item.pr.number} (${item.pr.merged ? "merged" : item.pr.state}) ${item.pr.url}`);
      if (item.action !== undefined) lines.push(`action (${item.where === "main" ? "on main" : "on its request branch"}):`, ...item.action.trimEnd().split("\n").map((l) => `  ${l}`));
      if (item.result) {
        const r = item.result;
        lines.push(`result: ${r.status}${r.exit_code !== null ? `, exit ${r.exit_code}` : ""}, ${r.started} → ${r.finished}${r.approved_by ? `, approved by ${r.approved_by} in PR #${r.pr}` : ""}`);
        if (r.reason) lines.push(`reason: ${r.reason}`);
        if (r.log) lines.push("log (tail):", ...r.log.trimEnd().split("\n").map((l) => `  ${l}`));
      }
      write(input.io.stdout, lines.join("\n"));
      return 0;
    });
  },
};
