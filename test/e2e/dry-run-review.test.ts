// `dry_run` for the review agent on the sandbox forge: a dry tick where review would review a
// PR changes nothing on the forge or in the ops repo (no comment, review, status or lease),
// lists what it would write, and stops before the model — a real tick afterwards reviews.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runAgent } from "../../src/agents/runtime.ts";
import { runReviewTick } from "../../src/agents/review/tick.ts";
import type { Backend } from "../../src/llm/types.ts";
import { OPS, verdictTask, world, type World } from "../fixtures/review/world.ts";
import { Counting } from "../fakes/counting-backend.ts";
import { forgeSnapshot } from "../helpers/forge-snapshot.ts";
import { sink } from "../helpers/io.ts";

const MATH_V2 = "export function add(a, b) {\n  return a + b;\n}\n\nexport function sub(a, b) {\n  return a - b;\n}\n";

describe("review agent: dry run", () => {
  let w: World;
  before(async () => {
    w = await world();
    await w.setScript([verdictTask({ verdict: "APPROVE", reason: "small and correct" })]);
  });
  after(() => w.stop());

  it("where review would review a PR: lists the lease, stops before the model, posts nothing", async () => {
    const pr = await w.openPr({ branch: "feat-sub", files: { "src/math.js": MATH_V2 }, title: "Add sub()", body: "Adds `sub`." });
    await w.status(pr.head.sha, "success");
    const snapshot = (): ReturnType<typeof forgeSnapshot> => forgeSnapshot(w.sandbox, w.app, w.admin.repo(OPS));
    const snap = await snapshot();

    const s = sink();
    const counted: Counting[] = [];
    const wrapBackend = (b: Backend): Backend => {
      const c = new Counting(b);
      counted.push(c);
      return c;
    };
    const env = {
      DISINTO_FORGE_URL: w.sandbox.url,
      DISINTO_FORGE_TOKEN: w.sandbox.users["review-bot"]!.token,
      DISINTO_PROJECT: "app",
      DISINTO_OPS_REPO: `${OPS.owner}/${OPS.name}`,
      DISINTO_DRY_RUN: "1",
    };
    const code = await runAgent("review", runReviewTick, { env, streams: { stdout: s.out }, wrapBackend });
    const out = s.text();
    assert.equal(code, 0, out);
    assert.deepEqual(await snapshot(), snap, out);
    assert.equal(counted.reduce((n, c) => n + c.calls.length, 0), 0, "the backend was called");
    assert.ok(out.includes(`dry run: would create ${OPS.owner}/${OPS.name}:locks/review/app/pr-${pr.number}.json`), out);
    assert.ok(out.includes("dry run: would run the model (backend scripted) for review — read-only tools"), out);
    assert.match(out, /review: dry run: would run the model \(backend scripted\) for review; planned writes: \d+ \(listed above\)/);
    // What the stop made the agent do on its way out (an error comment) is not planned work.
    assert.doesNotMatch(out, /dry run: would comment on/);

    const real = await w.tick();
    assert.equal(real.code, 0, real.out);
    assert.match(real.out, new RegExp(`PR #${pr.number} APPROVE`));
    assert.equal((await w.reviews(pr.number)).length, 1);
  });
});
