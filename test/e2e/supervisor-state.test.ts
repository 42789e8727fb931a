// The supervisor's ops-repo probes on a sandbox world (leases, phase records, spend, sessions,
// a probe that cannot read), each firing and staying quiet; an `incident` recipe goes through
// the scripted model and ends as an incident document (opened, annotated by the model, kept
// while the problem lasts, resolved when the probe is clean); and a dry run changes nothing.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { supervisorWorld, judgmentTask, recipesToml, HOUR, type SupervisorProject, type SupervisorWorld } from "../fixtures/supervisor/world.ts";
import { RECIPES_FILE } from "../../src/config/recipes.ts";
import { ledgerPath } from "../../src/state/ledger.ts";
import { forgeSnapshot } from "../helpers/forge-snapshot.ts";

const phaseRecord = (p: SupervisorProject, phase: string, updated: Date): string =>
  JSON.stringify({ project: p.name, identity: "dev-bot", phase, issue: 1, branch: "fix/issue-1", pr: null, updated_at: updated.toISOString() });

describe("supervisor: ops-repo probes, incidents, dry run", () => {
  let w: SupervisorWorld;
  before(async () => {
    w = await supervisorWorld();
  });
  after(() => w.stop());

  const project = async (name: string, toml?: string): Promise<SupervisorProject> => {
    const p = await w.project(name);
    if (toml !== undefined) await p.writeOps(RECIPES_FILE, toml);
    await p.setScript([judgmentTask()]);
    return p;
  };

  it("lease_dead: quiet while the holder's lease is live, fires once it expired unreleased", async () => {
    const p = await project("lease", recipesToml([{ name: "lease", probe: "lease_dead", action: "direct:release-lease", threshold: 0 }]));
    const path = `locks/dev/${p.name}/dev-bot.json`;
    const lease = (expires: number): string => JSON.stringify({ name: `dev/${p.name}/dev-bot`, holder: { id: "dev/dev-bot@x" }, token: "t", acquired_at: new Date().toISOString(), expires_at: new Date(expires).toISOString(), fence: 1 });
    await p.writeOps(path, lease(Date.now() + HOUR));
    const q = await p.supervise();
    assert.deepEqual(await p.fired(), [], q.out);
    await p.writeOps(path, lease(Date.now() - 1000));
    const l = await p.supervise();
    assert.deepEqual(await p.fired(), ["lease"], l.out);
  });

  it("ops_sessions: quiet under its threshold, fires at it", async () => {
    const p = await project("sessions", recipesToml([{ name: "sessions", probe: "ops_sessions", action: "direct:prune-sessions", threshold: 2 }]));
    const saved = JSON.stringify({ saved_at: new Date().toISOString() });
    await p.writeOps(`sessions/${p.name}/dev/a.json`, saved);
    const q = await p.supervise();
    assert.deepEqual(await p.fired(), [], q.out);
    await p.writeOps(`sessions/${p.name}/review/b.json`, saved);
    const l = await p.supervise();
    assert.deepEqual(await p.fired(), ["sessions"], l.out);
    assert.match(l.out, /the ops repo keeps 2 session files/);
  });

  it("spend: quiet under 80% of the daily cap, fires above it (an incident the model looks at)", async () => {
    const p = await project("spend");
    const path = `projects/${p.name}.toml`;
    const cfg = (await p.opsRepo.contents.get(path))!;
    await p.opsRepo.contents.update(path, { text: cfg.text.replace("[limits]", "[limits]\nbudget_usd_per_day = 10"), message: "cap", sha: cfg.sha });
    const entry = (cost: number, id: string): string => `${JSON.stringify({ id, at: new Date().toISOString(), agent: "dev", backend: "scripted", input_tokens: 1, output_tokens: 1, cost_usd: cost })}\n`;
    await p.writeOps(ledgerPath(new Date()), entry(5, "a"));
    const q = await p.supervise();
    assert.deepEqual(await p.fired(), [], q.out);
    assert.equal(q.calls, 0);
    await p.writeOps(ledgerPath(new Date()), entry(5, "a") + entry(4, "b"));
    const l = await p.supervise();
    assert.equal(l.code, 0, l.out);
    assert.deepEqual(await p.fired(), ["spend-near-cap"], l.out);
    assert.equal(l.calls, 1);
    assert.ok(Object.keys(await p.incidents()).some((k) => k.endsWith("-spend-near-cap.md")));
  });

  it("probe_error: a CI the token may not read is a finding and an incident, never a crash", async () => {
    const p = await project("probe-error");
    const ok = await p.supervise();
    assert.equal(ok.code, 0, ok.out);
    assert.deepEqual(await p.fired(), [], ok.out);
    const bad = await p.supervise({ env: { DISINTO_CI_TOKEN: "not-a-woodpecker-token" } });
    assert.equal(bad.code, 0, bad.out);
    assert.deepEqual(await p.fired(), ["probe-error"], bad.out);
    assert.match(bad.out, /probe ci_running could not read/);
    const h = await p.health();
    assert.ok(h?.not_read.some((l) => l.startsWith("probe ci_running failed")), JSON.stringify(h?.not_read));
  });

  it("phase_stuck (an incident recipe): the scripted model annotates the incident; kept while stuck, resolved when the record moves", async () => {
    const p = await project("phase");
    const path = `state/${p.name}/dev/dev-bot.json`;
    await p.writeOps(path, phaseRecord(p, "implementing", new Date(Date.now() - 30 * 60_000)));
    const q = await p.supervise();
    assert.deepEqual(await p.fired(), [], q.out);
    assert.equal(q.calls, 0);

    await p.writeOps(path, phaseRecord(p, "implementing", new Date(Date.now() - 3 * HOUR)));
    const doc = `incidents/${new Date().toISOString().slice(0, 10)}-phase-stuck.md`;
    const analysis = "## Analysis\n\nThe dev agent's run died while implementing; its lease will expire.\n";
    await p.setScript([judgmentTask({ summary: "Annotated the stuck phase incident.", actions: [{ kind: "ops_write", path: doc, text: `INCIDENT_TEXT\n\n${analysis}`, message: "incident phase-stuck: analysis" }] })]);
    const l = await p.supervise();
    assert.equal(l.code, 0, l.out);
    assert.equal(l.calls, 1);
    assert.deepEqual(await p.fired(), ["phase-stuck"], l.out);
    const text = (await p.incidents())[doc];
    assert.ok(text !== undefined, `no ${doc}: ${l.out}`);
    assert.match(text, /The dev agent's run died while implementing/);
    assert.equal((await p.health())?.incidents["phase-stuck"], doc);

    // Still stuck: the same document, no second model call within the cooldown.
    const again = await p.supervise();
    assert.equal(again.calls, 0, again.out);
    assert.deepEqual(Object.keys(await p.incidents()), [doc]);

    await p.writeOps(path, phaseRecord(p, "implementing", new Date()));
    const clean = await p.supervise();
    assert.equal(clean.code, 0, clean.out);
    assert.match((await p.incidents())[doc]!, /^Resolution: .* — the probe is clean again$/m);
    assert.deepEqual((await p.health())?.incidents, {});
    assert.match(await p.journal(), /all clear/);
  });

  it("dry run: lists the fix and the writes it would make; the forge and the ops repo are unchanged, no model call", async () => {
    const p = await project("dry", recipesToml([{ name: "orphan", probe: "orphan_in_progress", action: "direct:unassign-orphan", threshold: 0, severity: "P2" }]));
    const i = await p.issue({ title: "Orphan", labels: ["in-progress"] });
    await p.app.issues.setAssignees(i.number, ["dev-bot"]);
    const snap = (): ReturnType<typeof forgeSnapshot> => forgeSnapshot(w.w.sb.forge, p.app, p.opsRepo);
    const before = await snap();
    const r = await p.supervise({ env: { DISINTO_DRY_RUN: "1" } });
    assert.equal(r.code, 0, r.out);
    assert.equal(r.calls, 0);
    assert.deepEqual(await snap(), before, r.out);
    assert.match(r.out, /dry run: would supervisor fix unassign-orphan/);
    assert.match(r.out, /dry run: would .*incidents\/\d{4}-\d{2}-\d{2}-orphan\.md/);
    assert.match(r.out, /dry run: would .*health\.json/);
    // A real run afterwards does the work.
    const real = await p.supervise();
    assert.equal(real.code, 0, real.out);
    assert.deepEqual([...(await p.get(i.number)).labels], ["backlog"]);
  });
});
