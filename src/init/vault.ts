// What `disinto init` sets up for the vault when the config names a vault identity
// (`[identities.vault]`): the dispatcher's pipeline in the ops repo, the ops repo active in
// Woodpecker with the cron `disinto-vault`, the vault identity as an admin of the ops repo
// (it must read who approved a request), and the Woodpecker secrets of the ops repo — the
// vault identity's token and every allowlisted secret whose value is in init's environment,
// restricted to the plugin image and the pipeline's events. Missing values are listed, not
// fatal: an action that asks for one fails with a result that names it.
import type { Ci, CiRepo } from "../ci/types.ts";
import type { ProjectConfig } from "../config/project.ts";
import type { Forge, RepoRef } from "../forge/types.ts";
import type { Env } from "../host/env.ts";
import { lookupSecret } from "../host/secrets.ts";
import { PLUGIN_IMAGE } from "../lib/plugin-image.ts";
import type { Redactor } from "../lib/redact.ts";
import { VAULT_CRON, VAULT_CRON_SCHEDULE, VAULT_EVENTS, VAULT_PIPELINE_PATH, vaultPipelineYaml } from "../vault/pipeline.ts";

export interface VaultStep {
  verb: "create" | "update" | "add" | "write" | "activate" | "protect";
  object: string;
  run(): Promise<void>;
}

export interface VaultSetupInput {
  forge: Forge;
  ci: Ci;
  cfg: ProjectConfig;
  opsRef: RepoRef;
  /** Whether the ops repo exists now (else init creates it first, and nothing can be read yet). */
  opsExists: boolean;
  ciUrl: string;
  ciTokenSecret: string;
  /** The admin running init: the person whose approval merges vault requests. */
  admin: string;
  env: Env;
  redactor: Redactor;
}

