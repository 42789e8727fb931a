// `disinto init <owner/repo>`: set a project up for the factory — labels, ops repo, config,
// Woodpecker repo, crons, secrets and a pull request with the pipelines. The plan is printed
// one change per line; `--dry-run` stops there.
import { readFile } from "node:fs/promises";
import type { ScheduledAgent } from "../../config/project.ts";
import { baseSettingsSchema, loadSettings, settingsCliOptions } from "../../host/settings.ts";
import { PLUGIN_AGENTS } from "../../init/agents.ts";
import { AGENT_CI_TOKEN_ENV, INIT_BRANCH, Init, describeStep } from "../../init/init.ts";
import { ConfigError, UsageError } from "../../lib/errors.ts";
import { Redactor } from "../../lib/redact.ts";
import { write, type Command } from "../command.ts";

const settingsSchema = baseSettingsSchema.pick({ forge_url: true, forge_token: true, ci_url: true, ci_token: true, ops_repo: true, project: true, dry_run: true });
// The tokens are read from the environment only: no flag takes a secret (process lists, history).
const flagOptions = settingsCliOptions(settingsSchema.omit({ forge_token: true, ci_token: true }));
const AGENTS = PLUGIN_AGENTS.map((a) => a.name);

function tokenSecrets(raw: unknown): Partial<Record<ScheduledAgent, string>> {
  const out: Partial<Record<ScheduledAgent, string>> = {};
  for (const item of [raw].flat()) {
    if (typeof item !== "string") continue;
    const m = /^([a-z]+)=([A-Za-z_][A-Za-z0-9_]*)$/.exec(item);
    const agent = AGENTS.find((a) => a === m?.[1]);
    if (!m || agent === undefined) {
      throw new UsageError(`--token-secret takes AGENT=NAME with AGENT one of ${AGENTS.join(", ")} and NAME a variable name, e.g. dev=FORGE_DEV_TOKEN; got ${JSON.stringify(item)}`);
    }
    out[agent] = m[2];
  }
  return out;
}

