// `disinto sandbox` as a child process runs the forge and the CI together: its JSON line names
// the CI URL and tokens, a pull request on the demo repo gets its CI status from the CI, and
// SIGTERM stops both (exit 0) with a running pipeline's processes killed.
/* eslint-disable @typescript-eslint/no-unsafe-member-access --
   response bodies are untyped JSON here. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { SandboxForge } from "../../src/sandbox/forge/index.ts";
import { api } from "../helpers/sandbox-forge.ts";
import { ciApi, commitFiles, latestStatus, waitFor } from "./sandbox-ci-server-fixture.ts";

const CLI = "src/entrypoints/cli.ts";
// an argument no other process on the machine uses, to find the step's process afterwards
const MARKER_SLEEP = "31.4159";

interface Ready {
  forge_url: string;
  ci_url: string;
  ci_token: string;
  users: Record<string, { token: string; password: string; ci_token: string }>;
  repos: string[];
}

function sleepersAlive(): number[] {
  const out: number[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const state = /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))?.[1];
      if (cmd[0]?.endsWith("sleep") && cmd[1] === MARKER_SLEEP && state !== "Z") out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe("disinto sandbox (forge + CI)", () => {
  it("prints ci_url and tokens, runs PR pipelines that report statuses, and stops cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, [CLI, "sandbox", "--port", "0", "--ci-port", "0", "--seed", "demo", "--no-scheduler"], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once("line", resolve);
        child.on("exit", (code) => reject(new Error(`exited ${code} before ready: ${stderr}`)));
      });
      const ready = JSON.parse(first) as Ready;
      assert.match(ready.ci_url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(ready.ci_url, ready.forge_url);
      assert.equal(ready.ci_token, ready.users.admin?.ci_token);
      assert.ok(ready.users["dev-bot"]?.ci_token && ready.users["dev-bot"].token);

      const ci = ciApi(ready.ci_url, ready.ci_token);
      assert.equal((await ci("GET", "/api/user")).body.login, "admin");
      const calc = await ci("GET", "/api/repos/lookup/demo/calc");
      assert.equal(calc.body.active, true);

      // the test helpers only need the forge's URL and tokens
      const forge = { url: ready.forge_url, users: ready.users } as unknown as SandboxForge;
      const head = await commitFiles(forge, "dev-bot", "demo/calc", { branch: "feat/readme", from: "main", message: "Tweak the README", files: { "README.md": "# calc\n\nTweaked.\n" } });
      assert.equal((await api(forge, "dev-bot")("POST", "/repos/demo/calc/pulls", { head: "feat/readme", base: "main", title: "README" })).status, 201);
      const st = await waitFor("the PR status", async () => {
        const s = await latestStatus(forge, "demo/calc", head, "ci/woodpecker/pr/test");
        return s && s.status !== "pending" ? s : undefined;
      }, 30_000);
      assert.equal(st.status, "success");
      assert.match(st.target_url, new RegExp(`^${ready.ci_url}/repos/${String(calc.body.id)}/pipeline/\\d+$`));

      await commitFiles(forge, "dev-bot", "demo/calc", {
        branch: "slow",
        from: "main",
        message: "A slow pipeline",
        files: { ".woodpecker/slow.yml": `when:\n  - event: push\n    branch: slow\nsteps:\n  - name: wait\n    image: alpine\n    commands:\n      - sleep ${MARKER_SLEEP}\n` },
      });
      await waitFor("the slow step to run", () => Promise.resolve(sleepersAlive().length > 0 ? true : undefined), 30_000);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0, stderr);
    assert.deepEqual(sleepersAlive(), [], "the running step was killed");
    assert.match(stderr, /sandbox stopped/);
  });
});
