// `disinto demo` when it cannot or may not finish: bad input stops it before a sandbox starts
// (exit 2, saying what is missing), and a round limit ends the loop with the summary of what
// was done so far (exit 1, `stopped: "rounds"`).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseReport, startDemo } from "../fixtures/demo/check.ts";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "demo-bounds-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("disinto demo: input errors and bounds", () => {
  it("--backend claude without the CLI or a credential: exit 2 naming both, nothing started", async () => {
    const emptyPath = join(dir, "empty-path");
    await mkdir(emptyPath);
    const data = join(dir, "claude-data");
    const end = await startDemo(["--backend", "claude", "--data", data], { PATH: emptyPath }).exit;
    assert.equal(end.code, 2, end.stderr);
    assert.match(end.stderr, /`claude` was not found on PATH/);
    assert.match(end.stderr, /set ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN/);
    assert.match(end.stderr, /The default scripted backend needs neither/);
    await assert.rejects(readdir(data), "no sandbox state was written");
  });

  it("an unknown backend and a --data dir that is not empty: exit 2", async () => {
    const bad = await startDemo(["--backend", "gpt"]).exit;
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--backend must be scripted or claude, got "gpt"/);
    const used = join(dir, "used");
    await mkdir(used);
    await writeFile(join(used, "state.json"), "{}");
    const busy = await startDemo(["--data", used]).exit;
    assert.equal(busy.code, 2);
    assert.match(busy.stderr, /--data .*used is not empty/);
  });

  it("--max-rounds 1: the loop stops at the bound; the summary tells what was done; exit 1", async () => {
    const end = await startDemo(["--json", "--max-rounds", "1"]).exit;
    assert.equal(end.code, 1, end.stderr.slice(-3000));
    const report = parseReport(end.stdout.trim(), end.stderr);
    assert.equal(report.ok, false);
    assert.equal(report.stopped, "rounds");
    assert.equal(report.rounds, 1);
    assert.equal(report.sandbox, undefined, "a temporary sandbox is not reported");
    // Round 1: the dev agent opened a PR for the first issue, CI and review approved it; the
    // merge would have been the next dev tick.
    const [first, ...rest] = report.issues;
    assert.equal(first?.state, "open");
    assert.ok(first.pr !== null && first.merged_by === null && first.approved_by === "review-bot", JSON.stringify(first));
    for (const i of rest) assert.deepEqual([i.state, i.pr], ["open", null]);
    assert.match(end.stderr, /the round limit \(1\) is reached/);
    assert.match(end.stderr, /stopped \(rounds\) before every demo issue was merged/);
  });
});
