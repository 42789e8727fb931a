// A push that fails after the model finished: retried in the tick, then the commit is saved in
// the ops repo and the next tick pushes it and opens the PR — the model ran exactly once.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { savedPushPath } from "../../src/agents/dev/publish.ts";
import { devWorld, implementTask, type DevWorld } from "../fixtures/dev/world.ts";

let w: DevWorld;
before(async () => {
  w = await devWorld();
});
after(() => w.stop());

const modelRuns = (out: string): number => out.match(/scripted backend: task /g)?.length ?? 0;

describe("dev agent: a failed push never re-runs the model", () => {
  it("every push of the forge fails: the tick fails and saves the commit; the next tick pushes it without the model and opens the PR", async () => {
    const p = await w.project("push-fails");
    await p.setScript([implementTask("Add sub")]);
    const issue = await p.issue({ title: "Add sub" });
    w.sb.forge.setFaults([{ route: `POST /${p.ref.owner}/${p.ref.name}.git/git-receive-pack`, errorRate: 1 }]);
    let t1;
    try {
      t1 = await p.tick();
    } finally {
      w.sb.forge.setFaults([]);
    }
    assert.equal(t1.code, 1, t1.out);
    assert.equal(modelRuns(t1.out), 1, t1.out);
    assert.match(t1.out, /pushing fix\/issue-\d+ failed [\s\S]*the commit is saved in the ops repo/);
    assert.equal(await p.app.branches.get(`fix/issue-${issue.number}`), undefined);
    assert.equal((await p.phase())?.phase, "implementing");
    const saved = await p.opsRepo.contents.get(savedPushPath(p.name, "dev-bot"));
    assert.ok(saved !== undefined, "the commit waits in the ops repo");
    const head = (JSON.parse(saved.text) as { head: string }).head;

    const t2 = await p.tick();
    assert.equal(t2.code, 0, t2.out);
    assert.equal(modelRuns(t2.out), 0, t2.out);
    assert.match(t2.out, new RegExp(`#${issue.number} → PR #\\d+ awaiting_ci`), t2.out);
    const pr = (await p.pulls("open"))[0];
    assert.equal(pr?.head.sha, head, "the saved commit is the PR's head");
    assert.match(pr?.body ?? "", /Adds `sub\(\)`/);
    assert.equal(await p.opsRepo.contents.get(savedPushPath(p.name, "dev-bot")), undefined, "the saved push is gone");
    assert.equal((await p.phase())?.head_sha, head);
  });
});
