// `disinto demo`: the factory on this machine, narrated, in about a minute. One JSON object
// on stdout with --json (narration on stderr); with --keep the sandbox stays up until
// SIGINT/SIGTERM so it can be inspected.
import { relative, resolve } from "node:path";
import { runDemo, DEFAULT_BOUNDS } from "../../demo/demo.ts";
import { renderReport, type DemoReport } from "../../demo/report.ts";
import { DEMO_OPS_REPO, DEMO_PROJECT, DEMO_REPO } from "../../demo/setup.ts";
import { EXIT_FAILURE, EXIT_OK, UsageError } from "../../lib/errors.ts";
import { write, type CliIo, type Command } from "../command.ts";

function positive(flags: Record<string, unknown>, name: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || !/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`demo: --${name} must be a whole number of at least 1, got ${JSON.stringify(v)}`);
  return n;
}

/** How this CLI was started, for commands the user can paste (`node bundles/cli.mjs`, or `disinto`). */
function self(io: CliIo): string {
  const script = process.argv[1] ?? "";
  if (/(?:^|[\\/])(?:cli\.mjs|cli\.ts)$/.test(script)) {
    const rel = relative(io.cwd, script);
    return `node ${rel.startsWith("..") ? script : rel}`;
  }
  return "disinto";
}

function inspectHelp(report: DemoReport, io: CliIo): string[] {
  const sb = report.sandbox;
  const admin = sb?.users?.admin;
  if (sb === undefined || admin === undefined) return [];
  const ops = `${DEMO_OPS_REPO.owner}/${DEMO_OPS_REPO.name}`;
  return [
    "",
    "The sandbox keeps running; Ctrl-C (SIGINT) or SIGTERM stops it.",
    `  forge  ${sb.forge_url}   API ${sb.forge_url}/api/v1 — repos ${DEMO_REPO.owner}/${DEMO_REPO.name} and ${ops}`,
    `  CI     ${sb.ci_url}   API ${sb.ci_url}/api — pipeline pages at ${sb.ci_url}/repos/<id>/pipeline/<n>`,
    `  admin tokens: forge ${admin.token} · CI ${admin.ci_token}`,
    ...Object.entries(sb.users ?? {})
      .filter(([login]) => login !== "admin")
      .map(([login, u]) => `  ${login}: forge ${u.token} · CI ${u.ci_token}`),
    "What the factory sees now:",
    `  DISINTO_FORGE_TOKEN=${admin.token} DISINTO_CI_TOKEN=${admin.ci_token} \\`,
    `    ${self(io)} status --forge-url ${sb.forge_url} --ops-repo ${ops} --ci-url ${sb.ci_url} --project ${DEMO_PROJECT}`,
    "The pull requests, reviews and comments:",
    `  curl -s -H "Authorization: token ${admin.token}" "${sb.forge_url}/api/v1/repos/${DEMO_REPO.owner}/${DEMO_REPO.name}/pulls?state=all"`,
    ...(sb.data_dir !== undefined ? [`State is kept in ${sb.data_dir}: \`${self(io)} sandbox --data ${sb.data_dir}\` serves it again.`] : []),
  ];
}

/** SIGINT/SIGTERM abort the demo (and end --keep) instead of killing the process and its pipelines. */
function signals(onSignal: (sig: NodeJS.Signals) => void): () => void {
  const int = (): void => onSignal("SIGINT");
  const term = (): void => onSignal("SIGTERM");
  process.on("SIGINT", int);
  process.on("SIGTERM", term);
  return () => {
    process.off("SIGINT", int);
    process.off("SIGTERM", term);
  };
}