export const initCommand: Command = {
  name: ["init"],
  usage: "init <owner/repo> --forge-url URL --ci-url URL [--host woodpecker|actions] [--ops-repo OWNER/NAME] [--project NAME] [--dry-run]",
  summary: "Set a project up: labels, ops repo, config, Woodpecker crons and secrets, a PR with the pipelines",
  description: `
Surveys the forge and Woodpecker, prints one line per change it would make, and makes them
(--dry-run: only prints). Running it again changes nothing and says so; what exists is never
overwritten, except the pull request's branch while the pull request is open.

It creates: the label catalogue on the project and ops repos; the ops repo (private, default
<owner/repo>-ops) with its folders; the agents as collaborators with write access; protection
of the ops repo's main branch (only the agents and you push; merges need an approval);
projects/<project>.toml in the ops repo; the Woodpecker repo, a cron disinto-<agent> per agent
(schedules from the config) and the secrets its pipeline reads — each restricted to the disinto
plugin image and the events that agent runs on; and a pull request (branch ${INIT_BRANCH}) adding
.woodpecker/disinto-<agent>.yml. Merge it and the agents start. By default (schedules.layout =
"tick") one cron, disinto-tick, surveys the agents and starts only those with work; their own
crons exist but are disabled. --host actions needs no CI server: the pull request adds Forgejo
Actions workflows (.forgejo/workflows/disinto-<agent>.yml), and the secrets they read are
stored as the project repo's Actions secrets, each under its variable's name, instead of
Woodpecker secrets.

Tokens come from the environment, never from the command line:
  DISINTO_FORGE_TOKEN    a forge token of an admin of the project repo (who may create the ops repo)
  DISINTO_CI_TOKEN       a Woodpecker token (User settings → CLI & API) of an admin of the repo
  FORGE_DEV_TOKEN        the dev agent's own forge account (init reads its login from it)
  FORGE_REVIEW_TOKEN     the review agent's account: a different user, Forgejo refuses
                         approvals from a pull request's author
  FORGE_GARDENER_TOKEN   optional: the gardener's own account; without it a config init
                         writes has no gardener (add [identities.gardener] later)
  FORGE_SUPERVISOR_TOKEN optional: the supervisor's own account; without it a config init
                         writes has no supervisor (add [identities.supervisor] later)
  FORGE_PLANNER_TOKEN    optional: the planner's own account (likewise)
  FORGE_PREDICTOR_TOKEN  optional: the predictor's own account (likewise)
  FORGE_ARCHITECT_TOKEN  optional: the architect's own account (likewise); it writes to
                         the ops repo and, once a person approves a pitch, files its sub-issues
  ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN   for the claude-cli backend
  ${AGENT_CI_TOKEN_ENV} optional: the CI token the agents get (default: DISINTO_CI_TOKEN)
The agents' token variables are the config's identities.<agent>.token_secret when a config
exists (in the ops repo, or --config); --token-secret renames them for a config init writes.
Values are stored as secrets only where missing (--update-secrets: all again) and are never
printed; the config holds only their names.

Exit 2 when something is missing (each problem is named; nothing is changed).`,
  options: {
    ...flagOptions,
    config: { type: "string", value: "FILE", description: "Install this project config (TOML) instead of the one in the ops repo or a generated one." },
    "token-secret": {
      type: "string",
      value: "AGENT=NAME",
      multiple: true,
      description: `Variable holding an agent's forge token, for a config init writes (default FORGE_<AGENT>_TOKEN). Repeatable: --token-secret dev=FORGE_TOKEN.`,
    },
    "update-secrets": { type: "boolean", description: "Store every secret's value again, even where the secret exists (after rotating a token)." },
    host: {
      type: "string",
      value: "woodpecker|actions",
      description: "Where the agents run: woodpecker (default: crons, secrets and .woodpecker/ pipelines) or actions (Forgejo Actions workflows in .forgejo/workflows/, no CI server; init sets the repository's Actions secrets they read).",
    },
  },
  args: { min: 1, max: 1 },
  async run({ args, flags, io }) {
    const repo = args[0] as string;
    const redactor = new Redactor();
    const s = loadSettings(settingsSchema, { env: io.env, flags, redactor });
    const host = flags.host ?? "woodpecker";
    if (host !== "woodpecker" && host !== "actions") throw new UsageError(`--host takes woodpecker or actions, got ${JSON.stringify(host)}`);
    const needed = host === "actions" ? (["forge_url", "forge_token"] as const) : (["forge_url", "forge_token", "ci_url", "ci_token"] as const);
    const missing = needed.filter((k) => s[k] === undefined);
    if (missing.length > 0) {
      throw new ConfigError(
        missing.map((k) => ({
          file: "settings",
          path: k,
          message: k.endsWith("_token") ? `missing; set DISINTO_${k.toUpperCase()} in the environment` : `missing; give --${k.replace(/_/g, "-")} URL`,
        })),
      );
    }
    let config: { text: string; file: string } | undefined;
    if (typeof flags.config === "string") {
      const file = flags.config;
      const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
        throw new ConfigError([{ file, path: "", message: `cannot read: ${err.code === "ENOENT" ? "no such file" : err.message}` }]);
      });
      config = { text, file };
    }
    const init = new Init({
      repo,
      forgeUrl: s.forge_url as string,
      forgeToken: s.forge_token as string,
      ciUrl: s.ci_url ?? "",
      ciToken: s.ci_token ?? "",
      host,
      opsRepo: s.ops_repo,
      project: s.project,
      tokenSecrets: tokenSecrets(flags["token-secret"]),
      config,
      updateSecrets: flags["update-secrets"] === true,
      env: io.env,
      redactor,
    });
    const out = (line: string): void => write(io.stdout, redactor.redact(line));
    try {
      const plan = await init.plan();
      out(`disinto init ${repo}${s.dry_run ? " (dry run: nothing is changed)" : ""}`);
      if (plan.problems.length > 0) {
        throw new UsageError(`init cannot go on; nothing was changed:\n${plan.problems.map((p) => `  - ${p}`).join("\n")}`);
      }
      if (plan.steps.length === 0) {
        for (const n of plan.notes) out(`note: ${n}`);
        out(`nothing to do: ${repo} is set up`);
        return 0;
      }
      if (s.dry_run) {
        for (const step of plan.steps) out(describeStep(step, false));
        for (const n of plan.notes) out(`note: ${n}`);
        out(`${plan.steps.length} change${plan.steps.length === 1 ? "" : "s"} planned; run without --dry-run to make them`);
        return 0;
      }
      await init.apply(plan, (step) => out(describeStep(step, true)));
      for (const n of plan.notes) out(`note: ${n}`);
      const pr = init.pullRequest();
      out(`done: ${plan.steps.length} change${plan.steps.length === 1 ? "" : "s"}${pr !== undefined ? `; merge pull request #${pr.number} (${pr.htmlUrl}) to start the agents` : ""}`);
      return 0;
    } finally {
      await init.close();
    }
  },
};
