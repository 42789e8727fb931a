// The gardener's rules decided in code: which review findings are dust, the dust ledger's TTL
// and dedup, the enrichability and quality-gate tests, the starving blocker's and the blocked
// issue's decisions, what the memory leaves alone, the AGENTS.md watermark.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Comment, Issue } from "../../src/forge/types.ts";
import { watermarkOf, withWatermark } from "../../src/agents/gardener/agents-md.ts";
import { blockedDeps, decideBlocked, decideStarving, depStates, promotable, RETRY_PREFIXES } from "../../src/agents/gardener/decide.ts";
import { isDustFinding, parseDust, renderDust } from "../../src/agents/gardener/dust.ts";
import { DEFAULT_GARDENER_LABELS as L } from "../../src/agents/gardener/labels.ts";
import { skipped } from "../../src/agents/gardener/memory.ts";
import { bundleKey } from "../../src/agents/gardener/model.ts";
import { enrichable, missingSections, survey } from "../../src/agents/gardener/survey.ts";

const NOW = Date.parse("2026-06-01T12:00:00Z");
const HOUR = 3600_000;
const issue = (over: Partial<Issue>): Issue => ({ id: 1, number: 1, title: "t", body: "", state: "open", author: "a", labels: [], assignees: [], isPull: false, comments: 0, createdAt: new Date(NOW - 100 * HOUR), updatedAt: new Date(NOW - HOUR), closedAt: undefined, htmlUrl: "", ...over });
const comment = (body: string, over: Partial<Comment> = {}): Comment => ({ id: 7, body, author: "dev-bot", createdAt: new Date(NOW - 10 * HOUR), updatedAt: new Date(NOW - 10 * HOUR), htmlUrl: "", ...over });
const finding = (message: string, over: Record<string, unknown> = {}) => ({ severity: "low", file: "src/a.ts", line: 3, message, introduced_by_pr: false, ...over });
const READY = "## Problem\n\nx\n\n## Affected files\n\n- `src/a.ts`\n\n## Acceptance criteria\n\n- [ ] works\n";

