// Everything an agent run could change on the sandbox forge, as one comparable value: issues
// and PRs with their labels, assignees and comments, reviews, commit statuses, branches and the
// commit each points at, and every file of the ops repo with its blob sha. A run that changed
// nothing leaves the snapshot deep-equal.
import type { RepoForge } from "../../src/forge/types.ts";
import type { SandboxForge } from "../../src/sandbox/forge/index.ts";
import { api } from "./sandbox-forge.ts";

export interface ForgeSnapshot {
  issues: unknown[];
  pulls: unknown[];
  branches: Record<string, Record<string, string>>;
  opsFiles: Record<string, string>;
}

/** `app` and `ops` are read with any client that may read them (reads only). */
export async function forgeSnapshot(forge: SandboxForge, app: RepoForge, ops: RepoForge): Promise<ForgeSnapshot> {
  const issues = [];
  for (const i of await app.issues.list({ state: "all" })) {
    const comments = (await app.comments.list(i.number)).map((c) => ({ id: c.id, author: c.author, body: c.body }));
    issues.push({ number: i.number, title: i.title, body: i.body, state: i.state, labels: [...i.labels].sort(), assignees: [...i.assignees].sort(), comments });
  }
  const pulls = [];
  for (const p of await app.pulls.list({ state: "all" })) {
    const reviews = (await app.reviews.list(p.number)).map((r) => ({ id: r.id, author: r.author, state: r.state, commitId: r.commitId, dismissed: r.dismissed }));
    const statuses = (await app.statuses.list(p.head.sha)).map((s) => ({ id: s.id, context: s.context, state: s.state }));
    pulls.push({ number: p.number, state: p.state, merged: p.merged, head: p.head.sha, base: p.base.ref, labels: [...p.labels].sort(), reviews, statuses });
  }
  const branches: Record<string, Record<string, string>> = {};
  const admin = api(forge, "admin");
  for (const repo of [app.ref, ops.ref]) {
    const res = await admin("GET", `/repos/${repo.owner}/${repo.name}/branches`);
    if (res.status !== 200) throw new Error(`branches of ${repo.owner}/${repo.name}: HTTP ${res.status}`);
    branches[`${repo.owner}/${repo.name}`] = Object.fromEntries((res.body as { name: string; commit: { id: string } }[]).map((b) => [b.name, b.commit.id]));
  }
  const opsFiles: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const e of await ops.contents.list(dir)) {
      if (e.type === "dir") await walk(e.path);
      else opsFiles[e.path] = (await ops.contents.get(e.path))?.sha ?? "?";
    }
  };
  await walk("");
  return { issues, pulls, branches, opsFiles };
}
