// What makes an agent wake another, decided without the CI: an applied manifest "made an issue
// ready" only when a backlog label or a created backlog issue changed the forge; a vault
// action remembers which agent asked (requested_by), so the dispatcher can wake it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { madeReady } from "../../src/agents/shared/wake.ts";
import type { Manifest } from "../../src/manifest/actions.ts";
import type { ActionResult } from "../../src/manifest/apply.ts";
import { checkAction, renderAction, parseAction } from "../../src/vault/action.ts";

const manifest: Manifest = {
  summary: "s",
  actions: [
    { kind: "add_label", issue: 3, label: "backlog" },
    { kind: "create_issue", key: "k", title: "New", body: "b", labels: ["backlog"] },
    { kind: "add_label", issue: 4, label: "blocked" },
  ],
};
const result = (index: number, r: ActionResult["result"]): ActionResult => ({ index, kind: manifest.actions[index]!.kind, action: "x", result: r });

describe("wake: made an issue ready", () => {
  it("a backlog label or a created backlog issue that changed the forge", () => {
    assert.equal(madeReady({ manifest, results: [result(0, "done")] }, "backlog"), true);
    assert.equal(madeReady({ manifest, results: [result(1, "done")] }, "backlog"), true);
    assert.equal(madeReady({ manifest, results: [result(0, "noop"), result(1, "planned")] }, "backlog"), false, "nothing changed, or a dry run");
    assert.equal(madeReady({ manifest, results: [result(2, "done")] }, "backlog"), false);
    assert.equal(madeReady({ manifest, results: [result(0, "done")] }, "ready"), false, "the config's backlog label counts, not the word");
    assert.equal(madeReady({ manifest }, "backlog"), false, "a rejected manifest applied nothing");
  });
});

describe("vault action: requested_by", () => {
  it("round-trips through the action file and names a scheduled agent only", () => {
    const raw = { id: "release-1", formula: "release", context: "ship it", requested_by: "planner" };
    const checked = checkAction(raw, "a.toml");
    assert.ok(checked.ok);
    const text = renderAction(checked.action);
    assert.match(text, /^requested_by = "planner"$/m);
    const back = parseAction(text, "a.toml");
    assert.ok(back.ok);
    assert.equal(back.action.requested_by, "planner");
    const bad = checkAction({ ...raw, requested_by: "mallory" }, "a.toml");
    assert.equal(bad.ok, false);
  });
});
