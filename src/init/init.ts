// `disinto init`: from a project repo on a forge with a Woodpecker server to a factory that
// runs. It surveys first — only reads — and turns what it found into a plan of steps, each a
// single change with a one-line description; `--dry-run` prints the plan, a real run applies
// it. Everything that already exists is left as it is, so a second run plans nothing.
//
// What it sets up: the label catalogue (project and ops repo), the ops repo with its layout,
// the agents as collaborators, branch protection on the ops repo's main branch (only the
// agents and the admin push state there; merges into it need an approval), the project
// config, the Woodpecker repo with one cron and the secrets per agent, and a pull request
// adding `.woodpecker/disinto-<agent>.yml` to the project repo. With `--host actions` there is
// no Woodpecker: the secrets are the project repo's Forgejo Actions secrets and the pull request
// adds `.forgejo/workflows/disinto-<agent>.yml`.
import type { Ci, CiSecret, Cron } from "../ci/types.ts";
import { WoodpeckerCi } from "../ci/index.ts";
import { parseProjectConfig } from "../config/load.ts";
import { cronProblem, type ProjectConfig, type ScheduledAgent } from "../config/project.ts";
import { ForgejoForge, actionsSecretName, actionsSecretNameProblem } from "../forge/index.ts";
import type { Forge, PullRequest, Repo, RepoForge, RepoRef, User } from "../forge/types.ts";
import type { Env } from "../host/env.ts";
import { lookupSecret } from "../host/secrets.ts";
import { HttpError, hasStatus } from "../http/errors.ts";
import { ConfigError, UsageError, errorMessage } from "../lib/errors.ts";
import { PLUGIN_IMAGE } from "../lib/plugin-image.ts";
import type { Redactor } from "../lib/redact.ts";
import { CLAUDE_CREDENTIAL_NAMES } from "../llm/claude-cli/args.ts";
import { LAYOUT_DIRS, StateStore, ensureLayout, layoutFiles } from "../state/index.ts";
import { PLUGIN_AGENTS, disintoName, type PluginAgent } from "./agents.ts";
import { projectToml, type GeneratedConfig } from "./config.ts";
import { opsLabels, projectLabels } from "./labels.ts";
import { planVaultSetup } from "./vault.ts";
import { actionsWorkflows } from "./actions-templates.ts";
import { AGENT_CI_TOKEN_SECRET, TICK, ciWorkflowNames, pipelinePath, pipelineYaml, pullRequestContexts, secretNameFor, tickPipelineYaml } from "./templates.ts";

/** The branch of the pull request that adds the pipelines. */
export const INIT_BRANCH = "disinto/init";

/** Variable holding a separate CI token for the agents (default: the one init uses). */
export const AGENT_CI_TOKEN_ENV = "DISINTO_AGENT_CI_TOKEN";

/** Credentials the Claude Code CLI can log in with (the others only point it elsewhere). */
const CLAUDE_LOGINS = ["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_AUTH_TOKEN"];

export interface InitInput {
  /** The project repo, `owner/name`. */
  repo: string;
  forgeUrl: string;
  /** A token of a user who is an admin of the project repo (and may create the ops repo). */
  forgeToken: string;
  ciUrl: string;
  /** A Woodpecker token of a user who is an admin of the project repo on the forge. */
  ciToken: string;
  /** Default: the config's `ops_repo`, else `<repo>-ops`. */
  opsRepo?: string | undefined;
  /** Default: the config's name, else the repo's name. */
  project?: string | undefined;
  /** NAME of the variable holding each agent's token, for a config init writes (default FORGE_<AGENT>_TOKEN). */
  tokenSecrets?: Partial<Record<ScheduledAgent, string>>;
  /** A project config to install instead of the one in the ops repo or a generated one. */
  config?: { text: string; file: string } | undefined;
  /** Set every secret's value again, even where the secret exists (token rotation). */
  updateSecrets?: boolean;
  /** Where token values are read, by the names the config gives. */
  env: Env;
  /**
   * Where the agents run: Woodpecker (crons, secrets, `.woodpecker/` pipelines; the default) or
   * Forgejo Actions (`.forgejo/workflows/` started by the forge's events and schedules; no CI
   * server: init sets the repository's Actions secrets the workflows read).
   */
  host?: "woodpecker" | "actions";
  redactor: Redactor;
}

const PAST = { create: "created", update: "updated", add: "added", "lay out": "laid out", write: "wrote", protect: "protected", activate: "activated", open: "opened", disable: "disabled" } as const;
export type Verb = keyof typeof PAST;

export interface Step {
  verb: Verb;
  object: string;
  run(): Promise<void>;
}

export interface InitPlan {
  steps: Step[];
  /** What init would stop on, each naming what is missing; nothing is applied when there is one. */
  problems: string[];
  /** What was found in place, and what a human still has to do. */
  notes: string[];
}

export function describeStep(step: Step, done: boolean): string {
  return done ? `${PAST[step.verb]} ${step.object}` : `would ${step.verb} ${step.object}`;
}

interface Identity {
  agent: PluginAgent;
  login: string;
  tokenSecret: string;
  token: string | undefined;
}

interface CiFiles {
  /** Paths of the files in `.woodpecker/` on the default branch. */
  present: Set<string>;
  /** The project's own CI workflows (what review waits for on pull requests). */
  after: string[];
  /** Their commit status contexts on pull requests. */
  prContexts: string[];
}

interface WantedSecret {
  name: string;
  /** Where the value comes from, for messages. */
  source: string;
  value: string | undefined;
  events: Set<string>;
}

function splitRepo(full: string, what: string): RepoRef {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(full);
  if (!m) throw new UsageError(`${what} must be owner/name, like "acme/widgets"; got ${JSON.stringify(full)}`);
  return { owner: m[1] as string, name: m[2] as string };
}

