// The ops repo of a dry run: a read-your-writes overlay in memory over the contents API. Reads
// go to the repo; writes are logged as planned writes and kept here, with the same
// compare-and-swap rules as the real API (create fails on an existing file, update and delete
// need the current sha), so leases, phases, the ledger and sessions "succeed" and the run's
// logic goes on to where it would need something real — the model — and stops there.
import { ConflictError } from "../forge/errors.ts";
import type { ContentsApi, DirEntry, FileChange, FileContent, FileWrite, FileWriteResult } from "../forge/types.ts";
import type { DryRun } from "../lib/dry-run.ts";

/** A file as the overlay holds it; `undefined` text = deleted in this run. */
interface Entry {
  text: string | undefined;
  sha: string;
}

export class DryRunContents implements ContentsApi {
  private readonly inner: ContentsApi;
  private readonly dry: DryRun;
  private readonly repo: string;
  private readonly files = new Map<string, Entry>();
  private counter = 0;

  /** `repo` (owner/name) only names the files in the log. */
  constructor(inner: ContentsApi, dry: DryRun, repo: string) {
    this.inner = inner;
    this.dry = dry;
    this.repo = repo;
  }

  async get(path: string, opts: { ref?: string } = {}): Promise<FileContent | undefined> {
    const e = this.files.get(path);
    if (e === undefined) return this.inner.get(path, opts);
    if (e.text === undefined) return undefined;
    return { path, sha: e.sha, text: e.text, size: Buffer.byteLength(e.text), lastCommitSha: undefined };
  }

  async create(path: string, write: FileWrite): Promise<FileWriteResult> {
    if ((await this.get(path)) !== undefined) throw new ConflictError(`${this.repo}:${path}`, "exists");
    this.dry.write(`create ${this.repo}:${path}`, summary(write.message, write.text));
    return this.put(path, write.text);
  }

  async update(path: string, write: FileWrite & { sha: string }): Promise<FileWriteResult> {
    const cur = await this.get(path);
    if (cur === undefined) throw new ConflictError(`${this.repo}:${path}`, "missing");
    if (cur.sha !== write.sha) throw new ConflictError(`${this.repo}:${path}`, "stale");
    this.dry.write(`update ${this.repo}:${path}`, summary(write.message, write.text));
    return this.put(path, write.text);
  }

  async delete(path: string, opts: { sha: string; message: string; branch?: string }): Promise<FileWriteResult> {
    const cur = await this.get(path);
    if (cur === undefined) throw new ConflictError(`${this.repo}:${path}`, "missing");
    if (cur.sha !== opts.sha) throw new ConflictError(`${this.repo}:${path}`, "stale");
    this.dry.write(`delete ${this.repo}:${path}`, opts.message.split("\n")[0] ?? "");
    this.files.set(path, { text: undefined, sha: "" });
    return { path, sha: undefined, commitSha: undefined };
  }

  async list(dir: string, opts: { ref?: string } = {}): Promise<DirEntry[]> {
    const entries = new Map((await this.inner.list(dir, opts)).map((e) => [e.name, e]));
    const prefix = dir === "" ? "" : `${dir.replace(/\/+$/, "")}/`;
    for (const [path, e] of this.files) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      const [name = "", ...deeper] = rest.split("/");
      if (deeper.length > 0) {
        // A file created below a directory the repo does not have yet makes that directory appear.
        if (e.text !== undefined && !entries.has(name)) entries.set(name, { name, path: `${prefix}${name}`, type: "dir" });
      } else if (e.text === undefined) entries.delete(name);
      else entries.set(name, { name, path, type: "file" });
    }
    return [...entries.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async commitFiles(commit: { branch?: string; message: string; files: FileChange[] }): Promise<{ commitSha: string | undefined }> {
    // All or nothing, as on the server: check every change before keeping any.
    for (const f of commit.files) {
      const cur = await this.get(f.path);
      if (f.operation === "create" && cur !== undefined) throw new ConflictError(`${this.repo}:${f.path}`, "exists");
      if (f.operation !== "create" && cur === undefined) throw new ConflictError(`${this.repo}:${f.path}`, "missing");
      if (f.operation !== "create" && cur !== undefined && f.sha !== cur.sha) throw new ConflictError(`${this.repo}:${f.path}`, "stale");
    }
    this.dry.write(`commit ${commit.files.map((f) => `${f.operation} ${f.path}`).join(", ")} to ${this.repo}`, commit.message.split("\n")[0] ?? "");
    for (const f of commit.files) {
      if (f.operation === "delete") this.files.set(f.path, { text: undefined, sha: "" });
      else this.put(f.path, f.text ?? "");
    }
    return { commitSha: undefined };
  }

  private put(path: string, text: string): FileWriteResult {
    // A sha no real blob has, so a CAS write based on it can only come from this overlay.
    const sha = `dry-run-${++this.counter}`;
    this.files.set(path, { text, sha });
    return { path, sha, commitSha: undefined };
  }
}

function summary(message: string, text: string): string {
  return `"${message.split("\n")[0] ?? ""}" (${Buffer.byteLength(text)} bytes)`;
}
