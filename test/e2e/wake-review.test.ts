// Agents wake each other through Woodpecker's run-cron-now (`POST /api/repos/{id}/cron/{id}`),
// against the sandbox CI: one wake per target per run, "off" stays asleep, a disabled cron (the
// one-tick layout) is still woken, a failure is a warning, a dry run only lists it. And end to
// end: the review agent's approval starts the dev agent's cron at once, and that run merges.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAgent } from "../../src/agents/runtime.ts";
import { runReviewTick } from "../../src/agents/review/tick.ts";
import { wake, wokenTargets, type WakeRuntime } from "../../src/agents/shared/wake.ts";
import { WoodpeckerCi } from "../../src/ci/woodpecker/ci.ts";
import { parseProjectConfig } from "../../src/config/load.ts";
import { DryRun } from "../../src/lib/dry-run.ts";
import { devWorld, implementTask, type DevWorld, type Project } from "../fixtures/dev/world.ts";
import { sink } from "../helpers/io.ts";
import { agentCrons, cronPipelines as fromApi, type RawPipeline } from "../fixtures/wake-crons.ts";

const FAST = { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20, maxTotalMs: 2_000 };

let w: DevWorld;
let work: string;
before(async () => {
  w = await devWorld();
  work = await mkdtemp(join(tmpdir(), "wake-"));
});
after(async () => {
  await w.stop();
  await rm(work, { recursive: true, force: true });
});

const cronPipelines = (p: Project): Promise<RawPipeline[]> => fromApi(w.sb, p.ciRepoId);

function runtime(p: Project, opts: { token?: string; schedules?: string; dryRun?: boolean } = {}): WakeRuntime & { warnings: string[] } {
  const text = [
    `name = "${p.name}"`,
    `forge_url = "${w.sb.forge.url}"`,
    `repo = "${p.ref.owner}/${p.ref.name}"`,
    "[identities.dev]",
    'login = "dev-bot"',
    'token_secret = "T"',
    'backend = "s"',
    "[backends.s]",
    'type = "scripted"',
    'script = "/nonexistent"',
    "[ci]",
    `woodpecker_url = "${w.sb.ci.url}"`,
    `woodpecker_repo_id = ${p.ciRepoId}`,
    "[schedules]",
    opts.schedules ?? "",
  ].join("\n");
  const warnings: string[] = [];
  const log = { info: () => undefined, warn: (m: string) => void warnings.push(m), debug: () => undefined };
  return {
    ci: new WoodpeckerCi({ url: w.sb.ci.url, token: opts.token ?? w.sb.ci.token("dev-bot"), retry: FAST }),
    config: parseProjectConfig(text, "wake.toml"),
    log,
    dryRun: opts.dryRun === true ? new DryRun(log) : undefined,
    warnings,
  };
}

describe("wake: run-cron-now", () => {
  it("starts the target's cron once per run, even a disabled one; off, missing and failing targets are not woken", async () => {
    const p = await w.project("wakes");
    await agentCrons(w.sb, p.app, p.ciRepoId, ["dev", "gardener"]);
    const admin = new WoodpeckerCi({ url: w.sb.ci.url, token: w.sb.ci.token("admin"), retry: FAST });
    const planner = await admin.repo(p.ciRepoId).crons.create({ name: "disinto-planner", schedule: "0 6 * * *" });
    // The one-tick layout keeps per-agent crons disabled: run-cron-now still starts them.
    await admin.repo(p.ciRepoId).crons.update(planner.id, { enabled: false });

    const rt = runtime(p, { schedules: 'gardener = "off"' });
    const first = await wake(rt, "dev", "test");
    assert.match(first, /^dev woken \(pipeline #\d+\)$/);
    assert.equal(await wake(rt, "dev", "again"), first, "a second request in the same run is the first one's");
    assert.match(await wake(rt, "planner", "test"), /^planner woken/);
    assert.equal(await wake(rt, "gardener", "test"), 'gardener not woken: schedules.gardener is "off"');
    assert.match(await wake(rt, "review", "test"), /review not woken: no cron disinto-review/);
    assert.deepEqual(wokenTargets(rt).sort(), ["dev", "gardener", "planner", "review"]);
    const started = await cronPipelines(p);
    assert.deepEqual(started.map((x) => x.cron).sort(), ["disinto-dev", "disinto-planner"]);

    // A new run wakes dev again.
    assert.match(await wake(runtime(p), "dev", "next run"), /^dev woken/);
    assert.equal((await cronPipelines(p)).filter((x) => x.cron === "disinto-dev").length, 2);

    // A CI that refuses is a warning and a line, never a failed run.
    const bad = runtime(p, { token: "not-a-token" });
    assert.match(await wake(bad, "dev", "bad token"), /^dev not woken: /);
    assert.equal(bad.warnings.length, 1);
    assert.match(bad.warnings[0] ?? "", /could not wake dev \(bad token\)/);

    // A dry run lists the wake and starts nothing.
    const dry = runtime(p, { dryRun: true });
    assert.match(await wake(dry, "dev", "dry"), /^dev would be woken/);
    assert.deepEqual(dry.dryRun?.writes, ["run cron disinto-dev now — dry"]);
    assert.equal((await cronPipelines(p)).length, 3);
    await admin.close();
    await p.ciIdle();
  });

  it("review approves → the dev cron starts at once → that dev run merges", async () => {
    const p = await w.project("approved", { testCommand: "sh ci/test.sh" });
    await agentCrons(w.sb, p.app, p.ciRepoId, ["dev"]);
    await p.setScript([
      { name: "review", match: String.raw`^# Task: review of pull request`, structured: { verdict: "APPROVE", reason: "fine", findings: [], review_markdown: "### Summary\n\nFine." } },
      implementTask("Add sub"),
    ]);
    const issue = await p.issue({ title: "Add sub", body: "## Acceptance criteria\n\n- [ ] `sub(a, b)` exists\n" });
    const t1 = await p.tick();
    assert.equal(t1.code, 0, t1.out);
    await p.ciIdle();
    assert.deepEqual(await cronPipelines(p), [], "nothing woke dev yet");

    const s = sink();
    const code = await runAgent("review", runReviewTick, {
      env: {
        DISINTO_AGENT: "review",
        DISINTO_FORGE_URL: w.sb.forge.url,
        DISINTO_FORGE_TOKEN: w.sb.forge.users["review-bot"]!.token,
        DISINTO_PROJECT: p.name,
        DISINTO_OPS_REPO: `${p.ops.owner}/${p.ops.name}`,
        DISINTO_CI_URL: w.sb.ci.url,
        DISINTO_CI_TOKEN: w.sb.ci.token("review-bot"),
        DISINTO_WORK_DIR: work,
      },
      streams: { stdout: s.out },
    });
    const out = s.text();
    assert.equal(code, 0, out);
    assert.match(out, /woke dev: review posted a verdict \(pipeline #\d+\)/);
    assert.deepEqual((await cronPipelines(p)).map((x) => x.cron), ["disinto-dev"]);

    // The woken pipeline is the dev agent's run (its step runs the same tick).
    const t2 = await p.tick();
    assert.equal(t2.code, 0, t2.out);
    const pr = (await p.pulls("all")).find((x) => x.body.includes(`#${issue.number}`));
    assert.equal(pr?.merged, true, t2.out);
    await p.ciIdle();
  });
});