const slug = (r: RepoRef): string => `${r.owner}/${r.name}`;
const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const trimUrl = (u: string): string => u.replace(/\/+$/, "");
const list = (xs: readonly string[]): string => xs.join(", ");

export class Init {
  private readonly input: InitInput;
  private readonly forge: Forge;
  private readonly ci: Ci;
  private readonly projectRef: RepoRef;
  /** Learnt while applying: what later steps need from earlier ones. */
  private readonly live: { ciRepoId: number | undefined; opsBranch: string | undefined; pr: PullRequest | undefined } = { ciRepoId: undefined, opsBranch: undefined, pr: undefined };

  constructor(input: InitInput) {
    this.input = input;
    this.projectRef = splitRepo(input.repo, "the project repo");
    this.forge = new ForgejoForge({ url: input.forgeUrl, token: input.forgeToken, redactor: input.redactor });
    // On Actions no Woodpecker is asked: the client is never called there.
    this.ci = new WoodpeckerCi({ url: input.ciUrl || "http://woodpecker.invalid", token: input.ciToken || "-", redactor: input.redactor });
  }

  async close(): Promise<void> {
    await Promise.all([this.forge.close(), this.ci.close()]);
  }

  /** The pull request adding the pipelines, once known (after `plan`, or after applying it). */
  pullRequest(): PullRequest | undefined {
    return this.live.pr;
  }

