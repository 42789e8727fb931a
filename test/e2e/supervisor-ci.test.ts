// The supervisor and the sandbox CI: a pipeline running past ci.stale_minutes fires and is
// restarted once (killed between restart and cancel, the next run only cancels); and the CI
// circuit breaker end to end — main red twice opens `ci-untrusted`, the dev agent then claims
// nothing and says why, main green again resolves it and the dev agent claims.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { supervisorWorld, recipesToml, type SupervisorProject, type SupervisorWorld } from "../fixtures/supervisor/world.ts";
import { RECIPES_FILE } from "../../src/config/recipes.ts";
import { implementTask } from "../fixtures/dev/world.ts";
import { main } from "../../src/cli/main.ts";
import { statusReportSchema } from "../../src/status/schema.ts";
import { captureIo } from "../helpers/io.ts";

async function pipelines(w: SupervisorWorld, p: SupervisorProject): Promise<{ number: number; status: string; parent: number }[]> {
  const res = await fetch(`${w.w.sb.ci.url}/api/repos/${p.ciRepoId}/pipelines?per_page=50`, { headers: { authorization: `Bearer ${w.w.sb.ci.token("admin")}` } });
  return ((await res.json()) as { number: number; status: string; parent: number }[]).map((x) => ({ number: x.number, status: x.status, parent: x.parent }));
}

/** Cancel what the test left running: the sandbox's ciIdle waits for every repo's pipelines. */
async function cancelRunning(w: SupervisorWorld, p: SupervisorProject): Promise<void> {
  for (const x of await pipelines(w, p)) {
    if (x.status !== "running" && x.status !== "pending") continue;
    await fetch(`${w.w.sb.ci.url}/api/repos/${p.ciRepoId}/pipelines/${x.number}/cancel`, { method: "POST", headers: { authorization: `Bearer ${w.w.sb.ci.token("admin")}` } });
  }
  await p.ciIdle();
}

