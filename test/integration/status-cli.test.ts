// `disinto status` against a prepared sandbox: leases, a dev phase record with history,
// labelled issues with dependencies, pull requests with statuses and a review, ledger entries,
// and a cron pipeline of the dev workflow in the sandbox CI. The JSON report is checked
// against its published schema and docs/status.md against the schema.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { WoodpeckerCi } from "../../src/ci/index.ts";
import { main } from "../../src/cli/main.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import type { RepoForge } from "../../src/forge/types.ts";
import { pipelinePath, pipelineYaml } from "../../src/init/templates.ts";
import { PLUGIN_IMAGE } from "../../src/lib/plugin-image.ts";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.ts";
import { Leases, Ledger, PhaseStore, StateStore } from "../../src/state/index.ts";
import { appendJournal } from "../../src/state/journal.ts";
import { DUST_PATH } from "../../src/agents/gardener/dust.ts";
import { memoryPath } from "../../src/agents/gardener/memory.ts";
import { STATUS_FORMAT, statusReportSchema, type StatusReport } from "../../src/status/schema.ts";
import { captureIo } from "../helpers/io.ts";

const CONFIG = `name = "shop"
forge_url = "FORGE"
repo = "admin/shop"
ops_repo = "admin/shop-ops"

[ci]
required_contexts = ["ci/woodpecker/pr/test"]

[identities.dev]
login = "dev-bot"
token_secret = "FORGE_DEV_TOKEN"
backend = "claude"

[identities.review]
login = "review-bot"
token_secret = "FORGE_REVIEW_TOKEN"
backend = "local"

[identities.gardener]
login = "gardener-bot"
token_secret = "FORGE_GARDENER_TOKEN"
backend = "claude"

[backends.claude]
type = "claude-cli"

[backends.local]
type = "scripted"
script = "scripts/review.toml"

[limits]
budget_usd_per_day = 5

[schedules]
review = "off"
`;

