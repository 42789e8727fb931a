// `disinto demo`: the whole factory on one machine. It starts the sandbox forge and CI with
// the demo project, sets the factory up with `disinto init` (and merges init's pull request,
// as its admin would), then drives the loop the CI's scheduler would run — fire the dev cron,
// let every pipeline finish (pull requests run the project's tests and then the review agent),
// fire the review cron as a sweep — until every demo issue is closed by a merged pull request
// or a bound is hit; then the gardener grooms, and the vault runs one approved action (a
// webhook to a receiver the demo starts: request, the admin's approval and merge, the ops
// repo's push pipeline running the dispatcher). The agents are the real ones, in real pipelines, talking to the forge
// over HTTP; only the crons are fired by hand, so nobody waits five minutes per tick.
import { existsSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { WoodpeckerCi } from "../ci/index.ts";
import { ForgejoForge } from "../forge/index.ts";
import { envValue, type Env } from "../host/env.ts";
import { CLAUDE_CREDENTIAL_NAMES } from "../llm/claude-cli/args.ts";
import { UsageError, errorMessage } from "../lib/errors.ts";
import { Redactor } from "../lib/redact.ts";
import { startSandbox, type Sandbox } from "../sandbox/index.ts";
import { checkClaude } from "./claude.ts";
import { Observer } from "./observe.ts";
import { pluginDir } from "./plugins.ts";
import { demoReportSchema, formatDuration, type DemoReport, type DemoVault } from "./report.ts";
import { DEMO_VAGUE_ISSUE, DEMO_VISION, DEMO_VISION_ISSUE, DOCS_CHECK, demoScript } from "./script.ts";
import {
  DEMO_OPS_REPO,
  DEMO_REPO,
  DEMO_VAULT_SECRET,
  DEV_LOGIN,
  GARDENER_LOGIN,
  PLANNER_LOGIN,
  REVIEW_LOGIN,
  SUPERVISOR_LOGIN,
  VAULT_LOGIN,
  RELEASE_SECRET,
  mergeInitPr,
  setUpFactory,
  type DemoBackend,
  type DemoMode,
} from "./setup.ts";
import { redMain, type RedMain } from "./trap.ts";
import { acceptPitch, subIssuesOf } from "./pitch.ts";
import { releaseOutcome, requestRelease } from "./release.ts";
import type { DemoRelease } from "./report.ts";
import { requestAndApprove, startReceiver, vaultOutcome, type Receiver } from "./vault.ts";

export type BackendChoice = "scripted" | "claude" | "openai";

/** Bounds per backend: the scripted loop needs about 6 rounds; a model may need review rounds. */
export const DEFAULT_BOUNDS: Record<BackendChoice, { rounds: number; minutes: number }> = {
  scripted: { rounds: 15, minutes: 10 },
  claude: { rounds: 40, minutes: 60 },
  openai: { rounds: 40, minutes: 60 },
};

/** What a model backend may spend a day unless --spend-cap says otherwise: a few dollars. */
export const DEFAULT_SPEND_CAP_USD = 3;

export interface DemoOptions {
  backend: BackendChoice;
  /** The whole factory (default) or `--only dev-review`. */
  mode?: DemoMode | undefined;
  /** --backend openai: the endpoint (up to /v1) and model; the key, if any, from OPENAI_API_KEY. */
  openai?: { baseUrl: string; model: string } | undefined;
  /** US dollars a backend may spend a day (default DEFAULT_SPEND_CAP_USD). */
  spendCapUsd?: number | undefined;
  /** Leave the sandbox running: the caller stops it with `DemoRun.stop()`. */
  keep: boolean;
  /** Keep the sandbox's state here (must not hold a sandbox yet); default a temporary directory. */
  dataDir?: string | undefined;
  maxRounds?: number | undefined;
  maxMinutes?: number | undefined;
  /** The environment the claude backend's CLI and credentials come from. */
  env: Env;
  /** Narration, one line at a time. */
  say: (line: string) => void;
  /** Aborted (SIGINT/SIGTERM): the loop stops where it is and the summary tells what was done. */
  signal?: AbortSignal | undefined;
  now?: () => number;
}

export interface DemoRun {
  report: DemoReport;
  /** The running sandbox with --keep, else undefined (already stopped). */
  sandbox: Sandbox | undefined;
  /** Stops the sandbox (with --keep) and removes a temporary data dir. Idempotent. */
  stop(): Promise<void>;
}

/** Rounds in a row with a failed agent pipeline after which the demo gives up. */
const FAILING_ROUNDS = 3;

const TEMP_PREFIX = "disinto-demo-";
/** Where --backend openai finds an API key, if the endpoint wants one. */
const OPENAI_KEY_ENV = "OPENAI_API_KEY";

async function prepareDataDir(dir: string | undefined): Promise<{ dir: string; temporary: boolean }> {
  if (dir === undefined) return { dir: await mkdtemp(join(tmpdir(), TEMP_PREFIX)), temporary: true };
  if (existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new UsageError(`demo: --data ${dir} is not empty; the demo starts from a fresh sandbox (remove it, or name a new directory)`);
  }
  await mkdir(dir, { recursive: true });
  return { dir, temporary: false };
}

/** A bound or an interruption ended the loop. */
class Stop extends Error {
  readonly why: "time" | "interrupted";
  constructor(why: "time" | "interrupted") {
    super(why);
    this.why = why;
  }
}

export async function runDemo(opts: DemoOptions): Promise<DemoRun> {
  const now = opts.now ?? Date.now;
  const started = now();
  const bounds = { rounds: opts.maxRounds ?? DEFAULT_BOUNDS[opts.backend].rounds, minutes: opts.maxMinutes ?? DEFAULT_BOUNDS[opts.backend].minutes };
  const deadline = started + bounds.minutes * 60_000;
  const redactor = new Redactor();
  const say = (line: string): void => opts.say(redactor.redact(line));
  const mode: DemoMode = opts.mode ?? "factory";
  const whole = mode === "factory";
  const spendCap = opts.spendCapUsd ?? DEFAULT_SPEND_CAP_USD;
  const openaiKey = envValue(opts.env, OPENAI_KEY_ENV);
  if (openaiKey !== undefined) redactor.add(openaiKey);

  if (opts.backend === "openai" && opts.openai === undefined) throw new UsageError("demo: --backend openai needs --base-url URL (the endpoint, up to and including /v1)");
  if (opts.backend === "claude") {
    const v = await checkClaude(opts.env);
    say(`disinto demo · claude backend: the agents run Claude Code (${v}); this spends tokens`);
  } else if (opts.backend === "openai") {
    say(`disinto demo · openai backend: the agents call ${opts.openai?.baseUrl ?? "?"} (model ${opts.openai?.model ?? "?"}${openaiKey !== undefined ? `, key from ${OPENAI_KEY_ENV}` : ", no key"}); this may spend tokens`);
  } else {
    say("disinto demo · scripted backend (the default): canned answers stand in for the model; everything around them is real. --backend claude or openai runs a real model instead.");
  }
  say(
    `spend cap: $${spendCap.toFixed(2)} per backend per day (--spend-cap)${opts.backend === "scripted" ? " — the scripted backend spends nothing" : ": an agent that reaches it stops cleanly"}`,
  );
  say(
    whole
      ? "You will see the whole factory: the planner turning VISION.md into a tree and an issue, dev and review taking every backlog issue to merge, the gardener enriching a vague issue, the supervisor opening and clearing the CI breaker when main goes red, and the vault running an action an admin approved. --only dev-review shows just dev and review."
      : "You will see dev and review take the backlog to merge, the gardener enrich a vague issue and the vault run an approved action (--only dev-review).",
  );

  const data = await prepareDataDir(opts.dataDir);
  // The dir's identity, not its name: a git or log write after the removal may recreate the path.
  const dataIno = inodeOf(data.dir);
  let sandbox: Sandbox | undefined;
  let receiver: Receiver | undefined;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await receiver?.close();
    await sandbox?.stop();
    if (data.temporary) await rm(data.dir, { recursive: true, force: true });
  };

  try {
    const plugins = await pluginDir(join(data.dir, "demo", "plugins"));
    // Where the vault's webhook action posts; its URL is the vault secret, never narrated.
    receiver = await startReceiver();
    redactor.add(receiver.url);
    const hook = receiver;
    let backend: DemoBackend = opts.backend === "openai" && opts.openai !== undefined ? { kind: "openai", baseUrl: opts.openai.baseUrl, model: opts.openai.model, apiKeyEnv: openaiKey !== undefined ? OPENAI_KEY_ENV : undefined } : { kind: "claude" };
    // Written once the vague issue has its number, before any agent runs.
    const script = opts.backend === "scripted" ? join(data.dir, "demo", "script.json") : undefined;
    if (script !== undefined) backend = { kind: "scripted", script };
    sandbox = await startSandbox({ seed: "demo", scheduler: false, dataDir: data.dir, bundlesDir: plugins.dir, log: (line) => say(`  (${line})`) });
    const sb = sandbox;
    // A sandbox that can no longer work (its data dir removed) ends the demo at once: every
    // wait below races it, so no wait outlives it.
    const orFatal = <T>(work: Promise<T>): Promise<T> =>
      Promise.race([
        work,
        sb.fatal.then((err) => {
          throw err;
        }),
      ]);
    const users = sb.forge.users;
    const token = (login: string): string => {
      const t = users[login]?.token;
      if (t === undefined) throw new Error(`the sandbox has no user ${login}`);
      return t;
    };
    for (const u of Object.values(users)) {
      redactor.add(u.token);
      redactor.add(u.password);
    }
    for (const login of Object.keys(users)) redactor.add(sb.ci.token(login));
    say(`sandbox: forge ${sb.forge.url} · CI ${sb.ci.url} · agents from ${plugins.kind === "source" ? "the source tree" : "the bundles"} (${plugins.dir})`);

    const forge = new ForgejoForge({ url: sb.forge.url, token: token("admin"), redactor });
    const gardenerForge = new ForgejoForge({ url: sb.forge.url, token: token(GARDENER_LOGIN), redactor });
    const ci = new WoodpeckerCi({ url: sb.ci.url, token: sb.ci.token("admin"), redactor });
    try {
      const calc = `${DEMO_REPO.owner}/${DEMO_REPO.name}`;
      const issues = (await forge.repo(DEMO_REPO).issues.list({ state: "open", type: "issues", sort: "oldest" })).map((i) => i.number);
      let visionIssue: number | undefined;
      say(`${calc} has ${issues.length} backlog issues: ${issues.map((n) => `#${n}`).join(", ")}`);
      // A user files an issue too vague for the dev agent: the gardener's task at the end.
      const vague = await orFatal(forge.repo(DEMO_REPO).issues.create({ title: DEMO_VAGUE_ISSUE.title, body: DEMO_VAGUE_ISSUE.body, labels: ["underspecified"] }));
      say(`admin filed #${vague.number} "${vague.title}", labelled underspecified (too vague for the dev agent: it says what, not how to check it) — ${vague.htmlUrl}`);
      if (whole) {
        const contents = forge.repo(DEMO_REPO).contents;
        const sha = async (path: string): Promise<string> => {
          const doc = await contents.get(path);
          if (doc === undefined) throw new Error(`the demo seed has no ${path} in ${calc}`);
          return doc.sha;
        };
        await orFatal(
          contents.commitFiles({
            message: "Add VISION.md, and a CI check that README.md documents every export",
            files: [
              { operation: "create", path: "VISION.md", text: DEMO_VISION },
              { operation: "create", path: DOCS_CHECK.path, text: DOCS_CHECK.content },
              { operation: "update", path: ".woodpecker/test.yml", text: DOCS_CHECK.ci, sha: await sha(".woodpecker/test.yml") },
              { operation: "update", path: "README.md", text: DOCS_CHECK.readme, sha: await sha("README.md") },
            ],
          }),
        );
        say(`admin committed VISION.md (the planner's input) to ${calc} — ${sb.forge.url}/${calc}/src/branch/main/VISION.md`);
        say(`…and a CI step the agents' test command does not run: ${DOCS_CHECK.path} fails when README.md misses an export of src/calc.js (the red-CI trap)`);
        const v = await orFatal(forge.repo(DEMO_REPO).issues.create({ title: DEMO_VISION_ISSUE.title, body: DEMO_VISION_ISSUE.body, labels: ["vision"] }));
        visionIssue = v.number;
        say(`admin filed #${v.number} "${v.title}", labelled vision (too open for one pull request: the architect's) — ${v.htmlUrl}`);
      }
      if (script !== undefined) {
        await mkdir(dirname(script), { recursive: true });
        await writeFile(script, `${JSON.stringify(demoScript(vague.number, whole), null, 2)}\n`);
      }

      // ── set up: disinto init, its pull request through CI and review, merged ──────────────
      say(
        `disinto init ${calc} --ops-repo ${DEMO_OPS_REPO.owner}/${DEMO_OPS_REPO.name} (identities ${DEV_LOGIN}, ${REVIEW_LOGIN}, ${GARDENER_LOGIN}${whole ? `, ${PLANNER_LOGIN} (planner and architect) and ${SUPERVISOR_LOGIN} (supervisor)` : ""}, ${opts.backend} backend; ${VAULT_LOGIN} dispatches the vault, whose one secret is ${DEMO_VAULT_SECRET}):`,
      );
      const factory = await orFatal(setUpFactory({
        forgeUrl: sb.forge.url,
        ciUrl: sb.ci.url,
        adminToken: token("admin"),
        adminCiToken: sb.ci.token("admin"),
        devToken: token(DEV_LOGIN),
        reviewToken: token(REVIEW_LOGIN),
        gardenerToken: token(GARDENER_LOGIN),
        vaultToken: token(VAULT_LOGIN),
        webhookUrl: hook.url,
        ...(whole ? { plannerToken: token(PLANNER_LOGIN), supervisorToken: token(SUPERVISOR_LOGIN) } : {}),
        spendCapUsd: spendCap,
        backend,
        // Only the CLI's credentials: nothing else of the user's environment reaches the sandbox.
        credentials:
          opts.backend === "claude" ? Object.fromEntries(CLAUDE_CREDENTIAL_NAMES.map((n) => [n, envValue(opts.env, n)])) : openaiKey !== undefined ? { [OPENAI_KEY_ENV]: openaiKey } : {},
        redactor,
        say,
      }));
      const observer = new Observer({ forge, ci, ciUrl: sb.ci.url, ciRepoId: factory.ciRepoId, issues, devLogin: DEV_LOGIN, reviewLogin: REVIEW_LOGIN });
      const idle = async (): Promise<void> => {
        const left = deadline - now();
        let timer: NodeJS.Timeout | undefined;
        let onAbort: (() => void) | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Stop("time")), Math.max(0, left));
          onAbort = () => reject(new Stop("interrupted"));
          if (opts.signal?.aborted === true) onAbort();
          else opts.signal?.addEventListener("abort", onAbort, { once: true });
        });
        try {
          await orFatal(Promise.race([sb.ci.waitIdle(), late]));
        } finally {
          clearTimeout(timer);
          if (onAbort !== undefined) opts.signal?.removeEventListener("abort", onAbort);
        }
        for (const line of await observer.news()) say(line);
      };

      // Set inside untilMerged(): typed as the whole union so the checks after it are not narrowed away.
      let stoppedBy = "rounds" as DemoReport["stopped"];
      let gardenerRan = false;
      let plannerRan = false;
      let trap: RedMain | null = null;
      let pitched: { pr: number; url: string; filed: number[] } | null = null;
      let release: DemoRelease | null = null;
      let vault: DemoVault | null = null;
      let rounds = 0;
      try {
        await idle();
        await orFatal(mergeInitPr({ forgeUrl: sb.forge.url, adminToken: token("admin"), redactor }, factory.initPr));
        await idle();
        say(
          `the pipelines are on main; crons ${whole ? "disinto-dev, disinto-review, disinto-gardener, disinto-planner and disinto-supervisor" : "disinto-dev, disinto-review and disinto-gardener"} are registered (the demo fires them itself instead of waiting for their schedule)`,
        );

        // ── the loop the CI's scheduler runs ─────────────────────────────────────────────────
        /** Fires a cron and lets every pipeline finish; true when its pipeline succeeded. */
        const fire = async (cron: string): Promise<boolean> => {
          const p = await orFatal(sb.ci.fireCron(calc, cron));
          const n = typeof p?.number === "number" ? p.number : undefined;
          say(n !== undefined ? `cron ${cron} fired → pipeline #${n}` : `cron ${cron} fired, but no workflow ran`);
          await idle();
          return n !== undefined && (await observer.pipelineStatus(n)) === "success";
        };
        if (whole) {
          // The planner reads VISION.md and the open issues, writes the tree and files what is missing.
          say(`── the planner (${formatDuration(now() - started)}) ──`);
          plannerRan = await fire("disinto-planner");
          const plan = await observer.planned(plannerRan, PLANNER_LOGIN);
          for (const n of plan.filed) observer.track(n);
          say(
            plannerRan
              ? `the planner wrote prerequisites.md (${plan.objectives} objectives) — ${sb.forge.url}/${DEMO_OPS_REPO.owner}/${DEMO_OPS_REPO.name}/src/branch/main/prerequisites.md — and filed ${plan.filed.map((n) => `#${n}`).join(", ") || "nothing"} for the dev agent`
              : "the planner's pipeline did not succeed (its log above says why)",
          );
        }
        if (whole && visionIssue !== undefined) {
          // The architect pitches the vision issue in the ops repo; a person accepts; the gardener files the sub-issues.
          say(`── the architect (${formatDuration(now() - started)}) ──`);
          await fire("disinto-architect");
          pitched = await orFatal(acceptPitch({ ops: forge.repo(DEMO_OPS_REPO), vision: visionIssue, say }));
          if (pitched !== null) {
            say(`── the gardener files the sprint (${formatDuration(now() - started)}) ──`);
            await fire("disinto-gardener");
            const subs = await subIssuesOf(forge.repo(DEMO_REPO), visionIssue);
            for (const n of subs) observer.track(n);
            pitched = { ...pitched, filed: subs };
            say(subs.length > 0 ? `the gardener filed ${subs.map((n) => `#${n}`).join(", ")} from the accepted pitch, in the backlog` : "the gardener filed no sub-issue");
          }
        }
        if (whole) {
          // The gardener grooms the vague issue into one the dev agent can take, before the loop takes every ready issue.
          say(`── the gardener (${formatDuration(now() - started)}) ──`);
          gardenerRan = await fire("disinto-gardener");
          observer.track(vague.number);
        }
        let failedRounds = 0;
        /** Rounds of dev and review until every tracked issue is merged or a bound is hit; sets stoppedBy. */
        const untilMerged = async (): Promise<void> => {
        for (;;) {
          if (await observer.allMerged()) {
            stoppedBy = "done";
            break;
          }
          if (rounds >= bounds.rounds) {
            stoppedBy = "rounds";
            break;
          }
          if (opts.signal?.aborted === true) throw new Stop("interrupted");
          if (now() >= deadline) throw new Stop("time");
          rounds++;
          say(`── round ${rounds} (${formatDuration(now() - started)}) ──`);
          let ok = await fire("disinto-dev");
          if (await observer.allMerged()) continue;
          ok = (await fire("disinto-review")) && ok;
          failedRounds = ok ? 0 : failedRounds + 1;
          if (failedRounds >= FAILING_ROUNDS) {
            stoppedBy = "failing";
            say(`an agent failed ${FAILING_ROUNDS} rounds in a row: stopping (its pipeline log above says why)`);
            break;
          }
        }
        };
        await untilMerged();
        // The backlog is done; the gardener grooms what is not ready yet (one task per run).
        if (stoppedBy === "done") {
          if (!whole) {
            say(`── the gardener (${formatDuration(now() - started)}) ──`);
            gardenerRan = await fire("disinto-gardener");
          }
          if (whole) {
            say(`── the supervisor: main goes red (${formatDuration(now() - started)}) ──`);
            trap = await orFatal(redMain({ repo: forge.repo(DEMO_REPO), store: forge.repo(DEMO_OPS_REPO).contents, fire, idle, say, track: (n) => observer.track(n) }));
            // The tech-debt issue the breaker held back is taken to merge now that main is green.
            await untilMerged();
          }
          // The vault: an agent asks, a person approves and merges, the ops repo's pipeline dispatches.
          say(`── the vault (${formatDuration(now() - started)}) ──`);
          const asked = await orFatal(
            requestAndApprove({ requesterOps: gardenerForge.repo(DEMO_OPS_REPO), requester: GARDENER_LOGIN, adminOps: forge.repo(DEMO_OPS_REPO), secrets: [DEMO_VAULT_SECRET], say }),
          );
          await idle();
          const out = await vaultOutcome({ ops: forge.repo(DEMO_OPS_REPO), ci, ciUrl: sb.ci.url, pr: asked.pr, prUrl: asked.prUrl, received: hook.received, redactor });
          for (const line of out.lines) say(line);
          vault = out.vault;
          if (whole) {
            say(`── the release (${formatDuration(now() - started)}) ──`);
            const plannerForge = new ForgejoForge({ url: sb.forge.url, token: token(PLANNER_LOGIN), redactor });
            try {
              const asked = await orFatal(requestRelease({ requesterOps: plannerForge.repo(DEMO_OPS_REPO), requester: PLANNER_LOGIN, adminOps: forge.repo(DEMO_OPS_REPO), secrets: [DEMO_VAULT_SECRET, RELEASE_SECRET], say }));
              await idle();
              const rel = await releaseOutcome({ ops: forge.repo(DEMO_OPS_REPO), forgeUrl: sb.forge.url, token: token("admin"), repo: calc, pr: asked.pr, prUrl: asked.prUrl });
              for (const line of rel.lines) say(line);
              release = rel.release;
            } finally {
              await plannerForge.close();
            }
          }
        }
      } catch (err) {
        if (!(err instanceof Stop)) throw err;
        stoppedBy = err.why;
        say(err.why === "time" ? `the time limit (${bounds.minutes} min) is reached` : "interrupted");
        // The summary reads what the pipelines left so far; stopping the sandbox kills the rest.
      }
      if (stoppedBy === "rounds") say(`the round limit (${bounds.rounds}) is reached`);

      const facts = await observer.issueFacts();
      const totals = await observer.totals();
      const groomed = await observer.groomed(vague.number, gardenerRan);
      if (gardenerRan && !whole) say(groomed.enriched ? `the gardener enriched #${vague.number}: affected files and acceptance criteria, ${groomed.labels.length > 0 ? `labelled ${groomed.labels.join(", ")} — the dev agent's next pick` : "and the dev agent, woken, took it to merge"}` : `the gardener ran, but #${vague.number} is not enriched (labels: ${groomed.labels.join(", ") || "none"})`);
      const planner = whole ? await observer.planned(plannerRan, PLANNER_LOGIN) : null;
      const agentNames = whole ? ["planner", "architect", "dev", "review", "gardener", "supervisor", "vault"] : ["dev", "review", "gardener", "vault"];
      const agents = (await observer.agents(agentNames)).map((a) =>
        // The dispatcher runs in the ops repo's pipeline, which the observer of demo/calc does not read.
        a.agent === "vault" && vault !== null
          ? { ...a, runs: (vault.pipeline !== null ? 1 : 0) + (release !== null ? 1 : 0), actions: (vault.status === "ok" ? 1 : 0) + (release?.status === "ok" ? 1 : 0) }
          : a,
      );
      const latencies = await observer.latencies("backlog");
      const ok =
        facts.every((i) => i.state === "closed" && i.merged_by !== null) &&
        groomed.ran &&
        groomed.enriched &&
        vault?.status === "ok" &&
        vault.delivered &&
        (!whole || ((pitched?.filed.length ?? 0) > 0 && release?.status === "ok" && release.tag_sha !== null && planner !== null && planner.ran && planner.objectives > 0 && planner.filed.length > 0 && trap?.tripped === true && trap.cleared));
      const report = demoReportSchema.parse({
        ok,
        backend: opts.backend,
        mode,
        spend_cap_usd: spendCap,
        planner,
        supervisor: whole ? (trap ?? { tripped: false, cleared: false }) : null,
        release,
        architect: whole && visionIssue !== undefined ? { vision: visionIssue, pitch_pr: pitched?.pr ?? null, pitch_url: pitched?.url ?? null, filed: pitched?.filed ?? [] } : null,
        agents,
        latencies,
        stopped: ok ? "done" : stoppedBy,
        rounds,
        issues: facts,
        gardener: groomed,
        vault,
        ...totals,
        duration_ms: Math.max(0, Math.round(now() - started)),
        ...(opts.keep || !data.temporary
          ? {
              sandbox: {
                forge_url: sb.forge.url,
                ci_url: sb.ci.url,
                ...(!data.temporary ? { data_dir: data.dir } : {}),
                ...(opts.keep ? { users: Object.fromEntries(Object.entries(users).map(([login, u]) => [login, { token: u.token, ci_token: sb.ci.token(login) }])) } : {}),
              },
            }
          : {}),
      } satisfies DemoReport);
      return { report, sandbox: opts.keep ? sb : undefined, stop };
    } finally {
      await Promise.all([forge.close(), gardenerForge.close(), ci.close()]);
    }
  } catch (err) {
    // A write into the removed data dir may fail before the sandbox's watch notices: either
    // way the cause to report is the data dir, not the ENOENT it led to.
    const lost = inodeOf(data.dir) !== dataIno && !/was (removed|replaced) while it ran/.test(errorMessage(err));
    // the error that ended the demo is the one to report, not a failure to save while stopping
    await stop().catch(() => undefined);
    throw lost ? new Error(`sandbox: its data dir ${data.dir} was removed while it ran (${errorMessage(err)})`, { cause: err }) : err;
  } finally {
    if (!opts.keep) await stop();
  }
}

function inodeOf(dir: string): number | undefined {
  try {
    return statSync(dir).ino;
  } catch {
    return undefined;
  }
}