describe("gardener rules", () => {
  it("dust is a cosmetic, pre-existing finding of medium or lower in one file; anything behavioural is ore", () => {
    assert.equal(isDustFinding(finding("Typo in the doc comment: teh")), true);
    assert.equal(isDustFinding(finding("Rename `x` to `sum`.", { severity: "medium" })), true);
    assert.equal(isDustFinding(finding("Typo in the doc comment", { severity: "high" })), false);
    assert.equal(isDustFinding(finding("Typo in the doc comment", { introduced_by_pr: true })), false);
    assert.equal(isDustFinding(finding("Typo in the doc comment", { file: "" })), false);
    assert.equal(isDustFinding(finding("The comment hides a race on the cache")), false);
    assert.equal(isDustFinding(finding("add() does not validate its arguments.", { severity: "medium" })), false);
  });

  it("the ledger keeps the newest entry per issue (or key) within 30 days and skips lines it cannot read", () => {
    const day = (d: number): string => new Date(NOW - d * 24 * HOUR).toISOString();
    const text = [
      JSON.stringify({ issue: 1, group: "a", ts: day(2) }),
      JSON.stringify({ issue: 1, group: "b", ts: day(1) }),
      JSON.stringify({ issue: 2, group: "a", ts: day(31) }),
      JSON.stringify({ key: "k", group: "a", ts: day(1) }),
      JSON.stringify({ group: "a", ts: day(1) }),
      "not json",
    ].join("\n");
    const { entries, invalid } = parseDust(text, new Date(NOW));
    assert.equal(invalid, 2);
    assert.deepEqual(entries.map((e) => [e.issue ?? e.key, e.group]), [[1, "b"], ["k", "a"]]);
    assert.deepEqual(parseDust(renderDust(entries), new Date(NOW)).entries, entries);
  });

  it("enrichable: five non-blank lines with something concrete; the gate wants a checkbox and an affected-files section", () => {
    assert.equal(enrichable("one\ntwo\nthree\nfour\nfive"), false);
    assert.equal(enrichable("one\ntwo\nthree\nfour\nsee `src/a.ts`"), true);
    assert.equal(enrichable("see `src/a.ts`\n\n\n\n"), false);
    assert.deepEqual(missingSections(READY), []);
    assert.equal(missingSections("## Affected files\n- a").length, 1);
    assert.equal(missingSections("nothing").length, 2);
    assert.equal(promotable(READY), true);
    assert.equal(promotable("## Affected files\n\n## Acceptance criteria\n- [ ] x"), false);
  });

  it("starving: an external dependency blocks its parents, a ready one joins the backlog, a thin one is asked for detail", () => {
    const kinds = (d: ReturnType<typeof decideStarving>): string[] => (d.kind === "manifest" ? d.manifest.actions.map((a) => `${a.kind}:${"issue" in a ? a.issue : ""}${"label" in a ? `:${a.label}` : ""}`) : []);
    assert.deepEqual(kinds(decideStarving(issue({ number: 5, body: "waiting on AWS support" }), [1, 2], L)), ["comment:1", "add_label:1:blocked", "comment:2", "add_label:2:blocked"]);
    assert.deepEqual(kinds(decideStarving(issue({ number: 5, labels: ["vision"] }), [1], L)), ["comment:1", "add_label:1:blocked"]);
    assert.deepEqual(kinds(decideStarving(issue({ number: 5, body: READY }), [1], L)), ["comment:5", "add_label:5:backlog"]);
    assert.deepEqual(kinds(decideStarving(issue({ number: 5, body: "do it" }), [1], L)), ["comment:5", "add_label:5:underspecified"]);
  });

  it("revisit blocked: a retryable exit reason unblocks; a person's reason waits, then gets one nudge a day", () => {
    const blocked = (reason: string): Comment => comment(`### Blocked — issue #1\n\n| Field | Value |\n| --- | --- |\n| Exit reason | \`${reason}\` |\n`);
    const facts = { issue: issue({ labels: ["blocked"], updatedAt: new Date(NOW - 10 * HOUR) }), timeline: [], depState: new Map(), login: "gardener-bot", now: NOW };
    for (const r of RETRY_PREFIXES) assert.equal(decideBlocked({ ...facts, comments: [blocked(r)] }, L).kind, "manifest", r);
    const person = decideBlocked({ ...facts, comments: [blocked("protected_paths")], timeline: [{ id: 1, type: "label", actor: "dev-bot", createdAt: new Date(NOW - HOUR), body: "", label: { name: "blocked", action: "added" } }] }, L);
    assert.equal(person.kind, "wait");
    const nudge = decideBlocked({ ...facts, comments: [blocked("protected_paths")] }, L);
    assert.equal(nudge.kind, "manifest");
    const nudged = comment("nudge <!-- disinto:gardener:blocked-nudge-1-20260601 -->", { author: "gardener-bot", createdAt: new Date(NOW - 2 * HOUR) });
    assert.equal(decideBlocked({ ...facts, comments: [blocked("protected_paths"), nudged] }, L).kind, "wait");
    const onDep = { ...facts, issue: issue({ labels: ["blocked"], body: "Depends on #9" }), comments: [] };
    assert.equal(decideBlocked({ ...onDep, depState: new Map([[9, "open" as const]]) }, L).kind, "wait");
    assert.equal(decideBlocked({ ...onDep, depState: new Map([[9, "closed" as const]]) }, L).kind, "manifest");
    // Every dependency is answered from the open listing: an open 11th keeps the issue blocked.
    const many = issue({ labels: ["blocked"], body: `Depends on ${Array.from({ length: 11 }, (_, k) => `#${k + 10}`).join(", ")}` });
    const deps = blockedDeps(many, []);
    assert.equal(deps.length, 11);
    const wait = decideBlocked({ ...facts, issue: many, comments: [], depState: depStates(deps, [issue({ number: 20 })]) }, L);
    assert.equal(wait.kind, "wait");
    assert.match(wait.kind === "wait" ? wait.reason : "", /waits on #20, still open/);
    assert.equal(decideBlocked({ ...facts, issue: many, comments: [], depState: depStates(deps, [many]) }, L).kind, "manifest");
  });

  it("the survey: a blocked parent starves nobody, an underspecified dependency is not starving, a pending bundle comes first", () => {
    const now = new Date(NOW);
    const parent = issue({ number: 1, labels: ["backlog", "blocked"], body: `${READY}\nDepends on #2` });
    assert.equal(survey({ issues: [parent, issue({ number: 2 })], dust: [], now }), undefined);
    const ok = issue({ number: 1, labels: ["backlog"], body: `${READY}\nDepends on #2` });
    assert.equal(survey({ issues: [ok, issue({ number: 2, labels: ["underspecified"] })], dust: [], now }), undefined);
    const ts = new Date(NOW - HOUR).toISOString();
    const pick = survey({ issues: [issue({ number: 4 })], dust: [{ issue: 3, group: "g", title: "", reason: "", bundle: "dust-g-1", ts }, { key: "k", group: "g", title: "", reason: "", bundle: "dust-g-1", ts }], now });
    assert.deepEqual(pick && [pick.task, pick.group, pick.issues], ["bundle-dust", "g", [3]]);
  });

  it("memory: three failures within a day leave an issue alone; a rest lasts until someone changes the issue", () => {
    const i = issue({ number: 3, updatedAt: new Date(NOW - 2 * HOUR) });
    const at = new Date(NOW - HOUR).toISOString();
    assert.deepEqual([...skipped({ "fail/3": `3 ${at}` }, [i], NOW)], [3]);
    assert.deepEqual([...skipped({ "fail/3": `2 ${at}` }, [i], NOW)], []);
    assert.deepEqual([...skipped({ "fail/3": `3 ${new Date(NOW - 25 * HOUR).toISOString()}` }, [i], NOW)], []);
    const rest = `${new Date(NOW + HOUR).toISOString()} ${at}`;
    assert.deepEqual([...skipped({ "rest/3": rest }, [i], NOW)], [3]);
    assert.deepEqual([...skipped({ "rest/3": rest }, [{ ...i, updatedAt: new Date(NOW) }], NOW)], []);
  });

  it("AGENTS.md's watermark is line 1, replaced (never stacked); a bundle's key depends only on its group and items", () => {
    const t = withWatermark(withWatermark("# Rules\n", "abc1234"), "def5678");
    assert.equal(t, "<!-- last-reviewed: def5678 -->\n# Rules\n");
    assert.equal(watermarkOf(t), "def5678");
    assert.equal(watermarkOf("# Rules\n<!-- last-reviewed: abc1234 -->"), undefined);
    const e = [{ issue: 1, group: "src", title: "", reason: "", ts: "2026-01-01T00:00:00Z" }];
    assert.equal(bundleKey("src", e), bundleKey("src", [{ ...e[0]!, title: "other" }]));
    assert.notEqual(bundleKey("src", e), bundleKey("src", [{ ...e[0]!, issue: 2 }]));
    assert.match(bundleKey("src/a b", e), /^dust-src-a-b-[0-9a-f]+$/);
  });
});
