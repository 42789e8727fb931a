// `disinto demo`: the factory on this machine, narrated, in about a minute. One JSON object
// on stdout with --json (narration on stderr); with --keep the sandbox stays up until
// SIGINT/SIGTERM so it can be inspected.
import { relative, resolve } from "node:path";
import { runDemo, DEFAULT_BOUNDS, DEFAULT_SPEND_CAP_USD, type BackendChoice } from "../../demo/demo.ts";
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

const BACKENDS: readonly BackendChoice[] = ["scripted", "claude", "openai"];

function spendCap(flags: Record<string, unknown>): number | undefined {
  const v = flags["spend-cap"];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || !/^\d+(\.\d+)?$/.test(v) || !(n > 0) || n > 1000) throw new UsageError(`demo: --spend-cap must be a number of US dollars above 0 and at most 1000, got ${JSON.stringify(v)}`);
  return n;
}

function baseUrl(flags: Record<string, unknown>, backend: BackendChoice): string | undefined {
  const v = flags["base-url"];
  if (backend !== "openai") {
    if (v !== undefined) throw new UsageError(`demo: --base-url is for --backend openai, not ${backend}`);
    return undefined;
  }
  if (typeof v !== "string") throw new UsageError("demo: --backend openai needs --base-url URL (the endpoint up to and including /v1, e.g. http://127.0.0.1:8080/v1)");
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new UsageError(`demo: --base-url must be an http(s) URL, got ${JSON.stringify(v)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`demo: --base-url must be an http(s) URL, got ${JSON.stringify(v)}`);
  if (url.username !== "" || url.password !== "") throw new UsageError("demo: --base-url must not hold credentials; put the key in OPENAI_API_KEY");
  return v;
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
  usage: "demo [--only dev-review] [--backend scripted|claude|openai [--base-url URL --model NAME]] [--spend-cap USD] [--keep] [--json] [--data DIR]",
  summary: "Watch the factory work: a VISION.md planned into issues, every issue merged by dev and review, a vague one groomed, main going red and the breaker tripping and clearing, an approved vault action and a release",
  description: `
By default the whole factory: admin commits a VISION.md to demo/calc before init, and once
init's pull request is merged the planner (planner-bot) runs first: it writes the prerequisite
tree (prerequisites.md in the ops repo) and files a backlog issue for the missing operation,
which dev and review take to merge with the seeded ones. The admin also files a vision issue:
the architect (planner-bot) pitches it as a sprint PR in the ops repo, the admin answers ACCEPT
and approves it, and the gardener files its sub-issue, which is merged too. After the loop,
main goes red:
admin pushes a test that cannot pass and a "fix" that is still red; the supervisor
(supervisor-bot) opens the CI circuit breaker; a tech-debt issue filed meanwhile is promoted by
the gardener, but the dev agent claims nothing while the breaker is open; once the test is
removed and main is green the supervisor clears it and the issue is merged. After the vault's
webhook, planner-bot asks the vault for a release (high tier); the admin approves it and the
dispatcher tags demo/calc 0.2.0 with release notes. The summary ends with
a table per agent (runs, runs that changed something, tokens, cost, time) and the
label → merged latency of each issue. --only dev-review runs the shorter demo below, without
the planner and the supervisor.

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
on PATH and ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN, and spends tokens. --backend openai
--base-url URL [--model NAME] runs any OpenAI-compatible endpoint (its key, if it needs one, in
OPENAI_API_KEY). Every backend is capped by --spend-cap (US dollars per backend per day,
default ${DEFAULT_SPEND_CAP_USD}, printed up front): an agent that reaches it stops cleanly.

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
    only: { type: "string", value: "dev-review", description: "Run only the short demo: dev and review on the backlog, then the gardener and the vault (no planner, no supervisor)." },
    backend: { type: "string", value: "scripted|claude|openai", description: "Who answers the agents: the script (default), Claude Code, or an OpenAI-compatible endpoint (--base-url)." },
    "base-url": { type: "string", value: "URL", description: "--backend openai: the endpoint, up to and including /v1." },
    model: { type: "string", value: "NAME", description: "--backend openai: the model name sent with each request (default the endpoint's \"default\")." },
    "spend-cap": { type: "string", value: "USD", description: `What each backend may spend a day, in US dollars; printed up front. Default ${DEFAULT_SPEND_CAP_USD}.` },
    keep: { type: "boolean", description: "Leave the sandbox running after the summary, and print how to inspect it; SIGINT/SIGTERM stops it." },
    json: { type: "boolean", description: "Print the summary as one JSON object on stdout; narration goes to stderr." },
    data: { type: "string", value: "DIR", description: "Keep the sandbox's state in DIR (new or empty) after the demo; default a temporary directory." },
    "max-rounds": { type: "string", value: "N", description: `Stop after N rounds (a dev and a review cron each). Default ${DEFAULT_BOUNDS.scripted.rounds} (claude: ${DEFAULT_BOUNDS.claude.rounds}).` },
    "max-minutes": { type: "string", value: "N", description: `Stop after N minutes. Default ${DEFAULT_BOUNDS.scripted.minutes} (claude: ${DEFAULT_BOUNDS.claude.minutes}).` },
  },
  args: { min: 0, max: 0 },
  async run({ flags, io }) {
    const backend = flags.backend ?? "scripted";
    if (typeof backend !== "string" || !(BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`demo: --backend must be scripted, claude or openai, got ${JSON.stringify(backend)}`);
    const choice = backend as BackendChoice;
    const only = flags.only;
    if (only !== undefined && only !== "dev-review") throw new UsageError(`demo: --only must be dev-review, got ${JSON.stringify(only)}`);
    const url = baseUrl(flags, choice);
    if (flags.model !== undefined && choice !== "openai") throw new UsageError(`demo: --model is for --backend openai, not ${choice}`);
    const model = typeof flags.model === "string" && flags.model.trim() !== "" ? flags.model.trim() : "default";
    const cap = spendCap(flags);
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
        backend: choice,
        mode: only === "dev-review" ? "dev-review" : "factory",
        openai: url !== undefined ? { baseUrl: url, model } : undefined,
        spendCapUsd: cap,
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
