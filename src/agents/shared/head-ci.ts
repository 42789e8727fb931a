// What the project's CI says about a commit, for the agents that merge their own PRs (dev, the
// gardener). A project without any CI never reports, so there is nothing to wait for.
import { readCommitCi, type CommitCi } from "../../ci/commit.ts";
import type { AgentRuntime } from "../runtime.ts";

export async function readHeadCi(rt: AgentRuntime, sha: string): Promise<CommitCi> {
  const ci = await readCommitCi(rt.repo, sha, { requiredContexts: rt.config.ci.required_contexts });
  // A project without any CI (no Woodpecker, no required contexts) never reports: nothing to wait for.
  if (ci.state === "none" && rt.config.ci.required_contexts.length === 0 && rt.config.ci.woodpecker_url === undefined && rt.ci === undefined) {
    return { ...ci, state: "success" };
  }
  return ci;
}

