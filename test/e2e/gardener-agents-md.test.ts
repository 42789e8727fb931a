// AGENTS.md kept current: a file without a current last-reviewed watermark is rewritten by the
// model in a checkout of the default branch and proposed as a PR with the watermark on line 1;
// the PR waits for review like any other, and a later run merges it once approved (or closes
// it when changes were requested). Looked at no more than once a day.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ForgejoForge } from "../../src/forge/index.ts";
import { memoryPath } from "../../src/agents/gardener/memory.ts";
import { gardenerWorld, LOGIN, type GardenerProject, type GardenerWorld } from "../fixtures/gardener/world.ts";

const NEW_TEXT = "# Working on app\n\n* Every exported function has a test.\n* `src/parse.js` parses JSON input.\n";

describe("gardener: AGENTS.md refresh", () => {
  let g: GardenerWorld;
  let reviewer: ForgejoForge;
  before(async () => {
    g = await gardenerWorld();
    reviewer = new ForgejoForge({ url: g.w.forge.url, token: g.w.forge.users["review-bot"]!.token });
  });
  after(async () => {
    await reviewer.close();
    await g.stop();
  });

  const review = async (p: GardenerProject, pr: number, event: "APPROVED" | "REQUEST_CHANGES"): Promise<void> => {
    const cur = (await p.app.pulls.get(pr))!;
    await reviewer.repo(p.ref).reviews.create(pr, { event, body: event === "APPROVED" ? "Fine." : "No.", commitId: cur.head.sha });
  };

  it("a stale AGENTS.md is proposed as a PR with the new watermark; the PR waits for review, then the gardener merges it", async () => {
    const p = await g.project("agents", []);
    const head = await p.mainSha();
    await p.setScript([{ match: "# Task: agents-md-stale", structured: { summary: "Mention the parser.", agents_md: NEW_TEXT } }]);
    const r1 = await p.tick();
    assert.equal(r1.code, 0, r1.out);
    assert.equal(r1.calls.length, 1);
    assert.match(r1.calls[0]!.prompt, /AGENTS\.md has no valid last-reviewed watermark/);
    const [pr] = await p.app.pulls.list({ state: "open" });
    assert.ok(pr, r1.out);
    assert.equal(pr.title, "chore: refresh AGENTS.md");
    assert.equal(pr.author, LOGIN);
    assert.equal(pr.head.ref, `chore/agents-md-${head.slice(0, 12)}`);
    assert.equal((await p.app.contents.get("AGENTS.md", { ref: pr.head.ref }))?.text, `<!-- last-reviewed: ${head} -->\n${NEW_TEXT}`);
    assert.match(await p.journal(), /agents-md-stale AGENTS\.md: applied 0 actions \(0 changed\); PR #\d+ opened/);

    const r2 = await p.tick();
    assert.equal(r2.code, 0, r2.out);
    assert.match(r2.out, /AGENTS\.md PR #\d+: waiting for review/);
    assert.equal((await p.app.pulls.get(pr.number))?.state, "open");

    await review(p, pr.number, "APPROVED");
    const r3 = await p.tick();
    assert.equal(r3.code, 0, r3.out);
    assert.match(r3.out, /AGENTS\.md PR #\d+ merged \(approved by review-bot, CI green\)/);
    assert.equal((await p.app.pulls.get(pr.number))?.merged, true);
    assert.match((await p.app.contents.get("AGENTS.md"))?.text ?? "", new RegExp(`^<!-- last-reviewed: ${head} -->\\n# Working on app`));
    assert.equal(r1.calls.length + r2.calls.length + r3.calls.length, 1);
    // Looked at today: the next run does not look again.
    const r4 = await p.tick();
    assert.match(r4.out, /idle: nothing to groom/);
    assert.equal(r4.calls.length, 0);
  });

  it("a PR the reviewer rejects is closed with a comment; the file is looked at again the next day", async () => {
    const p = await g.project("agents-no", []);
    await p.setScript([{ match: "# Task: agents-md-stale", structured: { summary: "Mention the parser.", agents_md: NEW_TEXT } }]);
    assert.equal((await p.tick()).code, 0);
    const [pr] = await p.app.pulls.list({ state: "open" });
    await review(p, pr!.number, "REQUEST_CHANGES");
    const r = await p.tick();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /AGENTS\.md PR #\d+ closed \(review-bot requested changes\)/);
    const closed = (await p.app.pulls.get(pr!.number))!;
    assert.equal(closed.state, "closed");
    assert.equal(closed.merged, false);
    assert.match((await p.app.comments.list(pr!.number)).at(-1)!.body, /^Closing: review-bot requested changes/);
  });

  it("a current watermark, or changes to AGENTS.md only, need no model", async () => {
    const p = await g.project("agents-ok", []);
    const head = await p.mainSha();
    // Only AGENTS.md changed since the watermark.
    await p.commit({ "AGENTS.md": `<!-- last-reviewed: ${head} -->\n# Working on app\n` }, "watermark");
    const r = await p.tick();
    assert.equal(r.code, 0, r.out);
    assert.equal(r.calls.length, 0);
    assert.match(r.out, /agents-md-stale: nothing but AGENTS\.md changed since/);
    assert.deepEqual(await p.app.pulls.list({ state: "all" }), []);
  });
  it("an AGENTS.md with nothing to review is looked at once a day: the idle run records the look", async () => {
    const p = await g.project("agents-none", [], { files: { "src/math.js": "export const add = (a, b) => a + b;\n" } });
    const r = await p.tick();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /idle: nothing to groom/);
    const memory = await p.ops.contents.get(memoryPath(p.name));
    assert.ok(memory, "the look at AGENTS.md was not recorded");
    const at = Date.parse((JSON.parse(memory.text) as Record<string, string>)["agents-md"] ?? "");
    assert.ok(Date.now() - at < 60_000, memory.text);
    // The next run is idle without writing again.
    const again = await p.tick();
    assert.match(again.out, /idle: nothing to groom/);
    assert.equal((await p.ops.contents.get(memoryPath(p.name)))?.sha, memory.sha);
  });
});
