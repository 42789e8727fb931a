// The contents API as a compare-and-swap store (the ops repo). Every write names the blob sha
// it was based on; losing the race surfaces as ConflictError whatever status the server uses
// for it (forgejo.md §9: 409 on Forgejo ≥ v12, 422 on older Forgejo and Gitea, 400 for a
// stale delete, 500 when the final git push loses to a concurrent writer).
//
// Writes are not retried blindly: after a failure of unknown outcome (500 included) the file
// is read back. Our text there = our write landed; the base sha still there = nothing
// happened, try again; anything else = someone else won (ConflictError "race"). A 500 that
// persists while the file stays put is a broken server, not a race, and stays an HttpError.
import { hasStatus, type HttpError } from "../../http/errors.ts";
import { ConflictError } from "../errors.ts";
import type { ContentsApi, DirEntry, FileChange, FileContent, FileWrite, FileWriteResult } from "../types.ts";
import type { RepoContext } from "./context.ts";
import { ROUTES } from "./routes.ts";
import { contentsSchema, dirListingSchema, fileResponseSchema, filesResponseSchema } from "./schemas.ts";
import { segments, unlessNotFound } from "./util.ts";
import { writeOnce } from "./write-once.ts";

const STALE_MESSAGE = /sha|does not match|commit id/i;
const EXISTS_MESSAGE = /already exist/i;

export class ForgejoContents implements ContentsApi {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async get(path: string, opts: { ref?: string } = {}): Promise<FileContent | undefined> {
    return unlessNotFound(
      this.ctx.http.json(ROUTES.contentsGet, contentsSchema, { params: this.file(path), query: { ref: opts.ref } }).then((r) => r.data),
    );
  }

  async create(path: string, write: FileWrite): Promise<FileWriteResult> {
    const what = `${this.ctx.slug}:${path}`;
    try {
      return await writeOnce(this.ctx, {
        attempt: async () => {
          const res = await this.ctx.http.json(ROUTES.contentsCreate, fileResponseSchema, {
            params: this.file(path),
            body: { content: base64(write.text), message: write.message, branch: write.branch },
          });
          return result(path, res.data);
        },
        find: async () => {
          const now = await this.get(path, { ref: write.branch });
          if (now === undefined) return undefined;
          if (now.text === write.text) return confirmed(now);
          throw new ConflictError(what, "exists");
        },
        isAlreadyDone: (err) => isExists(err),
      });
    } catch (err) {
      if (isExists(err)) throw new ConflictError(what, "exists", err);
      throw err;
    }
  }

  async update(path: string, write: FileWrite & { sha: string }): Promise<FileWriteResult> {
    const what = `${this.ctx.slug}:${path}`;
    try {
      return await writeOnce(this.ctx, {
        attempt: async () => {
          const res = await this.ctx.http.json(ROUTES.contentsUpdate, fileResponseSchema, {
            params: this.file(path),
            body: { content: base64(write.text), sha: write.sha, message: write.message, branch: write.branch },
            // PUT, but not repeatable: a repeat after success carries a stale sha.
            idempotent: false,
          });
          return result(path, res.data);
        },
        find: async () => {
          const now = await this.get(path, { ref: write.branch });
          if (now === undefined) throw new ConflictError(what, "missing");
          if (now.text === write.text && now.sha !== write.sha) return confirmed(now);
          if (now.sha !== write.sha) throw new ConflictError(what, "race");
          return undefined;
        },
        isAlreadyDone: (err) => hasStatus(err, 409, 422),
      });
    } catch (err) {
      if (err instanceof ConflictError) throw err;
      if (hasStatus(err, 409) || (hasStatus(err, 422) && STALE_MESSAGE.test(messageOf(err)))) throw new ConflictError(what, "stale", err);
      // A 500 that survives here was re-read after every attempt and the file had not moved:
      // not a lost race but a failing server, so it stays an HttpError.
      throw err;
    }
  }

