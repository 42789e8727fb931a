// The smallest factory a dev (or gardener) tick can run against on the sandbox forge: org
// `acme` with the project repo `app` and its ops repo `app-ops`, the agent's bot a writer of
// both, and projects/app.toml naming a scripted backend that an idle tick never reads. Issues
// are the caller's: none means an idle tick.
import type { ForgejoForge } from "../../src/forge/index.ts";
import type { RepoForge } from "../../src/forge/types.ts";
import type { SandboxForge } from "../../src/sandbox/forge/index.ts";

export interface IdleProject {
  app: RepoForge;
  /** The agent's settings for this project, as environment variables. */
  env: Record<string, string>;
}

export async function idleProject(sandbox: SandboxForge, admin: ForgejoForge, agent: "dev" | "gardener" = "dev"): Promise<IdleProject> {
  const bot = `${agent}-bot`;
  await admin.createOrg({ name: "acme" });
  await admin.createRepo({ name: "app", org: "acme", autoInit: true, defaultBranch: "main" });
  await admin.createRepo({ name: "app-ops", org: "acme", autoInit: true, defaultBranch: "main" });
  const app = admin.repo({ owner: "acme", name: "app" });
  const ops = admin.repo({ owner: "acme", name: "app-ops" });
  await app.collaborators.add(bot, "write");
  await ops.collaborators.add(bot, "write");
  await ops.contents.create("projects/app.toml", {
    message: "config",
    text: [
      'name = "app"',
      `forge_url = "${sandbox.url}"`,
      'repo = "acme/app"',
      `[identities.${agent}]`,
      `login = "${bot}"`,
      `token_secret = "FORGE_${agent.toUpperCase()}_TOKEN"`,
      'backend = "scripted"',
      "[backends.scripted]",
      'type = "scripted"',
      'script = "/nonexistent/never-read.json"',
      "",
    ].join("\n"),
  });
  await app.labels.ensure(["backlog", "in-progress", "blocked", "underspecified", "tech-debt"].map((name) => ({ name, color: "#0075ca" })));
  const env = { DISINTO_FORGE_URL: sandbox.url, DISINTO_FORGE_TOKEN: sandbox.users[bot]!.token, DISINTO_PROJECT: "app", DISINTO_OPS_REPO: "acme/app-ops" };
  return { app, env };
}

/** `make(0)` … `make(n - 1)`, at most `width` at a time (seeding a big tracker). */
export async function inParallel<T>(n: number, width: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await make(i);
      }
    }),
  );
  return out;
}
