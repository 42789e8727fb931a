// `disinto demo` when its sandbox cannot go on: the data dir removed mid-run must stop the
// servers and end the process with a non-zero exit within seconds (it used to print ENOENT and
// keep its ports open for ever). Each run gets a private TMPDIR, which must be empty after it:
// the demo, the sandbox CI and the agents in its pipelines (transcripts, work trees, git homes)
// leave no temporary directory behind.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseReport, startDemo } from "../fixtures/demo/check.ts";

/** How long after the data dir is removed the process must be gone. */
const EXIT_WITHIN_MS = 15_000;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "demo-fatal-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function privateTmp(name: string): Promise<string> {
  const tmp = join(dir, name);
  await mkdir(tmp);
  return tmp;
}

async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("disinto demo: a fatal error and what it leaves behind", () => {
  it("its data dir removed mid-run: exit 1 naming it within seconds, both ports closed, no temp dirs left", async () => {
    const tmp = await privateTmp("tmp-fatal");
    const data = join(dir, "data");
    const demo = startDemo(["--json", "--data", data], { TMPDIR: tmp });
    let exited = false;
    void demo.exit.then(() => (exited = true));
    try {
      await until("round 1", () => /── round 1 /.test(demo.stderr()) || exited, 120_000);
      assert.ok(!exited, demo.stderr().slice(-3000));
      const urls = /sandbox: forge (http:\/\/127\.0\.0\.1:\d+) · CI (http:\/\/127\.0\.0\.1:\d+)/.exec(demo.stderr());
      assert.ok(urls, demo.stderr().slice(-3000));
      // Moved away in one step (a recursive rm races the sandbox's own writes: ENOTEMPTY), then removed.
      await rename(data, `${data}.gone`);
      await rm(`${data}.gone`, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
      const removed = Date.now();
      const timer = setTimeout(() => demo.child.kill("SIGKILL"), EXIT_WITHIN_MS);
      const end = await demo.exit;
      clearTimeout(timer);
      const took = Date.now() - removed;
      console.log(`demo exited ${took} ms after its data dir was removed`);
      assert.equal(end.signal, null, `still running ${EXIT_WITHIN_MS} ms after the data dir was removed:\n${end.stderr.slice(-3000)}`);
      assert.equal(end.code, 1, end.stderr.slice(-3000));
      assert.match(end.stderr, new RegExp(`disinto: sandbox: its data dir ${data.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} was removed while it ran`));
      assert.equal(end.stdout, "", "no report: the demo did not finish");
      for (const url of [urls[1]!, urls[2]!]) await assert.rejects(fetch(`${url}/healthz`), `${url} is closed`);
      assert.deepEqual(await readdir(tmp), [], "the private TMPDIR is empty");
    } finally {
      if (demo.child.exitCode === null && demo.child.signalCode === null) demo.child.kill("SIGKILL");
    }
  });

  it("a normal demo with a temporary sandbox: exit 0 and nothing left in TMPDIR", async () => {
    const tmp = await privateTmp("tmp-normal");
    const end = await startDemo(["--json"], { TMPDIR: tmp }).exit;
    assert.equal(end.code, 0, end.stderr.slice(-3000));
    assert.equal(parseReport(end.stdout.trim(), end.stderr).ok, true);
    assert.deepEqual(await readdir(tmp), [], "no disinto-* (or other) temporary directory remains");
  });
});
