// The project config `disinto init` writes to `projects/<name>.toml` in the ops repo when
// there is none yet: the repos, Woodpecker's repo id, one identity per agent (secrets by NAME
// only) and a Claude Code backend. Everything else keeps its documented default, so the file
// stays short enough to read and edit.
import { DEFAULT_SCHEDULES, type ScheduledAgent } from "../config/project.ts";

export interface GeneratedConfig {
  name: string;
  forgeUrl: string;
  repo: string;
  opsRepo: string;
  primaryBranch: string;
  ciUrl?: string | undefined;
  ciRepoId?: number | undefined;
  /** The project CI's pull-request contexts: what review waits for and merges require. */
  requiredContexts?: readonly string[] | undefined;
  identities: { role: ScheduledAgent; login: string; tokenSecret: string }[];
}

/** The backend every generated identity uses. */
export const DEFAULT_BACKEND = "claude";

// JSON string syntax is valid TOML basic-string syntax for everything these values hold.
const str = (s: string): string => JSON.stringify(s);

export function projectToml(c: GeneratedConfig): string {
  const out = [
    "# disinto project config, written by `disinto init`. Every key is documented in the README's",
    "# config reference (`disinto schema project` prints it as JSON Schema); `disinto validate`",
    "# checks this file. Secrets never go here: identities name the CI secret holding their token.",
    "",
    `name = ${str(c.name)}`,
    `forge_url = ${str(c.forgeUrl)}`,
    `repo = ${str(c.repo)}`,
    `ops_repo = ${str(c.opsRepo)}`,
    `primary_branch = ${str(c.primaryBranch)}`,
  ];
  const woodpecker = c.ciUrl !== undefined && c.ciRepoId !== undefined;
  const contexts = c.requiredContexts ?? [];
  if (woodpecker || contexts.length > 0) {
    out.push("", "[ci]");
    if (woodpecker) out.push(`woodpecker_url = ${str(c.ciUrl ?? "")}`, `woodpecker_repo_id = ${c.ciRepoId ?? 0}`);
    if (contexts.length > 0) {
      out.push(
        "# The project's own CI on pull requests (from .woodpecker/ when init ran): review and merge",
        "# wait for these, and the review agent's own pipeline status never counts as CI.",
        `required_contexts = [${contexts.map(str).join(", ")}]`,
      );
    }
  }
  for (const id of c.identities) {
    out.push("", `[identities.${id.role}]`, `login = ${str(id.login)}`, `token_secret = ${str(id.tokenSecret)}`, `backend = ${str(DEFAULT_BACKEND)}`);
  }
  out.push(
    "",
    `[backends.${DEFAULT_BACKEND}]`,
    "# Claude Code CLI; its credential (ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN) is a CI secret.",
    'type = "claude-cli"',
    "",
    "# Woodpecker crons `disinto init` keeps in step with these (\"off\" = no cron).",
    "[schedules]",
  );
  for (const id of c.identities) out.push(`${id.role} = ${str(DEFAULT_SCHEDULES[id.role])}`);
  return `${out.join("\n")}\n`;
}
