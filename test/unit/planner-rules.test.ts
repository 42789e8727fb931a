// The planner's rules decided in code: the tree's format round-trips for status, the budget,
// near-duplicate titles, the answer's whole-or-nothing checks and the manifest it becomes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { duplicateOf, plannerManifest, plannerSchema, titleKey } from "../../src/agents/planner/answer.ts";
import { issueBudget } from "../../src/agents/planner/policy.ts";
import { changed, marksOf, runNumber, withRunMark } from "../../src/agents/planner/survey.ts";
import { parseTree, renderTree } from "../../src/agents/planner/tree.ts";
import { answer } from "../fixtures/planner/scenario.ts";

const L = { backlog: "backlog", vision: "vision", priority: "priority", inProgress: "in-progress", underspecified: "underspecified", unreviewed: "prediction/unreviewed", actioned: "prediction/actioned", dismissed: "prediction/dismissed" };
const PATHS = new Set(["src", "src/parse.js", "src/math.js", "README.md"]);
const ctx = (o: Partial<{ predictions: Set<number>; memoryDue: boolean }> = {}) => ({ predictions: o.predictions ?? new Set([2, 3]), paths: PATHS, memoryDue: o.memoryDue ?? false });

describe("planner rules", () => {
  it("renders the original's tree format and reads it back", () => {
    const text = renderTree(
      [
        { name: "Sign-up", ref: "#1", items: [{ done: true, text: "table", ref: "src/a.ts" }, { done: false, text: "form", ref: "#7" }], status: "BLOCKED", reason: "form" },
        { name: "Docs", items: [], status: "DONE" },
      ],
      "2026-01-02",
      new Map([[7, "label churn (3 relabels)"]]),
    );
    assert.equal(text, "# Prerequisite Tree\n<!-- Last updated: 2026-01-02 -->\n\n## Objective: Sign-up (#1)\n- [x] table (src/a.ts)\n- [ ] form (#7) — HUMAN_BLOCKED: label churn (3 relabels)\nStatus: BLOCKED — form\n\n## Objective: Docs\nStatus: DONE\n");
    assert.deepEqual(parseTree(text), { updated: "2026-01-02", objectives: [{ name: "Sign-up (#1)", status: "BLOCKED", reason: "form" }, { name: "Docs", status: "DONE" }] });
  });

  it("budgets one issue per actioned prediction + 1 when any was triaged, else 4", () => {
    assert.equal(issueBudget(0, 0), 4);
    assert.equal(issueBudget(2, 0), 1);
    assert.equal(issueBudget(2, 2), 3);
  });

  it("counts a title with another case, punctuation, prefix or a typo as filed", () => {
    const open = [{ number: 9, title: "fix: Retry the flaky parse test!" }];
    assert.equal(titleKey("feat(api): Add  CSV-export"), "add csv export");
    assert.equal(duplicateOf("retry the flaky parse test", open), 9);
    assert.equal(duplicateOf("Retry the flakey parse test", open), 9);
    assert.equal(duplicateOf("Retry the slow parse test", open), undefined);
    assert.equal(duplicateOf("Add a", [{ number: 1, title: "Add b" }]), undefined, "short titles must match exactly");
  });

  it("rejects a prediction left untouched, a missing memory, a backlog issue over 3 files, a vision issue without why", () => {
    const s = plannerSchema(ctx({ predictions: new Set([2, 3, 4]), memoryDue: true }));
    const a = answer() as { new_issues: Record<string, unknown>[] };
    a.new_issues = [{ ...a.new_issues[0], why_vision: undefined }, { key: "big", kind: "backlog", title: "Big", problem: "p", proposed_solution: "s", affected_files: ["src", "src/parse.js", "src/math.js", "README.md"], acceptance_criteria: ["x"] }];
    const r = s.safeParse(JSON.parse(JSON.stringify(a)));
    assert.equal(r.success, false);
    const msg = r.error.issues.map((i) => i.message).join("\n");
    assert.match(msg, /missing: #4/);
    assert.match(msg, /rewrites the memory/);
    assert.match(msg, /at most 3 files/);
    assert.match(msg, /says why it is vision/);
  });

  it("builds the manifest: triage closes with a reference, a title already filed is not created and referenced instead", () => {
    const a = plannerSchema(ctx()).parse(answer());
    const { manifest, duplicates } = plannerManifest(a, [{ number: 40, title: "CSV export of a user's data" }], new Set([2, 3]), L);
    assert.deepEqual([...duplicates], [["csv-export", 40]]);
    assert.deepEqual(manifest.actions.filter((x) => x.kind === "create_issue").map((x) => x.key), ["flaky-parse"]);
    assert.ok(manifest.actions.some((x) => x.kind === "close_issue" && x.issue === 2 && x.reason === "Actioned: {{issue:flaky-parse}} acts on this prediction."));
    assert.ok(manifest.actions.some((x) => x.kind === "vault_request" && x.id === "planner-smtp-account" && x.formula === "human" && x.context.startsWith("# Request: An SMTP account")));
    const closedMeanwhile = plannerManifest(a, [], new Set([3]), L).manifest;
    assert.equal(closedMeanwhile.actions.some((x) => "issue" in x && x.issue === 2), false, "a prediction closed meanwhile is left as it is");
  });

  it("skips only when nothing read changed; the memory every fifth run with its mark", () => {
    const i = { head: "abc", resources: "r", tree: undefined, memory: undefined, predictions: [], vision: [] };
    assert.deepEqual(changed(marksOf(i), marksOf(i)), []);
    assert.deepEqual(changed(marksOf({ ...i, head: "def" }), marksOf(i)), ["head"]);
    assert.deepEqual(runNumber({ runs: "4" }), { run: 5, memoryDue: true });
    assert.deepEqual(runNumber({}), { run: 1, memoryDue: false });
    assert.equal(withRunMark("<!-- summarized-through-run: 5 -->\nold\n", 10), "<!-- summarized-through-run: 10 -->\nold\n");
  });
});
