// The predictor's evidence and answer rules decided in code: flaky vs broken steps, the CI
// duration trend, spend per issue and its trend, recurring incidents, the digest that ignores
// ops growth, at most 5 actions, never an open or dismissed prediction again.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Pipeline } from "../../src/ci/types.ts";
import { predictorManifest, predictorSchema } from "../../src/agents/predictor/answer.ts";
import { ciEvidence, digest, recurringIncidents, spendEvidence, type Evidence } from "../../src/agents/predictor/evidence.ts";
import type { LedgerEntry } from "../../src/state/ledger.ts";

const T0 = Date.parse("2026-01-10T00:00:00Z");
function pipe(n: number, commit: string, status: Pipeline["status"], minutes: number, failed?: string): Pipeline {
  const started = new Date(T0 + n * 3600_000);
  return {
    id: n, number: n, parent: 0, event: "push", status, errors: [], created: started, updated: started, started, finished: new Date(started.getTime() + minutes * 60_000), commit, branch: "main", ref: "refs/heads/main", refspec: "", message: "", title: "", author: "", forgeUrl: "", deployTo: "", deployTask: "", variables: {},
    workflows: failed ? [{ id: 1, pid: 1, name: "ci", state: "failure", error: "", started, finished: started, steps: [{ id: 2, pid: 2, ppid: 1, name: failed, state: "failure", error: "", exitCode: 1, type: "commands", started, finished: started }] }] : [],
  };
}

describe("predictor evidence", () => {
  it("tells a flaky step (its commit also went green) from a broken one, and the duration trend", () => {
    // Newest first.
    const e = ciEvidence([pipe(6, "c", "failure", 9, "build"), pipe(5, "c", "failure", 9, "build"), pipe(4, "b", "success", 4), pipe(3, "b", "failure", 4, "test"), pipe(2, "a", "success", 3), pipe(1, "a", "failure", 3, "test")]);
    assert.equal(e.pipelines, 6);
    assert.equal(e.failed, 4);
    assert.equal(e.failureRate, 0.67);
    assert.deepEqual(e.steps, [
      { step: "ci/build", failures: 2, flaky: 0 },
      { step: "ci/test", failures: 2, flaky: 2 },
    ]);
    assert.deepEqual(e.durationTrend, { newerMin: 7.3, olderMin: 3.3 });
  });

  it("spend per issue and its trend; recurring incidents", () => {
    const at = (d: number): string => new Date(T0 - d * 24 * 3600_000).toISOString();
    const entry = (key: string, cost: number, daysAgo: number): LedgerEntry => ({ id: key + daysAgo, at: at(daysAgo), agent: "dev", backend: "b", key, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: cost, turns: 0 });
    const s = spendEvidence([entry("issue/1", 1, 10), entry("issue/2", 3, 2), entry("dev/issue/2", 1, 1), entry("pr/4", 9, 1)], T0);
    assert.deepEqual(s, { perIssue: 2.5, issues: 2, olderPerIssue: 1, newerPerIssue: 4 });
    assert.equal(spendEvidence([entry("pr/4", 9, 1)], T0), null);
    assert.deepEqual(recurringIncidents(["2026-01-01-ci-red.md", "2026-01-03-ci-red.md", "2026-01-02-disk.md", "notes.txt"]), [{ name: "ci-red", count: 2 }]);
  });

  it("the digest ignores ops growth", () => {
    const e: Evidence = { ci: null, escalations: { open: 0, issues: [] }, reviewRounds: { prs: 0, mean: 0, max: 0, worst: null }, spend: null, ops: { journalFiles: { dev: 3 } }, incidents: { recurring: [] } };
    assert.equal(digest(e), digest({ ...e, ops: { journalFiles: { dev: 4 } } }));
    assert.notEqual(digest(e), digest({ ...e, escalations: { open: 1, issues: ["#1"] } }));
  });

  it("at most 5 actions; open and dismissed predictions are not filed again", () => {
    const p = (key: string, o: Record<string, unknown> = {}) => ({ key, title: `About ${key}`, observation: "o", theory: "t", confidence: "low", evidence_checked: ["n=1"], suggested_action: "s", ...o });
    const vault = { vault: { formula: "human", context: "c" } };
    const over = predictorSchema.safeParse({ summary: "s", predictions: [p("a", vault), p("b", vault), p("c", vault)] });
    assert.equal(over.success, false);
    assert.match(over.error.issues[0]!.message, /6 actions; at most 5/);
    const a = predictorSchema.parse({ summary: "s", predictions: [p("open"), p("gone"), p("back", { new_evidence: "twice as many" }), p("new", vault)] });
    const { manifest, dropped } = predictorManifest(a, { open: [{ number: 1, title: "About open" }], dismissed: [{ number: 2, title: "About gone" }, { number: 3, title: "About back" }] }, "prediction/unreviewed");
    assert.deepEqual(dropped, ["open: open prediction #1", "gone: dismissed as #2, no new evidence"]);
    assert.deepEqual(manifest.actions.map((x) => (x.kind === "create_issue" ? x.key : x.kind === "vault_request" ? x.id : x.kind)), ["predict-back", "predict-new", "predict-new-human"]);
  });
});
