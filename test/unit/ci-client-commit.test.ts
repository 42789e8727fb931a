// The pure parts of "reading CI for a commit": the status reducer and pipeline URL parsing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { commitCiFromStatuses, pipelineRefFromUrl } from "../../src/ci/commit.ts";
import type { CombinedStatus, CommitStatus, StatusState } from "../../src/forge/types.ts";

const SHA = "3f2a9c1e0d4b5a6978877665544332211000aaaa";
let nextId = 1;
function st(context: string, state: StatusState, id = nextId++): CommitStatus {
  return { id, state, context, description: `${context} ${state}`, targetUrl: `https://ci.example/repos/3/pipeline/${id}`, creator: "woodpecker", createdAt: new Date(0) };
}
function combined(statuses: CommitStatus[], state: CombinedStatus["state"] = "pending"): CombinedStatus {
  return { state, sha: SHA, totalCount: statuses.length, statuses };
}

describe("commitCiFromStatuses with required contexts", () => {
  const required = ["ci/woodpecker/pr/test", "ci/woodpecker/pr/lint"];

  it("all required green → success; other contexts do not matter", () => {
    const r = commitCiFromStatuses(combined([st("ci/woodpecker/pr/test", "success"), st("ci/woodpecker/pr/lint", "success"), st("ci/woodpecker/pr/docs", "failure")]), SHA, required);
    assert.equal(r.state, "success");
    assert.deepEqual(
      r.contexts.map((c) => c.context),
      required,
    );
    assert.deepEqual(r.missing, []);
  });

  it("the latest status per context (by id) wins", () => {
    const r = commitCiFromStatuses(
      combined([st("ci/woodpecker/pr/test", "success", 10), st("ci/woodpecker/pr/test", "failure", 4), st("ci/woodpecker/pr/lint", "pending", 5), st("ci/woodpecker/pr/lint", "success", 11)]),
      SHA,
      required,
    );
    assert.equal(r.state, "success");
    assert.deepEqual(
      r.contexts.map((c) => [c.context, c.state]),
      [
        ["ci/woodpecker/pr/test", "success"],
        ["ci/woodpecker/pr/lint", "success"],
      ],
    );
    const old = commitCiFromStatuses(combined([st("ci/woodpecker/pr/test", "failure", 20), st("ci/woodpecker/pr/test", "success", 19), st("ci/woodpecker/pr/lint", "success", 21)]), SHA, required);
    assert.equal(old.state, "failure");
  });

  it("a failure or error decides even while others are missing", () => {
    assert.equal(commitCiFromStatuses(combined([st("ci/woodpecker/pr/lint", "error")]), SHA, required).state, "failure");
    const r = commitCiFromStatuses(combined([st("ci/woodpecker/pr/test", "failure")]), SHA, required);
    assert.equal(r.state, "failure");
    assert.deepEqual(r.missing, ["ci/woodpecker/pr/lint"]);
  });

  it("missing or pending → pending; nothing at all is pending too (CI owes an answer)", () => {
    const r = commitCiFromStatuses(combined([st("ci/woodpecker/pr/test", "success")]), SHA, required);
    assert.equal(r.state, "pending");
    assert.deepEqual(r.missing, ["ci/woodpecker/pr/lint"]);
    assert.equal(commitCiFromStatuses(combined([st("ci/woodpecker/pr/test", "success"), st("ci/woodpecker/pr/lint", "pending")]), SHA, required).state, "pending");
    const none = commitCiFromStatuses(combined([], "none"), SHA, required);
    assert.equal(none.state, "pending");
    assert.deepEqual(none.missing, required);
    assert.deepEqual(none.contexts, []);
  });

  it("warning (a declined pipeline) is not green", () => {
    assert.equal(commitCiFromStatuses(combined([st("ci/woodpecker/pr/test", "success"), st("ci/woodpecker/pr/lint", "warning")]), SHA, required).state, "pending");
  });

  it("duplicate required names count once", () => {
    const r = commitCiFromStatuses(combined([st("a", "success")]), SHA, ["a", "a"]);
    assert.equal(r.state, "success");
    assert.equal(r.contexts.length, 1);
  });
});

