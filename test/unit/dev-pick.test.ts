import { test } from "node:test";
import assert from "node:assert/strict";
import { ProjectConfigSchema } from "../../src/config/project.ts";
import type { Issue } from "../../src/forge/types.ts";
import { devLabels } from "../../src/agents/dev/labels.ts";
import { depsToResolve, ineligible, orderBacklog, pickNext, type DepState } from "../../src/agents/dev/pick.ts";

const labels = devLabels(ProjectConfigSchema.parse({ name: "app", forge_url: "https://forge.example", repo: "acme/app" }));

let clock = Date.parse("2025-01-01T00:00:00Z");
function issue(number: number, extra: Partial<Issue> = {}): Issue {
  clock += 60_000;
  return {
    id: number,
    number,
    title: `Issue ${number}`,
    body: "",
    state: "open",
    author: "someone",
    labels: ["backlog"],
    assignees: [],
    isPull: false,
    comments: 0,
    createdAt: new Date(clock),
    updatedAt: new Date(clock),
    closedAt: undefined,
    htmlUrl: "",
    ...extra,
  };
}

const allClosed = (): DepState => "closed";

test("priority issues first, then oldest first", () => {
  const a = issue(1);
  const b = issue(2, { labels: ["backlog", "priority"] });
  const c = issue(3);
  const d = issue(4, { labels: ["backlog", "priority"] });
  assert.deepEqual(orderBacklog([c, d, a, b], labels).map((i) => i.number), [2, 4, 1, 3]);
  assert.equal(pickNext({ backlog: [a, b, c, d], login: "dev-bot", labels, depState: allClosed }).issue?.number, 2);
});

test("issues for other agents, blocked, in progress or assigned to someone else are passed over", () => {
  for (const l of ["blocked", "underspecified", "in-progress", "vision", "bug-report", "prediction/unreviewed", "prediction/whatever", "formula"]) {
    assert.match(ineligible(issue(9, { labels: ["backlog", l] }), "dev-bot", labels) ?? "", new RegExp(`labelled ${l}`));
  }
  assert.equal(ineligible(issue(9, { assignees: ["other-bot"] }), "dev-bot", labels), "assigned to other-bot");
  assert.equal(ineligible(issue(9, { assignees: ["Dev-Bot"] }), "dev-bot", labels), undefined, "our own assignment (any case) is fine");
  assert.equal(ineligible(issue(9, { isPull: true }), "dev-bot", labels), "a pull request");
});

test("renamed labels from the project config are honoured", () => {
  const custom = devLabels(ProjectConfigSchema.parse({ name: "app", forge_url: "https://forge.example", repo: "acme/app", labels: { backlog: "ready", blocked: "stuck" } }));
  assert.equal(ineligible(issue(1, { labels: ["ready"] }), "dev-bot", custom), undefined);
  assert.equal(ineligible(issue(1, { labels: ["backlog"] }), "dev-bot", custom), "not labelled ready");
  assert.equal(ineligible(issue(1, { labels: ["ready", "stuck"] }), "dev-bot", custom), "labelled stuck");
});

test("an issue waits while any dependency is open or missing, and a backlog dependency is open by definition", () => {
  const blockedByOpen = issue(10, { body: "Depends on #100" });
  const blockedByBacklog = issue(11, { body: "## Dependencies\n- #13" });
  const blockedByMissing = issue(12, { body: "blocked by #404" });
  const ready = issue(13, { body: "## Related\n- #100" });
  const state = (n: number): DepState => (n === 100 ? "open" : n === 404 ? "missing" : "closed");
  const pick = pickNext({ backlog: [blockedByOpen, blockedByBacklog, blockedByMissing, ready], login: "dev-bot", labels, depState: state });
  assert.equal(pick.issue?.number, 13);
  assert.deepEqual(pick.passed, [
    { number: 10, reason: "waits for #100" },
    { number: 11, reason: "waits for #13" },
    { number: 12, reason: "waits for #404" },
  ]);
});

test("every backlog issue is considered, however many come first", () => {
  const blocked = Array.from({ length: 500 }, (_, i) => issue(i + 1, { body: "Depends on #9999" }));
  const ready = issue(501);
  const state = (n: number): DepState => (n === 9999 ? "open" : "closed");
  assert.equal(pickNext({ backlog: [...blocked, ready], login: "dev-bot", labels, depState: state }).issue?.number, 501);
});

test("issues lost in a claim race this tick are skipped", () => {
  const a = issue(1);
  const b = issue(2);
  assert.equal(pickNext({ backlog: [a, b], login: "dev-bot", labels, depState: allClosed, exclude: new Set([1]) }).issue?.number, 2);
});

test("only dependencies of eligible issues that the backlog does not already list need reading", () => {
  const backlog = [issue(1, { body: "Depends on #2 and #50" }), issue(2, { body: "Depends on #60" }), issue(3, { labels: ["backlog", "blocked"], body: "Depends on #70" }), issue(4, { body: "Depends on #4" })];
  assert.deepEqual([...depsToResolve(backlog, "dev-bot", labels)].sort((x, y) => x - y), [50, 60]);
});
