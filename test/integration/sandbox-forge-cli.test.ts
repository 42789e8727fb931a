// `disinto sandbox` as a child process: one JSON line when ready, a working forge behind
// it, exit 0 on SIGTERM; bad flags exit 2.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { promisify } from "node:util";
import { createInterface } from "node:readline";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const pexec = promisify(execFile);
const CLI = "src/entrypoints/cli.ts";

interface Ready {
  forge_url: string;
  users: Record<string, { token: string; password: string }>;
  repos: string[];
}

describe("disinto sandbox", () => {
  it("prints one JSON line when ready, serves the seeded forge, and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [CLI, "sandbox", "--port", "0", "--seed", "demo"], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const lines = createInterface({ input: child.stdout });
    const stdoutLines: string[] = [];
    const first = await new Promise<string>((resolve, reject) => {
      lines.on("line", (l) => {
        stdoutLines.push(l);
        if (stdoutLines.length === 1) resolve(l);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code} before ready`)));
    });
    const ready = JSON.parse(first) as Ready;
    assert.match(ready.forge_url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(ready.repos, ["demo/calc", "demo/calc-ops"]);
    const dev = ready.users["dev-bot"];
    assert.ok(dev && /^[0-9a-f]{40}$/.test(dev.token) && dev.password.length > 0);
    assert.ok(ready.users.admin && ready.users["review-bot"]);
    const res = await fetch(`${ready.forge_url}/api/v1/repos/demo/calc/issues?labels=backlog`, { headers: { Authorization: `token ${dev.token}` } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as unknown[]).length, 3);
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
    assert.equal(stdoutLines.length, 1);
  });

  it("its --data dir removed while it runs: both servers stop and it exits 1 within seconds, naming the dir", async () => {
    const data = await mkdtemp(join(tmpdir(), "sandbox-cli-data-"));
    const child = spawn(process.execPath, [CLI, "sandbox", "--data", data, "--no-scheduler"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once("line", resolve);
        child.on("exit", (code) => reject(new Error(`exited ${code} before ready: ${stderr}`)));
      });
      const ready = JSON.parse(first) as Ready & { ci_url: string };
      await rm(data, { recursive: true, force: true });
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      assert.equal(code, 1, `still running 10 s after its data dir was removed: ${stderr}`);
      assert.match(stderr, new RegExp(`disinto: sandbox: its data dir ${data.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} was removed while it ran`));
      for (const url of [ready.forge_url, ready.ci_url]) await assert.rejects(fetch(`${url}/api/v1/version`), `${url} is closed`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await rm(data, { recursive: true, force: true });
    }
  });

  it("exits 2 on a bad --faults spec or --seed, and documents the fault syntax in --help", async () => {
    await assert.rejects(pexec(process.execPath, [CLI, "sandbox", "--faults", "5xx=7"]), (e: { code?: number; stderr?: string }) => e.code === 2 && /between 0 and 1/.test(e.stderr ?? ""));
    await assert.rejects(pexec(process.execPath, [CLI, "sandbox", "--seed", "prod"]), (e: { code?: number }) => e.code === 2);
    const help = await pexec(process.execPath, [CLI, "sandbox", "--help"]);
    assert.match(help.stdout, /route=GLOB/);
    assert.match(help.stdout, /--faults SPEC/);
  });
});
