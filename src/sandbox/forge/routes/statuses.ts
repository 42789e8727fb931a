// Commit statuses: create (the JSON key is `status`, not `state`), list by sha or ref, and
// the combined status — latest per context, worst state wins, and Forgejo's zero struct
// (`state: ""`) when nothing has reported yet.
import { z } from "zod";
import type { Router, Ctx } from "../router.ts";
import type { RepoRec, StatusRec } from "../store.ts";
import { now } from "../core.ts";
import { ApiError, bind, json, notFound, pageOf, paged } from "../http.ts";
import { repoOf } from "./common.ts";

const CreateStatus = z.object({
  state: z.enum(["pending", "success", "error", "failure", "warning"]),
  target_url: z.string().optional(),
  description: z.string().optional(),
  context: z.string().optional(),
});

/** Worst first, as Forgejo's CalcCommitStatus ranks them. */
const SEVERITY: StatusRec["state"][] = ["error", "failure", "warning", "pending", "success"];

async function shaOf(c: Ctx, repo: RepoRec, ref: string): Promise<string> {
  if (!ref) throw new ApiError(400, "ref/sha not given");
  const sha = await c.core.git(repo).resolve(ref);
  if (!sha) throw notFound(`object does not exist [id: ${ref}]`);
  return sha;
}

function sorted(list: StatusRec[], sort: string | null): StatusRec[] {
  const out = [...list];
  if (sort === "oldest" || sort === "leastindex" || sort === "leastupdate") out.sort((a, b) => a.id - b.id);
  else out.sort((a, b) => b.id - a.id);
  return out;
}

export function latestPerContext(list: StatusRec[]): StatusRec[] {
  const latest = new Map<string, StatusRec>();
  for (const st of [...list].sort((a, b) => a.id - b.id)) latest.set(st.context, st);
  return [...latest.values()].sort((a, b) => a.id - b.id);
}

export function registerStatuses(r: Router): void {
  r.add("POST", "/repos/{owner}/{repo}/statuses/{sha}", async (c) => {
    const { repo, user } = repoOf(c, "write");
    const body = bind(CreateStatus, await c.body());
    const sha = await shaOf(c, repo, c.params.sha ?? "");
    const st: StatusRec = { id: c.core.store.nextId("status"), repoId: repo.id, sha, state: body.state, context: body.context || "default", description: body.description ?? "", targetUrl: body.target_url ?? "", creator: user.login, created: now() };
    c.core.s.statuses.push(st);
    await c.core.store.save();
    return json(201, c.conv.status(st));
  });

  const list = async (c: Ctx, ref: string) => {
    const { repo } = repoOf(c);
    const sha = await shaOf(c, repo, ref);
    let items = c.core.s.statuses.filter((s) => s.repoId === repo.id && s.sha === sha);
    const state = c.query.get("state");
    if (state) items = items.filter((s) => s.state === state);
    return paged(sorted(items, c.query.get("sort")), pageOf(c.query), c.url, (s) => c.conv.status(s));
  };
  r.add("GET", "/repos/{owner}/{repo}/statuses/{sha}", async (c) => list(c, c.params.sha ?? ""));
  r.add("GET", "/repos/{owner}/{repo}/commits/{ref}/statuses", async (c) => list(c, c.params.ref ?? ""));

  r.add("GET", "/repos/{owner}/{repo}/commits/{ref}/status", async (c) => {
    const { repo, level } = repoOf(c);
    const sha = await shaOf(c, repo, c.params.ref ?? "");
    const latest = latestPerContext(c.core.s.statuses.filter((s) => s.repoId === repo.id && s.sha === sha));
    if (latest.length === 0) {
      return json(200, { state: "", sha: "", total_count: 0, statuses: null, repository: null, commit_url: "", url: "" });
    }
    const worst = SEVERITY.find((sev) => latest.some((s) => s.state === sev)) ?? "success";
    return json(200, {
      state: worst,
      sha,
      total_count: latest.length,
      statuses: latest.map((s) => c.conv.status(s)),
      repository: await c.conv.repo(repo, level),
      commit_url: c.conv.repoApi(repo, `/commits/${sha}`),
      url: c.conv.repoApi(repo, `/commits/${sha}/status`),
    });
  });
}
