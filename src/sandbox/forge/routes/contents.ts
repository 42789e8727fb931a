// The contents API — the ops repo's compare-and-swap store. Every write is a real commit on
// the branch (blob → tree in a scratch index → commit-tree → update-ref <new> <old>).
// Status codes follow Forgejo v12+: create on an existing file 422, stale `sha` on update
// 409 (on delete 400), update of a missing file 500, delete of a missing file 404.
import { z } from "zod";
import type { Router, Ctx } from "../router.ts";
import type { RepoRec, UserRec } from "../store.ts";
import type { Repo, TreeEntry, Person } from "../git.ts";
import { ZERO_SHA } from "../git.ts";
import { ApiError, bind, json, notFound, forbidden, unprocessable } from "../http.ts";
import { unsigned } from "../convert.ts";
import { repoOf } from "./common.ts";

const Identity = z.object({ name: z.string().optional(), email: z.string().optional() }).nullish();
const Dates = z.object({ author: z.string().optional(), committer: z.string().optional() }).nullish();
const Common = {
  message: z.string().optional(),
  branch: z.string().optional(),
  new_branch: z.string().optional(),
  author: Identity,
  committer: Identity,
  dates: Dates,
  signoff: z.boolean().optional(),
};
const CreateFile = z.object({ ...Common, content: z.string() });
const UpdateFile = z.object({ ...Common, content: z.string(), sha: z.string().min(1), from_path: z.string().optional() });
const DeleteFile = z.object({ ...Common, sha: z.string().min(1) });
const ChangeFiles = z.object({
  ...Common,
  files: z.array(z.object({ operation: z.enum(["create", "update", "delete"]), path: z.string(), content: z.string().optional(), sha: z.string().optional(), from_path: z.string().optional() })).min(1),
});

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decode(content: string): Buffer {
  const clean = content.replace(/\s+/g, "");
  if (clean.length % 4 === 1 || !B64.test(clean)) throw unprocessable("invalid base64 content");
  return Buffer.from(clean, "base64");
}

function checkPath(path: string): string {
  const p = path.replace(/^\/+/, "");
  const parts = p.split("/");
  if (p === "" || parts.some((s) => s === "" || s === "." || s === ".." || s === ".git")) throw unprocessable(`path is invalid [path: ${path}]`);
  return p;
}

async function contentsJson(c: Ctx, repo: RepoRec, git: Repo, ref: string, commit: string, e: TreeEntry, withContent: boolean): Promise<Record<string, unknown>> {
  const last = await git.lastCommitFor(commit, e.path);
  const type = e.type === "tree" ? "dir" : e.type === "commit" ? "submodule" : e.mode === "120000" ? "symlink" : "file";
  const enc = encodeURI(e.path);
  const self = c.conv.repoApi(repo, `/contents/${enc}?ref=${encodeURIComponent(ref)}`);
  const gitUrl = c.conv.repoApi(repo, `/git/${e.type === "tree" ? "trees" : "blobs"}/${e.sha}`);
  const html = c.conv.repoHtml(repo, `/src/branch/${ref}/${enc}`);
  let content: string | null = null;
  let target: string | null = null;
  if (type === "file" && withContent) content = (await git.blob(e.sha)).toString("base64");
  if (type === "symlink") target = (await git.blob(e.sha)).toString("utf8");
  return {
    name: e.path.split("/").pop() ?? "",
    path: e.path,
    sha: e.sha,
    last_commit_sha: last?.sha ?? "",
    last_commit_when: last?.when ?? null,
    type,
    size: e.size,
    encoding: type === "file" && withContent ? "base64" : null,
    content,
    target,
    url: self,
    html_url: html,
    git_url: gitUrl,
    download_url: type === "file" ? c.conv.repoHtml(repo, `/raw/branch/${ref}/${enc}`) : null,
    submodule_git_url: null,
    _links: { self, git: gitUrl, html },
  };
}

async function readContents(c: Ctx, path: string) {
  const { repo } = repoOf(c);
  const git = c.core.git(repo);
  const ref = c.query.get("ref") || repo.defaultBranch;
  const commit = await git.resolve(ref);
  if (!commit) throw notFound(`object does not exist [id: ${ref}]`);
  const entry = await git.entry(commit, path);
  if (!entry) throw notFound(`object does not exist [id: , rel_path: ${path}]`);
  if (entry.type !== "tree") return json(200, await contentsJson(c, repo, git, ref, commit, entry, true));
  const list = await git.listTree(commit, path);
  return json(200, await Promise.all(list.map((e) => contentsJson(c, repo, git, ref, commit, e, false))));
}

