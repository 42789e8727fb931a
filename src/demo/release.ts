// The factory demo's release: once the backlog is merged the planner asks the vault for the
// shipped `release` formula (high tier: only an admin may approve it), the admin approves and
// merges the request, and the ops repo's pipeline runs the dispatcher, which tags main's head
// and publishes the release notes. Its one secret, RELEASE_TOKEN, is a token with write access
// to demo/calc (dev-bot's in the demo); the narration never shows it.
import type { RepoForge } from "../forge/types.ts";
import { mustParseAction, resultPath } from "../vault/action.ts";
import { knownFormulas } from "../vault/formulas.ts";
import { requestVault } from "../vault/request.ts";
import { parseResult } from "../vault/results.ts";
import { loadPolicy } from "../vault/tiers.ts";
import type { DemoRelease } from "./report.ts";
import { RELEASE_SECRET } from "./setup.ts";

export const DEMO_RELEASE_VERSION = "0.2.0";
const ID = `release-${DEMO_RELEASE_VERSION}`;

function actionToml(): string {
  return [`id = "${ID}"`, 'formula = "release"', 'context = "Every objective of VISION.md has its issues merged: tag calc 0.2.0."', `secrets = ["${RELEASE_SECRET}"]`, "", "[params]", `version = "${DEMO_RELEASE_VERSION}"`, ""].join("\n");
}

/** Asks for the release as `requesterOps`'s user; the admin approves and merges it; the push starts the dispatcher. */
export async function requestRelease(input: { requesterOps: RepoForge; requester: string; adminOps: RepoForge; secrets: readonly string[]; say: (line: string) => void }): Promise<{ pr: number; prUrl: string }> {
  const { requesterOps: ops, adminOps, say } = input;
  const formulas = await knownFormulas(ops);
  const action = mustParseAction(actionToml(), `${ID}.toml`, { formulas: [...formulas.keys()], secrets: input.secrets });
  const { policy } = await loadPolicy(ops);
  const r = await requestVault({ ops, policy, base: "main", requester: input.requester, labels: { vault: "vault", pending: "pending-approval" } }, action);
  if (r.pr === undefined) throw new Error(`vault: the demo's release was not sent for approval (${r.state}${r.tier ? `, tier ${r.tier}` : ""})`);
  say(`${input.requester} asks the vault for a release: the release formula, version ${DEMO_RELEASE_VERSION}, with the secret ${RELEASE_SECRET}: ${r.tier} tier → PR #${r.pr} "vault: ${ID}" waits for an admin's approval — ${r.url ?? ""}`);
  const pr = await adminOps.pulls.get(r.pr);
  if (pr === undefined) throw new Error(`vault: release request PR #${r.pr} is gone`);
  await adminOps.reviews.create(r.pr, { event: "APPROVED", body: "Approved: ship 0.2.0.", commitId: pr.head.sha });
  await adminOps.pulls.merge(r.pr, { style: "merge", headCommitId: pr.head.sha });
  say(`admin approved PR #${r.pr} at ${pr.head.sha.slice(0, 7)} and merged it: the dispatcher runs the release`);
  return { pr: r.pr, prUrl: pr.htmlUrl };
}

/** What the dispatcher did: its result in the ops repo and the tag on demo/calc (read over the forge API). */
export async function releaseOutcome(input: { ops: RepoForge; forgeUrl: string; token: string; repo: string; pr: number; prUrl: string }): Promise<{ release: DemoRelease; lines: string[] }> {
  const lines: string[] = [];
  const doc = await input.ops.contents.get(resultPath(ID));
  const result = doc === undefined ? undefined : parseResult(doc.text);
  if (result === undefined) lines.push(`the dispatcher wrote no ${resultPath(ID)}`);
  else lines.push(`the dispatcher ran ${ID} (approved by ${result.approved_by ?? "nobody"} in PR #${result.pr ?? "?"}) and committed ${resultPath(ID)}: ${result.status}, exit ${result.exit_code ?? "none"}`);
  for (const l of (result?.log ?? "").split("\n").filter((x) => /^(tagged|released|tag .* exists)/.test(x))) lines.push(`    ${l}`);
  const res = await fetch(`${input.forgeUrl.replace(/\/+$/, "")}/api/v1/repos/${input.repo}/tags/${DEMO_RELEASE_VERSION}`, { headers: { Authorization: `token ${input.token}` } });
  const tag = res.ok ? ((await res.json()) as { commit?: { sha?: string } }).commit?.sha ?? null : null;
  lines.push(tag !== null ? `${input.repo} is tagged ${DEMO_RELEASE_VERSION} at ${tag.slice(0, 7)}, with release notes listing the merged pull requests` : `${input.repo} has no tag ${DEMO_RELEASE_VERSION}`);
  return { release: { version: DEMO_RELEASE_VERSION, pr: input.pr, pr_url: input.prUrl, status: result?.status ?? null, tag_sha: tag }, lines };
}
