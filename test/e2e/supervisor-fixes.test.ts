// The supervisor's direct fixes converge: run twice they change the forge once (one marked
// comment), and a run killed at the fix's checkpoint is finished by the next one. Each project
// carries its own recipes (ops-repo override, threshold 0) so a run as a child process, on the
// real clock, fires at once. Direct fixes never ask the model.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { supervisorWorld, blockComment, recipesToml, LOGIN, type RecipeSpec, type SupervisorProject, type SupervisorWorld } from "../fixtures/supervisor/world.ts";
import { RECIPES_FILE } from "../../src/config/recipes.ts";

const mine = async (p: SupervisorProject, n: number): Promise<string[]> => (await p.app.comments.list(n)).filter((c) => c.author === LOGIN).map((c) => c.body);
const labels = async (p: SupervisorProject, n: number): Promise<string[]> => [...(await p.get(n)).labels].sort();

describe("supervisor: direct fixes converge", () => {
  let w: SupervisorWorld;
  before(async () => {
    w = await supervisorWorld();
  });
  after(() => w.stop());

  const project = async (name: string, recipes: RecipeSpec[]): Promise<SupervisorProject> => {
    const p = await w.project(name);
    await p.writeOps(RECIPES_FILE, recipesToml(recipes));
    return p;
  };

  const orphanRecipes: RecipeSpec[] = [{ name: "orphan", probe: "orphan_in_progress", action: "direct:unassign-orphan", threshold: 0 }];
  const orphan = async (p: SupervisorProject): Promise<number> => {
    const i = await p.issue({ title: "Orphan", labels: ["in-progress"] });
    await p.app.issues.setAssignees(i.number, ["dev-bot"]);
    return i.number;
  };

  it("unassign-orphan run twice: back in the backlog, unassigned, one comment; the second run finds nothing", async () => {
    const p = await project("orphan-twice", orphanRecipes);
    const n = await orphan(p);
    const r1 = await p.supervise();
    assert.equal(r1.code, 0, r1.out);
    assert.match(r1.out, /orphan: unassign-orphan → done/);
    const r2 = await p.supervise();
    assert.equal(r2.code, 0, r2.out);
    assert.deepEqual(await labels(p, n), ["backlog"]);
    assert.deepEqual((await p.get(n)).assignees, []);
    assert.equal((await mine(p, n)).length, 1);
    assert.equal(r1.calls + r2.calls, 0);
  });

  it("unassign-orphan killed after its comment: the next run finishes without a second comment", async () => {
    const p = await project("orphan-kill", orphanRecipes);
    const n = await orphan(p);
    const killed = await p.superviseProcess({ DISINTO_CRASH_AT: "supervisor:orphan-comment" });
    assert.equal(killed.signal, "SIGKILL", killed.out);
    assert.deepEqual(await labels(p, n), ["in-progress"]);
    assert.equal((await mine(p, n)).length, 1);
    // The dead run's supervisor lease is left behind until it expires.
    await p.expireLeases();
    const r = await p.superviseProcess();
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(await labels(p, n), ["backlog"]);
    assert.deepEqual((await p.get(n)).assignees, []);
    assert.equal((await mine(p, n)).length, 1);
  });

  const exhaustedRecipes: RecipeSpec[] = [
    { name: "close-pr", probe: "blocked_ci_exhausted", action: "direct:close-stuck-pr", threshold: 0 },
    { name: "sweep", probe: "blocked_ci_exhausted", action: "direct:sweep-ci-exhausted", threshold: 0 },
  ];
  const exhausted = async (p: SupervisorProject): Promise<{ n: number; pr: number }> => {
    const i = await p.issue({ title: "Flaky CI", labels: ["blocked"] });
    await p.app.issues.setAssignees(i.number, ["dev-bot"]);
    await p.app.branches.create(`fix/issue-${i.number}`, "main");
    const pr = await p.app.pulls.create({ title: `fix: #${i.number}`, body: `Fixes #${i.number}`, head: `fix/issue-${i.number}`, base: "main" });
    await p.app.comments.create(i.number, blockComment(i.number, "ci_exhausted"));
    return { n: i.number, pr: pr.number };
  };
  const swept = async (p: SupervisorProject, n: number, pr: number): Promise<void> => {
    assert.deepEqual(await labels(p, n), ["backlog"]);
    assert.deepEqual((await p.get(n)).assignees, []);
    const prNow = await p.app.pulls.get(pr);
    assert.equal(prNow?.state, "closed");
    assert.equal((await mine(p, pr)).length, 1);
    const comments = await mine(p, n);
    assert.equal(comments.length, 1);
    assert.match(comments[0]!, /back to the backlog/);
  };

  it("ci_exhausted: the PR closed with a comment and the issue swept to the backlog; run twice, each once", async () => {
    const p = await project("exhausted-twice", exhaustedRecipes);
    const { n, pr } = await exhausted(p);
    const r1 = await p.supervise();
    assert.equal(r1.code, 0, r1.out);
    const r2 = await p.supervise();
    assert.equal(r2.code, 0, r2.out);
    await swept(p, n, pr);
    assert.equal(r1.calls + r2.calls, 0);
  });

  for (const at of ["supervisor:pr-commented", "supervisor:swept-comment"]) {
    it(`ci_exhausted killed at ${at}: the next run finishes, each comment once`, async () => {
      const p = await project(`exhausted-${at.split(":")[1]}`, exhaustedRecipes);
      const { n, pr } = await exhausted(p);
      const killed = await p.superviseProcess({ DISINTO_CRASH_AT: at });
      assert.equal(killed.signal, "SIGKILL", killed.out);
      assert.deepEqual(await labels(p, n), ["blocked"]);
      await p.expireLeases();
      const r = await p.superviseProcess();
      assert.equal(r.code, 0, r.out);
      await swept(p, n, pr);
      // Swept once: blocked on ci_exhausted again, it stays blocked for a person.
      await p.app.labels.add(n, ["blocked"]);
      await p.app.labels.remove(n, "backlog");
      await p.app.comments.create(n, blockComment(n, "ci_exhausted"));
      const again = await p.supervise();
      assert.equal(again.code, 0, again.out);
      assert.deepEqual(await labels(p, n), ["blocked"]);
      assert.equal((await mine(p, n)).length, 1);
    });
  }

  it("release-lease: an expired lease is released, the second run has nothing to release", async () => {
    const p = await project("lease", [{ name: "lease", probe: "lease_dead", action: "direct:release-lease", threshold: 0 }]);
    const path = `locks/dev/${p.name}/dev-bot.json`;
    const past = new Date(Date.now() - 3_600_000).toISOString();
    await p.writeOps(path, JSON.stringify({ name: `dev/${p.name}/dev-bot`, holder: { id: "dev/dev-bot@gone" }, token: "t", acquired_at: past, expires_at: past, fence: 3 }));
    const r1 = await p.supervise();
    assert.equal(r1.code, 0, r1.out);
    assert.match(r1.out, /lease: release-lease → done: released dev\//);
    assert.equal(await p.opsRepo.contents.get(path), undefined, "a released lease has no document");
    const r2 = await p.supervise();
    assert.equal(r2.code, 0, r2.out);
    assert.doesNotMatch(r2.out, /release-lease/);
  });

  it("prune-sessions: sessions not saved for a week go, recent ones stay; run twice", async () => {
    const p = await project("sessions", [{ name: "sessions", probe: "ops_sessions", action: "direct:prune-sessions", threshold: 1, cooldown: 0 }]);
    const old = new Date(Date.now() - 10 * 24 * 3_600_000).toISOString();
    await p.writeOps(`sessions/${p.name}/dev/old.json`, JSON.stringify({ saved_at: old }));
    await p.writeOps(`sessions/${p.name}/dev/new.json`, JSON.stringify({ saved_at: new Date().toISOString() }));
    const r1 = await p.supervise();
    assert.equal(r1.code, 0, r1.out);
    assert.match(r1.out, /pruned 1 session file, kept 1/);
    const r2 = await p.supervise();
    assert.equal(r2.code, 0, r2.out);
    assert.match(r2.out, /all 1 sessions are recent/);
    const left = (await p.opsRepo.contents.list(`sessions/${p.name}/dev`)).map((e) => e.name);
    assert.deepEqual(left, ["new.json"]);
  });
});
