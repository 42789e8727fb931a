// The architect writes to the ops repo only (DESIGN §10, issue 18): its pitch, its answers and
// its digests are ops-repo PRs and comments. The project repo it reads through this guard,
// which turns any write into an error naming the call — the original's "a POST to the
// project's issues is fatal" made structural, without exceptions: filing an approved pitch's
// sub-issues and closing the vision issue are the gardener's filer's (../gardener/filer.ts).
import type { RepoForge } from "../../forge/types.ts";

/** Every method of a RepoForge that changes the forge, by API. Keyed by the interface, so an
 * API added to RepoForge does not compile until it is listed here (an unlisted one would be
 * missing from the guarded repo, not let through). */
const WRITES: { readonly [K in Exclude<keyof RepoForge, "ref">]: readonly (keyof RepoForge[K] & string)[] } = {
  issues: ["create", "edit", "close", "reopen", "setAssignees"],
  comments: ["create", "edit"],
  labels: ["create", "ensure", "add", "remove", "replace"],
  pulls: ["create", "merge", "updateBranch"],
  reviews: ["create", "dismiss"],
  statuses: ["create"],
  contents: ["create", "update", "delete", "commitFiles"],
  branches: ["create", "delete"],
  protections: ["upsert"],
  collaborators: ["add"],
  actionsSecrets: ["set", "delete"],
};

export class ProjectWriteRefused extends Error {
  constructor(call: string, repo: string, step: string) {
    super(`the architect may not write to the project repo ${repo} (${call} during ${step}): it writes only to the ops repo`);
    this.name = "ProjectWriteRefused";
  }
}

/** `repo` with every write refused. */
export function guardRepo(repo: RepoForge, step: string): RepoForge {
  const apis: Record<string, unknown> = {};
  for (const [api, methods] of Object.entries(WRITES)) {
    const inner = (repo as unknown as Record<string, Record<string, unknown>>)[api]!;
    const writes: readonly string[] = methods;
    apis[api] = new Proxy(inner, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        const call = `${api}.${String(prop)}`;
        if (typeof prop === "string" && writes.includes(prop)) {
          return () => Promise.reject(new ProjectWriteRefused(call, `${repo.ref.owner}/${repo.ref.name}`, step));
        }
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }
  return { ref: repo.ref, ...apis } as unknown as RepoForge;
}
