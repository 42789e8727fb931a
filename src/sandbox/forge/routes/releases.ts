// Tags (list, get, create: lightweight refs/tags/<name>) and releases (list, get by tag,
// create), as the vault's release formula uses them. Shapes follow the swagger's Tag and
// Release; creating a release for a tag that does not exist creates the tag at
// target_commitish, as Forgejo does.
import { z } from "zod";
import type { Ctx } from "../router.ts";
import type { Router } from "../router.ts";
import type { ReleaseRec, RepoRec } from "../store.ts";
import { now } from "../core.ts";
import { ZERO_SHA } from "../git.ts";
import { ApiError, bind, json, notFound, pageOf, paged, unprocessable } from "../http.ts";
import { repoOf } from "./common.ts";

const CreateTag = z.object({ tag_name: z.string().min(1), target: z.string().optional(), message: z.string().optional() });
const CreateRelease = z.object({
  tag_name: z.string().min(1),
  target_commitish: z.string().optional(),
  name: z.string().optional(),
  body: z.string().optional(),
  draft: z.boolean().optional(),
  prerelease: z.boolean().optional(),
  hide_archive_links: z.boolean().optional(),
});

const TAG_NAME = /^[A-Za-z0-9][A-Za-z0-9._+/-]*$/;

async function tagJson(c: Ctx, repo: RepoRec, name: string, sha: string): Promise<Record<string, unknown>> {
  const commit = await c.core.git(repo).commit(sha);
  return {
    name,
    message: "",
    id: sha,
    commit: { sha, url: c.conv.repoApi(repo, `/git/commits/${sha}`), created: commit.committer.date },
    zipball_url: c.conv.repoHtml(repo, `/archive/${name}.zip`),
    tarball_url: c.conv.repoHtml(repo, `/archive/${name}.tar.gz`),
    archive_download_count: { zip: 0, tar_gz: 0 },
  };
}

function releaseJson(c: Ctx, repo: RepoRec, r: ReleaseRec): Record<string, unknown> {
  return {
    id: r.id,
    tag_name: r.tagName,
    target_commitish: r.target,
    name: r.name,
    body: r.body,
    url: c.conv.repoApi(repo, `/releases/${r.id}`),
    html_url: c.conv.repoHtml(repo, `/releases/tag/${r.tagName}`),
    tarball_url: c.conv.repoHtml(repo, `/archive/${r.tagName}.tar.gz`),
    zipball_url: c.conv.repoHtml(repo, `/archive/${r.tagName}.zip`),
    upload_url: c.conv.repoApi(repo, `/releases/${r.id}/assets`),
    draft: r.draft,
    prerelease: r.prerelease,
    hide_archive_links: false,
    created_at: r.created,
    published_at: r.created,
    author: c.conv.userByLogin(r.author),
    assets: [],
    archive_download_count: { zip: 0, tar_gz: 0 },
  };
}

async function tags(c: Ctx, repo: RepoRec): Promise<{ name: string; sha: string }[]> {
  const out: { name: string; sha: string }[] = [];
  for (const [ref, sha] of await c.core.git(repo).refs()) if (ref.startsWith("refs/tags/")) out.push({ name: ref.slice("refs/tags/".length), sha });
  return out.sort((a, b) => b.name.localeCompare(a.name));
}

/** Create refs/tags/<name> at `target` (a branch, tag or sha); 409 when the tag exists. */
async function createTag(c: Ctx, repo: RepoRec, name: string, target: string): Promise<string> {
  if (!TAG_NAME.test(name) || name.includes("..")) throw unprocessable(`invalid tag name [name: ${name}]`);
  const git = c.core.git(repo);
  const sha = await git.resolve(target);
  if (!sha) throw notFound(`target does not exist [ref: ${target}]`);
  if (!(await git.updateRef(`refs/tags/${name}`, sha, ZERO_SHA))) throw new ApiError(409, `tag ${name} already exists`);
  return sha;
}

export function registerReleases(r: Router): void {
  r.add("GET", "/repos/{owner}/{repo}/tags", async (c) => {
    const { repo } = repoOf(c);
    const all = await tags(c, repo);
    const reply = paged(all, pageOf(c.query), c.url, (t) => t);
    return { ...reply, json: await Promise.all((reply.json as typeof all).map((t) => tagJson(c, repo, t.name, t.sha))) };
  });

  r.add("GET", "/repos/{owner}/{repo}/tags/{tag}", async (c) => {
    const { repo } = repoOf(c);
    const t = (await tags(c, repo)).find((x) => x.name === c.params.tag);
    if (!t) throw notFound(`tag does not exist [name: ${c.params.tag ?? ""}]`);
    return json(200, await tagJson(c, repo, t.name, t.sha));
  });

  r.add("POST", "/repos/{owner}/{repo}/tags", async (c) => {
    const { repo } = repoOf(c, "write");
    const body = bind(CreateTag, await c.body());
    const sha = await createTag(c, repo, body.tag_name, body.target || repo.defaultBranch);
    return json(201, await tagJson(c, repo, body.tag_name, sha));
  });

  r.add("GET", "/repos/{owner}/{repo}/releases", (c) => {
    const { repo } = repoOf(c);
    const all = (c.core.s.releases ?? []).filter((x) => x.repoId === repo.id).sort((a, b) => b.id - a.id);
    return paged(all, pageOf(c.query), c.url, (x) => releaseJson(c, repo, x));
  });

  r.add("GET", "/repos/{owner}/{repo}/releases/tags/{tag}", (c) => {
    const { repo } = repoOf(c);
    const rel = (c.core.s.releases ?? []).find((x) => x.repoId === repo.id && x.tagName === c.params.tag);
    if (!rel) throw notFound(`release tag does not exist [tag: ${c.params.tag ?? ""}]`);
    return json(200, releaseJson(c, repo, rel));
  });

  r.add("POST", "/repos/{owner}/{repo}/releases", async (c) => {
    const { repo, user } = repoOf(c, "write");
    const body = bind(CreateRelease, await c.body());
    const list = (c.core.s.releases ??= []);
    if (list.some((x) => x.repoId === repo.id && x.tagName === body.tag_name)) throw new ApiError(409, `release for tag ${body.tag_name} already exists`);
    const have = (await tags(c, repo)).find((t) => t.name === body.tag_name);
    const target = body.target_commitish || repo.defaultBranch;
    if (!have) await createTag(c, repo, body.tag_name, target);
    const rel: ReleaseRec = {
      id: c.core.store.nextId("release"),
      repoId: repo.id,
      tagName: body.tag_name,
      target,
      name: body.name ?? body.tag_name,
      body: body.body ?? "",
      draft: body.draft ?? false,
      prerelease: body.prerelease ?? false,
      author: user.login,
      created: now(),
    };
    list.push(rel);
    await c.core.store.save();
    return json(201, releaseJson(c, repo, rel));
  });
}