  async delete(path: string, opts: { sha: string; message: string; branch?: string }): Promise<FileWriteResult> {
    const what = `${this.ctx.slug}:${path}`;
    try {
      return await writeOnce(this.ctx, {
        attempt: async () => {
          const res = await this.ctx.http.json(ROUTES.contentsDelete, fileResponseSchema, {
            params: this.file(path),
            body: { sha: opts.sha, message: opts.message, branch: opts.branch },
            idempotent: false,
          });
          return { path, sha: undefined, commitSha: res.data.commit?.sha };
        },
        find: async () => {
          const now = await this.get(path, { ref: opts.branch });
          if (now === undefined) return { path, sha: undefined, commitSha: undefined };
          if (now.sha !== opts.sha) throw new ConflictError(what, "race");
          return undefined;
        },
        isAlreadyDone: (err) => hasStatus(err, 404),
      });
    } catch (err) {
      if (err instanceof ConflictError) throw err;
      if (hasStatus(err, 400, 409, 422)) throw new ConflictError(what, "stale", err);
      if (hasStatus(err, 404)) throw new ConflictError(what, "missing", err);
      throw err;
    }
  }

  async list(dir: string, opts: { ref?: string } = {}): Promise<DirEntry[]> {
    const trimmed = dir.replace(/^\/+|\/+$/g, "");
    const query = { ref: opts.ref };
    const res = await unlessNotFound(
      trimmed === ""
        ? this.ctx.http.json(ROUTES.contentsListRoot, dirListingSchema, { params: this.ctx.params, query })
        : this.ctx.http.json(ROUTES.contentsGet, dirListingSchema, { params: this.file(trimmed), query }),
    );
    if (res === undefined) return [];
    if (!Array.isArray(res.data)) throw new Error(`${this.ctx.slug}:${trimmed} is a ${res.data.type}, not a directory`);
    return res.data;
  }

  async commitFiles(commit: { branch?: string; message: string; files: FileChange[] }): Promise<{ commitSha: string | undefined }> {
    const what = `${this.ctx.slug}: commit of ${commit.files.map((f) => f.path).join(", ")}`;
    if (commit.files.length === 0) return { commitSha: undefined };
    try {
      return await writeOnce(this.ctx, {
        attempt: async () => {
          const res = await this.ctx.http.json(ROUTES.contentsCommit, filesResponseSchema, {
            params: this.ctx.params,
            body: {
              branch: commit.branch,
              message: commit.message,
              files: commit.files.map((f) => ({
                operation: f.operation,
                path: f.path,
                ...(f.text !== undefined ? { content: base64(f.text) } : {}),
                ...(f.sha !== undefined ? { sha: f.sha } : {}),
              })),
            },
          });
          return { commitSha: res.data.commit?.sha };
        },
        // Landed = every file as we wanted it; untouched = every file as we based it on.
        find: async () => {
          let landed = true;
          let untouched = true;
          for (const f of commit.files) {
            const now = await this.get(f.path, { ref: commit.branch });
            if (f.operation === "delete") {
              landed &&= now === undefined;
              untouched &&= now !== undefined && now.sha === f.sha;
            } else {
              landed &&= now !== undefined && now.text === (f.text ?? "");
              untouched &&= f.operation === "create" ? now === undefined : now !== undefined && now.sha === f.sha;
            }
          }
          if (landed) return { commitSha: undefined };
          if (untouched) return undefined;
          throw new ConflictError(what, "race");
        },
        isAlreadyDone: (err) => hasStatus(err, 409, 422),
      });
    } catch (err) {
      if (err instanceof ConflictError) throw err;
      if (isExists(err)) throw new ConflictError(what, "exists", err);
      if (hasStatus(err, 409) || (hasStatus(err, 422) && STALE_MESSAGE.test(messageOf(err)))) throw new ConflictError(what, "stale", err);
      throw err;
    }
  }

  private file(path: string): Record<string, string | readonly string[]> {
    return { ...this.ctx.params, filepath: segments(path) };
  }
}

function isExists(err: unknown): boolean {
  return hasStatus(err, 409) || (hasStatus(err, 422) && EXISTS_MESSAGE.test(messageOf(err)));
}

function messageOf(err: HttpError): string {
  return err.serverMessage ?? err.bodySnippet;
}

function base64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

function result(path: string, data: { content?: { sha: string } | null; commit?: { sha: string } | null }): FileWriteResult {
  return { path, sha: data.content?.sha, commitSha: data.commit?.sha };
}

function confirmed(now: FileContent): FileWriteResult {
  return { path: now.path, sha: now.sha, commitSha: now.lastCommitSha };
}
