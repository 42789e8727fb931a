// The judgment agents' policy: one table row per way a manifest can step outside it. A
// manifest with one bad action is rejected whole, every violation listed with its index.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Action, Manifest } from "../../src/manifest/actions.ts";
import { checkPolicy, describeViolations, policy, type Snapshot, type TargetState, type ViolationRule } from "../../src/manifest/policy.ts";

const P = policy({
  agent: "gardener",
  kinds: ["add_label", "remove_label", "comment", "edit_body", "close_issue", "create_issue", "close_pr", "ops_write", "ops_pr", "vault_request"],
  labels: { add: ["backlog", "bug-report"], remove: ["underspecified", "backlog"] },
  maxActions: 6,
  maxNewIssues: 1,
});

const t = (number: number, over: Partial<TargetState> = {}): TargetState => ({ number, state: "open", labels: [], isPull: false, ...over });
const SNAP: Snapshot = {
  targets: new Map([
    [1, t(1)],
    [2, t(2, { labels: ["in-progress", "backlog"] })],
    [3, t(3, { state: "closed" })],
    [4, t(4, { isPull: true })],
    [5, t(5, { labels: ["priority"] })],
  ]),
};
const m = (...actions: Action[]): Manifest => ({ summary: "test", actions });

describe("manifest policy", () => {
  it("a manifest inside the policy passes", () => {
    const r = checkPolicy(
      m(
        { kind: "create_issue", key: "b", title: "t", body: "b", labels: ["backlog"] },
        { kind: "edit_body", issue: 1, body: "x" },
        { kind: "add_label", issue: 1, label: "backlog" },
        { kind: "remove_label", issue: 1, label: "underspecified" },
        { kind: "close_issue", issue: 3, reason: "Bundled into {{issue:b}}" },
        { kind: "ops_write", path: "gardener/dust.jsonl", text: "", message: "m" },
      ),
      P,
      SNAP,
    );
    assert.deepEqual(r, { ok: true });
  });

  const rows: [string, Action[], ViolationRule, RegExp][] = [
    ["a kind the task does not allow", [{ kind: "sync_priority", issues: [1] }], "kind", /may not sync_priority in this task/],
    ["adding a label not on the list", [{ kind: "add_label", issue: 1, label: "priority" }], "label", /may not add label priority/],
    ["removing a label not on the list", [{ kind: "remove_label", issue: 1, label: "blocked" }], "label", /may not remove label blocked/],
    ["creating an issue with a label not on the list", [{ kind: "create_issue", key: "k", title: "t", body: "b", labels: ["vision"] }], "label", /issue with label vision/],
    ["an issue that does not exist", [{ kind: "comment", issue: 99, body: "b" }], "missing", /#99 does not exist/],
    ["an issue the dev agent holds", [{ kind: "add_label", issue: 2, label: "backlog" }], "held", /#2 is in-progress/],
    ["closing an issue the dev agent holds", [{ kind: "close_issue", issue: 2, reason: "r" }], "held", /#2 is in-progress/],
    ["a comment on a closed issue", [{ kind: "comment", issue: 3, body: "b" }], "closed", /#3 is closed/],
    ["editing a pull request's body", [{ kind: "edit_body", issue: 4, body: "b" }], "not_an_issue", /#4 is a pull request/],
    ["close_pr on an issue", [{ kind: "close_pr", pr: 1, reason: "r" }], "not_a_pull", /#1 is an issue/],
    ["an ops path outside the agent's folders", [{ kind: "ops_write", path: "projects/x.toml", text: "", message: "m" }], "ops_path", /projects\/x\.toml is outside gardener's ops folders \(gardener\/\)/],
    ["an ops PR file outside the agent's folders", [{ kind: "ops_pr", key: "k", branch: "gardener/x", title: "t", body: "b", files: [{ path: "vault/actions/x.toml", text: "" }] }], "ops_path", /vault\/actions\/x\.toml is outside/],
    ["an ops PR branch of another agent", [{ kind: "ops_pr", key: "k", branch: "planner/x", title: "t", body: "b", files: [{ path: "gardener/x", text: "" }] }], "ops_branch", /not under gardener\//],
    ["a vault request for a formula the policy does not list", [{ kind: "vault_request", id: "v", formula: "f", context: "c", secrets: [], params: {} }], "vault", /^gardener may not request the vault formula f \(may request: none\)$/],
    ["a key used twice", [{ kind: "comment", issue: 1, body: "a", key: "k" }, { kind: "comment", issue: 1, body: "b", key: "k" }], "duplicate_key", /key k is already used by action 0/],
    ["a reference to an issue the manifest does not create", [{ kind: "comment", issue: 1, body: "see {{issue:nope}}" }], "reference", /\{\{issue:nope\}\} names no create_issue/],
  ];
  for (const [what, actions, rule, message] of rows) {
    it(`rejects ${what} (${rule})`, () => {
      const r = checkPolicy(m(...actions), P, SNAP);
      assert.equal(r.ok, false);
      if (r.ok) return;
      const hit = r.violations.find((v) => v.rule === rule);
      assert.ok(hit, `no ${rule} violation in ${JSON.stringify(r.violations)}`);
      assert.match(hit.message, message);
      assert.equal(hit.kind, actions[hit.index]!.kind);
    });
  }

  it("too many actions and too many new issues are violations of the manifest as a whole", () => {
    const adds = Array.from({ length: 7 }, (): Action => ({ kind: "add_label", issue: 1, label: "backlog" }));
    const r = checkPolicy(m(...adds, { kind: "create_issue", key: "a", title: "a", body: "a", labels: [] }, { kind: "create_issue", key: "b", title: "b", body: "b", labels: [] }), P, SNAP);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(
      r.violations.map((v) => [v.index, v.kind, v.rule]),
      [
        [-1, "manifest", "max_actions"],
        [-1, "manifest", "max_new_issues"],
      ],
    );
    assert.match(describeViolations(r.violations).join("\n"), /manifest: max_actions: 9 actions; gardener may take at most 6 per run\nmanifest: max_new_issues: 2 new issues; gardener may create at most 1 per run/);
  });

  it("one bad action among good ones rejects the manifest, and every violation is listed with its index", () => {
    const r = checkPolicy(
      m({ kind: "add_label", issue: 1, label: "backlog" }, { kind: "add_label", issue: 2, label: "priority" }, { kind: "comment", issue: 3, body: "b" }),
      P,
      SNAP,
    );
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(
      r.violations.map((v) => [v.index, v.rule]),
      [
        [1, "label"],
        [1, "held"],
        [2, "closed"],
      ],
    );
    assert.deepEqual(describeViolations(r.violations), [
      "action 1 (add_label): label: gardener may not add label priority (may add: backlog, bug-report)",
      "action 1 (add_label): held: #2 is in-progress: the dev agent holds it",
      "action 2 (comment): closed: #3 is closed; only close_issue and close_pr may name a closed issue",
    ]);
  });

  it("sync_priority needs priority on both label lists; an in-progress issue in its set is left to apply, a closed one is refused", () => {
    const sync = policy({ agent: "planner", kinds: ["sync_priority"], labels: { add: ["priority"], remove: [] } });
    const r1 = checkPolicy(m({ kind: "sync_priority", issues: [1] }), sync, SNAP);
    assert.equal(r1.ok, false);
    const ok = policy({ agent: "planner", kinds: ["sync_priority"], labels: { add: ["priority"], remove: ["priority"] } });
    assert.deepEqual(checkPolicy(m({ kind: "sync_priority", issues: [1, 2, 5] }), ok, SNAP), { ok: true });
    const r2 = checkPolicy(m({ kind: "sync_priority", issues: [3] }), ok, SNAP);
    assert.equal(r2.ok ? "" : r2.violations[0]!.rule, "closed");
  });

  it("closing an already closed issue is allowed (a re-run after a kill converges)", () => {
    assert.deepEqual(checkPolicy(m({ kind: "close_issue", issue: 3, reason: "done" }), P, SNAP), { ok: true });
  });

  it("the defaults: the agent's own folder, ten actions, no new issue; an unknown kind in a policy is a programming error", () => {
    const d = policy({ agent: "predictor", kinds: ["comment"] });
    assert.deepEqual(d.opsFolders, ["predictor/"]);
    assert.equal(d.maxActions, 10);
    assert.equal(d.maxNewIssues, 0);
    assert.throws(() => policy({ agent: "x", kinds: ["nuke" as "comment"] }), /unknown action kind "nuke"/);
  });
});
