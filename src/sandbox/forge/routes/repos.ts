// Repositories (create for self, org or — as admin — any user; get; edit) and collaborators.
import { z } from "zod";
import type { Router, Ctx } from "../router.ts";
import type { UserRec } from "../store.ts";
import { bind, json, empty, notFound, forbidden, unprocessable, ApiError } from "../http.ts";
import { atLeast } from "../core.ts";
import { me, repoOf, NAME_RE, same } from "./common.ts";

const CreateRepo = z.object({
  name: z.string().min(1).max(100),
  description: z.string().optional(),
  private: z.boolean().optional(),
  auto_init: z.boolean().optional(),
  default_branch: z.string().optional(),
  readme: z.string().optional(),
  gitignores: z.string().optional(),
  license: z.string().optional(),
  issue_labels: z.string().optional(),
  template: z.boolean().optional(),
  trust_model: z.string().optional(),
  object_format_name: z.enum(["sha1", "sha256"]).optional(),
});

const EditRepo = z.object({
  description: z.string().optional(),
  private: z.boolean().optional(),
  default_branch: z.string().optional(),
});

const AddCollaborator = z.object({ permission: z.enum(["read", "write", "admin"]).optional() });

async function create(c: Ctx, owner: UserRec) {
  const body = bind(CreateRepo, await c.body());
  if (!NAME_RE.test(body.name) || body.name.endsWith(".git") || body.name === "." || body.name === "..") throw unprocessable(`[Name]: invalid repository name`);
  if (body.object_format_name === "sha256") throw unprocessable("sha256 repositories are not supported by the sandbox forge");
  const repo = await c.core.createRepo(owner, { name: body.name, description: body.description ?? "", private: body.private ?? false, autoInit: body.auto_init ?? false, defaultBranch: body.default_branch ?? "" }, me(c));
  await c.core.store.save();
  return json(201, await c.conv.repo(repo, c.core.level(me(c), repo)));
}

export function registerRepos(r: Router): void {
  r.add("GET", "/user/repos", async (c) => {
    const user = me(c);
    const mine = c.core.s.repos.filter((repo) => {
      const lvl = c.core.level(user, repo);
      return atLeast(lvl, "write") || same(repo.owner, user.login) || repo.collaborators[user.login] !== undefined;
    });
    return json(200, await Promise.all(mine.map((repo) => c.conv.repo(repo, c.core.level(user, repo)))));
  });

  r.add("POST", "/user/repos", async (c) => create(c, me(c)));

  r.add("POST", "/orgs/{org}/repos", async (c) => {
    const user = me(c);
    const org = c.core.user(c.params.org ?? "");
    if (!org || org.kind !== "org") throw notFound();
    if (!user.isAdmin && !org.orgOwners.some((o) => same(o, user.login))) throw forbidden("Given user is not allowed to create repository in organization.");
    return create(c, org);
  });

  r.add("POST", "/admin/users/{username}/repos", async (c) => {
    if (!me(c).isAdmin) throw forbidden("reqSiteAdmin");
    const owner = c.core.user(c.params.username ?? "");
    if (!owner) throw notFound();
    return create(c, owner);
  });

  r.add("GET", "/repos/{owner}/{repo}", async (c) => {
    const { repo, level } = repoOf(c);
    return json(200, await c.conv.repo(repo, level));
  });

  r.add("PATCH", "/repos/{owner}/{repo}", async (c) => {
    const { repo, level } = repoOf(c, "admin");
    const body = bind(EditRepo, await c.body());
    if (body.description !== undefined) repo.description = body.description;
    if (body.private !== undefined) repo.private = body.private;
    if (body.default_branch !== undefined) {
      const git = c.core.git(repo);
      if (!(await git.branchSha(body.default_branch)) && (await git.branches()).length > 0) throw notFound();
      repo.defaultBranch = body.default_branch;
      await git.git(["symbolic-ref", "HEAD", `refs/heads/${body.default_branch}`]);
    }
    await c.core.store.save();
    return json(200, await c.conv.repo(repo, level));
  });

  r.add("GET", "/repos/{owner}/{repo}/collaborators", (c) => {
    const { repo } = repoOf(c);
    return json(200, Object.keys(repo.collaborators).map((l) => c.conv.userByLogin(l)).filter((u) => u !== null));
  });

  r.add("GET", "/repos/{owner}/{repo}/collaborators/{collaborator}/permission", (c) => {
    const { repo, level, user } = repoOf(c);
    // Forgejo's GetRepoPermissions: only site admins, repo admins and the user themself may ask.
    if (!user.isAdmin && !same(user.login, c.params.collaborator ?? "") && !atLeast(level, "admin")) {
      throw forbidden("Only admins can query all permissions, repo admins can query all repo permissions, collaborators can query only their own");
    }
    const u = c.core.user(c.params.collaborator ?? "");
    if (!u) throw notFound();
    const lvl = c.core.level(u, repo);
    const permission = lvl === "owner" ? "owner" : lvl;
    return json(200, { permission, role_name: permission, user: c.conv.user(u) });
  });

  // Users with write access: the owner (a user, or an org's owners), write and admin
  // collaborators. Site admins are not listed for their admin flag alone, as in Forgejo.
  r.add("GET", "/repos/{owner}/{repo}/assignees", (c) => {
    const { repo } = repoOf(c);
    const owner = c.core.user(repo.owner);
    const logins = owner?.kind === "org" ? [...owner.orgOwners] : [repo.owner];
    for (const [l, p] of Object.entries(repo.collaborators)) if (atLeast(p, "write")) logins.push(l);
    const users = [...new Set(logins.map((l) => l.toLowerCase()))].map((l) => c.core.user(l)).filter((u): u is UserRec => u?.kind === "user");
    return json(200, users.map((u) => c.conv.user(u)));
  });

  r.add("GET", "/repos/{owner}/{repo}/collaborators/{collaborator}", (c) => {
    const { repo } = repoOf(c);
    const u = c.core.user(c.params.collaborator ?? "");
    if (!u) throw unprocessable(`user does not exist [name: ${c.params.collaborator}]`);
    if (!Object.keys(repo.collaborators).some((l) => same(l, u.login))) throw notFound();
    return empty(204);
  });

  r.add("PUT", "/repos/{owner}/{repo}/collaborators/{collaborator}", async (c) => {
    const { repo } = repoOf(c, "admin");
    const body = bind(AddCollaborator, await c.body());
    const u = c.core.user(c.params.collaborator ?? "");
    if (!u || u.kind !== "user") throw unprocessable(`user does not exist [name: ${c.params.collaborator}]`);
    if (same(u.login, repo.owner)) throw unprocessable("repository owner cannot be a collaborator");
    for (const l of Object.keys(repo.collaborators)) if (same(l, u.login)) delete repo.collaborators[l];
    repo.collaborators[u.login] = body.permission ?? "write";
    await c.core.store.save();
    return empty(204);
  });

  r.add("DELETE", "/repos/{owner}/{repo}/collaborators/{collaborator}", async (c) => {
    const { repo } = repoOf(c, "admin");
    const u = c.core.user(c.params.collaborator ?? "");
    if (!u) throw unprocessable(`user does not exist [name: ${c.params.collaborator}]`);
    const key = Object.keys(repo.collaborators).find((l) => same(l, u.login));
    if (!key) throw new ApiError(404, "The target couldn't be found.");
    delete repo.collaborators[key];
    await c.core.store.save();
    return empty(204);
  });
}
