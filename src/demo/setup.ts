// Setting the factory up on the demo project the way a user would: `disinto init` with a
// project config naming dev-bot, review-bot and gardener-bot and the demo's backend, and supervisor-bot
// as the vault's dispatcher with one allowlisted secret (the demo's webhook URL), then merging the pull
// request init opens (as the admin, the person who ran init), so the pipelines land on main.
import { WoodpeckerCi } from "../ci/index.ts";
import type { ProjectConfig } from "../config/project.ts";
import { parseProjectConfig } from "../config/load.ts";
import { ForgejoForge } from "../forge/index.ts";
import type { PullRequest, RepoForge } from "../forge/types.ts";
import type { Env } from "../host/env.ts";
import { Init, describeStep } from "../init/init.ts";
import { pullRequestContexts } from "../init/templates.ts";
import type { Redactor } from "../lib/redact.ts";
/** The factory demo's release secret (src/demo/release.ts). */
export const RELEASE_SECRET = "RELEASE_TOKEN";

/** The demo seed's project (src/sandbox/forge/seed.ts). */
export const DEMO_REPO = { owner: "demo", name: "calc" } as const;
export const DEMO_OPS_REPO = { owner: "demo", name: "calc-ops" } as const;
export const DEMO_PROJECT = "calc";
export const DEV_LOGIN = "dev-bot";
export const REVIEW_LOGIN = "review-bot";
export const GARDENER_LOGIN = "gardener-bot";
/** The vault dispatcher's identity: init makes it an admin of the ops repo. */
export const VAULT_LOGIN = "supervisor-bot";
/** The one secret the demo's vault may hand out: the URL of the receiver the demo starts. */
export const DEMO_VAULT_SECRET = "WEBHOOK_URL";
const DEV_TOKEN_SECRET = "FORGE_DEV_TOKEN";
const REVIEW_TOKEN_SECRET = "FORGE_REVIEW_TOKEN";
const GARDENER_TOKEN_SECRET = "FORGE_GARDENER_TOKEN";
const VAULT_TOKEN_SECRET = "FORGE_VAULT_TOKEN";
/** The factory demo's planner; the sandbox's supervisor-bot watches health as well as dispatching the vault. */
export const PLANNER_LOGIN = "planner-bot";
export const SUPERVISOR_LOGIN = "supervisor-bot";
const PLANNER_TOKEN_SECRET = "FORGE_PLANNER_TOKEN";
const SUPERVISOR_TOKEN_SECRET = "FORGE_SUPERVISOR_TOKEN";
/** The sandbox has no architect account: planner-bot pitches too (the architect writes only to the ops repo). */
export const ARCHITECT_LOGIN = "planner-bot";
const ARCHITECT_TOKEN_SECRET = "FORGE_ARCHITECT_TOKEN";

/** Which demo: the whole factory (planner and supervisor too) or dev and review with the gardener and vault. */
export type DemoMode = "factory" | "dev-review";

export type DemoBackend = { kind: "scripted"; script: string } | { kind: "claude" } | { kind: "openai"; baseUrl: string; model: string; apiKeyEnv: string | undefined };

export interface FactoryInput {
  forgeUrl: string;
  ciUrl: string;
  /** The admin's forge and CI tokens: init needs an admin of the project repo. */
  adminToken: string;
  adminCiToken: string;
  devToken: string;
  reviewToken: string;
  gardenerToken: string;
  vaultToken: string;
  /** The factory demo's planner and supervisor tokens; without them only dev, review, gardener and vault are set up. */
  plannerToken?: string | undefined;
  supervisorToken?: string | undefined;
  /** The value of the vault secret WEBHOOK_URL, stored by init as a Woodpecker secret of the ops repo. */
  webhookUrl: string;
  backend: DemoBackend;
  /** The daily spend cap per backend (US dollars) written to the config's [limits]. */
  spendCapUsd?: number | undefined;
  /** Where init reads the backend's credentials (claude: ANTHROPIC_API_KEY, …) by name. */
  credentials: Env;
  redactor: Redactor;
  /** One line per change init makes, and per later step. */
  say: (line: string) => void;
}

export interface Factory {
  config: ProjectConfig;
  /** Woodpecker's id of demo/calc. */
  ciRepoId: number;
  /** The pull request init opened. */
  initPr: PullRequest;
}

