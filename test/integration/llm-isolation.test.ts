// The model cannot reach the runner's secrets (llm/isolation.ts). A "runner" process started
// with canary secrets in its environment stands next to the model's commands, which try to read
// /proc/<runner>/environ and /proc/<runner>/cmdline, write outside the tree and leave processes
// behind. As root they run as the model user; with bwrap in a PID namespace; without either a
// warning says so, once. The in-process file tools refuse symlinks out of the tree, and the
// openai backend sends the endpoint nothing the run's redactor knows.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { llmEnv } from "../../src/llm/env.ts";
import { defaultIsolation, enterSandbox, probeBwrap, resetIsolationForTests, resolveModelUser, type Isolation } from "../../src/llm/isolation.ts";
import { OpenAiBackend } from "../../src/llm/openai/backend.ts";
import { runCommand } from "../../src/llm/tools/command.ts";
import { executeTool, toolContext } from "../../src/llm/tools/toolbox.ts";
import { Redactor } from "../../src/lib/redact.ts";
import { collectingLog } from "../fakes/log.ts";
import { waitUntilGone } from "../fakes/process.ts";
import { startFakeOpenAi } from "../fakes/openai-server.ts";

const CANARY = "canary-runner-secret-5e6f7a8b9c";
const ROOT = process.getuid?.() === 0;
let runner: ChildProcess;

