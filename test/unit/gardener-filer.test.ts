// The gardener's filer, pure parts: the manifest files what is missing in dependency order, with
// the dependencies as real numbers (or references to issues the same manifest creates), the
// marker each sub-issue is found again by, and `in-progress` on the vision issue once; the
// filing policy refuses anything else.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existingFor, filingManifest, subIssueBody } from "../../src/agents/gardener/filer.ts";
import { gardenerPolicy } from "../../src/agents/gardener/policy.ts";
import { DEFAULT_GARDENER_LABELS } from "../../src/agents/gardener/labels.ts";
import type { FilerEntry } from "../../src/agents/shared/sprint.ts";
import { checkPolicy } from "../../src/manifest/policy.ts";
import { parseDeps } from "../../src/lib/deps.ts";
import type { Issue } from "../../src/forge/types.ts";

const ENTRIES: FilerEntry[] = [
  { id: "a", title: "vision(#7): First", labels: ["backlog"], depends_on: [], body: "## Goal\n\nHi." },
  { id: "b-2", title: "vision(#7): Then", labels: ["backlog", "priority"], depends_on: ["a"], body: "## Goal\n\nThen." },
];
const L = { backlog: "backlog", inProgress: "in-progress" };

describe("gardener filer", () => {
  it("files what is missing in dependency order, dependencies last in the body as real numbers or references", () => {
    const vision = { number: 7, labels: ["vision"] } as unknown as Issue;
    const m = filingManifest([ENTRIES[1]!, ENTRIES[0]!], new Map(), vision, "s", L);
    assert.deepEqual(m.actions.map((a) => a.kind), ["create_issue", "create_issue", "add_label"]);
    const second = m.actions[1]!;
    assert.ok(second.kind === "create_issue" && second.key === "sprint-7-b-2" && second.body.endsWith("## Dependencies\n\n- {{issue:sprint-7-a}}"));
    assert.deepEqual(second.kind === "create_issue" && second.labels, ["backlog"], "requested labels are ignored");
    const partly = filingManifest(ENTRIES, new Map([["a", 12]]), { ...vision, labels: ["vision", "in-progress"] }, "s", L);
    assert.equal(partly.actions.length, 1, "a is filed, the vision is already in progress");
    const body = subIssueBody(ENTRIES[1]!, ["#12"], 7, "s");
    assert.deepEqual(parseDeps(body), [12], "the vision's #7 is no dependency");
    assert.match(body, /<!-- decomposed-from: #7, sprint: s, id: b-2 -->/);
  });

  it("finds a sub-issue filed before by its marker, else by its exact title, never a PR", () => {
    const issue = (number: number, title: string, body: string, isPull = false) => ({ number, title, body, isPull }) as unknown as Issue;
    const marked = issue(20, "renamed by a person", subIssueBody(ENTRIES[0]!, [], 7, "s"));
    assert.equal(existingFor([issue(19, "vision(#7): First", "x", true), marked], 7, "s", ENTRIES[0]!)?.number, 20);
    assert.equal(existingFor([issue(21, "vision(#7): Then", "")], 7, "s", ENTRIES[1]!)?.number, 21);
    assert.equal(existingFor([issue(22, "vision(#7): Then!", "")], 7, "s", ENTRIES[1]!), undefined);
  });

  it("the filing policy allows the sub-issues and in-progress on the vision, nothing else", () => {
    const p = gardenerPolicy("file-subissues", DEFAULT_GARDENER_LABELS);
    const targets = new Map([[7, { number: 7, isPull: false, state: "open" as const, labels: ["vision"] }]]);
    const ok = filingManifest(ENTRIES, new Map(), { number: 7, labels: ["vision"] } as unknown as Issue, "s", L);
    assert.deepEqual(checkPolicy(ok, p, { targets }), { ok: true });
    const close = checkPolicy({ summary: "x", actions: [{ kind: "close_issue", issue: 7, reason: "done" }] }, p, { targets });
    assert.equal(close.ok, false);
  });
});
