// Dev ticks as CI steps run them — separate processes started from the entrypoint, many at
// once: one identity never works twice in parallel, two identities never take the same issue,
// and the model's process never sees the forge token.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { devWorld, implementTask, type DevWorld } from "../fixtures/dev/world.ts";

let w: DevWorld;
before(async () => {
  w = await devWorld();
});
after(() => w.stop());

describe("dev agent: parallel ticks", () => {
  it("8 ticks of the same identity started at once: one works, the others exit idle", async () => {
    const p = await w.project("eight");
    await p.setScript([implementTask("Add sub")]);
    const issue = await p.issue({ title: "Add sub" });
    const runs = await Promise.all(Array.from({ length: 8 }, () => p.tickProcess()));
    for (const r of runs) assert.equal(r.code, 0, r.out);
    const worked = runs.filter((r) => /dev: #\d+ → PR #\d+ awaiting_ci/.test(r.out));
    assert.equal(worked.length, 1, runs.map((r) => r.out).join("\n---\n"));
    assert.equal(runs.filter((r) => /dev: idle: /.test(r.out)).length, 7, runs.map((r) => r.out).join("\n---\n"));
    assert.equal(runs.filter((r) => /scripted backend: task/.test(r.out)).length, 1);
    const prs = await p.pulls("all");
    assert.equal(prs.length, 1);
    assert.deepEqual((await p.get(issue.number)).assignees, ["dev-bot"]);
  });

  it("two identities tick at once: each takes a different issue", async () => {
    const p = await w.project("twins", { devLogins: ["gardener-bot"] });
    await p.setScript([implementTask("")]);
    const a = await p.issue({ title: "First" });
    const b = await p.issue({ title: "Second" });
    const [r1, r2] = await Promise.all([p.tickProcess(), p.tickProcess({ login: "gardener-bot" })]);
    assert.equal(r1.code, 0, r1.out);
    assert.equal(r2.code, 0, r2.out);
    assert.match(r1.out, /→ PR #\d+ awaiting_ci/, r1.out);
    assert.match(r2.out, /→ PR #\d+ awaiting_ci/, r2.out);
    const [p1, p2] = [await p.phase("dev-bot"), await p.phase("gardener-bot")];
    assert.deepEqual(new Set([p1?.issue, p2?.issue]), new Set([a.number, b.number]));
    for (const [rec, login] of [[p1, "dev-bot"], [p2, "gardener-bot"]] as const) {
      const issue = await p.get(rec!.issue!);
      assert.deepEqual(issue.assignees, [login]);
      const pr = await p.app.pulls.get(rec!.pr!);
      assert.equal(pr?.author, login);
    }
    assert.equal((await p.pulls("all")).length, 2);
  });
});

describe("dev agent: secrets", () => {
  it("the model's process and the test command never see the forge token (canary)", async () => {
    const canary = "canary-Zq8wR2xT5vY1";
    const p = await w.project("canary", { testCommand: "env > test-env.txt && sh ci/test.sh" });
    await p.setScript([implementTask("Add sub", [{ run: { command: "env > llm-env.txt; cat ~/.git-credentials .git/config > llm-git.txt 2>&1; true" } }])]);
    const issue = await p.issue({ title: "Add sub" });
    const token = w.sb.forge.users["dev-bot"]!.token;
    const r = await p.tickProcess({ env: { FORGE_DEV_TOKEN: token, DISINTO_CANARY: canary, CANARY_SECRET: canary } });
    assert.equal(r.code, 0, r.out);
    const branch = `fix/issue-${issue.number}`;
    for (const file of ["llm-env.txt", "test-env.txt", "llm-git.txt"]) {
      const doc = await p.app.contents.get(file, { ref: branch });
      assert.ok(doc, `${file} was committed`);
      assert.ok(!doc.text.includes(token), `${file} holds the forge token`);
      assert.ok(!doc.text.includes(canary), `${file} holds the canary`);
      assert.doesNotMatch(doc.text, /DISINTO_|FORGE_|CI_TOKEN/);
    }
    assert.match((await p.app.contents.get("llm-env.txt", { ref: branch }))!.text, /^PATH=/m, "the model does get an environment");
    assert.ok(!r.out.includes(token), "the log never shows the token");
  });
});