async function until(what: string, ok: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("supervisor: CI probes and the circuit breaker", () => {
  let w: SupervisorWorld;
  before(async () => {
    w = await supervisorWorld();
  });
  after(() => w.stop());

  it("ci_running: quiet while younger than ci.stale_minutes, restarted once and cancelled past it", async () => {
    const p = await w.project("stuck", { mainCi: true });
    await p.ciIdle();
    await p.commitMain({ "ci-slow": "1" }, "slow");
    await until("a running pipeline", async () => (await pipelines(w, p)).some((x) => x.status === "running"));
    const q = await p.supervise();
    assert.equal(q.code, 0, q.out);
    assert.deepEqual(await p.fired(), [], q.out);
    const l = await p.supervise({ shiftMs: 61 * 60_000 });
    assert.equal(l.code, 0, l.out);
    assert.deepEqual(await p.fired(), ["ci-stuck"], l.out);
    assert.match(l.out, /ci-stuck: restart-pipeline → done: acme\/stuck #\d+: restarted as #\d+; cancelled/);
    assert.equal(l.calls, 0);
    const ps = await pipelines(w, p);
    assert.equal(ps.filter((x) => x.parent !== 0).length, 1, JSON.stringify(ps));
    await cancelRunning(w, p);
  });

  it("ci_pending: a pipeline waiting for a free agent is quiet for 30 min, then restarted once", async () => {
    const p = await w.project("pending", { mainCi: true });
    await p.ciIdle();
    // The sandbox CI runs two pipelines at a time: the third push waits.
    await p.commitMain({ "ci-slow": "1" }, "slow 1");
    await p.commitMain({ "counter.txt": "2\n" }, "slow 2");
    await p.commitMain({ "counter.txt": "3\n" }, "slow 3");
    // Two running and the third waiting: a pipeline is also briefly pending before it starts,
    // which on a loaded machine is not the one that waits for a free agent.
    await until("two running pipelines and one pending", async () => {
      const ps = await pipelines(w, p);
      return ps.filter((x) => x.status === "running").length === 2 && ps.some((x) => x.status === "pending");
    });
    const q = await p.supervise({ shiftMs: 20 * 60_000 });
    assert.equal(q.code, 0, q.out);
    assert.deepEqual(await p.fired(), [], q.out);
    const l = await p.supervise({ shiftMs: 31 * 60_000 });
    assert.equal(l.code, 0, l.out);
    assert.deepEqual(await p.fired(), ["ci-pending-stale"], l.out);
    assert.match(l.out, /ci-pending-stale: restart-pending → done: acme\/pending #\d+: restarted as #\d+; cancelled/);
    await cancelRunning(w, p);
  });

  it("restart-pipeline killed after the restart: the next run cancels the stuck one and restarts nothing", async () => {
    const p = await w.project("stuck-kill", { mainCi: true });
    await p.writeOps(RECIPES_FILE, recipesToml([{ name: "stuck", probe: "ci_running", action: "direct:restart-pipeline", threshold: 0, cooldown: 0 }]));
    await p.ciIdle();
    await p.commitMain({ "ci-slow": "1" }, "slow");
    await until("a running pipeline", async () => (await pipelines(w, p)).some((x) => x.status === "running"));
    const stuck = (await pipelines(w, p)).find((x) => x.status === "running")!.number;
    const killed = await p.superviseProcess({ DISINTO_CRASH_AT: "supervisor:restarted" });
    assert.equal(killed.signal, "SIGKILL", killed.out);
    await p.expireLeases();
    const r = await p.superviseProcess();
    assert.equal(r.code, 0, r.out);
    const ps = await pipelines(w, p);
    assert.equal(ps.filter((x) => x.parent === stuck).length, 1, JSON.stringify(ps));
    assert.notEqual(ps.find((x) => x.number === stuck)?.status, "running", JSON.stringify(ps));
    // The restart is itself never restarted.
    assert.match(r.out, /is a restart of #\d+: not restarted again/);
    await cancelRunning(w, p);
  });

  it("the breaker: main red twice pauses the dev agent (it says why), main green again resumes it", async () => {
    const p = await w.project("breaker", { mainCi: true });
    await p.setScript([implementTask("Add sub")]);
    await p.ciIdle();
    await p.commitMain({ "ci-red": "1" }, "break main");
    await p.ciIdle();
    const once = await p.supervise();
    assert.equal(once.code, 0, once.out);
    assert.equal(Object.keys(await p.incidents()).length, 0, "one red pipeline does not trip the breaker");
    await p.commitMain({ "README.md": "# app\n\nstill red\n" }, "still red");
    await p.ciIdle();
    const trip = await p.supervise();
    assert.equal(trip.code, 0, trip.out);
    assert.match(trip.out, /CI breaker open: incidents\/\d{4}-\d{2}-\d{2}-ci-untrusted\.md opened/);
    assert.equal((await p.health())?.breaker, "open");
    assert.equal(trip.calls, 0);

    // `disinto status` shows it: the breaker, the incident, and what the supervisor cannot read.
    const status = async (json: boolean): Promise<string> => {
      const io = captureIo({ DISINTO_FORGE_TOKEN: w.w.sb.forge.users["admin"]!.token, DISINTO_CI_TOKEN: w.w.sb.ci.token("admin") });
      const code = await main(["status", "--forge-url", w.w.sb.forge.url, "--ops-repo", `${p.ops.owner}/${p.ops.name}`, "--ci-url", w.w.sb.ci.url, "--project", p.name, ...(json ? ["--json"] : [])], io);
      assert.equal(code, 0, io.err());
      return io.out();
    };
    const human = await status(false);
    assert.match(human, /^ {2}health: CI breaker open; no findings; 1 open incident \(changed \d+s ago\)$/m);
    assert.match(human, /^ {4}incident incidents\/\S+-ci-untrusted\.md P1: main is red: its two newest finished pipelines failed/m);
    assert.match(human, /^ {4}not read: Woodpecker queue and agents: not read/m);
    const health = statusReportSchema.parse(JSON.parse(await status(true))).projects[0]!.health;
    assert.equal(health?.breaker, "open");
    assert.deepEqual(health?.incidents.map((i) => i.slug), ["ci-untrusted"]);

    const issue = await p.issue({ title: "Add sub", body: "## Affected files\n\n- `src/math.js`\n\n## Acceptance criteria\n\n- [ ] sub(3, 1) is 2\n" });
    const paused = await p.tick();
    assert.equal(paused.code, 0, paused.out);
    assert.match(paused.out, /not claiming: the CI circuit breaker is open \(incidents\/\d{4}-\d{2}-\d{2}-ci-untrusted\.md/);
    assert.deepEqual([...(await p.get(issue.number)).labels], ["backlog"]);

    await p.deleteMain("ci-red");
    await p.ciIdle();
    const clear = await p.supervise();
    assert.equal(clear.code, 0, clear.out);
    assert.match(clear.out, /CI breaker closed: incidents\/\S+-ci-untrusted\.md resolved/);
    assert.equal((await p.health())?.breaker, "closed");
    const doc = Object.values(await p.incidents())[0]!;
    assert.match(doc, /^Resolution: .*newest finished pipeline #\d+ is green$/m);

    const resumed = await p.tick();
    assert.equal(resumed.code, 0, resumed.out);
    assert.doesNotMatch(resumed.out, /circuit breaker/);
    assert.ok((await p.get(issue.number)).labels.includes("in-progress") || (await p.pulls("open")).length > 0, resumed.out);
  });
});
