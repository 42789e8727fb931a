import { test } from "node:test";
import assert from "node:assert/strict";
import { blockedComment, branchName, commitMessage, isWipSubject, issueOfPull, markerOf, prBody, prTitle, pullIsFor, refusalComment } from "../../src/agents/dev/text.ts";

const pr = (ref: string, title = "", body = "") => ({ head: { ref, sha: "", repo: undefined }, title, body });

test("the issue a PR works on: branch first, then the last #N of the title, then Fixes #N", () => {
  assert.equal(issueOfPull(pr("fix/issue-12")), 12);
  assert.equal(issueOfPull(pr("fix/issue-12-3", "fix: x (#99)")), 12);
  assert.equal(issueOfPull(pr("feature", "fix: a (#4) and (#7)")), 7);
  assert.equal(issueOfPull(pr("feature", "no ref", "Some text.\n\nResolves #31")), 31);
  assert.equal(issueOfPull(pr("feature", "no ref", "nothing")), undefined);
  assert.equal(pullIsFor(pr("fix/issue-5-1"), 5), true);
  assert.equal(pullIsFor(pr("other", "", "Fixes #5"), 5), true);
  assert.equal(pullIsFor(pr("other", "", "Fixes #51"), 5), false);
});

test("branch names: a new suffix per fresh attempt", () => {
  assert.equal(branchName(7, 0), "fix/issue-7");
  assert.equal(branchName(7, 2), "fix/issue-7-2");
});

test("PR title and body follow the original", () => {
  assert.equal(prTitle("Add  sub\n()", 3), "fix: Add sub () (#3)");
  assert.equal(prBody(3, "Did it."), "Fixes #3\n\n## Changes\n\nDid it.\n");
});

test("commit messages: finished steps start fix:, interrupted ones wip:", () => {
  assert.equal(commitMessage("implement", "Add sub", 3, "Summary"), "fix: Add sub (#3)\n\nSummary");
  assert.equal(commitMessage("ci_fix", "Add sub", 3), "fix: make CI pass (#3)");
  assert.ok(isWipSubject(commitMessage("wip", "Add sub", 3).split("\n")[0]!));
  assert.ok(!isWipSubject(commitMessage("review_fix", "Add sub", 3)));
});

test("the Blocked comment carries the exit reason, the time, fenced details and its marker", () => {
  const body = blockedComment({ issue: 9, reason: "ci_exhausted", at: new Date("2025-03-01T10:00:00.123Z"), details: "log ``` with fence", key: "fix/issue-9-ci_exhausted" });
  assert.match(body, /^### Blocked — issue #9\n/);
  assert.match(body, /\| Exit reason \| `ci_exhausted` \|/);
  assert.match(body, /\| Timestamp \| 2025-03-01T10:00:00Z \|/);
  assert.match(body, /````\nlog ``` with fence\n````/);
  assert.ok(body.includes(markerOf("blocked", "fix/issue-9-ci_exhausted")));
});

test("refusal comments keep the original's titles", () => {
  const at = new Date("2025-03-01T10:00:00Z");
  assert.match(refusalComment({ kind: "too_large", body: "Split.", at, key: "k" }), /^📏 \*\*Dev-agent: Too large for single session\*\*/);
  assert.match(refusalComment({ kind: "unmet_dependency", body: "x", at, key: "k" }), /^🚧 \*\*Dev-agent: Unmet dependency\*\*/);
  assert.match(refusalComment({ kind: "already_done", body: "x", at, key: "k" }), /^✅ \*\*Dev-agent: Already implemented\*\*[\s\S]*Automated assessment by dev-agent · 2025-03-01T10:00:00Z/);
});

test("a marker never contains --, which would end the HTML comment early", () => {
  assert.doesNotMatch(markerOf("blocked", "a--b---c").slice(4, -3), /--/);
});
