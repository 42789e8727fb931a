// The predictor end to end on the sandbox forge with the scripted backend: evidence gathered
// in code (escalations, recurring incidents) reaches the prompt; predictions are filed with
// their sections and a vault request; unchanged evidence spends nothing; an open or dismissed
// prediction is not filed again; more than 5 actions are rejected whole; a dry run changes
// nothing.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runPredictorTick } from "../../src/agents/predictor/tick.ts";
import { collectStatus } from "../../src/status/collect.ts";
import { statusReportSchema } from "../../src/status/schema.ts";
import { forgeSnapshot } from "../helpers/forge-snapshot.ts";
import { plannerWorld, BOT, type PlannerWorld } from "../fixtures/planner/world.ts";

const prediction = (key: string, vault = false): Record<string, unknown> => ({
  key,
  title: `Prediction ${key}`,
  observation: `The ${key} incident came back twice this week.`,
  theory: "The fix treated the symptom.",
  confidence: "medium",
  evidence_checked: ["incidents: ci-red ×2"],
  suggested_action: "Find the root cause.",
  ...(vault ? { vault: { formula: "human", context: "Look at the runner's disk." } } : {}),
});

describe("predictor on the sandbox", () => {
  let g: PlannerWorld;
  before(async () => {
    g = await plannerWorld();
  });
  after(() => g.stop());

  it("files evidence-backed predictions once, idles on unchanged evidence, never re-files", async () => {
    const p = await g.project("predict", [{ title: "Stuck on the schema", labels: ["blocked"] }]);
    const incident = (day: string): Promise<unknown> => p.ops.contents.create(`incidents/${day}-ci-red.md`, { text: "# ci red\n", message: "incident" });
    await incident("2026-01-01");
    await incident("2026-01-02");
    await p.setScript([{ match: "run-predictor", structured: { summary: "Two findings.", predictions: [prediction("ci-red", true), prediction("blocked-schema")] } }]);
    const r = await p.runAs("predictor", runPredictorTick);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.calls.length, 1);
    const prompt = r.calls[0]!.prompt;
    assert.match(prompt, /Recurring supervisor incidents: ci-red ×2/);
    assert.match(prompt, /Dev escalations: 1 open blocked issue \(#1\)/);
    assert.match(prompt, /CI: no CI configured/);

    const filed = (await p.app.issues.list({ state: "all", type: "issues" })).filter((i) => i.author === BOT);
    assert.deepEqual(filed.map((i) => i.title).sort(), ["Prediction blocked-schema", "Prediction ci-red"]);
    for (const i of filed) {
      assert.deepEqual(i.labels, ["prediction/unreviewed"]);
      assert.match(i.body, /\*\*Theory:\*\* [\s\S]*\*\*Confidence:\*\* medium[\s\S]*\*\*Evidence checked:\*\*\n- incidents: ci-red ×2[\s\S]*\*\*Suggested action:\*\*/);
    }
    assert.ok(await p.ops.pulls.findByHead("vault/predict-ci-red-human", { state: "open" }), "the vault request waits for a person");

    const st = statusReportSchema.parse(await collectStatus({ forge: g.w.admin, opsRepo: p.opsRef, project: p.name })).projects[0]!;
    assert.deepEqual(st.predictor!.open.map((x) => x.title).sort(), ["Prediction blocked-schema", "Prediction ci-red"]);
    assert.match(st.predictor!.last_run!.title, /run-predictor: applied 3 actions/);

    const idle = await p.runAs("predictor", runPredictorTick);
    assert.equal(idle.code, 0, idle.out);
    assert.equal(idle.calls.length, 0, "unchanged evidence: no model");
    assert.match(idle.out, /the evidence has not changed/);

    await incident("2026-01-03");
    const again = await p.runAs("predictor", runPredictorTick);
    assert.equal(again.code, 0, again.out);
    assert.equal(again.calls.length, 1);
    assert.equal((await p.app.issues.list({ state: "all", type: "issues" })).filter((i) => i.author === BOT).length, 2, "open predictions are not filed again");

    const ciRed = filed.find((i) => i.title === "Prediction ci-red")!;
    await p.app.labels.replace(ciRed.number, ["prediction/dismissed"]);
    await p.app.issues.close(ciRed.number);
    await incident("2026-01-04");
    const dismissed = await p.runAs("predictor", runPredictorTick);
    assert.equal(dismissed.code, 0, dismissed.out);
    assert.equal((await p.app.issues.list({ state: "all", type: "issues" })).filter((i) => i.author === BOT).length, 2, "a dismissed theory is not filed again without new evidence");
    assert.match(await p.journal("predictor"), /not filed: ci-red: dismissed as #\d+, no new evidence/);
  });

  it("rejects more than 5 actions whole; a dry run changes nothing", async () => {
    const p = await g.project("predict-over", []);
    await p.setScript([{ match: "run-predictor", structured: { summary: "Too many.", predictions: [prediction("a", true), prediction("b", true), prediction("c", true)] } }]);
    const r = await p.runAs("predictor", runPredictorTick);
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /6 actions; at most 5 a run/);
    assert.deepEqual(await p.app.issues.list({ state: "all" }), []);

    await p.setScript([{ match: "run-predictor", structured: { summary: "One.", predictions: [prediction("a")] } }]);
    const snap = await forgeSnapshot(g.w.forge, p.app, p.ops);
    const dry = await p.runAs("predictor", runPredictorTick, { env: { DISINTO_DRY_RUN: "1" } });
    assert.equal(dry.code, 0, dry.out);
    assert.equal(dry.calls.length, 0);
    assert.deepEqual(await forgeSnapshot(g.w.forge, p.app, p.ops), snap);
  });
});
