// One RunContext for every host: what triggered the run, for which repo and commit, by when
// it must finish, its settings, and the redactor that knows its secrets. Pure: the caller
// passes the environment, flags, clock and file reader.
import { readFileSync } from "node:fs";
import type { z } from "zod";
import { Redactor } from "../lib/redact.ts";
import { actionsMetadata } from "./actions.ts";
import { detectHost, type HostKind, type Platform } from "./detect.ts";
import type { Env, Flags } from "./env.ts";
import { localMetadata, type RunMetadata } from "./metadata.ts";
import { Meter } from "./outcome.ts";
import { registerEnvSecrets } from "./secrets.ts";
import { loadSettings, type BaseSettings, type baseSettingsSchema } from "./settings.ts";
import { woodpeckerMetadata } from "./woodpecker.ts";

export type { RunEvent, RunMetadata } from "./metadata.ts";

export interface RunContext<T = BaseSettings> extends RunMetadata {
  host: HostKind;
  platform: Platform;
  /** Epoch ms the run started (the clock passed in). */
  startedAt: number;
  /** Epoch ms by which the step must have finished: start + timeout_minutes. */
  deadline: number;
  settings: T;
  /** Every secret the run knows is registered here; every line written goes through it. */
  redactor: Redactor;
  /** Usage counters for the outcome line. */
  meter: Meter;
  /** Things worth a log line that did not stop the run (unknown settings, unreadable payload). */
  warnings: string[];
}

export interface RunContextInput<S extends z.ZodObject> {
  env: Env;
  flags?: Flags | undefined;
  /** Epoch ms of the start of the run. */
  now: number;
  schema: S;
  /** Reads GITHUB_EVENT_PATH; defaults to the file system. */
  readFile?: ((path: string) => string) | undefined;
  /** Pass one in to keep the secrets registered even when the settings are invalid. */
  redactor?: Redactor | undefined;
}

const DEFAULT_TIMEOUT_MINUTES = 55;

/** Throws ConfigError (exit 2) when the settings are invalid. */
export function createRunContext<S extends z.ZodObject = typeof baseSettingsSchema>(input: RunContextInput<S>): RunContext<z.output<S>> {
  const { env, flags, now, schema } = input;
  const redactor = input.redactor ?? new Redactor();
  const warnings: string[] = [];
  const warn = (m: string) => void warnings.push(m);
  registerEnvSecrets(redactor, env);
  const settings = loadSettings(schema, { env, flags, redactor, onWarning: warn });
  const { host, platform } = detectHost(env);
  const metadata =
    host === "woodpecker"
      ? woodpeckerMetadata(env)
      : host === "actions"
        ? actionsMetadata({ env, platform, readFile: input.readFile ?? ((p) => readFileSync(p, "utf8")), onWarning: warn })
        : localMetadata();
  // Timed from this process's start: the workflow's own timeout also counts the clone and
  // the steps before, which is what the default's margin below Woodpecker's 60 is for.
  const timeout = (settings as Partial<BaseSettings>).timeout_minutes ?? DEFAULT_TIMEOUT_MINUTES;
  return {
    host,
    platform,
    ...metadata,
    startedAt: now,
    deadline: now + Math.round(timeout * 60_000),
    settings,
    redactor,
    meter: new Meter(),
    warnings,
  };
}
