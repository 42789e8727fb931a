// `disinto llm try`: one small read-only task through a configured backend, to check its
// credentials, model, endpoint and limits before agents use it. With the ops repo configured
// the run is accounted like an agent's: the backend's slot, the spend caps, the ledger.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { z } from "zod";
import { write, type Command } from "../command.ts";
import { splitRepo } from "../forge-settings.ts";
import { loadProjectConfig, parseProjectConfig } from "../../config/load.ts";
import type { ProjectConfig } from "../../config/project.ts";
import { ForgejoForge } from "../../forge/index.ts";
import { Logger } from "../../host/logger.ts";
import { lookupSecret, registerEnvSecrets } from "../../host/secrets.ts";
import { baseSettingsSchema, loadSettings, settingsCliOptions } from "../../host/settings.ts";
import { ConfigError, EXIT_FAILURE, EXIT_OK, UsageError } from "../../lib/errors.ts";
import { Redactor } from "../../lib/redact.ts";
import { createBackend } from "../../llm/factory.ts";
import { opsRepoHooks } from "../../llm/ops-repo.ts";
import { backendPlan, capsOf } from "../../llm/project-backend.ts";
import { loadScript, parseScriptText } from "../../llm/scripted/script.ts";
import type { Script } from "../../llm/scripted/script.ts";
import { DEFAULT_TRY_PROMPT, tryBackend } from "../../llm/try.ts";
import type { Accounting } from "../../llm/accounting.ts";
import type { Backend, LedgerEntry, RunResult, UsageLedger } from "../../llm/types.ts";
import { totalTokens } from "../../llm/types.ts";
import { ledgerPath } from "../../state/ledger.ts";
import { StateStore } from "../../state/store.ts";

const AGENT = "llm-try";

const trySettingsSchema = baseSettingsSchema.pick({ project: true, forge_url: true, forge_token: true, ops_repo: true }).extend({
  claude_bin: z.string().min(1).default("claude").describe("The Claude Code CLI executable (claude-cli backend)."),
});
type TrySettings = z.output<typeof trySettingsSchema>;

/** Credentials claude-cli can authenticate with (base URL and headers alone cannot). */
const CLAUDE_AUTH = ["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_AUTH_TOKEN"];

interface Ops {
  forge: ForgejoForge;
  store: StateStore;
  repo: string;
}

interface Source {
  config: ProjectConfig;
  /** How messages name the config: a path, or `owner/ops:projects/x.toml`. */
  file: string;
  /** The script a scripted backend names at `key` (backends.NAME.script). */
  script(path: string, key: string): Promise<Script>;
}

function flagString(v: unknown): string | undefined {
  return typeof v === "string" ? v : Array.isArray(v) ? flagString(v.at(-1)) : undefined;
}

function positiveNumber(v: unknown, flag: string, dflt: number, integer = false): number {
  const s = flagString(v);
  if (s === undefined) return dflt;
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new UsageError(`llm try: --${flag} must be a positive ${integer ? "whole number" : "number"}, got '${s}'`);
  return n;
}

function missingOps(s: TrySettings): string[] {
  return (["forge_url", "forge_token", "ops_repo"] as const).filter((k) => s[k] === undefined);
}

async function localSource(path: string, cwd: string): Promise<Source> {
  const abs = resolve(cwd, path);
  const config = await loadProjectConfig(abs);
  // Scripts are named relative to the ops repo checkout: the parent of its projects/ folder.
  const root = basename(dirname(abs)) === "projects" ? dirname(dirname(abs)) : dirname(abs);
  return { config, file: path, script: (p, key) => loadScript(isAbsolute(p) ? p : join(root, p), { file: path, key }) };
}

