// The factory demo's person at the architect's pitch: the admin reads the sprint pitch PR the
// architect opened in the ops repo, answers ACCEPT and approves it on its head — the approval
// is what the gardener's filer waits for. Then the sub-issues it filed are found by their
// `vision(#N): ` titles.
import { isPitch, visionOf } from "../agents/shared/sprint.ts";
import type { RepoForge } from "../forge/types.ts";

export interface Accepted {
  pr: number;
  url: string;
  filed: number[];
}

/** Accepts the open pitch for `vision` as the admin; null when the architect opened none. */
export async function acceptPitch(input: { ops: RepoForge; vision: number; say: (line: string) => void }): Promise<Accepted | null> {
  const pr = (await input.ops.pulls.list({ state: "open" })).find((p) => isPitch(p) && visionOf(p) === input.vision);
  if (pr === undefined) {
    input.say(`the architect opened no pitch for #${input.vision}`);
    return null;
  }
  input.say(`the architect pitched #${input.vision} as PR #${pr.number} "${pr.title}" in the ops repo: what it enables, the risks, open questions, the sub-issues — ${pr.htmlUrl}`);
  await input.ops.comments.create(pr.number, "ACCEPT — an empty text is an error; no hexadecimal.");
  await input.ops.reviews.create(pr.number, { event: "APPROVED", body: "Approved: file it.", commitId: pr.head.sha });
  input.say(`admin (the person) answered ACCEPT on PR #${pr.number} and approved it at ${pr.head.sha.slice(0, 7)}: the gardener files its sub-issues`);
  return { pr: pr.number, url: pr.htmlUrl, filed: [] };
}

/** The issues filed from the pitch of `vision`, oldest first. */
export async function subIssuesOf(repo: RepoForge, vision: number): Promise<number[]> {
  const prefix = `vision(#${vision}): `;
  return (await repo.issues.list({ state: "all", type: "issues", sort: "oldest" })).filter((i) => !i.isPull && i.title.startsWith(prefix)).map((i) => i.number);
}
