// A lease a killed run left behind, made to look expired (as if its holder's pipeline died).
import type { RepoForge } from "../../src/forge/types.ts";

/** Set the lease document at `path` in the ops repo to have expired a second ago; no document, nothing to do. */
export async function expireLease(ops: Pick<RepoForge, "contents">, path: string): Promise<void> {
  const cur = await ops.contents.get(path);
  if (!cur) return;
  const doc = JSON.parse(cur.text) as Record<string, unknown>;
  doc.expires_at = new Date(Date.now() - 1000).toISOString();
  await ops.contents.update(path, { text: JSON.stringify(doc), message: "test: the holder died", sha: cur.sha });
}
