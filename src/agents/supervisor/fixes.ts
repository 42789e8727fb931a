// Direct fixes (DESIGN §12): what a recipe may do in code, without tokens. Each one re-reads
// what it is about to change and is idempotent — run twice, or killed half way and run again,
// it ends in the same state and posts each comment once (a marker, looked for first). The
// order of writes inside a fix is chosen so a kill leaves the finding visible to the next run.
import type { FixName } from "../../config/recipes.ts";
import { NotHolderError } from "../../state/errors.ts";
import { findMarked, withMarker } from "../../manifest/marker.ts";
import { pullIsFor } from "../dev/text.ts";
import type { AgentRuntime } from "../runtime.ts";
import { AGENT, orphanKey, stuckPrKey, sweptKey } from "./marks.ts";
import type { Finding } from "./probes.ts";
import { sessionsDir } from "./probes.ts";
import type { FactoryView } from "./view.ts";

export interface FixResult {
  result: "done" | "noop" | "skipped";
  detail: string;
}

/** Sessions not saved for this long are pruned. */
export const SESSION_MAX_AGE_MS = 7 * 24 * 3_600_000;

type Fix = (rt: AgentRuntime, v: FactoryView, f: Finding) => Promise<FixResult>;

const done = (detail: string): FixResult => ({ result: "done", detail });
const noop = (detail: string): FixResult => ({ result: "noop", detail });

/** Post `text` on `n` once: the marked comment of ours is looked for first. */
async function commentOnce(rt: AgentRuntime, n: number, key: string, text: string): Promise<boolean> {
  const comments = await rt.repo.comments.list(n);
  if (findMarked(comments, rt.login, AGENT, key)) return false;
  await rt.repo.comments.create(n, withMarker(text, AGENT, key));
  return true;
}

const releaseLease: Fix = async (rt, _v, f) => {
  const name = f.subject?.lease;
  const holder = f.subject?.holder;
  if (name === undefined || holder === undefined) return noop("no lease named");
  try {
    const released = await rt.leases.release({ name, holderId: holder });
    return released ? done(`released ${name} (held by ${holder})`) : noop(`${name} is already free`);
  } catch (err) {
    // Someone else took it over since the probe looked: it is alive again.
    if (err instanceof NotHolderError) return noop(`${name} has a new holder`);
    throw err;
  }
};

/**
 * Restart first, then cancel the stuck one: a kill in between leaves a restart whose `parent`
 * is the stuck pipeline, which the next run sees and does not restart again — it only cancels.
 * A pipeline that is itself a restart is never restarted: "once".
 */
const restartPipeline: Fix = async (rt, v, f) => {
  const p = f.subject?.pipeline;
  if (p === undefined || rt.ci === undefined) return noop("no pipeline named");
  if (p.parent !== 0) return { result: "skipped", detail: `${p.repo} #${p.number} is a restart of #${p.parent}: not restarted again` };
  const api = rt.ci.repo(p.repoId);
  const target = (await v.ciTargets())?.find((t) => t.repo === p.repo);
  const known = target ? await v.pipelines(target) : await api.pipelines.list({ page: 1, perPage: 50 });
  const child = known.find((x) => x.parent === p.number);
  let restarted = "";
  if (child === undefined) {
    const n = await api.pipelines.restart(p.number);
    restarted = `restarted as #${n.number}; `;
    await rt.checkpoint("supervisor:restarted");
  }
  const cancelled = await api.pipelines.cancel(p.number);
  return done(`${p.repo} #${p.number}: ${restarted}${cancelled ? "cancelled" : "already finished"}`);
};

