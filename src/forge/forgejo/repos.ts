// Repositories, organisations and collaborators.
import { z } from "zod";
import { hasStatus } from "../../http/errors.ts";
import { ConflictError } from "../errors.ts";
import type { CollaboratorPermission, CollaboratorsApi, Org, OrgCreate, Repo, RepoCreate, RepoRef } from "../types.ts";
import type { ForgejoContext, RepoContext } from "./context.ts";
import { ROUTES } from "./routes.ts";
import { orgSchema, repoSchema, userSchema } from "./schemas.ts";
import { unlessNotFound } from "./util.ts";
import { writeOnce } from "./write-once.ts";

export async function getRepo(ctx: ForgejoContext, ref: RepoRef): Promise<Repo | undefined> {
  return unlessNotFound(ctx.http.json(ROUTES.repoGet, repoSchema, { params: { owner: ref.owner, repo: ref.name } }).then((r) => r.data));
}

export async function createRepo(ctx: ForgejoContext, repo: RepoCreate): Promise<Repo> {
  if (repo.org !== undefined && repo.forUser !== undefined) throw new Error("createRepo: give either org or forUser, not both");
  const owner = repo.org ?? repo.forUser ?? (await ctx.me()).login;
  const body = {
    name: repo.name,
    description: repo.description ?? "",
    private: repo.private ?? false,
    auto_init: repo.autoInit ?? false,
    default_branch: repo.defaultBranch,
  };
  const attempt = async (): Promise<Repo> => {
    if (repo.org !== undefined) return (await ctx.http.json(ROUTES.repoCreateInOrg, repoSchema, { params: { org: repo.org }, body })).data;
    if (repo.forUser !== undefined) return (await ctx.http.json(ROUTES.repoCreateAsAdmin, repoSchema, { params: { username: repo.forUser }, body })).data;
    return (await ctx.http.json(ROUTES.repoCreateForUser, repoSchema, { body })).data;
  };
  try {
    return await writeOnce(ctx, {
      attempt,
      find: () => getRepo(ctx, { owner, name: repo.name }),
      isAlreadyDone: (err) => hasStatus(err, 409),
    });
  } catch (err) {
    if (hasStatus(err, 409)) throw new ConflictError(`repo ${owner}/${repo.name}`, "exists", err);
    throw err;
  }
}

export async function createOrg(ctx: ForgejoContext, org: OrgCreate): Promise<Org> {
  const find = (): Promise<Org | undefined> => unlessNotFound(ctx.http.json(ROUTES.orgGet, orgSchema, { params: { org: org.name } }).then((r) => r.data));
  try {
    return await writeOnce(ctx, {
      attempt: async () =>
        (await ctx.http.json(ROUTES.orgCreate, orgSchema, { body: { username: org.name, full_name: org.fullName ?? "", visibility: org.visibility ?? "public" } })).data,
      find,
      // "user already exists" is a 422 on Forgejo.
      isAlreadyDone: (err) => hasStatus(err, 409, 422),
    });
  } catch (err) {
    if (hasStatus(err, 409)) throw new ConflictError(`org ${org.name}`, "exists", err);
    throw err;
  }
}

// Forgejo answers the effective access; anything it may add later counts as the least.
const permissionSchema = z
  .object({ permission: z.string() })
  .transform((p): "none" | "read" | "write" | "admin" | "owner" => (["read", "write", "admin", "owner"].includes(p.permission) ? (p.permission as "read" | "write" | "admin" | "owner") : "none"));

const WRITERS: ReadonlySet<string> = new Set(["write", "admin", "owner"]);

export class ForgejoCollaborators implements CollaboratorsApi {
  private readonly ctx: RepoContext;
  /** This token was refused another user's permission (403): the same token always will be. */
  private permissionForbidden = false;
  /** Lower-cased logins of the assignees, listed once: a run asks about many comment authors. */
  private writers: Promise<ReadonlySet<string>> | undefined;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async add(login: string, permission: CollaboratorPermission): Promise<void> {
    await this.ctx.http.send(ROUTES.collaboratorAdd, { params: { ...this.ctx.params, collaborator: login }, body: { permission } });
  }

  async permission(login: string): Promise<"none" | "read" | "write" | "admin" | "owner"> {
    const res = await unlessNotFound(this.ctx.http.json(ROUTES.collaboratorPermission, permissionSchema, { params: { ...this.ctx.params, collaborator: login } }));
    return res?.data ?? "none";
  }

  async canWrite(login: string): Promise<boolean> {
    if (!this.permissionForbidden) {
      try {
        return WRITERS.has(await this.permission(login));
      } catch (err) {
        // Forgejo tells one user's permission only to site admins, repo admins and the user
        // themself. Any reader may list the assignees: the users with write access, owner and
        // org teams included — the same effective permission, from the other side.
        if (!hasStatus(err, 403)) throw err;
        this.permissionForbidden = true;
      }
    }
    return (await this.writerSet()).has(login.toLowerCase());
  }

  private async writerSet(): Promise<ReadonlySet<string>> {
    // Concurrent callers share one listing; a failed one is forgotten so the next call lists again.
    this.writers ??= this.ctx.http.json(ROUTES.assignees, z.array(userSchema), { params: this.ctx.params }).then((r) => new Set(r.data.map((u) => u.login.toLowerCase())));
    try {
      return await this.writers;
    } catch (err) {
      this.writers = undefined;
      throw err;
    }
  }

  async isCollaborator(login: string): Promise<boolean> {
    try {
      const res = await this.ctx.http.send(ROUTES.collaboratorCheck, { params: { ...this.ctx.params, collaborator: login } });
      return res.status === 204 || res.status === 200;
    } catch (err) {
      if (hasStatus(err, 404)) return false;
      throw err;
    }
  }
}