  /** Reads everything and plans the changes; writes nothing. */
  async plan(): Promise<InitPlan> {
    const plan: InitPlan = { steps: [], problems: [], notes: [] };
    const { problems } = plan;
    const forgeUrl = trimUrl(this.input.forgeUrl);
    const repoName = slug(this.projectRef);

    // ── the forge token and the project repo ──────────────────────────────────────────────
    let me: User;
    try {
      me = await this.forge.currentUser();
    } catch (err) {
      if (!hasStatus(err, 401, 403)) throw err;
      problems.push(`the forge token (DISINTO_FORGE_TOKEN) was refused by ${forgeUrl} (HTTP ${err.status}): give a token of a user who is an admin of ${repoName}`);
      return plan;
    }
    const project = await this.forge.getRepo(this.projectRef);
    if (project === undefined) {
      problems.push(`${repoName} was not found on ${forgeUrl}, or ${me.login} cannot see it: create the project repo first, or give a token of a user who can see it`);
      return plan;
    }
    if (project.permissions?.admin !== true) {
      problems.push(
        `${me.login} is not an admin of ${repoName}: init needs an admin's forge token (it adds the agents as collaborators and creates labels; Woodpecker activates a repo only for an admin)`,
      );
      return plan;
    }
    if (project.empty) {
      problems.push(`${repoName} has no commits yet: push its code first (init opens a pull request against ${project.defaultBranch || "its default branch"})`);
      return plan;
    }
    const repo = this.forge.repo(this.projectRef);
    const ciFiles = await this.surveyCiFiles(repo, project.defaultBranch, problems);
    if (ciFiles === undefined) return plan;

    // ── the project config: given, in the ops repo, or generated ──────────────────────────
    let given: ProjectConfig | undefined;
    if (this.input.config !== undefined) {
      try {
        given = parseProjectConfig(this.input.config.text, this.input.config.file);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(err.message);
        return plan;
      }
    }
    const opsRef = splitRepo(this.input.opsRepo ?? given?.ops_repo ?? `${repoName}-ops`, "the ops repo");
    const opsName = slug(opsRef);
    if (same(opsName, repoName)) {
      problems.push(`the ops repo must differ from the project repo (both are ${repoName}): it holds the factory's state, apart from the code`);
      return plan;
    }
    const name = this.input.project ?? given?.name ?? this.projectRef.name;
    const configPath = `projects/${name}.toml`;
    const opsRepo = await this.forge.getRepo(opsRef);
    if (opsRepo !== undefined && opsRepo.permissions?.admin !== true) {
      problems.push(`${me.login} is not an admin of the ops repo ${opsName}: init protects its main branch and adds the agents as collaborators`);
      return plan;
    }
    const ops = this.forge.repo(opsRef);
    const inOps = opsRepo !== undefined ? await ops.contents.get(configPath) : undefined;
    let config = given;
    if (config === undefined && inOps !== undefined) {
      try {
        config = parseProjectConfig(inOps.text, `${opsName}:${configPath}`);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(`${err.message}\n(fix ${configPath} in ${opsName}, or give a config with --config)`);
        return plan;
      }
    }
    if (config !== undefined) {
      const origin = given !== undefined ? this.input.config?.file ?? "--config" : `${opsName}:${configPath}`;
      if (config.name !== name) problems.push(`${origin}: name is ${JSON.stringify(config.name)} but the project is ${JSON.stringify(name)} (--project)`);
      if (!same(config.repo, repoName)) problems.push(`${origin}: repo is ${config.repo} but init was asked to set up ${repoName}`);
      if (!same(config.ops_repo, opsName)) problems.push(`${origin}: ops_repo is ${config.ops_repo} but the ops repo is ${opsName} (--ops-repo)`);
      if (!same(trimUrl(config.forge_url), forgeUrl)) problems.push(`${origin}: forge_url is ${config.forge_url} but init talks to ${forgeUrl} (--forge-url)`);
      if (problems.length > 0) return plan;
    }

    // ── identities and their tokens ───────────────────────────────────────────────────────
    const identities = await this.identities(config, problems, plan.notes);
    if (identities.length === 0 && problems.length === 0) {
      problems.push(`${configPath} has no identity for any agent init can schedule (${list(PLUGIN_AGENTS.map((a) => a.name))}): add [identities.dev] and [identities.review]`);
    }
    // A config to write is built from the identities found so far, so that a missing token
    // and a missing backend credential are reported together.
    let generated: GeneratedConfig | undefined;
    if (config === undefined && identities.length > 0) {
      generated = {
        name,
        forgeUrl,
        repo: repoName,
        opsRepo: opsName,
        primaryBranch: project.defaultBranch,
        ciUrl: trimUrl(this.input.ciUrl),
        requiredContexts: ciFiles.prContexts,
        identities: identities.map((i) => ({ role: i.agent.name, login: i.login, tokenSecret: i.tokenSecret })),
      };
      const shared = identities.filter((i, n) => identities.findIndex((j) => same(j.login, i.login)) !== n);
      if (shared.length > 0) {
        const first = shared[0] as Identity;
        const agents = identities.filter((i) => same(i.login, first.login)).map((i) => i.agent.name);
        problems.push(`the ${agents.join(" and ")} tokens belong to the same user (${first.login}): Forgejo refuses an approval from a PR's author, so each agent needs its own forge account`);
      } else {
        config = parseProjectConfig(projectToml(generated), configPath);
      }
    }

    // ── Woodpecker ────────────────────────────────────────────────────────────────────────
    let ciRepo;
    const actions = this.input.host === "actions";
    try {
      ciRepo = actions ? undefined : await this.ci.lookupRepo(repoName);
    } catch (err) {
      if (!hasStatus(err, 401, 403)) throw err;
      problems.push(`the CI token (DISINTO_CI_TOKEN) was refused by ${trimUrl(this.input.ciUrl)} (HTTP ${err.status}): give a Woodpecker token (User settings → CLI & API) of an admin of ${repoName}`);
      return plan;
    }
    const active = ciRepo?.active === true ? ciRepo : undefined;
    this.live.ciRepoId = active?.id;
    let crons: Cron[] = [];
    let secrets: CiSecret[] = [];
    if (active !== undefined && !actions) {
      try {
        [crons, secrets] = await Promise.all([this.ci.repo(active.id).crons.list(), this.ci.repo(active.id).secrets.list()]);
      } catch (err) {
        if (!hasStatus(err, 401, 403)) throw err;
        problems.push(`the CI token's user may not manage crons and secrets of ${repoName} in Woodpecker (HTTP ${err.status}): it needs push access to the repo`);
        return plan;
      }
    }
    // On Actions the secrets live on the project repo itself; names only, never values.
    let actionsSecrets = new Set<string>();
    if (actions) {
      try {
        actionsSecrets = new Set((await repo.actionsSecrets.list()).map((x) => actionsSecretName(x.name)));
      } catch (err) {
        if (!hasStatus(err, 403, 404)) throw err;
        problems.push(
          err.status === 403
            ? `the forge token may not manage the Actions secrets of ${repoName} (HTTP 403): init sets the secrets the workflows read; give a token of a repo admin with the repository scope`
            : `${forgeUrl} has no Actions secrets for ${repoName} (HTTP 404 from GET /repos/{owner}/{repo}/actions/secrets): init sets the secrets the workflows read there; it needs a Forgejo with Actions, enabled on the repo`,
        );
        return plan;
      }
    }
    if (config === undefined) return plan;
    const cfg = config;
    if (cfg.ci.woodpecker_repo_id !== undefined && active !== undefined && cfg.ci.woodpecker_repo_id !== active.id) {
      plan.notes.push(`${configPath} says ci.woodpecker_repo_id = ${cfg.ci.woodpecker_repo_id} but Woodpecker's id of ${repoName} is ${active.id}: fix the config`);
    }

    // ── secrets the pipelines read ────────────────────────────────────────────────────────
    const have = actions ? (envName: string): boolean => actionsSecrets.has(actionsSecretName(envName)) : (envName: string): boolean => secrets.some((x) => x.name === secretNameFor(envName));
    const { wanted, credentials } = this.wantedSecrets(cfg, identities, have, problems);
    if (problems.length > 0) return plan;

    // ── the pipelines pull request (surveyed now, applied last) ───────────────────────────
    const prStep = await this.planPipelines({ repo, project, ciFiles, cfg, identities, credentials, notes: plan.notes });
    if (problems.length > 0) return plan;

    // ── the steps, in the order they must run ─────────────────────────────────────────────
    const steps = plan.steps;
    if (opsRepo === undefined) steps.push(this.createOpsStep(me, opsRef));
    this.live.opsBranch = opsRepo?.defaultBranch;

    await this.labelSteps(repo, projectLabels(cfg), steps);
    await this.labelSteps(ops, opsLabels(cfg), steps, opsRepo === undefined);

    await this.collaboratorSteps(repo, project.owner, me, identities, steps, false, "project");
    await this.collaboratorSteps(ops, opsRef.owner, me, identities, steps, opsRepo === undefined, "ops");

    await this.layoutStep(ops, opsRepo === undefined, name, me, steps);

    if (active === undefined && !actions) {
      steps.push({
        verb: "activate",
        object: `${repoName} in Woodpecker (${trimUrl(this.input.ciUrl)})`,
        run: async () => {
          const r = await this.ci.activateRepo({ forgeRemoteId: project.id, fullName: repoName });
          this.live.ciRepoId = r.id;
        },
      });
    }

    this.configStep({ ops, opsName, configPath, inOps: inOps?.text, inOpsSha: inOps?.sha, given: given !== undefined ? this.input.config?.text : undefined, generated, me, steps, notes: plan.notes });

    await this.protectionStep(ops, opsRepo, me, identities, steps);
    await this.reviewProtectionStep(repo, cfg.primary_branch, me, identities, steps);

    if (actions) {
      this.actionsSecretSteps(repo, wanted, actionsSecrets, steps, problems);
      plan.notes.push("the vault dispatcher runs on Woodpecker only: on Actions, requests wait in the ops repo until it runs somewhere");
      if (problems.length > 0) return plan;
      if (prStep !== undefined) steps.push(prStep);
      return plan;
    }
    this.cronSteps(cfg, identities, crons, steps, problems);
    this.secretSteps(wanted, secrets, steps, problems);
    // The vault dispatcher lives in the ops repo (src/init/vault.ts).
    const vault = await planVaultSetup({ forge: this.forge, ci: this.ci, cfg, opsRef, opsExists: opsRepo !== undefined, ciUrl: this.input.ciUrl, ciTokenSecret: AGENT_CI_TOKEN_SECRET, admin: me.login, env: this.input.env, redactor: this.input.redactor });
    steps.push(...vault.steps);
    plan.notes.push(...vault.notes);
    problems.push(...vault.problems);
    if (problems.length > 0) return plan;

    if (prStep !== undefined) steps.push(prStep);
    return plan;
  }