async function opsSource(ops: Ops, project: string | undefined): Promise<Source> {
  if (project === undefined) throw new ConfigError([{ file: "settings", path: "project", message: "missing; name the project (DISINTO_PROJECT or --project) to read projects/<project>.toml from the ops repo, or give --config FILE" }]);
  const file = `projects/${project}.toml`;
  const doc = await ops.store.readText(file);
  const shown = `${ops.repo}:${file}`;
  if (doc === undefined) throw new ConfigError([{ file: shown, path: "", message: "not found in the ops repo (run `disinto init`, or give --config FILE)" }]);
  const config = parseProjectConfig(doc.value, shown);
  return {
    config,
    file: shown,
    async script(p, key) {
      if (isAbsolute(p)) return loadScript(p, { file: shown, key });
      const s = await ops.store.readText(p);
      if (s === undefined) throw new ConfigError([{ file: shown, path: key, message: `${p} not found in the ops repo ${ops.repo}: expected the scripted backend's script there (see \`disinto schema script\`)` }]);
      return parseScriptText(s.value, `${ops.repo}:${p}`);
    },
  };
}

/** The backend's own credentials from the environment; a missing one is bad input, not a failed run. */
function credentials(backend: Backend, name: string, file: string, env: NodeJS.ProcessEnv, redactor: Redactor): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of backend.credentialNames) {
    const v = lookupSecret(env, n, redactor);
    if (v !== undefined) out[n] = v;
  }
  if (backend.kind === "openai") {
    const missing = backend.credentialNames.filter((n) => out[n] === undefined);
    if (missing.length > 0) throw new ConfigError([{ file, path: `backends.${name}.api_key_env`, message: `names ${missing.join(", ")}, which is not set in the environment` }]);
  }
  if (backend.kind === "claude-cli" && !CLAUDE_AUTH.some((n) => out[n] !== undefined)) {
    throw new UsageError(`llm try: backend ${name} (claude-cli) needs ${CLAUDE_AUTH.slice(0, 2).join(" or ")} in the environment; none is set`);
  }
  return out;
}

async function workDir(flag: string | undefined, cwd: string): Promise<{ dir: string; temp: boolean }> {
  if (flag === undefined) return { dir: await mkdtemp(join(tmpdir(), "disinto-llm-try-")), temp: true };
  const dir = resolve(cwd, flag);
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new UsageError(`llm try: --cwd ${flag} is not a directory`);
  return { dir, temp: false };
}

function usageLine(r: RunResult): string {
  const u = r.usage;
  return `${u.inputTokens} in · ${u.outputTokens} out · ${u.cacheReadTokens} cache read · ${u.cacheWriteTokens} cache write (${totalTokens(u)} tokens)`;
}

