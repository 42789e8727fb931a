// The gardener's token-free survey: each bucket picks the right issue, the first non-empty
// bucket in the original's priority wins, the dev agent's and skipped issues are left alone,
// and a clean backlog picks nothing.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Issue } from "../../src/forge/types.ts";
import { survey, type DustEntry } from "../../src/agents/gardener/survey.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const hoursAgo = (h: number): Date => new Date(NOW.getTime() - h * 3600_000);
const LONG = "This needs a proper plan. ".repeat(6);

let next = 1;
function issue(over: Partial<Issue> & { labels?: string[] }): Issue {
  const n = over.number ?? next++;
  return { id: n, number: n, title: `issue ${n}`, body: "", state: "open", author: "someone", labels: [], assignees: [], isPull: false, comments: 0, createdAt: hoursAgo(100), updatedAt: hoursAgo(1), closedAt: undefined, htmlUrl: "", ...over };
}
const dust = (n: number, group: string, daysAgo = 1): DustEntry => ({ issue: n, group, title: "", reason: "", ts: new Date(NOW.getTime() - daysAgo * 86400_000).toISOString() });

describe("gardener survey", () => {
  it("a clean backlog picks nothing", () => {
    const issues = [issue({ number: 1, labels: ["backlog"], body: "## Acceptance criteria\n- [ ] x" }), issue({ number: 2, labels: ["vision"] })];
    assert.equal(survey({ issues, dust: [], now: NOW }), undefined);
  });

  it("blocker starving the factory: the most recently updated unqueued dependency of a backlog issue, with its parents", () => {
    const issues = [
      issue({ number: 1, labels: ["backlog"], body: "## Dependencies\n- #3\n- #4\n- #5" }),
      issue({ number: 2, labels: ["backlog"], body: "Depends on #3" }),
      issue({ number: 3, updatedAt: hoursAgo(2) }),
      issue({ number: 4, updatedAt: hoursAgo(1) }),
      issue({ number: 5, labels: ["blocked"], updatedAt: hoursAgo(0) }),
      issue({ number: 6, labels: ["underspecified"], body: LONG }),
    ];
    assert.deepEqual(survey({ issues, dust: [], now: NOW }), { task: "blocker-starving-the-factory", issue: 4, parents: [1] });
    assert.deepEqual(survey({ issues: issues.filter((i) => i.number !== 4), dust: [], now: NOW }), { task: "blocker-starving-the-factory", issue: 3, parents: [1, 2] });
  });

  const rows: [string, Issue[], DustEntry[], unknown][] = [
    ["enrich-underspecified: enough text to enrich", [issue({ number: 10, labels: ["underspecified"], body: "too thin" }), issue({ number: 11, labels: ["underspecified"], body: LONG })], [], { task: "enrich-underspecified", issue: 11 }],
    ["enrich-bug-report: unlabelled, with a bug signal", [issue({ number: 20, title: "App crashes on save" }), issue({ number: 21, title: "nice idea", labels: [] })], [], { task: "enrich-bug-report", issue: 20 }],
    ["enrich-bug-report: a signal in the body", [issue({ number: 22, title: "hmm", body: "Steps to reproduce: click" })], [], { task: "enrich-bug-report", issue: 22 }],
    ["promote-tech-debt: debt words, not yet handled", [issue({ number: 30, labels: ["tech-debt", "backlog"], title: "refactor x" }), issue({ number: 31, labels: ["tech-debt"], title: "slow query" })], [], { task: "promote-tech-debt", issue: 31 }],
    ["bundle-dust: the largest live group of at least 3", [issue({ number: 40 }), issue({ number: 41 }), issue({ number: 42 }), issue({ number: 43 }), issue({ number: 44 })].map((i) => ({ ...i, labels: ["tech-debt"] })), [dust(40, "docs"), dust(41, "docs"), dust(42, "docs"), dust(42, "docs"), dust(43, "src/a", 40), dust(44, "src/a")], { task: "bundle-dust", issue: undefined, group: "docs", issues: [40, 41, 42], entries: [dust(40, "docs"), dust(41, "docs"), dust(42, "docs")] }],
    ["revisit-blocked: the oldest blocked issue past the revisit age", [issue({ number: 50, labels: ["blocked"], updatedAt: hoursAgo(2) }), issue({ number: 51, labels: ["blocked"], updatedAt: hoursAgo(30) }), issue({ number: 52, labels: ["blocked"], updatedAt: hoursAgo(10) })], [], { task: "revisit-blocked", issue: 51 }],
  ];
  for (const [what, issues, entries, want] of rows) {
    it(what, () => {
      assert.deepEqual(survey({ issues, dust: entries, now: NOW }), want);
    });
  }

  it("the first non-empty bucket wins: underspecified before bug reports, tech-debt, dust and blocked", () => {
    const issues = [issue({ number: 60, title: "crash" }), issue({ number: 61, labels: ["underspecified"], body: LONG, updatedAt: hoursAgo(50) }), issue({ number: 62, labels: ["blocked"], updatedAt: hoursAgo(50) })];
    assert.equal(survey({ issues, dust: [], now: NOW })?.task, "enrich-underspecified");
  });

  it("leaves alone the dev agent's issues, pull requests and issues on the skip list", () => {
    const issues = [
      issue({ number: 70, labels: ["underspecified", "in-progress"], body: LONG }),
      issue({ number: 71, title: "crash", isPull: true }),
      issue({ number: 72, title: "crash" }),
    ];
    assert.deepEqual(survey({ issues, dust: [], now: NOW }), { task: "enrich-bug-report", issue: 72 });
    assert.equal(survey({ issues, dust: [], now: NOW, skip: new Set([72]) }), undefined);
  });
});