  /** Runs the steps in order; `onDone` hears about each one as it completes. */
  async apply(plan: InitPlan, onDone: (step: Step) => void): Promise<void> {
    if (plan.problems.length > 0) throw new Error("init: a plan with problems cannot be applied");
    for (const step of plan.steps) {
      try {
        await step.run();
      } catch (err) {
        const what = `could not ${step.verb} ${step.object}`;
        if (err instanceof HttpError && (err.status === 401 || err.status === 403)) {
          throw new UsageError(`${what}: permission denied (${err.message}). The steps before this one are done; fix the permission and run init again.`, { cause: err });
        }
        throw new Error(`${what}: ${errorMessage(err)}`, { cause: err });
      }
      onDone(step);
    }
  }

  // ── survey helpers ────────────────────────────────────────────────────────────────────────

  /** The agents to set up, their logins and tokens (the token is what tells a login). */
  private async identities(config: ProjectConfig | undefined, problems: string[], notes: string[]): Promise<Identity[]> {
    const out: Identity[] = [];
    for (const agent of PLUGIN_AGENTS) {
      const fromConfig = config?.identities[agent.name];
      if (config !== undefined && fromConfig === undefined) continue;
      const tokenSecret = fromConfig?.token_secret ?? this.input.tokenSecrets?.[agent.name] ?? `FORGE_${agent.name.toUpperCase()}_TOKEN`;
      const token = lookupSecret(this.input.env, tokenSecret, this.input.redactor);
      if (config === undefined && agent.optional === true && token === undefined && this.input.tokenSecrets?.[agent.name] === undefined) {
        notes.push(`no ${agent.name} agent: ${tokenSecret} is not set (give its own account's token to include it in the config init writes; later, add [identities.${agent.name}] to the config and run init again)`);
        continue;
      }
      let login = fromConfig?.login;
      if (token === undefined) {
        // A config names the login; a generated one learns it from the token.
        if (login === undefined) {
          problems.push(`${tokenSecret} is not set: it must hold the forge token of the ${agent.name} agent's own account (init reads its login from it and stores it as ${this.secretWhere(tokenSecret)})`);
          continue;
        }
      } else {
        const who = await this.tokenLogin(token, tokenSecret, problems);
        if (who === undefined) continue;
        if (login !== undefined && !same(who, login)) {
          problems.push(`${tokenSecret} holds a token of ${who}, but identities.${agent.name}.login is ${login}`);
          continue;
        }
        login = who;
      }
      out.push({ agent, login, tokenSecret, token });
    }
    return out;
  }

  private async tokenLogin(token: string, name: string, problems: string[]): Promise<string | undefined> {
    const forge = new ForgejoForge({ url: this.input.forgeUrl, token, redactor: this.input.redactor });
    try {
      return (await forge.currentUser()).login;
    } catch (err) {
      if (!hasStatus(err, 401, 403)) throw err;
      problems.push(`${name} holds a token that ${trimUrl(this.input.forgeUrl)} refuses (HTTP ${err.status})`);
      return undefined;
    } finally {
      await forge.close();
    }
  }

  /**
   * Secret name → where its value comes from and which events may read it; and per agent the
   * NAMEs of its backend's credentials (its pipeline passes them as settings).
   */
  private wantedSecrets(
    cfg: ProjectConfig,
    identities: Identity[],
    /** Whether the secret holding this variable's value exists already. */
    have: (envName: string) => boolean,
    problems: string[],
  ): { wanted: Map<string, WantedSecret>; credentials: Map<string, string[]> } {
    const wanted = new Map<string, WantedSecret>();
    const credentials = new Map<string, string[]>();
    const want = (name: string, source: string, value: string | undefined, events: readonly string[]): void => {
      const w = wanted.get(name) ?? { name, source, value, events: new Set<string>() };
      for (const e of events) w.events.add(e);
      wanted.set(name, w);
    };
    const actions = this.input.host === "actions";
    // The workflows read `secrets.<NAME>` under the variable's own name; Woodpecker's are lower case.
    const nameOf = actions ? actionsSecretName : secretNameFor;
    const env = this.input.env;
    for (const id of identities) {
      want(nameOf(id.tokenSecret), id.tokenSecret, id.token, id.agent.events);
      if (!actions) {
        const agentCi = lookupSecret(env, AGENT_CI_TOKEN_ENV, this.input.redactor);
        want(AGENT_CI_TOKEN_SECRET, agentCi !== undefined ? AGENT_CI_TOKEN_ENV : "the CI token init uses", agentCi ?? this.input.ciToken, id.agent.events);
      }
      const creds = this.credentialsOf(cfg, id, have, problems);
      credentials.set(id.agent.name, creds);
      for (const cred of creds) want(nameOf(cred), cred, lookupSecret(env, cred, this.input.redactor), id.agent.events);
    }
    return { wanted, credentials };
  }