before(() => {
  // A process holding the secret the way a CI step does: in the environ it was started with.
  runner = spawn("sleep", ["300"], { env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", DISINTO_FORGE_TOKEN: CANARY }, stdio: "ignore" });
});
after(() => {
  runner.kill("SIGKILL");
});

function tree(): { dir: string; cwd: string } {
  const dir = mkdtempSync(join(tmpdir(), "llm-iso-"));
  const cwd = join(dir, "work");
  mkdirSync(cwd);
  writeFileSync(join(cwd, "README.md"), "# app\n");
  return { dir, cwd };
}

const PROBE = (pid: number): string =>
  [
    "id -u",
    `cat /proc/${pid}/environ 2>&1 | tr '\\0' '\\n'`,
    `cat /proc/${process.pid}/environ 2>&1 | tr '\\0' '\\n'`,
    `head -c 2000 /proc/${pid}/mem 2>&1 | head -c 200`,
    "env",
    "echo mine > mine.txt",
    "touch ../outside.txt 2>&1 || echo outside-refused",
    "sleep 120 & echo $! > bg.pid",
    "setsid sleep 121 & echo $! > setsid.pid",
    // let setsid detach before the shell ends (and its process group is killed)
    "sleep 0.5",
    "echo done",
  ].join("\n");

describe("isolation: the model user (runner is root)", { skip: ROOT ? false : "needs root" }, () => {
  it("cannot read the runner's environ or memory, writes only the tree, leaves no process, gets the tree taken back", async () => {
    const { dir, cwd } = tree();
    const iso = defaultIsolation();
    assert.equal(iso.kind, "user");
    const user = resolveModelUser();
    const modeBefore = statSync(dir).mode;
    const log = collectingLog();
    const sb = await enterSandbox(iso, { tree: cwd, write: true, log });
    const r = await runCommand(cwd, PROBE(runner.pid ?? 0), { env: llmEnv(), timeoutMs: 20_000, sandbox: sb });
    assert.equal(r.exitCode, 0, r.output);
    assert.ok(!r.output.includes(CANARY), r.output);
    assert.match(r.output, new RegExp(`^${user.uid}$`, "m"), "runs as the model user");
    assert.match(r.output, /Permission denied/);
    assert.match(r.output, /outside-refused/);
    assert.match(r.output, /^LLM_SANDBOX_RUN=/m);
    assert.equal(statSync(join(cwd, "mine.txt")).uid, user.uid, "the model owns what it writes");
    const bg = Number(readFileSync(join(cwd, "bg.pid"), "utf8"));
    const detached = Number(readFileSync(join(cwd, "setsid.pid"), "utf8"));
    // the group kill misses the setsid child; the sandbox finds it by its run marker
    assert.ok(await waitUntilGone(bg), "background process left running");
    assert.ok(await waitUntilGone(detached), "setsid process left running");
    // one that escapes the marker too (env -i) but works in the tree goes when the run ends
    await runCommand(cwd, "env -i setsid sleep 122 > /dev/null 2>&1 < /dev/null & echo $! > escaped.pid; sleep 0.5", { env: llmEnv(), timeoutMs: 20_000, sandbox: sb });
    const escaped = Number(readFileSync(join(cwd, "escaped.pid"), "utf8"));
    await sb.release();
    assert.ok(await waitUntilGone(escaped), "escaped process left running");
    assert.equal(statSync(join(cwd, "mine.txt")).uid, process.getuid?.(), "the tree is the runner's again");
    assert.equal(statSync(cwd).uid, process.getuid?.());
    assert.equal(statSync(dir).mode, modeBefore, "ancestor permissions restored");
    assert.equal(existsSync(sb.home ?? "/nonexistent"), false, "model HOME removed");
    assert.deepEqual(log.lines.filter((l) => l.startsWith("warn")), []);
  });

  it("a read-only run does not get the tree: it cannot write there", async () => {
    const { cwd } = tree();
    const sb = await enterSandbox(defaultIsolation(), { tree: cwd, write: false, log: collectingLog() });
    const r = await runCommand(cwd, "echo x > README.md 2>&1 || echo refused; cat README.md", { env: llmEnv(), timeoutMs: 10_000, sandbox: sb });
    await sb.release();
    assert.match(r.output, /refused/);
    assert.equal(readFileSync(join(cwd, "README.md"), "utf8"), "# app\n");
  });

  it("a planted symlink or a 0777 folder does not survive as a way back in", async () => {
    const { cwd } = tree();
    const sb = await enterSandbox(defaultIsolation(), { tree: cwd, write: true, log: collectingLog() });
    await runCommand(cwd, "mkdir open && chmod 0777 open && ln -s /etc/passwd passwd-link", { env: llmEnv(), timeoutMs: 10_000, sandbox: sb });
    await sb.release();
    assert.equal(statSync(join(cwd, "open")).mode & 0o022, 0);
    assert.equal(statSync("/etc/passwd").uid, 0, "chown followed a symlink");
  });
});

describe("isolation: bubblewrap (runner not root)", () => {
  const bwrap = probeBwrap();
  it("the runner's /proc entries do not exist inside, the file system is read-only outside the tree", { skip: bwrap ? false : "bwrap is not installed or cannot create a PID namespace here" }, async () => {
    const { cwd } = tree();
    const iso: Isolation = { kind: "bwrap", binary: bwrap ?? "bwrap" };
    const sb = await enterSandbox(iso, { tree: cwd, write: true, log: collectingLog() });
    const r = await runCommand(cwd, PROBE(runner.pid ?? 0), { env: llmEnv(), timeoutMs: 20_000, sandbox: sb });
    await sb.release();
    assert.ok(!r.output.includes(CANARY), r.output);
    assert.match(r.output, /No such file or directory/);
    assert.match(r.output, /outside-refused/);
    assert.equal(readFileSync(join(cwd, "mine.txt"), "utf8"), "mine\n");
    const detached = Number(readFileSync(join(cwd, "setsid.pid"), "utf8"));
    assert.ok(detached > 0 && detached < 100, `pid ${detached} is from a fresh PID namespace`);
  });
});

describe("isolation: none available", () => {
  it("warns once per run that the model is NOT isolated", async () => {
    const { cwd } = tree();
    const iso: Isolation = { kind: "none", why: "test" };
    // An earlier test in this file may have said it already: start from a fresh run.
    resetIsolationForTests();
    const log = collectingLog();
    for (let i = 0; i < 2; i++) await (await enterSandbox(iso, { tree: cwd, write: true, log })).release();
    const warnings = log.lines.filter((l) => /NOT isolated/.test(l));
    assert.equal(warnings.length, 1, log.lines.join("\n"));
    assert.match(warnings[0] ?? "", /^warn WARNING: the model is NOT isolated from this process's secrets \(test\)/);
    // Later sandboxes in the same process (another log) stay quiet.
    const later = collectingLog();
    await (await enterSandbox(iso, { tree: cwd, write: true, log: later })).release();
    assert.deepEqual(later.lines.filter((l) => /NOT isolated/.test(l)), []);
  });
});

describe("file tools run in the runner: symlinks out of the tree are refused", () => {
  it("read_file, search and write_file refuse a link to /proc/self/environ; a link inside the tree still reads", async () => {
    const { cwd } = tree();
    symlinkSync("/proc/self/environ", join(cwd, "env-link"));
    symlinkSync(`/proc/${runner.pid}/environ`, join(cwd, "runner-link"));
    mkdirSync(join(cwd, "d"));
    symlinkSync("/proc/self", join(cwd, "d", "self"));
    symlinkSync("README.md", join(cwd, "readme-link"));
    const ctx = toolContext(cwd, llmEnv(), 5000, Date.now() + 30_000);
    for (const path of ["env-link", "runner-link", "d/self/environ"]) {
      const r = await executeTool("read_file", { path }, "edit", ctx);
      assert.equal(r.ok, false, `${path}: ${r.output}`);
      assert.ok(!r.output.includes(CANARY) && !r.output.includes("PATH="), r.output);
    }
    const s = await executeTool("search", { pattern: "PATH|TOKEN" }, "edit", ctx);
    assert.ok(!s.output.includes(CANARY) && !/PATH=/.test(s.output), s.output);
    const w = await executeTool("write_file", { path: "env-link", content: "x" }, "edit", ctx);
    assert.equal(w.ok, false, w.output);
    const ok = await executeTool("read_file", { path: "readme-link" }, "edit", ctx);
    assert.equal(ok.output, "# app\n");
  });
});

describe("openai backend: the endpoint never receives a secret the run knows", () => {
  it("the prompt, tool results and the model's own arguments are redacted before they are sent", async () => {
    const FORGE = "forge-token-1234567890abcdef1234567890abcdef";
    const KEY = "sk-test-openai-key-0123456789abcdef";
    const server = await startFakeOpenAi([
      {
        kind: "tools",
        calls: [
          { name: "read_file", args: { path: "leak.txt" } },
          { name: "run_command", args: { command: `cat leak.txt; echo ${FORGE}; cat /proc/${runner.pid}/environ | tr '\\0' '\\n'` } },
        ],
      },
      { kind: "text", text: "done" },
    ]);
    try {
      const { dir, cwd } = tree();
      chmodSync(dir, 0o711);
      writeFileSync(join(cwd, "leak.txt"), `token: ${FORGE}\n`);
      const redactor = new Redactor();
      redactor.add(FORGE);
      const backend = new OpenAiBackend({ baseUrl: server.url, model: "m", apiKeyEnv: "K", retryBaseMs: 10 });
      const r = await backend.run({
        cwd,
        prompt: `Fix it. (the runner's token is ${FORGE})`,
        tools: "edit",
        limits: { maxTurns: 5, deadline: Date.now() + 30_000 },
        env: { K: KEY },
        log: collectingLog(),
        redactor,
        transcriptPath: join(dir, "t.jsonl"),
      });
      assert.equal(r.status, "ok", r.reason);
      const sent = JSON.stringify(server.requests.map((q) => q.body));
      assert.ok(server.requests.length === 2);
      for (const s of [FORGE, KEY, CANARY]) assert.ok(!sent.includes(s), `${s.slice(0, 12)}… reached the endpoint`);
      assert.match(sent, /\*{8}/, "masked, not dropped");
    } finally {
      await server.close();
    }
  });
});

describe("the model user", () => {
  const passwd = "root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n";
  it("DISINTO_MODEL_USER by name or uid[:gid]; else disinto-model when it exists; else nobody; never root; a bad value is named", () => {
    assert.deepEqual(resolveModelUser({}, passwd), { name: "nobody", uid: 65534, gid: 65534 });
    assert.deepEqual(resolveModelUser({}, `${passwd}disinto-model:x:10001:10001::/nonexistent:/usr/sbin/nologin\n`), { name: "disinto-model", uid: 10001, gid: 10001 });
    assert.deepEqual(resolveModelUser({ DISINTO_MODEL_USER: "4242:77" }, passwd), { name: "4242:77", uid: 4242, gid: 77 });
    assert.throws(() => resolveModelUser({ DISINTO_MODEL_USER: "no-such-user" }, passwd), /DISINTO_MODEL_USER="no-such-user": no such user in \/etc\/passwd/);
    assert.throws(() => resolveModelUser({ DISINTO_MODEL_USER: "root" }, passwd), /must not be root/);
  });
});