const str = (s: string): string => JSON.stringify(s);

/** The project config the demo installs (TOML); `disinto validate` accepts it. */
export function demoConfigToml(input: { forgeUrl: string; ciUrl: string; ciRepoId: number; requiredContexts: readonly string[]; backend: DemoBackend; factory?: boolean; spendCapUsd?: number }): string {
  const backendName = input.backend.kind;
  const lines = [
    "# The disinto demo's project config, written by `disinto demo` through `disinto init`.",
    `name = ${str(DEMO_PROJECT)}`,
    `forge_url = ${str(input.forgeUrl)}`,
    `repo = ${str(`${DEMO_REPO.owner}/${DEMO_REPO.name}`)}`,
    `ops_repo = ${str(`${DEMO_OPS_REPO.owner}/${DEMO_OPS_REPO.name}`)}`,
    'primary_branch = "main"',
    'test_command = "node --test"',
    "",
    "[ci]",
    `woodpecker_url = ${str(input.ciUrl)}`,
    `woodpecker_repo_id = ${input.ciRepoId}`,
    `required_contexts = [${input.requiredContexts.map(str).join(", ")}]`,
    "",
    ...(input.spendCapUsd !== undefined ? ["# The demo's spend cap, printed up front: each backend stops at it for the day.", "[limits]", `budget_usd_per_day = ${input.spendCapUsd}`, ""] : []),
    "[identities.dev]",
    `login = ${str(DEV_LOGIN)}`,
    `token_secret = ${str(DEV_TOKEN_SECRET)}`,
    `backend = ${str(backendName)}`,
    "",
    "[identities.review]",
    `login = ${str(REVIEW_LOGIN)}`,
    `token_secret = ${str(REVIEW_TOKEN_SECRET)}`,
    `backend = ${str(backendName)}`,
    "",
    "[identities.gardener]",
    `login = ${str(GARDENER_LOGIN)}`,
    `token_secret = ${str(GARDENER_TOKEN_SECRET)}`,
    `backend = ${str(backendName)}`,
    "",
    ...(input.factory === true
      ? [
          "[identities.planner]",
          `login = ${str(PLANNER_LOGIN)}`,
          `token_secret = ${str(PLANNER_TOKEN_SECRET)}`,
          `backend = ${str(backendName)}`,
          "",
          "[identities.architect]",
          `login = ${str(ARCHITECT_LOGIN)}`,
          `token_secret = ${str(ARCHITECT_TOKEN_SECRET)}`,
          `backend = ${str(backendName)}`,
          "",
          "# The supervisor's circuit breaker and probes are code; the model only judges what no recipe knows.",
          "[identities.supervisor]",
          `login = ${str(SUPERVISOR_LOGIN)}`,
          `token_secret = ${str(SUPERVISOR_TOKEN_SECRET)}`,
          `backend = ${str(backendName)}`,
          "",
        ]
      : []),
    "# The vault's dispatcher runs approved actions from the ops repo; it runs no model.",
    "[identities.vault]",
    `login = ${str(VAULT_LOGIN)}`,
    `token_secret = ${str(VAULT_TOKEN_SECRET)}`,
    "",
    "[vault]",
    `secrets = [${[DEMO_VAULT_SECRET, ...(input.factory === true ? [RELEASE_SECRET] : [])].map(str).join(", ")}]`,
    "",
    `[backends.${backendName}]`,
  ];
  if (input.backend.kind === "scripted") {
    lines.push("# Canned answers, not a model: the demo runs the real agents and pipelines around them.", 'type = "scripted"', `script = ${str(input.backend.script)}`);
  } else if (input.backend.kind === "openai") {
    lines.push('type = "openai"', `base_url = ${str(input.backend.baseUrl)}`, `model = ${str(input.backend.model)}`);
    if (input.backend.apiKeyEnv !== undefined) lines.push(`api_key_env = ${str(input.backend.apiKeyEnv)}`);
  } else {
    lines.push('type = "claude-cli"');
  }
  return `${lines.join("\n")}\n`;
}