export async function planVaultSetup(a: VaultSetupInput): Promise<{ steps: VaultStep[]; notes: string[]; problems: string[] }> {
  const id = a.cfg.identities.vault;
  const steps: VaultStep[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  if (id === undefined) return { steps, notes, problems };
  const opsName = `${a.opsRef.owner}/${a.opsRef.name}`;
  const ops = a.forge.repo(a.opsRef);
  const token = lookupSecret(a.env, id.token_secret, a.redactor);
  if (token === undefined) problems.push(`${id.token_secret} is not set: it must hold the forge token of the vault identity ${id.login} (init stores it as the Woodpecker secret ${id.token_secret.toLowerCase()} of ${opsName})`);

  const opsRepo = a.opsExists ? await a.forge.getRepo(a.opsRef) : undefined;
  const branch = opsRepo?.defaultBranch ?? "main";
  // No ci_url/ci_token: the dispatcher never calls the CI API, so its step holds no CI token
  // (and its pipeline does not depend on a CI secret the ops repo may not have).
  const yaml = vaultPipelineYaml({ project: a.cfg.name, opsRepo: opsName, forgeUrl: a.cfg.forge_url, branch, tokenSecret: id.token_secret, secrets: a.cfg.vault.secrets });
  const cur = a.opsExists ? await ops.contents.get(VAULT_PIPELINE_PATH) : undefined;
  if (cur?.text !== yaml) {
    steps.push({
      verb: "write",
      object: `${VAULT_PIPELINE_PATH} in ${opsName} (the vault dispatcher: pushes under vault/actions/, cron ${VAULT_CRON})`,
      run: async () => {
        const now = await ops.contents.get(VAULT_PIPELINE_PATH);
        if (now === undefined) await ops.contents.create(VAULT_PIPELINE_PATH, { text: yaml, message: "disinto init: the vault dispatcher's pipeline [skip ci]\n" });
        else if (now.text !== yaml) await ops.contents.update(VAULT_PIPELINE_PATH, { text: yaml, sha: now.sha, message: "disinto init: the vault dispatcher's pipeline [skip ci]\n" });
      },
    });
  }

  const level = a.opsExists ? await ops.collaborators.permission(id.login).catch(() => "none") : "none";
  if (level !== "admin" && level !== "owner") {
    steps.push({ verb: "add", object: `${id.login} (vault) as an admin of ${opsName} (it reads who approved a request)`, run: () => ops.collaborators.add(id.login, "admin") });
  }

  // Merging a request needs an admin's approval: only the approvals of the admin running init
  // count on the ops repo's main (the dispatcher checks the approval itself all the same).
  const protection = a.opsExists ? await ops.protections.get(branch) : undefined;
  const whitelisted = protection?.enableApprovalsWhitelist === true && protection.approvalsWhitelistUsernames.some((u) => u.toLowerCase() === a.admin.toLowerCase());
  const pushes = protection?.enablePush === true && !protection.pushWhitelistUsernames.some((u) => u.toLowerCase() === id.login.toLowerCase());
  if (!whitelisted || pushes || (protection?.requiredApprovals ?? 0) < 1) {
    steps.push({
      verb: "protect",
      object: `merges into ${branch} of ${opsName}: 1 approval, counted only from ${a.admin} (vault requests wait for a person); ${id.login} may push results`,
      run: async () => {
        const cur = await ops.protections.get(branch);
        await ops.protections.upsert(branch, {
          requiredApprovals: Math.max(1, cur?.requiredApprovals ?? 0),
          enableApprovalsWhitelist: true,
          approvalsWhitelistUsernames: [...new Set([...(cur?.enableApprovalsWhitelist ? cur.approvalsWhitelistUsernames : []), a.admin])],
          dismissStaleApprovals: true,
          // The dispatcher commits results to main: it pushes like the other agents.
          ...(cur?.enablePush ? { pushWhitelistUsernames: [...new Set([...cur.pushWhitelistUsernames, id.login])] } : {}),
        });
      },
    });
  }

  let ciRepo: CiRepo | undefined = await a.ci.lookupRepo(opsName).catch(() => undefined);
  const ciOf = async (): Promise<CiRepo> => {
    ciRepo ??= await a.ci.lookupRepo(opsName);
    if (ciRepo === undefined) throw new Error(`${opsName} is not active in Woodpecker`);
    return ciRepo;
  };
  if (ciRepo === undefined) {
    steps.push({
      verb: "activate",
      object: `${opsName} in Woodpecker (the vault dispatcher runs there)`,
      run: async () => {
        const repo = await a.forge.getRepo(a.opsRef);
        if (repo === undefined) throw new Error(`${opsName} does not exist`);
        ciRepo = await a.ci.activateRepo({ forgeRemoteId: repo.id, fullName: opsName });
      },
    });
  }
  const crons = ciRepo !== undefined ? await a.ci.repo(ciRepo.id).crons.list() : [];
  if (!crons.some((c) => c.name === VAULT_CRON)) {
    steps.push({ verb: "create", object: `cron ${VAULT_CRON} (${VAULT_CRON_SCHEDULE}) of ${opsName}`, run: async () => void (await a.ci.repo((await ciOf()).id).crons.create({ name: VAULT_CRON, schedule: VAULT_CRON_SCHEDULE })) });
  }
  const existing = ciRepo !== undefined ? await a.ci.repo(ciRepo.id).secrets.list() : [];
  const wanted: { env: string; value: string | undefined }[] = [{ env: id.token_secret, value: token }, ...a.cfg.vault.secrets.map((s) => ({ env: s, value: lookupSecret(a.env, s, a.redactor) }))];
  const missing: string[] = [];
  for (const w of wanted) {
    const name = w.env.toLowerCase();
    if (existing.some((s) => s.name === name)) continue;
    if (w.value === undefined) {
      if (w.env !== id.token_secret) missing.push(w.env);
      continue;
    }
    const value = w.value;
    steps.push({
      verb: "create",
      object: `secret ${name} of ${opsName} (from ${w.env}; events ${VAULT_EVENTS.join(", ")}; image ${PLUGIN_IMAGE} only)`,
      run: async () => {
        await a.ci.repo((await ciOf()).id).secrets.set({ name, value, events: [...VAULT_EVENTS], images: [PLUGIN_IMAGE], note: "disinto: written by `disinto init` for the vault" });
      },
    });
  }
  if (missing.length > 0) notes.push(`vault secrets not in init's environment, so not stored in Woodpecker for ${opsName}: ${missing.join(", ")} — an action that asks for one fails naming it; set them and run init again`);
  return { steps, notes, problems };
}
