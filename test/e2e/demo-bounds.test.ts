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
    assert.match(bad.stderr, /--backend must be scripted, claude or openai, got "gpt"/);
    const used = join(dir, "used");
    await mkdir(used);
    await writeFile(join(used, "state.json"), "{}");
    const busy = await startDemo(["--data", used]).exit;
    assert.equal(busy.code, 2);
    assert.match(busy.stderr, /--data .*used is not empty/);
  });

  it("--backend openai: --base-url required and checked, --only and --spend-cap checked; the cap is printed before anything starts", async () => {
    const cases: [string[], RegExp][] = [
      [["--backend", "openai"], /--backend openai needs --base-url URL/],
      [["--backend", "openai", "--base-url", "ftp://x/v1"], /--base-url must be an http\(s\) URL, got "ftp:\/\/x\/v1"/],
      [["--backend", "openai", "--base-url", "http://user:pw@127.0.0.1:9/v1"], /--base-url must not hold credentials; put the key in OPENAI_API_KEY/],
      [["--base-url", "http://127.0.0.1:9/v1"], /--base-url is for --backend openai, not scripted/],
      [["--model", "m"], /--model is for --backend openai, not scripted/],
      [["--spend-cap", "0"], /--spend-cap must be a number of US dollars above 0 and at most 1000, got "0"/],
      [["--spend-cap", "lots"], /--spend-cap must be a number of US dollars above 0 and at most 1000, got "lots"/],
      [["--only", "planner"], /--only must be dev-review, got "planner"/],
    ];
    for (const [args, want] of cases) {
      const end = await startDemo(args).exit;
      assert.equal(end.code, 2, `${args.join(" ")}: ${end.stderr}`);
      assert.match(end.stderr, want);
    }
    // A --data dir that is not empty stops it after the header: the backend and the cap are printed first, nothing starts.
    const used = join(dir, "used-openai");
    await mkdir(used);
    await writeFile(join(used, "state.json"), "{}");
    const end = await startDemo(["--backend", "openai", "--base-url", "http://127.0.0.1:9/v1", "--model", "qwen", "--spend-cap", "2.5", "--data", used], { OPENAI_API_KEY: "sk-demo-secret" }).exit;
    assert.equal(end.code, 2, end.stderr);
    assert.match(end.stdout, /disinto demo · openai backend: the agents call http:\/\/127\.0\.0\.1:9\/v1 \(model qwen, key from OPENAI_API_KEY\)/);
    assert.match(end.stdout, /spend cap: \$2\.50 per backend per day \(--spend-cap\): an agent that reaches it stops cleanly/);
    assert.doesNotMatch(end.stdout + end.stderr, /sk-demo-secret/);
    assert.match(end.stderr, /--data .*used-openai is not empty/);
    assert.deepEqual(await readdir(used), ["state.json"], "nothing written");
  });

  it("--max-rounds 1: the loop stops at the bound; the summary tells what was done; exit 1", async () => {
    const end = await startDemo(["--json", "--only", "dev-review", "--max-rounds", "1"]).exit;
    assert.equal(end.code, 1, end.stderr.slice(-3000));
    const report = parseReport(end.stdout.trim(), end.stderr);
    assert.equal(report.ok, false);
    assert.equal(report.stopped, "rounds");
    assert.equal(report.rounds, 1);
    assert.equal(report.sandbox, undefined, "a temporary sandbox is not reported");
    // Round 1: the dev agent opened a PR for the first issue, CI and review approved it, and the
    // approval woke the dev agent, which merged it without waiting for its cron; the rest waits.
    const [first, ...rest] = report.issues;
    assert.ok(first?.state === "closed" && first.pr !== null && first.merged_by === "dev-bot" && first.approved_by === "review-bot", JSON.stringify(first));
    assert.ok(rest.some((i) => i.merged_by === null), JSON.stringify(rest));
    assert.match(end.stderr, /the round limit \(1\) is reached/);
    assert.match(end.stderr, /stopped \(rounds\) before every demo issue was merged/);
  });
});
