// `disinto demo --json`, twice in a row, each on a fresh sandbox, run as a child process of the
// CLI (the built bundle when it has the demo, else the source entrypoint). The first run is the
// factory (the default): it keeps its sandbox (--keep) and is checked live over the APIs, then
// stopped with SIGTERM; the second is `--only dev-review`, exits by itself and is checked by
// serving its data dir again. Durations are printed, not asserted.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox } from "../../src/sandbox/index.ts";
import { checkSandbox, cliEntry, parseReport, startDemo } from "../fixtures/demo/check.ts";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "demo-e2e-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe(`disinto demo (${cliEntry().kind}: ${cliEntry().path})`, () => {
  it("run 1, the factory, --keep: the planner's tree and issue, the architect's pitch accepted and its sub-issue filed, every issue merged (one after a red CI fixed from its log, one after requested changes), the breaker opened and cleared, the vault's action — checked while the sandbox runs; SIGTERM stops it", async () => {
    const started = Date.now();
    const demo = startDemo(["--json", "--keep", "--data", join(dir, "run1")]);
    try {
      const line = await demo.firstLine;
      const report = parseReport(line, demo.stderr());
      console.log(`demo run 1: ${report.duration_ms} ms in the demo, ${Date.now() - started} ms with process start`);
      const sb = report.sandbox;
      assert.ok(sb?.users?.admin, "--keep reports the running sandbox and its accounts");
      assert.equal(sb.data_dir, join(dir, "run1"));
      await checkSandbox({ forgeUrl: sb.forge_url, ciUrl: sb.ci_url, token: sb.users.admin.token, ciToken: sb.users.admin.ci_token, report }).catch((err: unknown) => {
        // What the demo narrated says which pipeline went wrong and why.
        console.log(demo.stderr().slice(-12_000));
        throw err;
      });
      demo.child.kill("SIGTERM");
      const end = await demo.exit;
      assert.equal(end.code, 0, end.stderr.slice(-3000));
      assert.match(end.stderr, /disinto demo · scripted backend \(the default\)/);
      assert.match(end.stderr, /spend cap: \$3\.00 per backend per day \(--spend-cap\) — the scripted backend spends nothing/);
      assert.match(end.stderr, /You will see the whole factory/);
      assert.match(end.stderr, /cron disinto-planner fired → pipeline #\d+/);
      assert.match(end.stderr, /the planner wrote prerequisites\.md \(2 objectives\) — http:\/\/127\.0\.0\.1:\d+\/demo\/calc-ops\/src\/branch\/main\/prerequisites\.md — and filed #\d+/);
      assert.match(end.stderr, /^ {4}check-docs: README\.md does not document mod\(\)/m, "the failing step's log line is quoted");
      assert.match(end.stderr, /review-bot requested changes on PR #\d+/);
      assert.match(end.stderr, /the architect pitched #\d+ as PR #\d+ "architect: Read numbers from text" in the ops repo/);
      assert.match(end.stderr, /admin \(the person\) answered ACCEPT on PR #\d+ and approved it/);
      assert.match(end.stderr, /the gardener filed #\d+ from the accepted pitch/);
      assert.match(end.stderr, /supervisor: .*CI breaker open/);
      assert.match(end.stderr, /gardener: promote-tech-debt #\d+/);
      assert.match(end.stderr, /dev: idle: not claiming: the CI circuit breaker is open/, "the promoted tech-debt issue waits while main is red");
      assert.match(end.stderr, /the supervisor cleared the breaker/);
      assert.match(end.stderr, /planner-bot asks the vault for a release: .*high tier → PR #\d+ "vault: release-0\.2\.0"/);
      assert.match(end.stderr, /demo\/calc is tagged 0\.2\.0 at [0-9a-f]{7}/);
      assert.match(end.stderr, /The sandbox keeps running/);
      assert.match(end.stderr, /status --forge-url http:\/\/127\.0\.0\.1:\d+ --ops-repo demo\/calc-ops --ci-url http:\/\/127\.0\.0\.1:\d+ --project calc/);
      assert.match(end.stderr, /SIGTERM: stopping/);
      // After SIGTERM the sandbox is gone.
      await assert.rejects(fetch(`${sb.forge_url}/api/v1/version`));
    } finally {
      if (demo.child.exitCode === null && demo.child.signalCode === null) demo.child.kill("SIGKILL");
    }
  });

  it("run 2, --only dev-review on a fresh sandbox: today's short demo, checked by serving its --data dir again", async () => {
    const started = Date.now();
    const data = join(dir, "run2");
    const demo = startDemo(["--json", "--only", "dev-review", "--data", data]);
    const end = await demo.exit;
    assert.equal(end.code, 0, end.stderr.slice(-3000));
    const lines = end.stdout.trim().split("\n");
    assert.equal(lines.length, 1, "stdout holds one JSON object, narration is on stderr");
    const report = parseReport(lines[0]!, end.stderr);
    console.log(`demo run 2: ${report.duration_ms} ms in the demo, ${Date.now() - started} ms with process start`);
    assert.equal(report.sandbox?.data_dir, data);
    assert.equal(report.mode, "dev-review");
    assert.doesNotMatch(end.stderr, /disinto-planner|disinto-supervisor/, "no planner or supervisor in the short demo");
    assert.equal(report.sandbox.users, undefined, "no tokens without --keep");
    // The narration links what happened.
    assert.match(end.stderr, /cron disinto-dev fired → pipeline #\d+/);
    assert.match(end.stderr, /CI pipeline #\d+ \(pull_request, PR #\d+\): test ✓ success, disinto-review ✓ success — http:\/\/127\.0\.0\.1:\d+\/repos\/\d+\/pipeline\/\d+/);
    assert.match(end.stderr, /dev-bot opened PR #\d+ "fix: Add multiply\(a, b\) \(#\d+\)" — http:\/\/127\.0\.0\.1:\d+\/demo\/calc\/pulls\/\d+/);
    assert.match(end.stderr, /review-bot approved PR #\d+ at [0-9a-f]{7}/);
    assert.match(end.stderr, /dev-bot merged PR #\d+ into main/);
    assert.match(end.stderr, /issue #\d+ "add\(\) should reject non-number arguments" closed/);
    assert.match(end.stderr, /gardener-bot asks the vault to run the webhook formula with the secret WEBHOOK_URL .*medium tier → PR #\d+ "vault: announce-calc" waits for an admin's approval/);
    assert.match(end.stderr, /admin \(a person, an admin of demo\/calc-ops\) approved PR #\d+ at [0-9a-f]{7} and merged it/);
    assert.match(end.stderr, /CI pipeline #\d+ of demo\/calc-ops \(push to main\): vault ✓ success/);
    assert.match(end.stderr, /the dispatcher ran announce-calc \(approved by admin in PR #\d+\) and committed vault\/results\/announce-calc\.json: ok, exit 0/);
    assert.match(end.stderr, /the receiver got the payload \{"text":"calc: every demo issue is merged"\}/);
    assert.doesNotMatch(end.stderr, /\/hooks\/demo-/, "the webhook URL (a secret) is never narrated");

    const sb = await startSandbox({ dataDir: data, scheduler: false, bundlesDir: join(dir, "no-bundles") });
    try {
      const admin = sb.forge.users.admin!;
      await checkSandbox({ forgeUrl: sb.forge.url, ciUrl: sb.ci.url, token: admin.token, ciToken: sb.ci.token("admin"), report });
    } finally {
      await sb.stop();
    }
  });
});
