// Where this run executes, from the variables each CI system always sets.
import type { Env } from "./env.ts";

export type HostKind = "woodpecker" | "actions" | "local";

/** The host, with the Actions implementation told apart (URLs and quirks differ). */
export type Platform = "woodpecker" | "github_actions" | "forgejo_actions" | "gitea_actions" | "local";

export interface HostInfo {
  host: HostKind;
  platform: Platform;
}

export function detectHost(env: Env): HostInfo {
  if (env.CI === "woodpecker" || env.CI_SYSTEM_NAME === "woodpecker") return { host: "woodpecker", platform: "woodpecker" };
  if (env.GITHUB_ACTIONS === "true") {
    // Forgejo runners mirror every FORGEJO_* variable as GITHUB_* and also set GITEA_ACTIONS
    // (runner v7+ adds FORGEJO_ACTIONS); Gitea's act_runner sets only GITEA_ACTIONS.
    if (env.FORGEJO_ACTIONS === "true") return { host: "actions", platform: "forgejo_actions" };
    if (env.GITEA_ACTIONS === "true") return { host: "actions", platform: "gitea_actions" };
    return { host: "actions", platform: "github_actions" };
  }
  return { host: "local", platform: "local" };
}