  /** NAMEs of the credentials the agent's backend reads: those given now or stored before. */
  private credentialsOf(cfg: ProjectConfig, id: Identity, have: (name: string) => boolean, problems: string[]): string[] {
    const backendName = cfg.identities[id.agent.name]?.backend;
    const backend = backendName === undefined ? undefined : cfg.backends[backendName];
    if (backend === undefined) return [];
    const known = (n: string): boolean => lookupSecret(this.input.env, n) !== undefined || have(n);
    switch (backend.type) {
      case "claude-cli": {
        const names = CLAUDE_CREDENTIAL_NAMES.filter(known);
        if (!names.some((n) => CLAUDE_LOGINS.includes(n)) && !problems.some((p) => p.startsWith(`the ${backendName} backend`))) {
          problems.push(
            `the ${backendName} backend (claude-cli) needs a credential: set ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN (init stores it as ${this.input.host === "actions" ? "an Actions secret of the project repo" : "a Woodpecker secret only the plugin image can read"})`,
          );
        }
        return names;
      }
      case "openai":
        if (backend.api_key_env === undefined) return [];
        if (!known(backend.api_key_env) && !problems.some((p) => p.startsWith(`${backend.api_key_env} `))) {
          problems.push(`${backend.api_key_env} is not set: the ${backendName} backend's API key (backends.${backendName}.api_key_env); init stores it as ${this.secretWhere(backend.api_key_env)}`);
        }
        return [backend.api_key_env];
      case "scripted":
        return [];
    }
  }

  /** The project's `.woodpecker/` folder: which files are there, its CI workflows and their PR contexts. */
  private async surveyCiFiles(repo: RepoForge, base: string, problems: string[]): Promise<CiFiles | undefined> {
    const [dir, root] = await Promise.all([repo.contents.list(".woodpecker", { ref: base }), repo.contents.list("", { ref: base })]);
    const single = root.find((e) => e.type === "file" && /^\.woodpecker\.ya?ml$/.test(e.name));
    if (dir.length === 0 && single !== undefined) {
      problems.push(
        `${slug(repo.ref)} keeps its CI in ${single.name}; Woodpecker reads only the .woodpecker/ folder once one exists, so adding disinto's pipelines there would switch that file off: move it to .woodpecker/<name>.yml first`,
      );
      return undefined;
    }
    const files = dir.filter((e) => e.type === "file");
    const ci = files.filter((e) => ciWorkflowNames([e.name]).length > 0);
    const texts: Record<string, string> = {};
    for (const e of ci) {
      const doc = await repo.contents.get(e.path, { ref: base });
      if (doc !== undefined) texts[e.name] = doc.text;
    }
    return { present: new Set(files.map((e) => e.path)), after: ciWorkflowNames(ci.map((e) => e.name)), prContexts: pullRequestContexts(texts) };
  }

