// Labels by name: the catalogue, ensure-exists, add/remove/replace on an issue, name → id
// resolution cached once per repo handle, and loud failures for names the repo does not have.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { UnknownLabelError } from "../../src/forge/errors.ts";
import type { RepoForge } from "../../src/forge/types.ts";
import { forgeFixture, type ForgeFixture } from "./forge-fixture.ts";

let fx: ForgeFixture;
let repo: RepoForge;

before(async () => {
  fx = await forgeFixture();
  repo = fx.dev.repo(fx.repo);
});

after(async () => {
  await fx.stop();
});

describe("forge labels", () => {
  it("creates a label and normalises its color", async () => {
    const l = await repo.labels.create({ name: "bug-report", color: "#D73A4A", description: "from users" });
    assert.equal(l.name, "bug-report");
    assert.equal(l.color, "d73a4a");
    assert.equal(l.description, "from users");
    assert.ok((await repo.labels.list()).some((x) => x.id === l.id));
  });

  it("ensure() creates only what is missing and never duplicates", async () => {
    const specs = [
      { name: "backlog", color: "0075ca" },
      { name: "priority", color: "b60205" },
      { name: "phase/review", color: "cccccc", exclusive: true },
    ];
    const first = await repo.labels.ensure(specs);
    const second = await fx.dev.repo(fx.repo).labels.ensure(specs);
    assert.deepEqual(
      second.map((l) => l.id),
      first.map((l) => l.id),
    );
    const fresh = fx.client("dev-bot").repo(fx.repo);
    await fresh.labels.ensure(specs);
    const names = (await fresh.labels.list()).map((l) => l.name);
    for (const s of specs) assert.equal(names.filter((n) => n === s.name).length, 1, s.name);
    assert.equal(first[2]?.exclusive, true);
  });

  it("adds, removes and replaces labels on an issue by name", async () => {
    const i = await repo.issues.create({ title: "labelled" });
    assert.deepEqual((await repo.labels.add(i.number, ["backlog"])).sort(), ["backlog"]);
    assert.deepEqual((await repo.labels.add(i.number, ["priority", "backlog"])).sort(), ["backlog", "priority"]);
    await repo.labels.remove(i.number, "backlog");
    assert.deepEqual(await repo.labels.onIssue(i.number), ["priority"]);
    assert.deepEqual((await repo.labels.replace(i.number, ["bug-report", "backlog"])).sort(), ["backlog", "bug-report"]);
    assert.deepEqual(await repo.labels.replace(i.number, []), []);
    assert.deepEqual((await repo.issues.get(i.number))?.labels, []);
  });

  it("resolves names to ids once per repo handle", async () => {
    const f = fx.client("dev-bot");
    const r = f.repo(fx.repo);
    const listings = (): number => f.requestStats().byRoute["GET /repos/{owner}/{repo}/labels"] ?? 0;
    const ids1 = await r.labels.resolve(["backlog", "priority"]);
    const ids2 = await r.labels.resolve(["priority"]);
    const i = await r.issues.create({ title: "cached", labels: ["backlog"] });
    await r.labels.add(i.number, ["priority"]);
    await f.repo(fx.repo).labels.remove(i.number, "backlog");
    assert.equal(listings(), 1, "one listing for all of those calls");
    assert.equal(ids2[0], ids1[1]);
  });

  it("picks up a label created elsewhere after the cache was filled (one refresh)", async () => {
    const r = fx.client("dev-bot").repo(fx.repo);
    await r.labels.resolve(["backlog"]);
    await fx.review.repo(fx.repo).labels.create({ name: "late", color: "123456" });
    const [id] = await r.labels.resolve(["late"]);
    assert.ok(typeof id === "number");
  });

  describe("unknown names fail loudly instead of being dropped by the server", () => {
    it("on add", async () => {
      const i = await repo.issues.create({ title: "typo" });
      await assert.rejects(repo.labels.add(i.number, ["backlog", "in-progres"]), (err: unknown) => {
        assert.ok(err instanceof UnknownLabelError);
        assert.deepEqual(err.names, ["in-progres"]);
        assert.match(err.message, /unknown label "in-progres"/);
        return true;
      });
      assert.deepEqual(await repo.labels.onIssue(i.number), [], "nothing half-applied");
    });

    it("on create, replace and remove", async () => {
      const before = (await repo.issues.list({ state: "all" })).length;
      await assert.rejects(repo.issues.create({ title: "x", labels: ["nope"] }), UnknownLabelError);
      assert.equal((await repo.issues.list({ state: "all" })).length, before, "no issue created");
      await assert.rejects(repo.labels.replace(1, ["nope"]), UnknownLabelError);
      await assert.rejects(repo.labels.remove(1, "nope"), UnknownLabelError);
    });

    it("in an issue-list filter (the server would return every issue)", async () => {
      await assert.rejects(repo.issues.list({ labels: ["does-not-exist"] }), UnknownLabelError);
    });
  });
});
