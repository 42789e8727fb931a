// Git smart HTTP (`/{owner}/{repo}.git/info/refs`, `git-upload-pack`, `git-receive-pack`)
// through git's own CGI, `git http-backend`. Credentials come only in the Authorization
// header (Basic user:password or user:token), so clients answer the 401 challenge through a
// credential helper. Fetch needs read access, push needs write; branch protection is checked
// by the repository's pre-receive hook with a policy computed here for this pusher.
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ForgeCore } from "./core.ts";
import { atLeast } from "./core.ts";
import { gitEnv, ZERO_SHA } from "./git.ts";

export const GIT_PATH_RE = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

function deny(res: ServerResponse, status: number, message: string, challenge: boolean): void {
  const headers: Record<string, string> = { "Content-Type": "text/plain; charset=utf-8" };
  if (challenge) headers["WWW-Authenticate"] = 'Basic realm="sandbox-forge"';
  res.writeHead(status, headers);
  res.end(`${message}\n`);
}

export async function serveGit(core: ForgeCore, req: IncomingMessage, res: ServerResponse, url: URL, m: RegExpExecArray): Promise<void> {
  const [, owner = "", name = "", action = ""] = m;
  const auth = core.authenticate(req.headers.authorization, null);
  if (auth === undefined || auth === "invalid") return deny(res, 401, "Unauthorized", true);
  const repo = core.repo(owner, name);
  const level = repo ? core.level(auth, repo) : "none";
  if (!repo || level === "none") return deny(res, 404, "Repository not found", false);
  const service = action === "info/refs" ? (url.searchParams.get("service") ?? "") : action;
  if (service !== "git-upload-pack" && service !== "git-receive-pack") return deny(res, 403, "only the smart HTTP protocol is served", false);
  const push = service === "git-receive-pack";
  if (push && !atLeast(level, "write")) return deny(res, 403, `User permission denied for writing to ${core.fullName(repo)}`, false);

  const env = gitEnv({
    GIT_PROJECT_ROOT: core.reposDir,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: `/${repo.owner.toLowerCase()}/${repo.name.toLowerCase()}.git/${action}`,
    QUERY_STRING: url.search.replace(/^\?/, ""),
    REQUEST_METHOD: req.method ?? "GET",
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    REMOTE_USER: auth.login,
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    ...(req.headers["content-length"] ? { CONTENT_LENGTH: req.headers["content-length"] } : {}),
    ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
    ...(typeof req.headers["git-protocol"] === "string" ? { GIT_PROTOCOL: req.headers["git-protocol"] } : {}),
    ...(push ? core.pushPolicy(auth, repo) : {}),
  });

  if (action !== "git-receive-pack") return cgi(env, req, res);
  // Pushes run under the repository lock so the ref diff is exactly this push's, and the
  // response ends only after the bookkeeping, so a client that saw its push succeed also
  // sees the moved PR heads and has had its events delivered.
  await core.repoLocks.run(String(repo.id), async () => {
    const git = core.git(repo);
    const before = await git.refs();
    await cgi(env, req, res, async () => {
      const after = await git.refs();
      const changes: { ref: string; before: string; after: string }[] = [];
      for (const ref of new Set([...before.keys(), ...after.keys()])) {
        const b = before.get(ref) ?? ZERO_SHA;
        const a = after.get(ref) ?? ZERO_SHA;
        if (a !== b) changes.push({ ref, before: b, after: a });
      }
      await core.refsChanged(repo, changes, auth);
    });
  });
}

/** Run git http-backend as a CGI: request body to stdin, CGI headers + body from stdout. */
function cgi(env: NodeJS.ProcessEnv, req: IncomingMessage, res: ServerResponse, beforeEnd?: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let head = Buffer.alloc(0);
    let headersDone = false;
    const stderr: Buffer[] = [];
    child.stderr.on("data", (b: Buffer) => stderr.push(b));
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const text = head.toString("latin1");
      const crlf = text.indexOf("\r\n\r\n");
      const lf = text.indexOf("\n\n");
      const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of text.slice(0, end).split(/\r?\n/)) {
        const colon = line.indexOf(":");
        if (colon <= 0) continue;
        const k = line.slice(0, colon).trim();
        const v = line.slice(colon + 1).trim();
        if (k.toLowerCase() === "status") status = Number.parseInt(v, 10) || 200;
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end));
    });
    child.on("error", () => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end("git http-backend failed to start\n");
      resolve();
    });
    child.on("close", () => {
      if (!headersDone && !res.headersSent) {
        res.writeHead(500, { "Content-Type": "text/plain" });
        res.write(Buffer.concat(stderr));
      }
      const finish = beforeEnd ? beforeEnd() : Promise.resolve();
      finish
        .catch((err: unknown) => process.emitWarning(`sandbox forge: after push: ${String(err)}`))
        .finally(() => {
          res.end();
          resolve();
        });
    });
    child.stdin.on("error", () => undefined);
    req.pipe(child.stdin);
  });
}
