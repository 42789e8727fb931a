// `disinto status` shows the architect's open pitches with their state and age, read the way an
// architect run reads them: a fresh pitch waits for the person, a question makes it `question`,
// a person's approval `approved`; a project without an architect identity has none.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { collectStatus } from "../../src/status/collect.ts";
import { renderStatus } from "../../src/status/render.ts";
import { statusReportSchema } from "../../src/status/schema.ts";
import { architectWorld, type ArchitectWorld } from "../fixtures/architect/world.ts";

describe("status: the architect's pitches", () => {
  let g: ArchitectWorld;
  before(async () => {
    g = await architectWorld();
  });
  after(() => g.stop());

  it("lists open pitches with state and age", async () => {
    const p = await g.project("st", [{ title: "Export reports", body: "Users want exports.", labels: ["vision"] }]);
    const status = async () => {
      const r = statusReportSchema.parse(await collectStatus({ forge: g.w.admin, opsRepo: p.opsRef, project: "st", now: new Date(Date.now() + 5 * 60_000) }));
      return r.projects[0]!;
    };
    assert.deepEqual((await status()).architect, { pitches: [] });
    const pr = await p.pitched();
    let s = await status();
    assert.equal(s.architect!.pitches.length, 1);
    const [x] = s.architect!.pitches;
    assert.equal(x!.pr, pr.number);
    assert.equal(x!.vision, 1);
    assert.equal(x!.state, "waiting");
    assert.ok(x!.age_minutes >= 4 && x!.age_minutes <= 6, String(x!.age_minutes));
    await p.ops.comments.create(pr.number, "Why CSV first?");
    assert.equal((await status()).architect!.pitches[0]!.state, "question");
    await p.ops.reviews.create(pr.number, { event: "APPROVED", body: "ok", commitId: pr.head.sha });
    s = await status();
    assert.equal(s.architect!.pitches[0]!.state, "approved");
    const text = renderStatus(statusReportSchema.parse(await collectStatus({ forge: g.w.admin, opsRepo: p.opsRef, project: "st" })));
    assert.match(text, new RegExp(`architect: 1 open pitch\\n    PR #${pr.number}  approved .*#1 architect: Export reports: the gardener files the sub-issues on its next run`));
  });
});