export const demoCommand: Command = {
  name: ["demo"],
  usage: "demo [--backend scripted|claude] [--keep] [--json] [--data DIR]",
  summary: "Watch the factory work: sandbox forge and CI, init, the dev, review and gardener agents and the vault, until the demo issues are merged, a vague one is groomed and an approved vault action has run",
  description: `
Starts the sandbox (a local Forgejo-compatible forge and Woodpecker-compatible CI) with the
demo project demo/calc and its three backlog issues, sets the factory up with \`disinto init\`
(labels, ops repo, project config, crons, secrets, and a pull request adding the pipelines,
which is reviewed and then merged as its admin would), and runs the loop the CI's scheduler
would: fire the disinto-dev cron, let every pipeline finish — pull requests run the project's
tests and then the review agent — and fire disinto-review as a sweep. Once every demo issue is
closed by a merged pull request it fires disinto-gardener once: the gardener grooms an issue a
user filed too vague for the dev agent (labelled underspecified) into a backlog issue with
affected files and acceptance criteria. Then the vault: gardener-bot requests a webhook action
(its one secret, WEBHOOK_URL, is the URL of a receiver the demo runs on loopback), the admin
approves and merges the request PR in the ops repo, and the ops repo's push pipeline runs the
dispatcher, which commits the result. It stops there, or at a bound (--max-rounds,
--max-minutes, an agent pipeline failing three rounds in a row); SIGINT/SIGTERM stop it early,
with the summary.

Each step is narrated with links: crons fired, pipelines with their workflows and what the
agent steps said, pull requests opened and merged, reviews, issues closed. The summary counts
issues merged, pull requests, reviews, CI runs by event, the ledger's tokens and cost, and time.

--backend scripted (the default) answers the agents' prompts from a script: no model, no
credentials, the same result every time — everything around the answers (agents, pipelines,
forge, git, statuses, reviews) is real. --backend claude runs Claude Code: it needs \`claude\`
on PATH and ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN, and spends tokens.

--json prints one JSON object on stdout at the end, narration on stderr: { ok, backend, stopped,
rounds, issues: [{ number, title, state, pr, pr_url, merged_by, approved_by }], gardener: { issue,
title, url, labels, enriched, ran }, vault: { id, formula, pr, pr_url, approved_by, pipeline, status,
delivered } | null, prs, reviews,
pipelines, llm_runs, tokens, cost_usd, duration_ms, sandbox? } (zod: demoReportSchema in
src/demo/report.ts). --keep adds sandbox.users with the accounts' tokens.

Exit 0 when every demo issue was merged, the vague one groomed and the vault's action ran ok, 1 when a bound was hit or an
agent did not get there, 2 on bad input (for example
--backend claude without the CLI or a credential).`,
  options: {
    backend: { type: "string", value: "scripted|claude", description: "Who answers the agents: the script (default) or Claude Code." },
    keep: { type: "boolean", description: "Leave the sandbox running after the summary, and print how to inspect it; SIGINT/SIGTERM stops it." },
    json: { type: "boolean", description: "Print the summary as one JSON object on stdout; narration goes to stderr." },
    data: { type: "string", value: "DIR", description: "Keep the sandbox's state in DIR (new or empty) after the demo; default a temporary directory." },
    "max-rounds": { type: "string", value: "N", description: `Stop after N rounds (a dev and a review cron each). Default ${DEFAULT_BOUNDS.scripted.rounds} (claude: ${DEFAULT_BOUNDS.claude.rounds}).` },
    "max-minutes": { type: "string", value: "N", description: `Stop after N minutes. Default ${DEFAULT_BOUNDS.scripted.minutes} (claude: ${DEFAULT_BOUNDS.claude.minutes}).` },
  },
  args: { min: 0, max: 0 },
  async run({ flags, io }) {
    const backend = flags.backend ?? "scripted";
    if (backend !== "scripted" && backend !== "claude") throw new UsageError(`demo: --backend must be scripted or claude, got ${JSON.stringify(backend)}`);
    const json = flags.json === true;
    const keep = flags.keep === true;
    const maxRounds = positive(flags, "max-rounds");
    const maxMinutes = positive(flags, "max-minutes");
    const narration = json ? io.stderr : io.stdout;
    const say = (line: string): void => write(narration, line);
    const abort = new AbortController();
    const release = signals((sig) => {
      if (abort.signal.aborted) return;
      say(`${sig}: stopping`);
      abort.abort();
    });
    let run: Awaited<ReturnType<typeof runDemo>> | undefined;
    try {
      run = await runDemo({
        backend,
        keep,
        dataDir: typeof flags.data === "string" ? resolve(io.cwd, flags.data) : undefined,
        maxRounds,
        maxMinutes,
        env: io.env,
        say,
        signal: abort.signal,
      });
      const { report } = run;
      say("");
      if (json) write(io.stdout, JSON.stringify(report));
      else say(renderReport(report));
      if (json) {
        say(
          report.ok
            ? "every demo issue is merged, the gardener groomed the vague one, and the vault ran an approved action"
            : report.stopped === "done"
              ? `every demo issue is merged, but ${!report.gardener.enriched ? `the gardener did not enrich #${report.gardener.issue}` : "the vault's action did not run ok"}`
              : `stopped (${report.stopped}) before every demo issue was merged`,
        );
      }
      if (keep && run.sandbox !== undefined && !abort.signal.aborted) {
        for (const line of inspectHelp(report, io)) say(line);
        const fatal = run.sandbox.fatal.then((err) => {
          throw err;
        });
        await Promise.race([new Promise((done) => abort.signal.addEventListener("abort", done, { once: true })), fatal]);
      }
      return report.ok ? EXIT_OK : EXIT_FAILURE;
    } finally {
      await run?.stop();
      release();
    }
  },
};
