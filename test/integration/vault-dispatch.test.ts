// The vault end to end on the sandbox forge: request → a person's approval → merge → the
// dispatcher runs the shipped formulas (webhook against a loopback server, release against
// the forge) and commits one result; the canaries (a formula's environment holds only its own
// secret; no secret anywhere it could leak); and every way an action is refused.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resultPath, runningPath } from "../../src/vault/action.ts";
import { vaultResultSchema, type VaultResult } from "../../src/vault/results.ts";
import { opsTexts, REVIEW_LOGIN, SECRETS, vaultWorld, WRITER_LOGIN, type VaultProject, type VaultWorld } from "../fixtures/vault/world.ts";

async function result(p: VaultProject, id: string): Promise<VaultResult | undefined> {
  const doc = await p.ops.contents.get(resultPath(id));
  return doc === undefined ? undefined : vaultResultSchema.parse(JSON.parse(doc.text));
}

const action = (id: string, formula: string, extra: string[] = []): string => [`id = "${id}"`, `formula = "${formula}"`, `context = "test ${id}"`, ...extra, ""].join("\n");

describe("vault on the sandbox forge", () => {
  let w: VaultWorld;
  let hook: Server;
  let hookUrl: string;
  const received: { path: string; body: string }[] = [];
  let secrets: Record<string, string>;
  before(async () => {
    w = await vaultWorld();
    hook = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push({ path: req.url ?? "", body });
        res.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    const port = (hook.address() as { port: number }).port;
    hookUrl = `http://127.0.0.1:${port}/hooks/canary-webhook-path-7d2e9f4a6c1b`;
    secrets = { ...SECRETS, WEBHOOK_URL: hookUrl, RELEASE_TOKEN: w.forge.users["admin"]!.token };
  });
  after(async () => {
    await new Promise<void>((r) => hook.close(() => r()));
    await w.stop();
  });

  it("webhook: a medium request waits for an admin's approval, then runs once, confined, with only its own secret (canaries)", async () => {
    const p = await w.project("hook", secrets);
    const envFile = join(tmpdir(), `vault-env-${process.pid}-${Date.now()}`);
    const procFile = join(tmpdir(), `vault-proc-${process.pid}-${Date.now()}`);
    // An ops-repo formula that dumps its environment and then goes for every other process's
    // environment, the dispatcher's first: what it got goes to a file and to its log.
    const dump = [
      "#!/usr/bin/env bash",
      `env > ${JSON.stringify(envFile)}`,
      "env",
      `cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' > ${JSON.stringify(procFile)} || true`,
      `cat ${JSON.stringify(procFile)}`,
      `echo "read $(wc -c < ${JSON.stringify(procFile)}) bytes of /proc/*/environ"`,
      'echo "the url is $WEBHOOK_URL"',
      "",
    ].join("\n");
    await p.ops.contents.create("formulas/vault/envdump.sh", { text: dump, message: "envdump formula" });
    const req = await p.request(action("dump-1", "envdump", ['secrets = ["WEBHOOK_URL"]']), { tiers: { envdump: "medium" } });
    assert.equal(req.state, "pending");
    assert.equal(req.tier, "medium");
    const pr = (await p.ops.pulls.get(req.pr!))!;
    assert.equal(pr.title, "vault: dump-1");
    assert.equal(pr.head.ref, "vault/dump-1");
    assert.deepEqual([...pr.labels].sort(), ["pending-approval", "vault"]);
    for (const s of ["test dump-1", "envdump", "WEBHOOK_URL", "medium"]) assert.ok(pr.body.includes(s), `PR body lacks ${s}`);

    // Not merged yet: the dispatcher has nothing on main to run.
    const idle = await p.dispatch();
    assert.equal(idle.code, 0, idle.out);
    assert.equal(await result(p, "dump-1"), undefined);

    await p.approveAndMerge(req.pr!);
    // The dispatcher as the CI step runs it: its own process, every secret and token in its environ.
    const run = await p.dispatchProcess();
    assert.equal(run.code, 0, run.out);
    const r = (await result(p, "dump-1"))!;
    assert.equal(r.status, "ok", JSON.stringify(r));
    assert.equal(r.exit_code, 0);
    assert.equal(r.approved_by, "admin");
    assert.equal(r.pr, req.pr);
    assert.match(r.log, /read \d+ bytes of \/proc\/\*\/environ/);

    const env = Object.fromEntries(
      (await readFile(envFile, "utf8"))
        .trim()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    // TMPDIR and the run marker come from the confinement (llm/isolation.ts) when there is one.
    const names = Object.keys(env).filter((k) => !["PWD", "SHLVL", "_", "OLDPWD", "TMPDIR", "LLM_SANDBOX_RUN"].includes(k)).sort();
    assert.deepEqual(names, ["HOME", "LANG", "PATH", "VAULT_FORGE_URL", "VAULT_FORMULA", "VAULT_ID", "VAULT_OPS_REPO", "VAULT_PRIMARY_BRANCH", "VAULT_PROJECT", "VAULT_REPO", "WEBHOOK_URL"]);
    assert.equal(env.WEBHOOK_URL, hookUrl);
    const tokens = [w.forge.users["supervisor-bot"]!.token, ...Object.values(w.forge.users).map((u) => u.token)];
    for (const t of tokens) assert.ok(!Object.values(env).includes(t), "a forge token reached the formula");

    // /proc: the formula sees its own secret (the probe works) and nothing of the dispatcher's.
    const proc = await readFile(procFile, "utf8");
    assert.ok(proc.includes(hookUrl), "the probe read not even its own environment");
    for (const [name, v] of Object.entries(secrets)) if (name !== "WEBHOOK_URL") assert.ok(!proc.includes(v), `${name} read from /proc/*/environ`);
    for (const t of tokens) assert.ok(!proc.includes(t), "a forge token read from /proc/*/environ");
    assert.ok(!proc.includes("DISINTO_FORGE_TOKEN"), "the dispatcher's environment read from /proc");

    // No secret value in the log, the result, the ops repo or any PR text.
    const everywhere = `${run.out}\n${JSON.stringify(r)}\n${await opsTexts(p.ops)}`;
    for (const [name, v] of Object.entries(secrets)) assert.ok(!everywhere.includes(v), `${name} leaked`);
    for (const t of tokens) assert.ok(!everywhere.includes(t), "a forge token leaked");
    assert.match(r.log, /the url is \*+/);
    assert.match(run.out, /ran as the unprivileged model user|ran inside bubblewrap/);

    // A second run changes nothing and runs nothing.
    const again = await p.dispatch();
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /idle/);
    assert.deepEqual(await result(p, "dump-1"), r);

    // The same id asked again returns the first request, whatever its state.
    const twice = await p.request(action("dump-1", "envdump", ['secrets = ["WEBHOOK_URL"]']), { tiers: { envdump: "medium" } });
    assert.equal(twice.created, false);
    assert.equal(twice.state, "ok");
  });

  it("webhook (shipped formula) POSTs the payload to the URL from its secret", async () => {
    const p = await w.project("hook2", secrets);
    const before = received.length;
    const req = await p.request(action("notify-1", "webhook", ['secrets = ["WEBHOOK_URL"]', "", "[params]", `payload = '{"text": "deployed 1.2.0"}'`]));
    assert.equal(req.tier, "medium");
    await p.approveAndMerge(req.pr!);
    const run = await p.dispatch();
    assert.equal(run.code, 0, run.out);
    const r = (await result(p, "notify-1"))!;
    assert.equal(r.status, "ok", JSON.stringify(r));
    assert.equal(received.length, before + 1);
    assert.equal(received.at(-1)!.path, "/hooks/canary-webhook-path-7d2e9f4a6c1b");
    assert.deepEqual(JSON.parse(received.at(-1)!.body), { text: "deployed 1.2.0" });
  });

  it("release (shipped formula) tags the primary branch's head and publishes notes from merged PRs", async () => {
    const p = await w.project("rel", secrets);
    // One merged PR on the project repo for the notes.
    await p.app.branches.create("feature", "main");
    await p.app.contents.create("feature.txt", { text: "x\n", message: "feature", branch: "feature" });
    const feat = await p.app.pulls.create({ head: "feature", base: "main", title: "Add the feature" });
    await p.app.pulls.merge(feat.number, { style: "merge" });
    const head = (await p.app.branches.get("main"))!.commitSha;

    const req = await p.request(action("release-1.0.0", "release", ['secrets = ["RELEASE_TOKEN"]', "", "[params]", 'version = "1.0.0"']));
    assert.equal(req.tier, "high");
    await p.approveAndMerge(req.pr!);
    const run = await p.dispatch();
    assert.equal(run.code, 0, run.out);
    const r = (await result(p, "release-1.0.0"))!;
    assert.equal(r.status, "ok", JSON.stringify(r));
    const api = (path: string) => fetch(`${w.forge.url}/api/v1/repos/admin/rel${path}`, { headers: { Authorization: `token ${w.forge.users["admin"]!.token}` } }).then((x) => x.json() as Promise<Record<string, unknown>>);
    const tag = (await api("/tags/1.0.0")) as { commit: { sha: string } };
    assert.equal(tag.commit.sha, head);
    const rel = (await api("/releases/tags/1.0.0")) as { body: string; name: string };
    assert.equal(rel.name, "1.0.0");
    assert.match(rel.body, new RegExp(`Add the feature \\(#${feat.number}\\)`));
    assert.ok(!r.log.includes(w.forge.users["admin"]!.token));
  });

  it("refuses an approval by a non-admin, by a disinto identity, on an older head, or a file edited after approval; a closed PR is rejected", async () => {
    const p = await w.project("refuse", secrets);
    const ok = "#!/usr/bin/env bash\necho ran\n";
    await p.ops.contents.create("formulas/vault/noop.sh", { text: ok, message: "noop formula" });
    const policy = { tiers: { noop: "medium" as const } };

    const byWriter = await p.request(action("by-writer", "noop"), policy);
    await p.approveAndMerge(byWriter.pr!, { as: WRITER_LOGIN });

    const byBot = await p.request(action("by-bot", "noop"), policy);
    await p.approveAndMerge(byBot.pr!, { as: REVIEW_LOGIN });

    const stale = await p.request(action("stale", "noop"), policy);
    const first = (await p.ops.pulls.get(stale.pr!))!.head.sha;
    await p.approveAndMerge(stale.pr!, { merge: false });
    const onBranch = (await p.ops.contents.get("vault/actions/stale.toml", { ref: "vault/stale" }))!;
    await p.ops.contents.update("vault/actions/stale.toml", { text: `${onBranch.text}# later\n`, message: "edit after approval", branch: "vault/stale", sha: onBranch.sha });
    assert.notEqual((await p.ops.pulls.get(stale.pr!))!.head.sha, first);
    await p.ops.pulls.merge(stale.pr!, { style: "merge" });

    const edited = await p.request(action("edited", "noop"), policy);
    await p.approveAndMerge(edited.pr!);
    const main = (await p.ops.contents.get("vault/actions/edited.toml"))!;
    await p.ops.contents.update("vault/actions/edited.toml", { text: main.text.replace("test edited", "something else"), message: "edit on main", sha: main.sha });

    const closed = await p.request(action("closed", "noop"), policy);
    await p.ops.issues.close(closed.pr!);

    const run = await p.dispatch();
    assert.equal(run.code, 0, run.out);
    assert.doesNotMatch(run.out, /\bran\b/);
    const expect: Record<string, RegExp> = {
      "by-writer": /planner-bot is not an admin/,
      "by-bot": /review-bot is a disinto identity/,
      stale: /an older head/,
      edited: /differs from the file approved/,
      closed: /closed without merging/,
    };
    for (const [id, why] of Object.entries(expect)) {
      const r = (await result(p, id))!;
      assert.ok(r, `no result for ${id}`);
      assert.equal(r.status, "rejected", `${id}: ${JSON.stringify(r)}`);
      assert.match(r.reason ?? "", why, id);
      assert.equal(r.exit_code, null);
    }
    const again = await p.request(action("closed", "noop"), policy);
    assert.equal(again.created, false);
    assert.equal(again.state, "rejected");
  });

  it("a low action runs directly; once the ops-repo policy raises it to high it does not run without approval", async () => {
    const p = await w.project("tiers", secrets);
    await p.ops.contents.create("formulas/vault/noop.sh", { text: "#!/usr/bin/env bash\necho ran-$VAULT_ID\n", message: "noop formula" });
    await p.ops.contents.create("vault/policy.toml", { text: '[tiers]\nnoop = "low"\n', message: "policy" });
    const low = await p.request(action("low-1", "noop"), { tiers: { noop: "low" } });
    assert.equal(low.state, "direct");
    assert.equal(low.pr, undefined);
    assert.match((await p.ops.contents.get("vault/actions/low-1.toml"))!.text, /^dispatch_mode = "direct"$/m);
    const run = await p.dispatch();
    assert.equal(run.code, 0, run.out);
    assert.equal((await result(p, "low-1"))!.status, "ok");
    assert.match((await result(p, "low-1"))!.log, /ran-low-1/);

    const later = await p.request(action("low-2", "noop"), { tiers: { noop: "low" } });
    assert.equal(later.state, "direct");
    const pol = (await p.ops.contents.get("vault/policy.toml"))!;
    await p.ops.contents.update("vault/policy.toml", { text: '[tiers]\nnoop = "high"\n', message: "raise noop", sha: pol.sha });
    const run2 = await p.dispatch();
    assert.equal(run2.code, 0, run2.out);
    const r = (await result(p, "low-2"))!;
    assert.equal(r.status, "rejected");
    assert.match(r.reason ?? "", /it is high now/);
    assert.doesNotMatch(r.log, /ran-low-2/);
  });

  it("an invalid action gets the result invalid naming the key; a run killed mid-action is resolved, never run twice", async () => {
    const p = await w.project("faults", secrets);
    const counter = join(tmpdir(), `vault-count-${process.pid}-${Date.now()}`);
    await p.ops.contents.create("formulas/vault/count.sh", { text: `#!/usr/bin/env bash\necho x >> ${JSON.stringify(counter)}\n`, message: "count formula" });
    await p.ops.contents.create("vault/policy.toml", { text: '[tiers]\ncount = "low"\n', message: "policy" });
    await p.ops.contents.create("vault/actions/bad.toml", { text: 'id = "bad"\nformula = "count"\ncontext = "x"\nsecrets = ["NOT_ALLOWED"]\nsurprise = 1\ndispatch_mode = "direct"\n', message: "bad" });
    await p.request(action("crash-1", "count"), { tiers: { count: "low" } });

    // The kill lands after the running marker: the run dies before the formula starts.
    const killed = await p.dispatch({ env: { DISINTO_CRASH_AT: "vault:running" }, kill: () => { throw new Error("killed at vault:running"); } });
    assert.notEqual(killed.code, 0);
    assert.ok(await p.ops.contents.get(runningPath("crash-1")), "no running marker");
    const bad = (await result(p, "bad"))!;
    assert.equal(bad.status, "invalid");
    assert.match(bad.reason ?? "", /unknown key "surprise"/);
    assert.match(bad.reason ?? "", /NOT_ALLOWED is not in the project config's \[vault\] secrets allowlist/);

    const next = await p.dispatch();
    assert.equal(next.code, 0, next.out);
    const r = (await result(p, "crash-1"))!;
    assert.equal(r.status, "failed");
    assert.match(r.reason ?? "", /died before it wrote a result; it is not run again/);
    assert.equal(await p.ops.contents.get(runningPath("crash-1")), undefined);
    await assert.rejects(readFile(counter), "the formula ran");
  });

  it("an LLM formula runs through the accounting: its spend is in the ledger under vault/<id>", async () => {
    const p = await w.project("llm", secrets);
    const script = join(tmpdir(), `vault-llm-script-${process.pid}-${Date.now()}.json`);
    await writeFile(script, JSON.stringify({ tasks: [{ result: { text: "summarized llm-1" }, usage: { inputTokens: 120, outputTokens: 30 }, costUsd: 0.02 }] }));
    const cfg = (await p.ops.contents.get("projects/llm.toml"))!;
    await p.ops.contents.update("projects/llm.toml", { text: cfg.text.replace(/^script = .*$/m, `script = ${JSON.stringify(script)}`), message: "scripted backend", sha: cfg.sha });
    await p.ops.contents.create("formulas/vault/summary.toml", { text: 'description = "Summarize the action"\n', message: "llm formula" });
    await p.ops.contents.create("vault/policy.toml", { text: '[tiers]\nsummary = "low"\n', message: "policy" });
    assert.equal((await p.request(action("llm-1", "summary"), { tiers: { summary: "low" } })).state, "direct");
    const run = await p.dispatch({ env: { DISINTO_BACKEND: "none" } });
    assert.equal(run.code, 0, run.out);
    const r = (await result(p, "llm-1"))!;
    assert.equal(r.status, "ok", r.reason);
    assert.match(r.log, /summarized llm-1/);
    const days = (await p.ops.contents.list("ledger")).filter((e) => e.name.endsWith(".jsonl"));
    const lines = (await Promise.all(days.map(async (d) => (await p.ops.contents.get(d.path))!.text))).join("").split("\n").filter((l) => l.trim() !== "");
    const spent = lines.map((l) => JSON.parse(l) as { key?: string; agent: string; cost_usd: number; input_tokens: number });
    assert.deepEqual(
      spent.filter((e) => e.key === "vault/llm-1").map((e) => ({ agent: e.agent, cost_usd: e.cost_usd, input_tokens: e.input_tokens })),
      [{ agent: "vault", cost_usd: 0.02, input_tokens: 120 }],
      lines.join("\n"),
    );
  });

  it("a dry run changes nothing on the forge or in the ops repo", async () => {
    const p = await w.project("dry", secrets);
    await p.ops.contents.create("formulas/vault/noop.sh", { text: "#!/usr/bin/env bash\necho ran\n", message: "noop" });
    await p.ops.contents.create("vault/policy.toml", { text: '[tiers]\nnoop = "low"\n', message: "policy" });
    await p.request(action("dry-1", "noop"), { tiers: { noop: "low" } });
    const closed = await p.request(action("dry-2", "noop", ['blast_radius = "high"']));
    await p.ops.issues.close(closed.pr!);
    const before = await opsTexts(p.ops);
    const run = await p.dispatch({ env: { DISINTO_DRY_RUN: "true" } });
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /dry run/);
    assert.match(run.out, /vault: run .*noop\.sh for dry-1/);
    assert.equal(await opsTexts(p.ops), before);
    assert.equal(await result(p, "dry-1"), undefined);
  });
});
