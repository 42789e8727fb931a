// The manifest's action vocabulary: what validates, what is refused (with a message naming the
// field), the bounds, the JSON Schema the model is shown, and the apply order.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { ACTION_KINDS, describeAction, jsonSchemaOf, manifestSchema, manifestSchemaFor, MAX_ACTIONS, MAX_BODY, type Action } from "../../src/manifest/actions.ts";
import { APPLY_ORDER, applyOrder } from "../../src/manifest/apply.ts";

const valid: Action[] = [
  { kind: "add_label", issue: 1, label: "backlog" },
  { kind: "remove_label", issue: 1, label: "underspecified" },
  { kind: "comment", issue: 2, body: "hello", key: "hi" },
  { kind: "edit_body", issue: 3, body: "## Problem\n\nx" },
  { kind: "close_issue", issue: 4, reason: "Bundled into {{issue:bundle}}" },
  { kind: "create_issue", key: "bundle", title: "fix: bundled dust", body: "- [ ] #4", labels: ["backlog"] },
  { kind: "close_pr", pr: 5, reason: "stale" },
  { kind: "sync_priority", issues: [1, 2] },
  { kind: "ops_write", path: "gardener/dust.jsonl", text: "", message: "drop group" },
  { kind: "ops_pr", key: "refresh", branch: "gardener/refresh", title: "t", body: "b", files: [{ path: "gardener/x.md", text: "x" }] },
  { kind: "vault_request", id: "deploy-1", formula: "deploy", context: "why", secrets: [], params: {} },
];

function errorOf(value: unknown): string {
  const r = manifestSchema.safeParse(value);
  assert.equal(r.success, false, `expected ${JSON.stringify(value).slice(0, 200)} to be refused`);
  return z.prettifyError(r.error);
}

describe("manifest actions", () => {
  it("every kind of the vocabulary validates, and the list of kinds is the vocabulary", () => {
    const r = manifestSchema.safeParse({ summary: "all", actions: valid });
    assert.ok(r.success, r.success ? "" : z.prettifyError(r.error));
    assert.deepEqual([...ACTION_KINDS].sort(), valid.map((a) => a.kind).sort());
  });

  const refused: [string, unknown, RegExp][] = [
    ["an unknown kind", { kind: "delete_repo", issue: 1 }, /kind|Invalid/i],
    ["an extra field", { kind: "add_label", issue: 1, label: "x", extra: true }, /extra/],
    ["a non-positive issue number", { kind: "add_label", issue: 0, label: "x" }, /issue/],
    ["an empty comment", { kind: "comment", issue: 1, body: "  " }, /the comment must not be empty/],
    ["a comment over the bound", { kind: "comment", issue: 1, body: "x".repeat(MAX_BODY + 1) }, new RegExp(`longer than ${MAX_BODY}`)],
    ["a key with upper case", { kind: "create_issue", key: "Bad Key", title: "t", body: "b" }, /expected a key of lower-case letters/],
    ["a two-line title", { kind: "create_issue", key: "k", title: "a\nb", body: "b" }, /one line/],
    ["too many labels", { kind: "create_issue", key: "k", title: "t", body: "b", labels: Array.from({ length: 21 }, (_, i) => `l${i}`) }, /labels/],
    ["an ops path with ..", { kind: "ops_write", path: "gardener/../projects/x.toml", text: "", message: "m" }, /\.\. segments/],
    ["an absolute ops path", { kind: "ops_write", path: "/etc/passwd", text: "", message: "m" }, /expected a relative path/],
    ["a branch without a folder", { kind: "ops_pr", key: "k", branch: "main", title: "t", body: "b", files: [{ path: "a/b", text: "" }] }, /expected a branch like <agent>\/<name>/],
    ["an ops PR without files", { kind: "ops_pr", key: "k", branch: "gardener/x", title: "t", body: "b", files: [] }, /files/],
    ["a priority set naming an issue twice", { kind: "sync_priority", issues: [1, 1] }, /lists an issue twice/],
  ];
  for (const [what, action, why] of refused) {
    it(`refuses ${what}, saying where`, () => {
      assert.match(errorOf({ summary: "s", actions: [action] }), why);
    });
  }

  it("refuses more than MAX_ACTIONS actions and a manifest without a summary", () => {
    const many = Array.from({ length: MAX_ACTIONS + 1 }, () => ({ kind: "add_label", issue: 1, label: "x" }));
    assert.match(errorOf({ summary: "s", actions: many }), /actions/);
    assert.match(errorOf({ actions: [] }), /summary/);
  });

  it("a task's schema accepts only its kinds, and the model's JSON Schema shows only them", () => {
    const schema = manifestSchemaFor(["comment", "add_label"]);
    assert.ok(schema.safeParse({ summary: "s", actions: [{ kind: "comment", issue: 1, body: "b" }] }).success);
    assert.equal(schema.safeParse({ summary: "s", actions: [{ kind: "close_issue", issue: 1, reason: "r" }] }).success, false);
    const js = JSON.stringify(jsonSchemaOf(schema));
    assert.match(js, /"add_label"/);
    assert.match(js, /"comment"/);
    assert.doesNotMatch(js, /"close_issue"|"vault_request"/);
    assert.match(js, /"maxLength":60000/, "bounds reach the model's schema");
    assert.throws(() => manifestSchemaFor([]), /at least one action kind/);
  });

  it("the apply order covers every kind; creates come first, label adds before removes, closes then ops last", () => {
    assert.deepEqual([...APPLY_ORDER].sort(), [...ACTION_KINDS].sort());
    const kinds = applyOrder(valid).map((x) => x.action.kind);
    assert.equal(kinds[0], "create_issue");
    assert.ok(kinds.indexOf("edit_body") < kinds.indexOf("add_label"));
    assert.ok(kinds.indexOf("add_label") < kinds.indexOf("remove_label"));
    assert.ok(kinds.indexOf("close_issue") > kinds.indexOf("sync_priority"));
    assert.deepEqual(kinds.slice(-3), ["ops_write", "ops_pr", "vault_request"]);
    // Stable within a kind: manifest order.
    const two = applyOrder([{ kind: "comment", issue: 1, body: "a" }, { kind: "add_label", issue: 1, label: "x" }, { kind: "comment", issue: 2, body: "b" }]);
    assert.deepEqual(two.map((x) => x.index), [0, 2, 1]);
  });

  it("describes each action on one line", () => {
    for (const a of valid) assert.doesNotMatch(describeAction(a), /\n/);
    assert.equal(describeAction({ kind: "sync_priority", issues: [] }), "priority on exactly no issue");
  });
});