/** The project CI's pull-request contexts, from demo/calc's `.woodpecker/` on main. */
async function requiredContexts(repo: RepoForge): Promise<string[]> {
  const texts: Record<string, string> = {};
  for (const e of await repo.contents.list(".woodpecker")) {
    if (e.type !== "file") continue;
    const doc = await repo.contents.get(e.path);
    if (doc !== undefined) texts[e.name] = doc.text;
  }
  return pullRequestContexts(texts);
}

/**
 * Runs `disinto init` on demo/calc (labels, ops repo layout, config, crons, secrets, the
 * pipelines pull request). The pull request is returned open: merge it with `mergeInitPr`
 * once its CI has run.
 */
export async function setUpFactory(input: FactoryInput): Promise<Factory> {
  const forge = new ForgejoForge({ url: input.forgeUrl, token: input.adminToken, redactor: input.redactor });
  const ci = new WoodpeckerCi({ url: input.ciUrl, token: input.adminCiToken, redactor: input.redactor });
  const full = `${DEMO_REPO.owner}/${DEMO_REPO.name}`;
  let init: Init | undefined;
  try {
    const ciRepo = await ci.lookupRepo(full);
    if (ciRepo === undefined || !ciRepo.active) throw new Error(`the sandbox CI does not follow ${full}: the demo seed activates it`);
    const contexts = await requiredContexts(forge.repo(DEMO_REPO));
    const text = demoConfigToml({ forgeUrl: input.forgeUrl, ciUrl: input.ciUrl, ciRepoId: ciRepo.id, requiredContexts: contexts, backend: input.backend, factory: input.plannerToken !== undefined, ...(input.spendCapUsd !== undefined ? { spendCapUsd: input.spendCapUsd } : {}) });
    const file = `${DEMO_OPS_REPO.owner}/${DEMO_OPS_REPO.name}:projects/${DEMO_PROJECT}.toml`;
    const config = parseProjectConfig(text, file);
    init = new Init({
      repo: full,
      forgeUrl: input.forgeUrl,
      forgeToken: input.adminToken,
      ciUrl: input.ciUrl,
      ciToken: input.adminCiToken,
      config: { text, file: "the demo's project config" },
      env: { ...input.credentials, [DEV_TOKEN_SECRET]: input.devToken, [REVIEW_TOKEN_SECRET]: input.reviewToken, [GARDENER_TOKEN_SECRET]: input.gardenerToken, [VAULT_TOKEN_SECRET]: input.vaultToken, [DEMO_VAULT_SECRET]: input.webhookUrl,
        ...(input.plannerToken !== undefined ? { [PLANNER_TOKEN_SECRET]: input.plannerToken, [ARCHITECT_TOKEN_SECRET]: input.plannerToken } : {}),
        ...(input.supervisorToken !== undefined ? { [SUPERVISOR_TOKEN_SECRET]: input.supervisorToken } : {}),
        // The release formula's token: dev-bot's, which may write demo/calc (tags, releases).
        ...(input.plannerToken !== undefined ? { [RELEASE_SECRET]: input.devToken } : {}),
      },
      redactor: input.redactor,
    });
    const plan = await init.plan();
    if (plan.problems.length > 0) throw new Error(`disinto init cannot set the demo up:\n${plan.problems.map((p) => `  - ${p}`).join("\n")}`);
    await init.apply(plan, (step) => input.say(`  ${describeStep(step, true)}`));
    for (const n of plan.notes) input.say(`  note: ${n}`);
    const initPr = init.pullRequest();
    if (initPr === undefined) throw new Error("disinto init opened no pull request with the pipelines");
    return { config, ciRepoId: ciRepo.id, initPr };
  } finally {
    await Promise.all([init?.close(), forge.close(), ci.close()]);
  }
}

/** Merges init's pull request as the admin (the person who ran init would). */
export async function mergeInitPr(input: { forgeUrl: string; adminToken: string; redactor: Redactor }, pr: PullRequest): Promise<void> {
  const forge = new ForgejoForge({ url: input.forgeUrl, token: input.adminToken, redactor: input.redactor });
  try {
    const repo = forge.repo(DEMO_REPO);
    const now = await repo.pulls.get(pr.number);
    if (now === undefined) throw new Error(`pull request #${pr.number} is gone`);
    if (now.merged) return;
    await repo.pulls.merge(pr.number, { style: "merge", headCommitId: now.head.sha, deleteBranchAfterMerge: true });
  } finally {
    await forge.close();
  }
}
