// The process environment as the host modules see it: a plain record, so every function
// that reads it can be called with a literal in tests. Only entrypoints pass process.env.
import type { CommandInput } from "../cli/command.ts";

export type Env = Readonly<Record<string, string | undefined>>;

/** CLI flags as node's util.parseArgs returns them, keyed by the long name (`forge-url`). */
export type Flags = CommandInput["flags"];

/** The variable's value, or undefined when it is unset or empty (CI systems set empty vars). */
export function envValue(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === "" ? undefined : v;
}

/** A positive decimal integer from a variable (PR and pipeline numbers), else undefined. */
export function envInt(env: Env, name: string): number | undefined {
  const v = envValue(env, name);
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  const n = Number(v.trim());
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