const closeStuckPr: Fix = async (rt, v, f) => {
  const n = f.subject?.issue;
  if (n === undefined) return noop("no issue named");
  const prs = (await v.openPulls()).filter((pr) => pullIsFor(pr, n));
  if (prs.length === 0) return noop(`no open PR for #${n}`);
  const closed: number[] = [];
  for (const pr of prs) {
    const cur = await rt.repo.pulls.get(pr.number);
    if (cur === undefined || cur.state !== "open" || cur.merged) continue;
    await commentOnce(
      rt,
      pr.number,
      stuckPrKey(pr.number),
      `Closing this pull request: #${n} is blocked because CI kept failing (ci_exhausted). The branch stays; the issue goes back to the backlog, so the next attempt starts from ${rt.config.primary_branch}.`,
    );
    await rt.checkpoint("supervisor:pr-commented");
    await rt.repo.issues.close(pr.number);
    closed.push(pr.number);
  }
  return closed.length > 0 ? done(`closed ${closed.map((c) => `PR #${c}`).join(", ")}`) : noop(`the PRs of #${n} are no longer open`);
};

/**
 * Comment (marked, once per issue), then unassign and add backlog, and remove `blocked` last:
 * until then the probe still sees the issue, so a killed sweep is finished by the next run.
 */
const sweepCiExhausted: Fix = async (rt, _v, f) => {
  const n = f.subject?.issue;
  if (n === undefined) return noop("no issue named");
  const { labels } = rt.config;
  const issue = await rt.repo.issues.get(n);
  if (issue === undefined || issue.state !== "open" || !issue.labels.includes(labels.blocked)) return noop(`#${n} is no longer blocked`);
  const posted = await commentOnce(
    rt,
    n,
    sweptKey(n),
    [
      "♻️ **Supervisor: back to the backlog**",
      "",
      `CI failed on every fix attempt (ci_exhausted) at least 30 minutes ago. That is often the CI, not the change: this issue goes back to the backlog once, unassigned, and the dev agent starts it again from ${rt.config.primary_branch}. If it is blocked on ci_exhausted again, it stays blocked for a person.`,
    ].join("\n"),
  );
  await rt.checkpoint("supervisor:swept-comment");
  if (issue.assignees.length > 0) await rt.repo.issues.setAssignees(n, []);
  if (!issue.labels.includes(labels.backlog)) await rt.repo.labels.add(n, [labels.backlog]);
  await rt.repo.labels.remove(n, labels.blocked);
  return done(`#${n} back in the backlog${posted ? " with a recovery comment" : ""}`);
};

const unassignOrphan: Fix = async (rt, _v, f) => {
  const n = f.subject?.issue;
  if (n === undefined) return noop("no issue named");
  const { labels } = rt.config;
  const issue = await rt.repo.issues.get(n);
  if (issue === undefined || issue.state !== "open" || !issue.labels.includes(labels["in-progress"])) return noop(`#${n} is no longer ${labels["in-progress"]}`);
  const comments = await rt.repo.comments.list(n);
  const last = comments.at(-1);
  const already = last !== undefined && findMarked([last], rt.login, AGENT, orphanKey(n)) !== undefined;
  if (!already) {
    await rt.repo.comments.create(
      n,
      withMarker(
        `🧹 **Supervisor: released**\n\nThis issue was \`${labels["in-progress"]}\`${issue.assignees.length > 0 ? ` (assigned to ${issue.assignees.join(", ")})` : ""}, but no dev agent holds it: no lease and no phase record. It goes back to the backlog, unassigned.`,
        AGENT,
        orphanKey(n),
      ),
    );
  }
  await rt.checkpoint("supervisor:orphan-comment");
  if (issue.assignees.length > 0) await rt.repo.issues.setAssignees(n, []);
  if (!issue.labels.includes(labels.backlog)) await rt.repo.labels.add(n, [labels.backlog]);
  await rt.repo.labels.remove(n, labels["in-progress"]);
  return done(`#${n} released to the backlog`);
};

const pruneSessions: Fix = async (rt, v) => {
  const cutoff = v.now - SESSION_MAX_AGE_MS;
  let pruned = 0;
  let kept = 0;
  for (const agent of (await rt.state.list(sessionsDir(rt.config.name))).filter((e) => e.type === "dir")) {
    for (const e of (await rt.state.list(agent.path)).filter((x) => x.type === "file")) {
      const doc = await rt.state.readText(e.path);
      if (doc === undefined) continue;
      const saved = savedAt(doc.value);
      if (saved !== undefined && saved >= cutoff) {
        kept++;
        continue;
      }
      await rt.state.remove(e.path, doc.sha, `prune session ${e.path} (not saved for 7 days)`);
      pruned++;
    }
  }
  return pruned > 0 ? done(`pruned ${pruned} session file${pruned === 1 ? "" : "s"}, kept ${kept}`) : noop(`all ${kept} sessions are recent`);
};

function savedAt(text: string): number | undefined {
  try {
    const v = JSON.parse(text) as { saved_at?: unknown };
    return typeof v.saved_at === "string" ? Date.parse(v.saved_at) : undefined;
  } catch {
    return undefined;
  }
}

export const FIX_FUNCTIONS: Readonly<Record<FixName, Fix>> = {
  "release-lease": releaseLease,
  "restart-pipeline": restartPipeline,
  "restart-pending": restartPipeline,
  "close-stuck-pr": closeStuckPr,
  "sweep-ci-exhausted": sweepCiExhausted,
  "unassign-orphan": unassignOrphan,
  "prune-sessions": pruneSessions,
};
