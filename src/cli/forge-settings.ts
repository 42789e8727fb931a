// What the forge-reading commands (lock, status) share: the settings they need, said the way
// they may be given (flags or DISINTO_* for URLs and names, the environment only for tokens),
// and a check that the ops repo is there before anything reads it — a missing repo must not
// look like an empty one ("no leases", no projects).
import type { Forge, RepoRef } from "../forge/types.ts";
import { ConfigError, UsageError } from "../lib/errors.ts";

/** Throws one ConfigError (exit 2) naming every missing setting and where it goes. */
export function requireSettings<K extends string>(s: Partial<Record<K, unknown>>, keys: readonly K[]): void {
  const missing = keys.filter((k) => s[k] === undefined);
  if (missing.length === 0) return;
  throw new ConfigError(
    missing.map((k) => ({
      file: "settings",
      path: k,
      message: /_token$/.test(k) ? `missing; set DISINTO_${k.toUpperCase()} in the environment` : `missing; give --${k.replace(/_/g, "-")} or DISINTO_${k.toUpperCase()}`,
    })),
  );
}

export function splitRepo(full: string): RepoRef {
  const [owner = "", name = ""] = full.split("/");
  return { owner, name };
}

/** Forgejo answers 404 both for a repo that does not exist and for one the token may not read. */
export async function requireOpsRepo(forge: Forge, ops: RepoRef, forgeUrl: string): Promise<void> {
  if ((await forge.getRepo(ops)) !== undefined) return;
  throw new UsageError(`ops repo ${ops.owner}/${ops.name} on ${forgeUrl}: not found, or this token cannot read it (check --ops-repo and DISINTO_FORGE_TOKEN)`);
}