interface FileOp {
  op: "create" | "update" | "delete";
  path: string;
  content?: Buffer;
  sha?: string;
  fromPath?: string;
}

interface WriteOpts {
  message?: string | undefined;
  branch?: string | undefined;
  new_branch?: string | undefined;
  author?: { name?: string | undefined; email?: string | undefined } | null | undefined;
  committer?: { name?: string | undefined; email?: string | undefined } | null | undefined;
  dates?: { author?: string | undefined; committer?: string | undefined } | null | undefined;
}

/** Apply file operations as one commit. Returns the new commit and the branch written. */
async function write(c: Ctx, repo: RepoRec, user: UserRec, o: WriteOpts, ops: FileOp[], deleteStatus: number): Promise<{ commit: string; branch: string }> {
  if (c.casConflict) {
    // Fault injection: behave exactly as if another writer had just changed the file.
    throw new ApiError(409, `sha does not match [given: ${ops[0]?.sha ?? ""}, expected: ${"f".repeat(40)}]`);
  }
  const git = c.core.git(repo);
  return c.core.repoLocks.run(String(repo.id), async () => {
    const branch = o.branch || repo.defaultBranch;
    const target = o.new_branch || branch;
    if (!c.core.canPush(user, repo, target)) throw forbidden(`user "${user.login}" is not allowed to push to branch "${target}"`);
    const empty = (await git.branches()).length === 0;
    const parent = await git.branchSha(branch);
    if (!parent && !empty) throw notFound(`branch does not exist [name: ${branch}]`);
    if (o.new_branch && (await git.branchSha(o.new_branch))) {
      throw new ApiError(deleteStatus === 400 ? 400 : 422, `branch already exists [name: ${o.new_branch}]`);
    }
    const changes: { path: string; blob: string | null; fromPath?: string }[] = [];
    for (const op of ops) {
      const current = parent ? await git.entry(parent, op.path) : undefined;
      if (op.op === "create") {
        if (current) throw unprocessable(`repository file already exists [path: ${op.path}]`);
        await assertParentsAreDirs(git, parent, op.path);
      } else if (op.op === "update") {
        if (op.fromPath && op.fromPath !== op.path) {
          const from = parent ? await git.entry(parent, op.fromPath) : undefined;
          if (!from) throw new ApiError(404, `file does not exist [path: ${op.fromPath}]`);
          if (from.sha !== op.sha) throw new ApiError(409, `sha does not match [given: ${op.sha}, expected: ${from.sha}]`);
          if (current) throw unprocessable(`repository file already exists [path: ${op.path}]`);
        } else {
          // Forgejo does not map "file to update does not exist": it surfaces as a 500.
          if (!current) throw new ApiError(500, `file does not exist [path: ${op.path}]`);
          if (current.type !== "blob") throw unprocessable(`path is a directory [path: ${op.path}]`);
          if (current.sha !== op.sha) throw new ApiError(409, `sha does not match [given: ${op.sha}, expected: ${current.sha}]`);
        }
      } else {
        if (!current || current.type !== "blob") throw new ApiError(404, `file does not exist [path: ${op.path}]`);
        if (current.sha !== op.sha) throw new ApiError(deleteStatus, `sha does not match [given: ${op.sha}, expected: ${current.sha}]`);
      }
      const blob = op.op === "delete" ? null : await git.writeBlob(op.content ?? Buffer.alloc(0));
      changes.push({ path: op.path, blob, ...(op.fromPath && op.fromPath !== op.path ? { fromPath: op.fromPath } : {}) });
    }
    const tree = await git.treeWith(parent, changes);
    const author: Person = { name: o.author?.name || user.fullName || user.login, email: o.author?.email || user.email, ...(o.dates?.author ? { date: o.dates.author } : {}) };
    const committer: Person = { name: o.committer?.name || author.name, email: o.committer?.email || author.email, ...(o.dates?.committer ? { date: o.dates.committer } : {}) };
    const verb = { create: "Add", update: "Update", delete: "Delete" };
    const message = o.message || ops.map((op) => `${verb[op.op]} ${op.path}`).join(", ");
    const commit = await git.commitTree(tree, parent ? [parent] : [], message, author, committer);
    const old = o.new_branch ? ZERO_SHA : (parent ?? ZERO_SHA);
    // A push that landed between our read and this update makes the CAS fail: like Forgejo's
    // non-fast-forward push, that is a 500, never a silent overwrite.
    if (!(await git.updateRef(`refs/heads/${target}`, commit, old))) throw new ApiError(500, "the branch moved while writing: push out of date");
    await c.core.refsChanged(repo, [{ ref: `refs/heads/${target}`, before: old, after: commit }], user);
    return { commit, branch: target };
  });
}

