// `dry_run` for the dev agent on the sandbox forge and CI: a dry tick where dev would claim an
// issue and one where it would merge an approved PR change nothing on the forge or in the ops
// repo, list the writes they would make, never reach the model — and a real tick afterwards
// does what the dry one said.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runAgent } from "../../src/agents/runtime.ts";
import { runDevTick } from "../../src/agents/dev/tick.ts";
import type { Backend } from "../../src/llm/types.ts";
import { devWorld, implementTask, type DevWorld, type Project } from "../fixtures/dev/world.ts";
import { Counting } from "../fakes/counting-backend.ts";
import { forgeSnapshot } from "../helpers/forge-snapshot.ts";
import { sink } from "../helpers/io.ts";

let w: DevWorld;
before(async () => {
  w = await devWorld();
});
after(() => w.stop());

/** One dev tick in this process with `dry_run` set, counting the calls that reach the backend. */
async function dryTick(p: Project): Promise<{ code: number; out: string; calls: number }> {
  const s = sink();
  const counted: Counting[] = [];
  const env = {
    DISINTO_AGENT: "dev",
    DISINTO_FORGE_URL: w.sb.forge.url,
    DISINTO_FORGE_TOKEN: w.sb.forge.users["dev-bot"]!.token,
    DISINTO_PROJECT: p.name,
    DISINTO_OPS_REPO: `${p.ops.owner}/${p.ops.name}`,
    DISINTO_CI_URL: w.sb.ci.url,
    DISINTO_CI_TOKEN: w.sb.ci.token("dev-bot"),
    DISINTO_DRY_RUN: "true",
  };
  const wrapBackend = (b: Backend): Backend => {
    const c = new Counting(b);
    counted.push(c);
    return c;
  };
  const code = await runAgent("dev", runDevTick, { env, streams: { stdout: s.out }, wrapBackend });
  return { code, out: s.text(), calls: counted.reduce((n, c) => n + c.calls.length, 0) };
}

const snapshot = (p: Project): ReturnType<typeof forgeSnapshot> => forgeSnapshot(w.sb.forge, p.app, p.opsRepo);

describe("dev agent: dry run", () => {
  it("where dev would claim an issue: lists the claim, the lease and the phase, stops before the model, changes nothing", async () => {
    const p = await w.project("dryclaim");
    await p.setScript([implementTask("Add sub")]);
    const issue = await p.issue({ title: "Add sub", body: "Add a `sub(a, b)` function next to `add`." });
    const slug = `acme/dryclaim#${issue.number}`;
    const snap = await snapshot(p);

    const r = await dryTick(p);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(await snapshot(p), snap, r.out);
    assert.equal(r.calls, 0, "the backend was called");
    for (const line of [
      `dry run: would create acme/dryclaim-ops:locks/dev/dryclaim/dev-bot.json`,
      `dry run: would assign ${slug} to dev-bot`,
      `dry run: would add label in-progress to ${slug}`,
      `dry run: would remove label backlog from ${slug}`,
      `dry run: would create acme/dryclaim-ops:state/dryclaim/dev/dev-bot.json`,
      `dry run: would run the model (backend scripted) for dev`,
    ]) {
      assert.ok(r.out.includes(line), `missing ${JSON.stringify(line)} in:\n${r.out}`);
    }
    assert.match(r.out, /dev: dry run: would run the model \(backend scripted\) for dev; planned writes: \d+ \(listed above\)/);

    // The real tick does what the dry run planned.
    const real = await p.tick();
    assert.equal(real.code, 0, real.out);
    assert.match(real.out, new RegExp(`dev: #${issue.number} → PR #\\d+ awaiting_ci`));
  });

  it("where dev would merge an approved green PR: lists the merge, the close and the clean-up, changes nothing, never calls the model", async () => {
    const p = await w.project("drymerge");
    await p.setScript([implementTask("Add sub")]);
    const issue = await p.issue({ title: "Add sub", body: "Add a `sub(a, b)` function next to `add`." });
    const t1 = await p.tick();
    assert.equal(t1.code, 0, t1.out);
    await p.ciIdle();
    const pr = (await p.pulls("open"))[0];
    assert.ok(pr, t1.out);
    await p.approve(pr);
    const snap = await snapshot(p);

    const r = await dryTick(p);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(await snapshot(p), snap, r.out);
    assert.equal(r.calls, 0, "the backend was called");
    for (const line of [
      `dry run: would merge PR acme/drymerge#${pr.number} — merge, head ${pr.head.sha.slice(0, 12)}, delete the branch`,
      `dry run: would close acme/drymerge#${issue.number}`,
      `dry run: would remove label in-progress from acme/drymerge#${issue.number}`,
      `dry run: would delete branch ${pr.head.ref} of acme/drymerge`,
      `dry run: would update acme/drymerge-ops:state/drymerge/dev/dev-bot.json`,
    ]) {
      assert.ok(r.out.includes(line), `missing ${JSON.stringify(line)} in:\n${r.out}`);
    }
    assert.match(r.out, new RegExp(`dev: dry run: would end "#${issue.number} → PR #${pr.number} merged"; planned writes: \\d+ \\(listed above\\)`));

    const real = await p.tick();
    assert.equal(real.code, 0, real.out);
    assert.match(real.out, new RegExp(`#${issue.number} → PR #${pr.number} merged`));
    assert.equal((await p.app.pulls.get(pr.number))?.merged, true);
  });
});