export const llmTryCommand: Command = {
  name: ["llm", "try"],
  summary: "Run one small task through an LLM backend and report status, usage and cost",
  usage: "llm try --backend NAME [--prompt TEXT] [--cwd DIR] [--json] [--config FILE]",
  description: `
Sends one small read-only task (default: "${DEFAULT_TRY_PROMPT}") to the backend
[backends.NAME] of the project config and prints its status, reply, token usage, cost, turns
and duration: the way to check a backend's credentials, model, endpoint and limits before
letting agents use it.

Where the backend config comes from:
  --config FILE   a project config TOML (a scripted backend's relative script path is
                  resolved from the ops repo checkout the file sits in: the parent of its
                  projects/ folder, else the file's folder);
  otherwise       projects/<project>.toml in the ops repo, read with the forge_url,
                  forge_token, ops_repo and project settings (DISINTO_FORGE_URL, … or flags;
                  the token only from DISINTO_FORGE_TOKEN in the environment).

Credentials come from the environment variables the backend uses — api_key_env for openai,
ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN for claude-cli (also as PLUGIN_/INPUT_/DISINTO_
variants) — and are passed to the backend alone; they are never printed, and nothing else
from the environment (no forge or CI token) reaches the model or its commands.

With forge_url, forge_token and ops_repo set, the run is accounted like an agent's: it waits
for a free slot of the backend (slots in the config), respects [limits] budget_usd_per_run and
budget_usd_per_day, and its usage lands in the ops repo's ledger under the key "llm-try".
Without them nothing is recorded.

The task runs in --cwd DIR (read-only tools), or in a fresh empty directory removed afterwards.
Progress goes to stderr; the report to stdout (--json: one JSON object).

Exit codes: 0 the backend answered (status ok); 1 it failed or was stopped (the reason is
shown); 2 bad input: unknown backend, missing or invalid config, missing credentials.`,
  options: {
    backend: { type: "string", value: "NAME", description: "The backend to try: a key of [backends] in the project config." },
    prompt: { type: "string", value: "TEXT", description: `The task (default: "${DEFAULT_TRY_PROMPT}").` },
    cwd: { type: "string", value: "DIR", description: "Working directory the model may read (default: a fresh empty one)." },
    json: { type: "boolean", description: "Print the report as one JSON object." },
    config: { type: "string", value: "FILE", description: "Project config TOML to read the backend from, instead of the ops repo." },
    timeout: { type: "string", value: "SECONDS", description: "Stop the run (and any wait for a slot) after this long. Default 120." },
    "max-turns": { type: "string", value: "N", description: "Most model turns. Default 3." },
    // the forge token is read from the environment only: no flag takes a secret
    ...settingsCliOptions(trySettingsSchema.omit({ forge_token: true })),
  },
  args: { min: 0, max: 0 },
  async run({ flags, io }) {
    const redactor = new Redactor();
    registerEnvSecrets(redactor, io.env);
    const name = flagString(flags.backend);
    if (name === undefined || name === "") throw new UsageError("llm try: --backend NAME is required (a key of [backends] in the project config); see `disinto llm try --help`");
    const settings = loadSettings(trySettingsSchema, { env: io.env, flags, redactor });
    const timeoutMs = positiveNumber(flags.timeout, "timeout", 120) * 1000;
    const maxTurns = positiveNumber(flags["max-turns"], "max-turns", 3, true);
    const configFlag = flagString(flags.config);
    const missing = missingOps(settings);
    if (configFlag === undefined && missing.length > 0) {
      const how = missing.map((k) => (k === "forge_token" ? `${k} (DISINTO_FORGE_TOKEN in the environment)` : `${k} (DISINTO_${k.toUpperCase()} or --${k.replace(/_/g, "-")})`)).join(", ");
      throw new UsageError(`llm try: no backend config: give --config FILE (a project config), or the ops repo settings to read projects/<project>.toml from; missing ${how}`);
    }

    let ops: Ops | undefined;
    let temp: string | undefined;
    try {
      if (missing.length === 0 && settings.forge_url && settings.forge_token && settings.ops_repo) {
        const forge = new ForgejoForge({ url: settings.forge_url, token: settings.forge_token, redactor });
        const store = new StateStore({ contents: forge.repo(splitRepo(settings.ops_repo)).contents, author: { agent: AGENT, identity: hostname() } });
        ops = { forge, store, repo: settings.ops_repo };
      }
      let source: Source;
      if (configFlag !== undefined) source = await localSource(configFlag, io.cwd);
      else if (ops !== undefined) source = await opsSource(ops, settings.project);
      else throw new UsageError("llm try: give --config FILE or the ops repo settings");
      const entry = source.config.backends[name];
      if (entry === undefined) {
        const known = Object.keys(source.config.backends);
        throw new UsageError(`llm try: no backend named ${JSON.stringify(name)} in ${source.file} (${known.length > 0 ? `defined: ${known.join(", ")}` : "it defines no [backends]"})`);
      }
      const script = entry.type === "scripted" ? await source.script(entry.script, `backends.${name}.script`) : undefined;
      const plan = backendPlan(entry, { claudeBinary: settings.claude_bin, ...(script !== undefined ? { script } : {}) });
      const backend = await createBackend(plan.config, `${source.file} [backends.${name}]`);
      const env = credentials(backend, name, source.file, io.env, redactor);
      const where = await workDir(flagString(flags.cwd), io.cwd);
      if (where.temp) temp = where.dir;

      const log = new Logger({ out: io.stderr, redactor, host: "local" });
      if (backend.kind === "scripted") log.warn(`backend ${name} is the scripted backend: answers come from a script, not from a model`);
      let recorded: LedgerEntry | undefined;
      let accounting: (Accounting & { budgetKey: string }) | undefined;
      if (ops !== undefined) {
        const hooks = opsRepoHooks(ops.store, {
          project: source.config.name,
          agent: AGENT,
          holder: { id: `${AGENT}/${hostname()}:${process.pid}`, agent: AGENT, host: hostname(), pid: process.pid },
          capacity: { [backend.name]: plan.slots },
        });
        // Watch what reaches the ledger, to report where it went (or that nothing did).
        const ledger: UsageLedger = {
          totals: (q) => hooks.ledger.totals(q),
          record: async (e) => {
            await hooks.ledger.record(e);
            recorded = e;
          },
        };
        const { perRunUsd, perDayUsd } = capsOf(source.config.limits);
        accounting = { ledger, sessions: hooks.sessions, slots: hooks.slots, caps: { ...(perRunUsd !== undefined ? { perRunUsd } : {}), ...(perDayUsd !== undefined ? { perDayUsd } : {}) }, budgetKey: AGENT };
      }

      const summary = await tryBackend(backend, {
        cwd: where.dir,
        prompt: flagString(flags.prompt) ?? DEFAULT_TRY_PROMPT,
        log,
        env,
        timeoutMs,
        maxTurns,
        redactor,
        ...(accounting ? { accounting } : {}),
      });
      const r = summary.result;
      const ledger =
        recorded !== undefined && ops !== undefined
          ? { recorded: true, repo: ops.repo, path: ledgerPath(recorded.at.slice(0, 10)), key: AGENT }
          : { recorded: false, why: ops === undefined ? `no ops repo (missing ${missing.join(", ")})` : "no LLM call was made, or the entry could not be written (see the log)" };
      if (flags.json === true) {
        const report = {
          backend: name,
          label: backend.name,
          kind: backend.kind,
          ok: summary.ok,
          status: r.status,
          ...(r.reason !== undefined ? { reason: r.reason } : {}),
          text: r.text,
          usage: r.usage,
          costUsd: r.costUsd,
          turns: r.turns,
          durationMs: r.durationMs,
          transcriptPath: r.transcriptPath,
          ledger,
        };
        write(io.stdout, redactor.redact(JSON.stringify(report)));
      } else {
        const rows: [string, string][] = [
          ["backend", `${name} (${backend.name})`],
          ["status", r.status],
          ...(r.reason !== undefined ? [["reason", r.reason] as [string, string]] : []),
          ...(r.text !== "" ? [["reply", r.text.length > 500 ? `${r.text.slice(0, 500)}…` : r.text] as [string, string]] : []),
          ["usage", usageLine(r)],
          ["cost", `$${r.costUsd.toFixed(6)}`],
          ["turns", String(r.turns)],
          ["duration", `${(r.durationMs / 1000).toFixed(2)}s`],
          ["ledger", ledger.recorded ? `${ledger.repo}:${ledger.path} (key ${AGENT})` : `not recorded: ${ledger.why}`],
          ...(r.transcriptPath !== "" ? [["transcript", relativeOrAbsolute(r.transcriptPath, io.cwd)] as [string, string]] : []),
        ];
        const width = Math.max(...rows.map(([k]) => k.length));
        write(io.stdout, redactor.redact(rows.map(([k, v]) => `${k.padEnd(width)}  ${v.replace(/\n/g, `\n${" ".repeat(width + 2)}`)}`).join("\n")));
      }
      return summary.ok ? EXIT_OK : EXIT_FAILURE;
    } finally {
      if (temp !== undefined) await rm(temp, { recursive: true, force: true });
      await ops?.forge.close();
    }
  },
};

function relativeOrAbsolute(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}
