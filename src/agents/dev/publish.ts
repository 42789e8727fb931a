// From a commit in the tree to the branch on the forge: the runner's last checks, the push,
// and what happens when the push fails. The checks look at the commit about to be pushed,
// against commit ids recorded before the model ran and the forge's own primary head — refs in
// the tree are the model's to move and prove nothing. A push that fails after the model did
// its work keeps that work: the commit is retried a few times in this tick, then saved as a
// git bundle in the ops repo (`state/<project>/dev-push/<identity>.json`, size-bounded) so that
// the next tick pushes it without running the model again.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { GitAuthError, GitError, PushRejectedError } from "../../git/errors.ts";
import { pathsChangedSince, protectedChanges } from "../../git/protected.ts";
import { errorMessage } from "../../lib/errors.ts";
import type { Doc } from "../../state/store.ts";
import type { AgentRuntime } from "../runtime.ts";
import { describeFindings, scanDiff } from "./secret-scan.ts";
import type { Workspace } from "./workspace.ts";

export interface PushRefusal {
  reason: "protected_paths" | "secret_in_diff";
  details: string;
}

/**
 * Whether `HEAD` may be pushed: no protected path changed (unless the issue allows it) and no
 * secret added. The refusal names paths and kinds of secret, never a secret.
 */
export async function checkPush(rt: AgentRuntime, ws: Workspace, policy: { allowProtected: boolean; allowLabel: string }): Promise<PushRefusal | undefined> {
  const head = await ws.git.head();
  const primary = await ws.forgePrimary(rt);
  if (!policy.allowProtected) {
    const touched = protectedChanges(await pathsChangedSince(ws.git, head, { since: ws.startSha, primary }), rt.config.protected_paths);
    if (touched.length > 0) {
      return {
        reason: "protected_paths",
        details: `The change touches protected paths (${touched.join(", ")}) and the issue does not carry the ${policy.allowLabel} label. Nothing was pushed.`,
      };
    }
  }
  const findings = scanDiff(await ws.addedText(head, primary), rt.ctx.redactor.values);
  if (findings.length > 0) {
    return {
      reason: "secret_in_diff",
      details: `The change adds what looks like a secret, so nothing was pushed:\n${describeFindings(findings)}\nRemove it from the files (and rotate the credential if it is a real one) before the dev agent tries again.`,
    };
  }
  return undefined;
}

/** Waits between push attempts within one tick. */
export const PUSH_RETRY_DELAYS_MS: readonly number[] = [1_000, 3_000];

/**
 * Push `HEAD` to `branch`, retrying a failure that may pass (the network, the forge's 5xx).
 * A refusal by the forge (non-fast-forward, protected branch) and refused credentials are
 * thrown at once: trying again would not change the answer.
 */
export async function pushWithRetry(rt: AgentRuntime, ws: Workspace, branch: string, delays: readonly number[] = PUSH_RETRY_DELAYS_MS): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await ws.git.push(branch);
      return;
    } catch (err) {
      const wait = delays[attempt];
      if (err instanceof PushRejectedError || err instanceof GitAuthError || !(err instanceof GitError) || wait === undefined) throw err;
      rt.log.warn(`push of ${branch} failed (${errorMessage(err)}); retrying in ${wait / 1000} s`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

// ── a commit waiting to be pushed ─────────────────────────────────────────────────────────────

/** Bundles larger than this are not saved: the next tick redoes the work instead. */
export const SAVED_PUSH_MAX_BYTES = 1024 * 1024;
const SAVED_REF = "refs/disinto/saved-push";

export const savedPushSchema = z.object({
  v: z.literal(1),
  issue: z.number().int().positive(),
  branch: z.string().min(1),
  /** The commit to push. */
  head: z.string().regex(/^[0-9a-f]{40,64}$/),
  /** The commit the bundle builds on (the clone of the next tick must have it). */
  since: z.string().regex(/^[0-9a-f]{40,64}$/),
  /** `final`: the work is done, push it and open the PR. `wip`: push it, then go on working. */
  kind: z.enum(["final", "wip"]),
  summary: z.string(),
  tests_failing: z.boolean(),
  saved_at: z.string(),
  /** base64 of `git bundle create … <head> ^<since>`. */
  bundle: z.string(),
});
export type SavedPush = z.infer<typeof savedPushSchema>;

export function savedPushPath(project: string, login: string): string {
  return `state/${project}/dev-push/${login}.json`;
}

/** Save `HEAD` of the tree for the next tick. False when the bundle is too large to keep. */
export async function savePush(rt: AgentRuntime, ws: Workspace, entry: Omit<SavedPush, "v" | "head" | "since" | "bundle" | "saved_at">): Promise<boolean> {
  const head = await ws.git.head();
  const tmp = await mkdtemp(join(tmpdir(), "disinto-bundle-"));
  try {
    const file = join(tmp, "push.bundle");
    await ws.git.run(["update-ref", SAVED_REF, head]);
    await ws.git.run(["bundle", "create", "--quiet", file, SAVED_REF, `^${ws.startSha}`]);
    const bytes = await readFile(file);
    if (bytes.length > SAVED_PUSH_MAX_BYTES) {
      rt.log.warn(`the unpushed commit ${head.slice(0, 12)} is ${bytes.length} bytes as a bundle, more than ${SAVED_PUSH_MAX_BYTES}: not saved`);
      return false;
    }
    const doc: SavedPush = { v: 1, ...entry, head, since: ws.startSha, saved_at: new Date(rt.now()).toISOString(), bundle: bytes.toString("base64") };
    await rt.state.updateJson(savedPushPath(rt.config.name, rt.login), savedPushSchema, () => doc, { why: `dev: #${entry.issue} commit ${head.slice(0, 12)} waits to be pushed to ${entry.branch}` });
    return true;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export async function loadSavedPush(rt: AgentRuntime): Promise<Doc<SavedPush> | undefined> {
  return rt.state.readJson(savedPushPath(rt.config.name, rt.login), savedPushSchema);
}

export async function dropSavedPush(rt: AgentRuntime, doc: Doc<SavedPush>, why: string): Promise<void> {
  await rt.state.remove(doc.path, doc.sha, why);
}

/**
 * Put the saved commit on the tree's branch. False (with the reason logged) when it cannot be
 * restored — the branch moved past what it builds on, or the bundle is damaged.
 */
export async function restorePush(rt: AgentRuntime, ws: Workspace, saved: SavedPush): Promise<boolean> {
  const tmp = await mkdtemp(join(tmpdir(), "disinto-bundle-"));
  try {
    if (saved.since !== ws.startSha) {
      rt.log.warn(`the saved commit ${saved.head.slice(0, 12)} builds on ${saved.since.slice(0, 12)}, but ${saved.branch} is now at ${ws.startSha.slice(0, 12)}: not restored`);
      return false;
    }
    const file = join(tmp, "push.bundle");
    await writeFile(file, Buffer.from(saved.bundle, "base64"));
    const r = await ws.git.run(["bundle", "unbundle", file], { allowFail: true });
    const got = r.stdout.split("\n").find((l) => l.endsWith(` ${SAVED_REF}`))?.split(" ")[0];
    if (r.code !== 0 || got !== saved.head) {
      rt.log.warn(`the saved commit ${saved.head.slice(0, 12)} could not be restored: ${r.stderr.trim().slice(0, 300) || "the bundle holds another commit"}`);
      return false;
    }
    await ws.git.checkoutNewBranch(ws.branch, saved.head);
    return true;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
