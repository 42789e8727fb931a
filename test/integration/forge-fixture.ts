// A sandbox forge with a fresh repo, and Forge clients for its users. Shared by the
// forge-*.test.ts integration tests; the clients under test are the real src/forge code.
import { randomUUID } from "node:crypto";
import { ForgejoForge, type ForgejoForgeOptions } from "../../src/forge/index.ts";
import type { RepoRef } from "../../src/forge/types.ts";
import { startSandboxForge } from "../../src/sandbox/forge/index.ts";

export type Sandbox = Awaited<ReturnType<typeof startSandboxForge>>;
export type SandboxOptions = Parameters<typeof startSandboxForge>[0];

export interface ForgeFixture {
  sandbox: Sandbox;
  /** dev-bot: owns the repo, opens issues and PRs. */
  dev: ForgejoForge;
  /** review-bot: a write collaborator, so its reviews are official. */
  review: ForgejoForge;
  admin: ForgejoForge;
  repo: RepoRef;
  client(user: "dev-bot" | "review-bot" | "admin", opts?: Partial<ForgejoForgeOptions>): ForgejoForge;
  stop(): Promise<void>;
}

// Quick retries: the sandbox is local, and fault tests inject many 5xx.
export const FAST_RETRY = { maxAttempts: 8, baseDelayMs: 2, maxDelayMs: 20, maxTotalMs: 30_000 };

export async function forgeFixture(opts: Partial<NonNullable<SandboxOptions>> = {}): Promise<ForgeFixture> {
  const sandbox = await startSandboxForge({ seed: "empty", ...opts });
  const clients: ForgejoForge[] = [];
  const client = (user: "dev-bot" | "review-bot" | "admin", extra: Partial<ForgejoForgeOptions> = {}): ForgejoForge => {
    const token = sandbox.users[user]?.token;
    if (token === undefined) throw new Error(`sandbox has no user ${user}`);
    const f = new ForgejoForge({ url: sandbox.url, token, retry: FAST_RETRY, writeRetry: FAST_RETRY, settleMs: 10, ...extra });
    clients.push(f);
    return f;
  };
  const dev = client("dev-bot");
  const review = client("review-bot");
  const admin = client("admin");
  const name = `proj-${randomUUID().slice(0, 8)}`;
  await dev.createRepo({ name, autoInit: true });
  const repo = { owner: "dev-bot", name };
  await dev.repo(repo).collaborators.add("review-bot", "write");
  return {
    sandbox,
    dev,
    review,
    admin,
    repo,
    client,
    async stop() {
      await Promise.all(clients.map((c) => c.close()));
      await sandbox.stop();
    },
  };
}