async function assertParentsAreDirs(git: Repo, parent: string | undefined, path: string): Promise<void> {
  if (!parent) return;
  const parts = path.split("/");
  for (let i = 1; i < parts.length; i++) {
    const e = await git.entry(parent, parts.slice(0, i).join("/"));
    if (!e) return;
    if (e.type !== "tree") throw unprocessable(`a file exists where you're trying to create a subdirectory [path: ${parts.slice(0, i).join("/")}]`);
  }
}

async function fileResponse(c: Ctx, repo: RepoRec, commit: string, branch: string, path: string | null): Promise<Record<string, unknown>> {
  const git = c.core.git(repo);
  const info = await git.commit(commit);
  const entry = path ? await git.entry(commit, path) : undefined;
  return {
    content: entry ? await contentsJson(c, repo, git, branch, commit, entry, true) : null,
    commit: c.conv.fileCommit(repo, info),
    verification: unsigned(),
  };
}

export function registerContents(r: Router): void {
  r.add("GET", "/repos/{owner}/{repo}/contents", async (c) => readContents(c, ""));
  r.add("GET", "/repos/{owner}/{repo}/contents/{filepath}", async (c) => readContents(c, (c.params.filepath ?? "").replace(/^\/+|\/+$/g, "")));

  r.add("GET", "/repos/{owner}/{repo}/raw/{filepath}", async (c) => {
    const { repo } = repoOf(c);
    const git = c.core.git(repo);
    const ref = c.query.get("ref") || repo.defaultBranch;
    const commit = await git.resolve(ref);
    const entry = commit ? await git.entry(commit, c.params.filepath ?? "") : undefined;
    if (!entry || entry.type !== "blob") throw notFound();
    return { status: 200, raw: await git.blob(entry.sha), contentType: "application/octet-stream" };
  });

  r.add("POST", "/repos/{owner}/{repo}/contents/{filepath}", async (c) => {
    const { repo, user } = repoOf(c, "write");
    const body = bind(CreateFile, await c.body());
    const path = checkPath(c.params.filepath ?? "");
    const res = await write(c, repo, user, body, [{ op: "create", path, content: decode(body.content) }], 422);
    return json(201, await fileResponse(c, repo, res.commit, res.branch, path));
  });

  r.add("PUT", "/repos/{owner}/{repo}/contents/{filepath}", async (c) => {
    const { repo, user } = repoOf(c, "write");
    const body = bind(UpdateFile, await c.body());
    const path = checkPath(c.params.filepath ?? "");
    const fromPath = body.from_path ? checkPath(body.from_path) : undefined;
    const res = await write(c, repo, user, body, [{ op: "update", path, content: decode(body.content), sha: body.sha, ...(fromPath ? { fromPath } : {}) }], 409);
    return json(200, await fileResponse(c, repo, res.commit, res.branch, path));
  });

  r.add("DELETE", "/repos/{owner}/{repo}/contents/{filepath}", async (c) => {
    const { repo, user } = repoOf(c, "write");
    const body = bind(DeleteFile, await c.body());
    const path = checkPath(c.params.filepath ?? "");
    const res = await write(c, repo, user, body, [{ op: "delete", path, sha: body.sha }], 400);
    return json(200, await fileResponse(c, repo, res.commit, res.branch, null));
  });

  r.add("POST", "/repos/{owner}/{repo}/contents", async (c) => {
    const { repo, user } = repoOf(c, "write");
    const body = bind(ChangeFiles, await c.body());
    const ops: FileOp[] = body.files.map((f) => {
      const path = checkPath(f.path);
      if (f.operation !== "create" && !f.sha) throw unprocessable(`ErrSHAOrCommitIDNotProvided: sha or commit ID must be provided [path: ${f.path}]`);
      if (f.operation !== "delete" && f.content === undefined) throw unprocessable(`[content]: Required [path: ${f.path}]`);
      return { op: f.operation, path, ...(f.content !== undefined ? { content: decode(f.content) } : {}), ...(f.sha ? { sha: f.sha } : {}), ...(f.from_path ? { fromPath: checkPath(f.from_path) } : {}) };
    });
    const res = await write(c, repo, user, body, ops, 409);
    const git = c.core.git(repo);
    const info = await git.commit(res.commit);
    const files = await Promise.all(ops.map(async (op) => {
      const e = op.op === "delete" ? undefined : await git.entry(res.commit, op.path);
      return e ? contentsJson(c, repo, git, res.branch, res.commit, e, true) : null;
    }));
    return json(201, { files, commit: c.conv.fileCommit(repo, info), verification: unsigned() });
  });
}
