// The smallest factory a dev tick can run against on the sandbox forge: org `acme` with the
// project repo `app` and its ops repo `app-ops`, dev-bot a writer of both, and
// projects/app.toml naming a scripted backend that an idle tick never reads. Issues are the
// caller's: none means an idle tick.
import type { ForgejoForge } from "../../src/forge/index.ts";
import type { RepoForge } from "../../src/forge/types.ts";
import type { SandboxForge } from "../../src/sandbox/forge/index.ts";

export interface IdleProject {
  app: RepoForge;
  /** The dev agent's settings for this project, as environment variables. */
  env: Record<string, string>;
}

export async function idleProject(sandbox: SandboxForge, admin: ForgejoForge): Promise<IdleProject> {
  await admin.createOrg({ name: "acme" });
  await admin.createRepo({ name: "app", org: "acme", autoInit: true, defaultBranch: "main" });
  await admin.createRepo({ name: "app-ops", org: "acme", autoInit: true, defaultBranch: "main" });
  const app = admin.repo({ owner: "acme", name: "app" });
  const ops = admin.repo({ owner: "acme", name: "app-ops" });
  await app.collaborators.add("dev-bot", "write");
  await ops.collaborators.add("dev-bot", "write");
  await ops.contents.create("projects/app.toml", {
    message: "config",
    text: [
      'name = "app"',
      `forge_url = "${sandbox.url}"`,
      'repo = "acme/app"',
      "[identities.dev]",
      'login = "dev-bot"',
      'token_secret = "FORGE_DEV_TOKEN"',
      'backend = "scripted"',
      "[backends.scripted]",
      'type = "scripted"',
      'script = "/nonexistent/never-read.json"',
      "",
    ].join("\n"),
  });
  await app.labels.ensure([
    { name: "backlog", color: "#0075ca" },
    { name: "in-progress", color: "#1d76db" },
  ]);
  const env = { DISINTO_FORGE_URL: sandbox.url, DISINTO_FORGE_TOKEN: sandbox.users["dev-bot"]!.token, DISINTO_PROJECT: "app", DISINTO_OPS_REPO: "acme/app-ops" };
  return { app, env };
}
