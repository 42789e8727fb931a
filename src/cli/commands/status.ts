// `disinto status [--json]`: what the factory is doing, per project — agents and their last
// runs, leases, the dev agent's phase, the queue, open pull requests, today's spend.
import { WoodpeckerCi } from "../../ci/index.ts";
import { ForgejoForge } from "../../forge/index.ts";
import { baseSettingsSchema, loadSettings, settingsCliOptions } from "../../host/settings.ts";
import { Redactor } from "../../lib/redact.ts";
import { collectStatus } from "../../status/collect.ts";
import { renderStatus } from "../../status/render.ts";
import { STATUS_FORMAT } from "../../status/schema.ts";
import { write, type Command } from "../command.ts";
import { requireOpsRepo, requireSettings, splitRepo } from "../forge-settings.ts";

const settingsSchema = baseSettingsSchema.pick({ forge_url: true, forge_token: true, ops_repo: true, project: true, ci_url: true, ci_token: true });

export const statusCommand: Command = {
  name: ["status"],
  usage: "status [--json] [--project NAME]",
  summary: "Show each project's agents, last runs, leases, dev phase, queue, open PRs and today's spend",
  description: `
Reads the ops repo (projects/*.toml, leases, phase records, the ledger), the project repos
(issues, pull requests, commit statuses, reviews) and Woodpecker (crons, recent pipelines of
the disinto-<agent> workflows). Nothing is written.

Needs --forge-url, --ops-repo and a forge token that can read both repos (DISINTO_FORGE_TOKEN).
Woodpecker is read when DISINTO_CI_TOKEN is set, at --ci-url or the config's ci.woodpecker_url.

--json prints one object in the format "${STATUS_FORMAT}": { format, generated_at, ops_repo,
projects: [{ name, repo, ops_repo, forge_url, agents, leases, dev, queue: { ready, blocked,
in_progress }, pulls, budget, warnings }], other_leases, warnings }. Every field is described
in docs/status.md; the zod schema is statusReportSchema in src/status/schema.ts.`,
  options: {
    json: { type: "boolean", description: `Print the report as JSON (format ${STATUS_FORMAT}, see docs/status.md).` },
    // tokens come from the environment only: no flag takes a secret (process lists, history)
    ...settingsCliOptions(settingsSchema.omit({ forge_token: true, ci_token: true })),
  },
  args: { min: 0, max: 0 },
  async run({ flags, io }) {
    const redactor = new Redactor();
    const s = loadSettings(settingsSchema, { env: io.env, flags, redactor });
    requireSettings(s, ["forge_url", "forge_token", "ops_repo"]);
    const opsRepo = splitRepo(s.ops_repo as string);
    const forge = new ForgejoForge({ url: s.forge_url as string, token: s.forge_token as string, redactor });
    const ciToken = s.ci_token;
    try {
      await requireOpsRepo(forge, opsRepo, s.forge_url as string);
      const report = await collectStatus({
        forge,
        opsRepo,
        project: s.project,
        ciUrl: s.ci_url,
        ci: ciToken === undefined ? undefined : (url) => new WoodpeckerCi({ url, token: ciToken, redactor }),
      });
      write(io.stdout, redactor.redact(flags.json === true ? JSON.stringify(report, null, 2) : renderStatus(report)));
      return 0;
    } finally {
      await forge.close();
    }
  },
};