  private async planPipelines(a: {
    repo: RepoForge;
    project: Repo;
    ciFiles: CiFiles;
    cfg: ProjectConfig;
    identities: Identity[];
    credentials: Map<string, string[]>;
    notes: string[];
  }): Promise<Step | undefined> {
    const { repo, project } = a;
    const base = project.defaultBranch;
    const { present, after } = a.ciFiles;
    if (this.input.host === "actions") {
      const files = Object.entries(actionsWorkflows(a.cfg, "forgejo", (agent) => a.credentials.get(agent) ?? [])).map(([path, text]) => ({ path, text }));
      const present = new Set((await repo.contents.list(".forgejo/workflows", { ref: base })).map((e) => e.path));
      const about = ["Adds the Forgejo Actions workflows of the disinto agents (written by `disinto init --host actions`):", "", ...files.map((f) => `- \`${f.path}\``), "", "Each runs its agent on the forge events that hand it work and on its schedule, one run at a time.", `The repository secrets they read (${this.actionsSecretNames(a.identities, a.credentials).map((n) => `\`${n}\``).join(", ")}) are set on this repository; the agents start once this is merged.`];
      return this.pipelinesPr(a, files, present, [], about);
    }
    const files = a.identities.map((id) => ({
      path: pipelinePath(id.agent.name),
      text: pipelineYaml({
        agent: id.agent.name,
        project: a.cfg.name,
        opsRepo: a.cfg.ops_repo,
        forgeUrl: trimUrl(a.cfg.forge_url),
        ciUrl: trimUrl(this.input.ciUrl),
        tokenSecret: id.tokenSecret,
        credentials: a.credentials.get(id.agent.name) ?? [],
        after,
      }),
    }));
    // The one-tick layout: the tick's own workflow, reading with the dev identity.
    const dev = a.identities.find((id) => id.agent.name === "dev");
    if (a.cfg.schedules.layout === "tick" && dev !== undefined) {
      files.push({
        path: pipelinePath(TICK),
        text: tickPipelineYaml({ project: a.cfg.name, opsRepo: a.cfg.ops_repo, forgeUrl: trimUrl(a.cfg.forge_url), ciUrl: trimUrl(this.input.ciUrl), tokenSecret: dev.tokenSecret }),
      });
    }
    return this.pipelinesPr(a, files, present, after);
  }

  /** The pull request adding the files that are missing on the default branch (what exists is kept). */
  private async pipelinesPr(a: { repo: RepoForge; project: Repo; notes: string[] }, files: { path: string; text: string }[], present: Set<string>, after: readonly string[] = [], about?: string[]): Promise<Step | undefined> {
    const { repo, project } = a;
    const repoName = slug(repo.ref);
    const base = project.defaultBranch;
    const missing: { path: string; text: string }[] = [];
    for (const f of files) {
      if (!present.has(f.path)) {
        missing.push(f);
        continue;
      }
      const cur = await repo.contents.get(f.path, { ref: base });
      if (cur !== undefined && cur.text !== f.text) a.notes.push(`${repoName}:${f.path} differs from what init would write; it is left as it is`);
    }
    if (missing.length === 0) return undefined;

    const pr = await repo.pulls.findByHead(INIT_BRANCH, { state: "open" });
    this.live.pr = pr;
    const branch = await repo.branches.get(INIT_BRANCH);
    const changes: { path: string; text: string; sha: string | undefined }[] = [];
    for (const f of missing) {
      const cur = branch !== undefined ? await repo.contents.get(f.path, { ref: INIT_BRANCH }) : undefined;
      if (cur?.text !== f.text) changes.push({ ...f, sha: cur?.sha });
    }
    const paths = list(missing.map((f) => f.path));
    if (pr !== undefined && changes.length === 0) {
      a.notes.push(`pull request #${pr.number} adding ${paths} is open (${pr.htmlUrl}): merge it to start the agents`);
      return undefined;
    }
    return {
      verb: pr !== undefined ? "update" : "open",
      object: pr !== undefined ? `pull request #${pr.number} on ${repoName} with ${list(changes.map((c) => c.path))}` : `a pull request on ${repoName} adding ${paths} (branch ${INIT_BRANCH})`,
      run: async () => {
        if (branch === undefined) await repo.branches.create(INIT_BRANCH, base);
        await repo.contents.commitFiles({
          branch: INIT_BRANCH,
          message: "Add disinto's agent pipelines",
          files: changes.map((c) => (c.sha === undefined ? { operation: "create" as const, path: c.path, text: c.text } : { operation: "update" as const, path: c.path, text: c.text, sha: c.sha })),
        });
        this.live.pr =
          pr ??
          (await repo.pulls.create({
            head: INIT_BRANCH,
            base,
            title: "Add disinto's agent pipelines",
            body: [
              ...(about ?? [
                "Adds the Woodpecker pipelines of the disinto agents (written by `disinto init`):",
                "",
                ...missing.map((f) => `- \`${f.path}\``),
                "",
                `Each runs the disinto plugin on its Woodpecker cron (\`disinto-<agent>\`) and on manual pipelines; the review agent also runs on pull requests, after ${after.length > 0 ? after.map((n) => `\`${n}\``).join(", ") : "the project's CI"}.`,
                "The crons and the secrets exist already; the agents start once this is merged.",
              ]),
            ].join("\n"),
          }));
      },
    };
  }

  private createOpsStep(me: User, ref: RepoRef): Step {
    return {
      verb: "create",
      object: `the ops repo ${slug(ref)} (private)`,
      run: async () => {
        const spec = { name: ref.name, description: `disinto control plane for ${slug(this.projectRef)}`, private: true, autoInit: true };
        let created: Repo;
        if (same(ref.owner, me.login)) created = await this.forge.createRepo(spec);
        else {
          try {
            created = await this.forge.createRepo({ ...spec, org: ref.owner });
          } catch (err) {
            // Not an organisation: a site admin may still create it in that user's namespace.
            if (!(hasStatus(err, 404) && me.isAdmin)) throw err;
            created = await this.forge.createRepo({ ...spec, forUser: ref.owner });
          }
        }
        this.live.opsBranch = created.defaultBranch;
      },
    };
  }

  private async labelSteps(repo: RepoForge, specs: ReturnType<typeof projectLabels>, steps: Step[], fresh = false): Promise<void> {
    const existing = fresh ? [] : (await repo.labels.list()).map((l) => l.name.toLowerCase());
    const missing = specs.filter((s) => !existing.includes(s.name.toLowerCase()));
    if (missing.length === 0) return;
    steps.push({
      verb: "create",
      object: `${missing.length} label${missing.length === 1 ? "" : "s"} on ${slug(repo.ref)}: ${list(missing.map((s) => s.name))}`,
      run: async () => {
        await repo.labels.ensure(missing);
      },
    });
  }

  private async collaboratorSteps(repo: RepoForge, owner: string, me: User, identities: Identity[], steps: Step[], fresh: boolean, which: "project" | "ops"): Promise<void> {
    for (const id of identities) {
      if (same(id.login, owner) || same(id.login, me.login)) continue;
      // Write on both, but for the architect on the project repo: state lives in the ops repo,
      // and on the project repo a reviewer's approval counts only with write access (and only
      // then may it label follow-ups). The architect writes only to the ops repo, so the forge
      // itself refuses it anything more than reading the project.
      const access = which === "project" && id.agent.name === "architect" ? "read" : "write";
      const enough = access === "read" ? ["read", "write", "admin", "owner"] : ["write", "admin", "owner"];
      if (!fresh && enough.includes(await repo.collaborators.permission(id.login))) continue;
      steps.push({
        verb: "add",
        object: `${id.login} (${id.agent.name}) as a collaborator with ${access} access to ${slug(repo.ref)}`,
        run: () => repo.collaborators.add(id.login, access),
      });
    }
  }

  private async layoutStep(ops: RepoForge, fresh: boolean, project: string, me: User, steps: Step[]): Promise<void> {
    const wanted = [...Object.keys(layoutFiles(project)), ...LAYOUT_DIRS.map((d) => `${d}/.gitkeep`)];
    let missing = wanted;
    if (!fresh) {
      const present = new Set<string>();
      const parents = new Set(wanted.map((p) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "")));
      for (const dir of parents) for (const e of await ops.contents.list(dir)) present.add(e.path);
      missing = wanted.filter((p) => !present.has(p));
    }
    if (missing.length === 0) return;
    steps.push({
      verb: "lay out",
      // A repo created now starts with the forge's own first commit: the count is not known yet.
      object: fresh ? `the ops repo ${slug(ops.ref)} (${this.folders(missing)})` : `the ops repo ${slug(ops.ref)}: ${missing.length} missing file${missing.length === 1 ? "" : "s"} (${this.folders(missing)})`,
      run: async () => {
        await ensureLayout(this.store(ops, me), project);
      },
    });
  }

  private folders(paths: string[]): string {
    const tops = [...new Set(paths.map((p) => (p.includes("/") ? `${p.slice(0, p.indexOf("/"))}/` : p)))];
    return tops.length > 6 ? `${list(tops.slice(0, 6))}, …` : list(tops);
  }

  private store(ops: RepoForge, me: User): StateStore {
    return new StateStore({ contents: ops.contents, author: { agent: "init", identity: me.login } });
  }

  private configStep(a: {
    ops: RepoForge;
    opsName: string;
    configPath: string;
    inOps: string | undefined;
    inOpsSha: string | undefined;
    given: string | undefined;
    generated: GeneratedConfig | undefined;
    me: User;
    steps: Step[];
    notes: string[];
  }): void {
    const where = `${a.opsName}:${a.configPath}`;
    if (a.given !== undefined) {
      if (a.inOps === a.given) return;
      const text = a.given;
      const sha = a.inOpsSha;
      a.steps.push({
        verb: sha === undefined ? "write" : "update",
        object: `${where} from ${this.input.config?.file ?? "--config"}`,
        run: async () => {
          const store = this.store(a.ops, a.me);
          if (sha === undefined) await store.createText(a.configPath, text, `project config for ${a.configPath}`);
          else await store.replaceText(a.configPath, text, sha, `project config for ${a.configPath}`);
        },
      });
      return;
    }
    if (a.inOps !== undefined) return;
    const gen = a.generated;
    if (gen === undefined) return;
    a.steps.push({
      verb: "write",
      object: `${where} (${gen.identities.map((i) => `${i.role}: ${i.login}`).join(", ")}; backend claude-cli)`,
      run: async () => {
        const text = projectToml({ ...gen, ciRepoId: this.live.ciRepoId });
        // Never write what the agents would refuse to read.
        parseProjectConfig(text, a.configPath);
        await this.store(a.ops, a.me).createText(a.configPath, text, `project config ${a.configPath}`);
      },
    });
  }

  private async protectionStep(ops: RepoForge, opsRepo: Repo | undefined, me: User, identities: Identity[], steps: Step[]): Promise<void> {
    const pushers = [...new Set([me.login, ...identities.map((i) => i.login)])];
    const current = opsRepo !== undefined ? await ops.protections.get(opsRepo.defaultBranch) : undefined;
    const listed = new Set((current?.pushWhitelistUsernames ?? []).map((l) => l.toLowerCase()));
    if (current !== undefined && current.enablePush && pushers.every((p) => listed.has(p.toLowerCase())) && current.requiredApprovals >= 1) return;
    steps.push({
      verb: "protect",
      object: `the main branch of ${slug(ops.ref)} (pushes only by ${list(pushers)}; merges need 1 approval)`,
      run: async () => {
        const branch = this.live.opsBranch ?? opsRepo?.defaultBranch ?? "main";
        await ops.protections.upsert(branch, {
          enablePush: true,
          // Keep whoever a human allowed before.
          pushWhitelistUsernames: [...new Set([...(current?.pushWhitelistUsernames ?? []), ...pushers])],
          requiredApprovals: Math.max(1, current?.requiredApprovals ?? 0),
          blockOnRejectedReviews: true,
          dismissStaleApprovals: true,
        });
      },
    });
  }

  /**
   * The project's primary branch makes the forge enforce what the dev agent checks before it
   * merges: one approval, counted only from the review identity or an admin (the user running
   * init), and dismissed by a new commit. Pushes stay as they were (anyone with write access,
   * unless a human restricted them): the agents push branches and merge by API.
   */
  private async reviewProtectionStep(repo: RepoForge, branch: string, me: User, identities: Identity[], steps: Step[]): Promise<void> {
    const reviewers = [...new Set([...identities.filter((i) => i.agent.name === "review").map((i) => i.login), me.login])];
    if (reviewers.length === 1) return; // no review identity: nobody would approve the dev agent's PRs
    const current = await repo.protections.get(branch);
    const whitelist = current?.enableApprovalsWhitelist === true ? current.approvalsWhitelistUsernames : [];
    const listed = new Set(whitelist.map((l) => l.toLowerCase()));
    if (current !== undefined && current.requiredApprovals >= 1 && current.enableApprovalsWhitelist && current.dismissStaleApprovals && current.blockOnRejectedReviews && reviewers.every((r) => listed.has(r.toLowerCase()))) return;
    steps.push({
      verb: "protect",
      object: `the ${branch} branch of ${slug(repo.ref)} (merges need 1 approval by ${list(reviewers)} and none of them requesting changes; a new commit dismisses it)`,
      run: async () => {
        await repo.protections.upsert(branch, {
          // A new rule must not stop the pushes that worked before it; an existing one keeps its own.
          ...(current === undefined ? { enablePush: true } : {}),
          requiredApprovals: Math.max(1, current?.requiredApprovals ?? 0),
          enableApprovalsWhitelist: true,
          // Keep whoever a human allowed before.
          approvalsWhitelistUsernames: [...new Set([...whitelist, ...reviewers])],
          dismissStaleApprovals: true,
          // An official REQUEST_CHANGES stops the merge at the forge too, not only in the dev agent.
          blockOnRejectedReviews: true,
        });
      },
    });
  }

  private cronSteps(cfg: ProjectConfig, identities: Identity[], crons: Cron[], steps: Step[], problems: string[]): void {
    // Under the one-tick layout every agent's cron exists but is disabled: the tick (or another
    // agent) starts it through run-cron-now when there is work, so an idle project runs one
    // pipeline per tick. Under "per-agent" each cron fires on its own schedule.
    const tick = cfg.schedules.layout === "tick";
    const ensure = (name: string, schedule: string, key: string, enabled: boolean): void => {
      const cur = crons.find((c) => c.name === name);
      // Checked before the first write, not left to Woodpecker's 422 after init changed things.
      const why = schedule === "off" ? undefined : cronProblem(schedule);
      if (why !== undefined) {
        problems.push(`schedules.${key}: Woodpecker would refuse the schedule ${JSON.stringify(schedule)}: ${why}`);
        return;
      }
      if (schedule === "off") {
        if (cur?.enabled === true) steps.push({ verb: "disable", object: `cron ${name} (schedules.${key} = "off")`, run: async () => void (await this.ciRepo().crons.update(cur.id, { enabled: false })) });
        return;
      }
      const mode = enabled ? "" : ", disabled: the tick starts it";
      if (cur === undefined) {
        steps.push({
          verb: "create",
          object: `cron ${name} (${schedule}${mode})`,
          run: async () => {
            const made = await this.ciRepo().crons.create({ name, schedule });
            if (!enabled) await this.ciRepo().crons.update(made.id, { enabled: false });
          },
        });
      } else if (cur.schedule !== schedule || cur.enabled !== enabled) {
        const parts = [cur.schedule !== schedule ? `${cur.schedule} → ${schedule}` : "", cur.enabled === enabled ? "" : enabled ? "enabled again: the config schedules it" : "disabled: the tick starts it"].filter(Boolean);
        steps.push({ verb: "update", object: `cron ${name} (${parts.join(", ")})`, run: async () => void (await this.ciRepo().crons.update(cur.id, { schedule, enabled })) });
      }
    };
    for (const id of identities) ensure(disintoName(id.agent.name), cfg.schedules[id.agent.name], id.agent.name, !tick);
    const hasDev = identities.some((id) => id.agent.name === "dev");
    if (tick && hasDev) ensure(disintoName(TICK), cfg.schedules.tick, "tick", true);
    else {
      const cur = crons.find((c) => c.name === disintoName(TICK));
      if (cur?.enabled === true) steps.push({ verb: "disable", object: `cron ${disintoName(TICK)} (schedules.layout = "per-agent")`, run: async () => void (await this.ciRepo().crons.update(cur.id, { enabled: false })) });
    }
  }

  private secretSteps(wanted: Map<string, WantedSecret>, existing: CiSecret[], steps: Step[], problems: string[]): void {
    for (const w of [...wanted.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const events = [...w.events].sort();
      const cur = existing.find((s) => s.name === w.name);
      const sameEvents = cur !== undefined && [...cur.events].sort().join(",") === events.join(",");
      const sameImages = cur !== undefined && cur.images.length === 1 && cur.images[0] === PLUGIN_IMAGE;
      if (cur !== undefined && sameEvents && sameImages && this.input.updateSecrets !== true) continue;
      const value = w.value;
      if (value === undefined) {
        problems.push(`${w.source} is not set: init stores it as the Woodpecker secret ${w.name}`);
        continue;
      }
      steps.push({
        verb: cur === undefined ? "create" : "update",
        object: `secret ${w.name} (from ${w.source}; events ${list(events)}; image ${PLUGIN_IMAGE} only)`,
        run: async () => {
          await this.ciRepo().secrets.set({ name: w.name, value, events, images: [PLUGIN_IMAGE], note: "disinto: written by `disinto init`" });
        },
      });
    }
  }

  /**
   * On Actions: the project repo's secrets the workflows read, each set from the variable of
   * its name — only where missing, unless `updateSecrets`. The value never leaves this step.
   */
  private actionsSecretSteps(repo: RepoForge, wanted: Map<string, WantedSecret>, existing: Set<string>, steps: Step[], problems: string[]): void {
    const repoName = slug(repo.ref);
    for (const w of [...wanted.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const why = actionsSecretNameProblem(w.source);
      if (why !== undefined) {
        problems.push(`${w.source}: the workflows read it as the Actions secret of that name, and Forgejo refuses it: ${why}; name the variable otherwise (identities.<agent>.token_secret, --token-secret or backends.<name>.api_key_env)`);
        continue;
      }
      const there = existing.has(w.name);
      if (there && this.input.updateSecrets !== true) continue;
      const value = w.value;
      if (value === undefined) {
        problems.push(there ? `${w.source} is not set: --update-secrets sets every secret again, ${this.secretWhere(w.source)} too` : `${w.source} is not set: init stores it as ${this.secretWhere(w.source)}`);
        continue;
      }
      steps.push({
        verb: there ? "update" : "create",
        object: `Actions secret ${w.name} on ${repoName} (from ${w.source})`,
        run: async () => {
          await repo.actionsSecrets.set(w.name, value);
        },
      });
    }
  }

  /** Names of the Actions secrets the workflows read. */
  private actionsSecretNames(identities: Identity[], credentials: Map<string, string[]>): string[] {
    return [...new Set(identities.flatMap((id) => [id.tokenSecret, ...(credentials.get(id.agent.name) ?? [])].map(actionsSecretName)))].sort();
  }

  /** Where init stores the value of a variable, for messages. */
  private secretWhere(envName: string): string {
    return this.input.host === "actions" ? `the Actions secret ${actionsSecretName(envName)} of ${slug(this.projectRef)}, which the workflows read` : `the Woodpecker secret ${secretNameFor(envName)}`;
  }

  private ciRepo() {
    const id = this.live.ciRepoId;
    if (id === undefined) throw new Error("the Woodpecker repo id is unknown (activation did not run)");
    return this.ci.repo(id);
  }
}