describe("commitCiFromStatuses without required contexts", () => {
  it("nothing reported → none", () => {
    assert.deepEqual(commitCiFromStatuses(combined([], "none"), SHA, []), { state: "none", sha: SHA, contexts: [], missing: [] });
  });

  it("the reduction over every context reported", () => {
    assert.equal(commitCiFromStatuses(combined([st("x", "success"), st("y", "success")], "success"), SHA, []).state, "success");
    assert.equal(commitCiFromStatuses(combined([st("x", "success"), st("y", "pending")]), SHA, []).state, "pending");
    assert.equal(commitCiFromStatuses(combined([st("x", "failure"), st("y", "pending")], "failure"), SHA, []).state, "failure");
    assert.equal(commitCiFromStatuses(combined([st("x", "success"), st("y", "warning")], "warning"), SHA, []).state, "pending");
  });

  it("disinto's own statuses (disinto/review) are not CI: a REQUEST_CHANGES is not red CI", () => {
    const r = commitCiFromStatuses(combined([st("ci/woodpecker/pr/test", "success"), st("disinto/review", "failure")], "failure"), SHA, []);
    assert.equal(r.state, "success");
    assert.deepEqual(r.contexts.map((c) => c.context), ["ci/woodpecker/pr/test"]);
    assert.equal(commitCiFromStatuses(combined([st("disinto/review", "success")], "success"), SHA, []).state, "none", "only our own status: no CI yet");
    // Woodpecker's statuses for disinto's own workflows are not the project's CI either.
    const wp = commitCiFromStatuses(combined([st("ci/woodpecker/pr/test", "success"), st("ci/woodpecker/pr/disinto-review", "pending"), st("ci/woodpecker/cron/disinto-dev", "failure")]), SHA, []);
    assert.equal(wp.state, "success");
    // Only workflows named after a disinto agent are ours; a project's own "disinto-tests" is CI.
    assert.equal(commitCiFromStatuses(combined([st("ci/woodpecker/pr/disinto-tests", "failure")], "failure"), SHA, []).state, "failure");
    // Named explicitly, it counts like any other.
    assert.equal(commitCiFromStatuses(combined([st("disinto/review", "failure")], "failure"), SHA, ["disinto/review"]).state, "failure");
  });

  it("contexts carry target URL and description, sorted by name", () => {
    const s = st("b", "failure", 7);
    const r = commitCiFromStatuses(combined([s, st("a", "success", 8)], "failure"), SHA, []);
    assert.deepEqual(r.contexts[1], { context: "b", state: "failure", targetUrl: s.targetUrl, description: "b failure" });
    assert.equal(r.contexts[0]?.context, "a");
  });

  it("a state without a status list is still honoured; the server's sha wins over the asked ref", () => {
    assert.equal(commitCiFromStatuses({ state: "success", sha: "", totalCount: 1, statuses: [] }, SHA, []).state, "success");
    assert.equal(commitCiFromStatuses({ state: "none", sha: "abc", totalCount: 0, statuses: [] }, "main", []).sha, "abc");
  });
});

describe("pipelineRefFromUrl", () => {
  it("parses Woodpecker pipeline links", () => {
    assert.deepEqual(pipelineRefFromUrl("https://ci.example.org/repos/7/pipeline/42"), { repoId: 7, number: 42 });
    assert.deepEqual(pipelineRefFromUrl("https://ci.example.org/repos/7/pipeline/42/3"), { repoId: 7, number: 42 });
    assert.deepEqual(pipelineRefFromUrl("https://ci.example.org/repos/7/pipeline/42/"), { repoId: 7, number: 42 });
    assert.deepEqual(pipelineRefFromUrl("http://127.0.0.1:8000/repos/1/pipeline/5?workflow=2#L10"), { repoId: 1, number: 5 });
    // served below a root path
    assert.deepEqual(pipelineRefFromUrl("https://example.org/woodpecker/repos/12/pipeline/300/1"), { repoId: 12, number: 300 });
  });

  it("rejects everything else", () => {
    for (const url of [
      "",
      "not a url",
      "/repos/7/pipeline/42",
      "https://ci.example.org/api/repos/7/pipelines/42",
      "https://ci.example.org/acme/widget/pipeline/42",
      "https://ci.example.org/repos/7/pipeline/42/3/extra",
      "https://ci.example.org/repos/0/pipeline/1",
      "https://ci.example.org/repos/7/pipeline/0",
      "https://ci.example.org/repos/x/pipeline/1",
      "https://forge.example/acme/widget/actions/runs/4",
    ]) {
      assert.equal(pipelineRefFromUrl(url), undefined, url);
    }
  });
});
