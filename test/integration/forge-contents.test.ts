// The contents API as a compare-and-swap store: decoded reads with blob sha, create / update /
// delete with sha, and every lost race as a typed ConflictError.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConflictError } from "../../src/forge/errors.ts";
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

const isConflict = (reason: string) => (e: unknown) => e instanceof ConflictError && e.reason === reason;

describe("forge contents", () => {
  it("returns undefined for a missing file", async () => {
    assert.equal(await repo.contents.get("locks/none.json"), undefined);
  });

  it("creates, reads (decoded text + blob sha), updates with sha and deletes with sha", async () => {
    const text = '{"holder":"dev","note":"ünïcødé ✓"}\n';
    const created = await repo.contents.create("locks/dev.json", { text, message: "acquire" });
    assert.match(created.sha ?? "", /^[0-9a-f]{40}$/);
    assert.match(created.commitSha ?? "", /^[0-9a-f]{40}$/);
    const read = await repo.contents.get("locks/dev.json");
    assert.equal(read?.text, text);
    assert.equal(read?.sha, created.sha);
    assert.equal(read?.path, "locks/dev.json");

    const updated = await repo.contents.update("locks/dev.json", { text: "{}\n", sha: read.sha, message: "renew" });
    assert.notEqual(updated.sha, read.sha);
    assert.equal((await repo.contents.get("locks/dev.json"))?.text, "{}\n");

    await repo.contents.delete("locks/dev.json", { sha: updated.sha ?? "", message: "release" });
    assert.equal(await repo.contents.get("locks/dev.json"), undefined);
  });

  it("creating an existing file is ConflictError(exists)", async () => {
    await repo.contents.create("locks/held.json", { text: "a", message: "first" });
    await assert.rejects(repo.contents.create("locks/held.json", { text: "b", message: "second" }), isConflict("exists"));
    assert.equal((await repo.contents.get("locks/held.json"))?.text, "a");
  });

  it("an update or delete with a stale sha is ConflictError(stale) and changes nothing", async () => {
    const c = await repo.contents.create("state/phase.json", { text: "1", message: "v1" });
    const stale = c.sha ?? "";
    await repo.contents.update("state/phase.json", { text: "2", sha: stale, message: "v2" });
    await assert.rejects(repo.contents.update("state/phase.json", { text: "3", sha: stale, message: "v3" }), isConflict("stale"));
    await assert.rejects(repo.contents.delete("state/phase.json", { sha: stale, message: "rm" }), isConflict("stale"));
    assert.equal((await repo.contents.get("state/phase.json"))?.text, "2");
  });

  it("two writers racing from the same sha: exactly one wins, the other gets a ConflictError", async () => {
    const c = await repo.contents.create("state/race.json", { text: "0", message: "init" });
    const other = fx.client("dev-bot").repo(fx.repo);
    const results = await Promise.allSettled([
      repo.contents.update("state/race.json", { text: "A", sha: c.sha ?? "", message: "A" }),
      other.contents.update("state/race.json", { text: "B", sha: c.sha ?? "", message: "B" }),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.ok(lost[0]?.status === "rejected" && lost[0].reason instanceof ConflictError, String(lost[0]?.status === "rejected" ? lost[0].reason : ""));
    const final = await repo.contents.get("state/race.json");
    assert.ok(final?.text === "A" || final?.text === "B");
  });

  it("reads and writes on another branch", async () => {
    const main = (await fx.dev.getRepo(fx.repo))?.defaultBranch ?? "main";
    await repo.branches.create("ops-side", main);
    await repo.contents.create("side.txt", { text: "side", message: "side", branch: "ops-side" });
    assert.equal(await repo.contents.get("side.txt"), undefined);
    assert.equal((await repo.contents.get("side.txt", { ref: "ops-side" }))?.text, "side");
  });

  it("a forced CAS conflict from the server surfaces as ConflictError", async () => {
    const c = await repo.contents.create("state/cas.json", { text: "x", message: "x" });
    fx.sandbox.setFaults([{ route: "* /api/v1/**", casConflictRate: 1 }]);
    try {
      await assert.rejects(repo.contents.update("state/cas.json", { text: "y", sha: c.sha ?? "", message: "y" }), ConflictError);
    } finally {
      fx.sandbox.setFaults([]);
    }
    assert.equal((await repo.contents.get("state/cas.json"))?.text, "x");
  });
});