describe("disinto status", () => {
  let sb: Sandbox;
  let noBundles: string;
  let env: Record<string, string>;
  let args: string[];
  let prs: number[];

  before(async () => {
    noBundles = await mkdtemp(join(tmpdir(), "status-no-bundles-"));
    sb = await startSandbox({ seed: "empty", scheduler: false, bundlesDir: noBundles });
    const users = sb.forge.users;
    const admin = new ForgejoForge({ url: sb.forge.url, token: users["admin"]!.token });
    const asDev = new ForgejoForge({ url: sb.forge.url, token: users["dev-bot"]!.token });
    const asReview = new ForgejoForge({ url: sb.forge.url, token: users["review-bot"]!.token });
    try {
      const shopRef = { owner: "admin", name: "shop" };
      await admin.createRepo({ name: "shop", autoInit: true });
      await admin.createRepo({ name: "shop-ops", autoInit: true });
      const shop = admin.repo(shopRef);
      const ops = admin.repo({ owner: "admin", name: "shop-ops" });
      await shop.collaborators.add("dev-bot", "write");
      await shop.collaborators.add("review-bot", "write");
      await ops.contents.create("projects/shop.toml", { text: CONFIG.replace("FORGE", sb.forge.url), message: "config" });
      await ops.contents.create("projects/broken.toml", { text: 'name = "broken"\n', message: "a broken config" });

      // issues: the queue
      await shop.labels.ensure(["backlog", "priority", "blocked", "in-progress", "underspecified"].map((name) => ({ name, color: "ededed" })));
      const issue = (title: string, labels: string[], body = "") => shop.issues.create({ title, body, labels });
      await issue("Ready one", ["backlog"]); // #1
      await issue("Priority one", ["backlog", "priority"]); // #2
      await issue("Waits", ["backlog"], "## Dependencies\n\n- #1\n- #99\n"); // #3
      await issue("Stuck", ["blocked"]); // #4
      await issue("Working", ["in-progress"]); // #5
      const done = await issue("Done dep", []); // #6
      await shop.issues.close(done.number);
      await issue("After done", ["backlog"], "Depends on #6"); // #7
      await issue("Not in the backlog", []); // #8
      // the gardener's: an underspecified issue with enough to enrich, an unlabelled bug report
      await issue("Vague idea", ["underspecified"], `Make the shop faster for customers who browse many pages.\n${"It takes seconds to load the catalogue, which loses customers. ".repeat(2)}`); // #9
      await issue("Crash on an empty cart", [], "Steps to reproduce: open the cart with nothing in it."); // #10

      // pull requests: one green and approved, one without CI
      const pr1 = await openPull(asDev.repo(shopRef), "feature-a", "Add a");
      await shop.statuses.create(pr1.sha, { state: "success", context: "ci/woodpecker/pr/test", targetUrl: "http://ci/1" });
      await shop.statuses.create(pr1.sha, { state: "failure", context: "ci/woodpecker/pr/extra" });
      await asReview.repo(shopRef).reviews.create(pr1.number, { event: "APPROVED", body: "Looks right.", commitId: pr1.sha });
      const pr2 = await openPull(asDev.repo(shopRef), "feature-b", "Add b");
      prs = [pr1.number, pr2.number];

      // ops-repo state: leases, the dev phase, the ledger
      const store = new StateStore({ contents: ops.contents, author: { agent: "test" } });
      const leases = new Leases(store);
      const devLease = await leases.acquire("dev/shop/dev-bot", { ttlMs: 600_000, holder: { id: "dev/dev-bot@ci#7", pipeline_url: "http://ci/repos/1/pipeline/7" } });
      assert.ok(devLease.acquired);
      await leases.acquire("llm/claude/slot-0", { ttlMs: 600_000, holder: { id: "dev/dev-bot@ci#7" } });
      const phases = new PhaseStore(store.as({ agent: "dev", identity: "dev-bot", pipelineUrl: "http://ci/repos/1/pipeline/7" }));
      await phases.write(devLease.lease, "shop", "dev-bot", () => ({ phase: "implementing", issue: 5, branch: "disinto/issue-5", note: "claimed" }), "claim #5");
      await phases.write(devLease.lease, "shop", "dev-bot", () => ({ phase: "awaiting_ci", pr: pr1.number, head_sha: pr1.sha }), "pushed");
      const ledger = new Ledger(store);
      await ledger.append({ agent: "dev", backend: "claude", input_tokens: 1000, output_tokens: 500, cost_usd: 0.25, project: "shop" });
      await ledger.append({ agent: "dev", backend: "claude", input_tokens: 2000, output_tokens: 100, cost_usd: 0.5, project: "shop" });
      await ledger.append({ agent: "review", backend: "local", input_tokens: 10, output_tokens: 10, cost_usd: 0 });
      await ledger.append({ agent: "dev", backend: "claude", input_tokens: 5, output_tokens: 5, cost_usd: 9, at: "2000-01-01T00:00:00.000Z" });
      // the gardener's journal (an older day and today) and its dust ledger: three dust issues in one group
      await appendJournal(store, "gardener", { at: new Date("2000-01-01T08:00:00Z"), title: "revisit-blocked #4: applied 1 action (1 changed)" });
      await appendJournal(store, "gardener", { at: new Date(Date.now() - 3600_000), title: "enrich-bug-report #8: applied 2 actions (2 changed)" });
      await appendJournal(store, "gardener", { at: new Date(), title: "promote-tech-debt #6: applied 2 actions (1 changed)", pipelineUrl: "http://ci/repos/1/pipeline/9" });
      const ts = new Date().toISOString();
      await store.createText(memoryPath("shop"), `${JSON.stringify({ "fail/8": `3 ${ts}` })}\n`, "the gardener failed on #8 three times");
      await store.createText(DUST_PATH, [1, 2, 7].map((n) => JSON.stringify({ issue: n, group: "docs", title: `#${n}`, reason: "typo", ts })).join("\n") + "\n", "dust");

      // Woodpecker: the dev pipeline, its cron and secret, and one cron run (no bundle: it fails)
      const text = pipelineYaml({ agent: "dev", project: "shop", opsRepo: "admin/shop-ops", forgeUrl: sb.forge.url, tokenSecret: "FORGE_DEV_TOKEN", credentials: [] });
      await shop.contents.create(pipelinePath("dev"), { text, message: "dev pipeline" });
      const ci = new WoodpeckerCi({ url: sb.ci.url, token: sb.ci.token("admin") });
      try {
        const repo = await ci.activateRepo({ forgeRemoteId: (await admin.getRepo(shopRef))!.id, fullName: "admin/shop" });
        await ci.repo(repo.id).crons.create({ name: "disinto-dev", schedule: "*/5 * * * *" });
        await ci.repo(repo.id).secrets.set({ name: "forge_dev_token", value: users["dev-bot"]!.token, events: ["cron", "manual"], images: [PLUGIN_IMAGE] });
      } finally {
        await ci.close();
      }
      assert.ok(await sb.ci.fireCron("admin/shop", "disinto-dev"));
      await sb.ci.waitIdle();
    } finally {
      await Promise.all([admin.close(), asDev.close(), asReview.close()]);
    }
    env = { DISINTO_FORGE_TOKEN: users["admin"]!.token, DISINTO_CI_TOKEN: sb.ci.token("admin") };
    args = ["status", "--forge-url", sb.forge.url, "--ops-repo", "admin/shop-ops", "--ci-url", sb.ci.url];
  });

  after(async () => {
    await sb.stop();
    await rm(noBundles, { recursive: true, force: true });
  });

  async function openPull(repo: RepoForge, branch: string, title: string): Promise<{ number: number; sha: string }> {
    await repo.branches.create(branch, "main");
    await repo.contents.create(`${branch}.txt`, { text: `${title}\n`, message: title, branch });
    const pr = await repo.pulls.create({ head: branch, base: "main", title, body: "" });
    return { number: pr.number, sha: pr.head.sha };
  }

  async function report(extra: string[] = [], extraEnv: Record<string, string | undefined> = {}): Promise<StatusReport> {
    const io = captureIo({ ...env, ...extraEnv });
    assert.equal(await main([...args, "--json", ...extra], io), 0, io.err());
    return statusReportSchema.parse(JSON.parse(io.out()));
  }

  it("--json: the published schema, with every section filled from the forge, the ops repo and Woodpecker", async () => {
    const r = await report();
    assert.equal(r.format, STATUS_FORMAT);
    assert.equal(r.ops_repo, "admin/shop-ops");
    assert.equal(r.projects.length, 1);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0] ?? "", /projects\/broken\.toml/);
    const p = r.projects[0]!;
    assert.deepEqual([p.name, p.repo, p.ops_repo], ["shop", "admin/shop", "admin/shop-ops"]);
    assert.deepEqual(p.warnings, []);

    // agents: the cron and the failed cron run of dev; review is scheduled "off" and never ran
    const dev = p.agents.find((a) => a.agent === "dev")!;
    assert.deepEqual([dev.login, dev.backend, dev.schedule], ["dev-bot", "claude", "*/5 * * * *"]);
    assert.deepEqual(dev.cron && [dev.cron.name, dev.cron.schedule, dev.cron.enabled], ["disinto-dev", "*/5 * * * *", true]);
    assert.ok(dev.last_run);
    assert.equal(dev.last_run.event, "cron");
    assert.equal(dev.last_run.status, "failure");
    assert.match(dev.last_run.url, new RegExp(`^${sb.ci.url}/repos/\\d+/pipeline/${dev.last_run.pipeline}$`));
    const review = p.agents.find((a) => a.agent === "review")!;
    assert.deepEqual([review.schedule, review.cron, review.last_run], ["off", null, null]);

    // leases: the project's own here, the backend slot at the top level
    assert.deepEqual(p.leases.map((l) => [l.name, l.holder, l.held, l.pipeline_url]), [["dev/shop/dev-bot", "dev/dev-bot@ci#7", true, "http://ci/repos/1/pipeline/7"]]);
    assert.deepEqual(r.other_leases.map((l) => l.name), ["llm/claude/slot-0"]);

    // the dev phase with its history
    assert.equal(p.dev.length, 1);
    const ph = p.dev[0]!;
    assert.deepEqual([ph.identity, ph.phase, ph.issue, ph.pr, ph.branch], ["dev-bot", "awaiting_ci", 5, prs[0], "disinto/issue-5"]);
    assert.deepEqual(ph.history.map((t) => [t.from, t.to, t.note, t.pipeline_url]), [
      ["idle", "implementing", "claimed", "http://ci/repos/1/pipeline/7"],
      ["implementing", "awaiting_ci", null, "http://ci/repos/1/pipeline/7"],
    ]);

    // the queue, in the dev agent's order, with dependencies read from the bodies
    assert.deepEqual(p.queue.ready.map((i) => [i.number, i.priority]), [[2, true], [1, false], [7, false]]);
    assert.deepEqual(p.queue.blocked.map((i) => [i.number, i.waits_for, i.reason]), [
      [3, [1, 99], "waits for #1, #99"],
      [4, [], "labelled blocked"],
    ]);
    assert.deepEqual(p.queue.in_progress.map((i) => i.number), [5]);

    // pull requests: CI by the required contexts, the formal approval on the head commit
    assert.deepEqual(p.pulls.map((x) => [x.number, x.author, x.ci.state, x.ci.missing, x.review.state, x.review.by]), [
      [prs[0], "dev-bot", "success", [], "approved", "review-bot"],
      [prs[1], "dev-bot", "pending", ["ci/woodpecker/pr/test"], "none", null],
    ]);
    assert.deepEqual(p.pulls[0]!.ci.contexts, [{ context: "ci/woodpecker/pr/test", state: "success", url: "http://ci/1" }]);

    // the gardener: its newest journal entry, and the next picks of its own survey in order
    assert.ok(p.gardener);
    assert.deepEqual(p.gardener.last_task && [p.gardener.last_task.task, p.gardener.last_task.title, p.gardener.last_task.pipeline_url], [
      "promote-tech-debt",
      "promote-tech-debt #6: applied 2 actions (1 changed)",
      "http://ci/repos/1/pipeline/9",
    ]);
    assert.deepEqual(p.gardener.left_alone, [8]);
    assert.deepEqual(p.gardener.next, [
      // backlog issues without acceptance criteria or affected files: the quality gate comes first
      { task: "quality-gate", issue: null, title: null, issues: [1, 2, 3, 7], group: null },
      { task: "enrich-underspecified", issue: 9, title: "Vague idea", issues: [], group: null },
      { task: "enrich-bug-report", issue: 10, title: "Crash on an empty cart", issues: [], group: null },
      { task: "bundle-dust", issue: null, title: null, issues: [1, 2, 7], group: "docs" },
    ]);
    const gardener = p.agents.find((a) => a.agent === "gardener")!;
    assert.deepEqual([gardener.login, gardener.schedule], ["gardener-bot", "*/30 * * * *"]);

    // today's spend per backend this project uses (yesterday's entry is not counted)
    assert.equal(p.budget.day, r.generated_at.slice(0, 10));
    assert.deepEqual(p.budget.backends, [
      { backend: "claude", type: "claude-cli", runs: 2, tokens: 3600, cost_usd: 0.75, cap_usd: 5 },
      { backend: "local", type: "scripted", runs: 1, tokens: 20, cost_usd: 0, cap_usd: 5 },
    ]);
  });

  it("without a CI token: everything else, and a warning instead of the runs", async () => {
    const r = await report(["--project", "shop"], { DISINTO_CI_TOKEN: undefined });
    const p = r.projects[0]!;
    assert.deepEqual(r.warnings, []);
    assert.ok(p.agents.every((a) => a.last_run === null && a.cron === null));
    assert.deepEqual(p.warnings, ["Woodpecker not read: set DISINTO_CI_TOKEN to see crons and last runs"]);
    assert.equal(p.queue.ready.length, 3);
  });

  it("prints the same for people", async () => {
    const io = captureIo(env);
    assert.equal(await main(args, io), 0, io.err());
    const out = io.out();
    assert.match(out, /^shop {2}admin\/shop {2}\(ops admin\/shop-ops\)$/m);
    assert.match(out, /^ {4}dev +dev-bot +\*\/5 \* \* \* \* +cron on +last run #\d+ cron failure /m);
    assert.match(out, new RegExp(`^ {2}dev phase \\(dev-bot\\): awaiting_ci on #5 → PR #${prs[0]}, `, "m"));
    assert.match(out, /^ {4}dev\/shop\/dev-bot +dev\/dev-bot@ci#7 +held, expires in 10m/m);
    assert.match(out, /^ {2}queue: 3 ready, 2 blocked, 1 in progress$/m);
    assert.match(out, /^ {4}blocked +#3 +Waits \(waits for #1, #99\)$/m);
    assert.match(out, new RegExp(`^ {4}#${prs[0]} +dev-bot +CI success +approved by review-bot +Add a$`, "m"));
    assert.match(out, /^ {4}claude +claude-cli +2 runs +3\.6k tok +\$0\.75 of \$5\.00$/m);
    assert.match(out, /^warning: .*broken\.toml/m);
    assert.match(out, /^ {2}gardener: last task \d+s ago: promote-tech-debt #6: applied 2 actions \(1 changed\);/m);
    assert.match(out, /^ {2}gardener: last task \d+s ago: .*; leaves #8 alone for now$/m);
    assert.match(out, /^ {4}next +quality-gate +#1 #2 #3 #7 +backlog issues missing acceptance criteria or affected files$/m);
    assert.match(out, /^ {4}then +enrich-underspecified +#9 +Vague idea$/m);
    assert.match(out, /^ {4}then +bundle-dust +#1 #2 #7 +dust group docs$/m);
  });

  it("a missing ops repo, project config or set of configs is exit 2 naming it — not an empty report", async () => {
    const run = async (extra: string[]): Promise<ReturnType<typeof captureIo>> => {
      const io = captureIo(env);
      assert.equal(await main(["status", "--forge-url", sb.forge.url, ...extra], io), 2, `${extra.join(" ")}: ${io.out()}${io.err()}`);
      assert.equal(io.out(), "", "nothing is reported");
      return io;
    };
    assert.match((await run(["--ops-repo", "nobody/nothing"])).err(), /ops repo nobody\/nothing on http:\/\/127\.0\.0\.1:\d+: not found, or this token cannot read it/);
    assert.match((await run(["--ops-repo", "nobody/nothing", "--json"])).err(), /ops repo nobody\/nothing .*not found/);
    assert.match((await run(["--ops-repo", "admin/shop-ops", "--project", "nope"])).err(), /project config admin\/shop-ops:projects\/nope\.toml not found, or this token cannot read it/);
    // a repo that exists but holds no projects/*.toml (the project repo given by mistake)
    assert.match((await run(["--ops-repo", "admin/shop"])).err(), /admin\/shop: no project config \(projects\/\*\.toml\) found, or this token cannot read it/);
  });

  it("takes no token on the command line: --forge-token and --ci-token are refused (exit 2)", async () => {
    for (const flag of ["--forge-token", "--ci-token"]) {
      const io = captureIo({});
      assert.equal(await main([...args, flag, "t0ps3cret"], io), 2);
      assert.match(io.err(), new RegExp(`${flag} is not accepted .*set DISINTO_${flag.slice(2).replace("-", "_").toUpperCase()} in the environment`));
    }
  });

  it("docs/status.md names every field of the schema", async () => {
    const doc = await readFile("docs/status.md", "utf8");
    const names = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node !== null && typeof node === "object") {
        const props = (node as { properties?: Record<string, unknown> }).properties;
        if (props) for (const k of Object.keys(props)) names.add(k);
        Object.values(node).forEach(walk);
      }
    };
    walk(z.toJSONSchema(statusReportSchema));
    assert.ok(names.size > 40);
    const missing = [...names].filter((n) => !doc.includes(`\`${n}\``));
    assert.deepEqual(missing, [], "fields of statusReportSchema that docs/status.md does not describe");
  });
});
