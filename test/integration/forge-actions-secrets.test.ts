// A repository's Actions secrets through the Forgejo client against the sandbox forge: set
// creates then updates (the forge upper-cases the name), the list names them without values,
// only repo admins may touch them, a name the forge would refuse or an empty value is refused
// before any request, and the value is registered with the run's redactor.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { HttpError } from "../../src/http/errors.ts";
import { UsageError } from "../../src/lib/errors.ts";
import { Redactor } from "../../src/lib/redact.ts";
import { forgeFixture, type ForgeFixture } from "./forge-fixture.ts";

let fx: ForgeFixture;

before(async () => {
  fx = await forgeFixture();
});

after(async () => {
  await fx.stop();
});

const slug = (): string => `${fx.repo.owner}/${fx.repo.name}`;

describe("forge Actions secrets", () => {
  it("creates, then updates; the list names the secret upper-cased and never holds a value", async () => {
    const secrets = fx.dev.repo(fx.repo).actionsSecrets;
    assert.equal(await secrets.set("deploy_key", "first-value-1234"), "created");
    assert.deepEqual(fx.sandbox.actionsSecrets(slug()), { DEPLOY_KEY: "first-value-1234" });
    assert.equal(await secrets.set("DEPLOY_KEY", "second-value-5678"), "updated");
    assert.deepEqual(fx.sandbox.actionsSecrets(slug()), { DEPLOY_KEY: "second-value-5678" });
    const listed = await secrets.list();
    assert.deepEqual(
      listed.map((s) => s.name),
      ["DEPLOY_KEY"],
    );
    assert.ok(listed[0]!.createdAt instanceof Date);
    assert.ok(!JSON.stringify(listed).includes("value-"), "no value in the list");
  });

  it("lists every page", async () => {
    const secrets = fx.dev.repo(fx.repo).actionsSecrets;
    const names = Array.from({ length: 35 }, (_, i) => `BULK_${String(i).padStart(2, "0")}`);
    for (const n of names) await secrets.set(n, `v-${n}`);
    const listed = (await secrets.list()).map((s) => s.name);
    assert.deepEqual(listed.filter((n) => n.startsWith("BULK_")), names);
    for (const n of names) assert.equal(await secrets.delete(n), true);
  });

  it("deletes, and says when there was nothing to delete", async () => {
    const secrets = fx.dev.repo(fx.repo).actionsSecrets;
    await secrets.set("GONE_SOON", "x-value");
    assert.equal(await secrets.delete("gone_soon"), true);
    assert.equal(await secrets.delete("GONE_SOON"), false);
    assert.equal(fx.sandbox.actionsSecrets(slug()).GONE_SOON, undefined);
  });

  it("a write collaborator may neither list nor set them (403); a missing repo is 404", async () => {
    const asReviewer = fx.review.repo(fx.repo).actionsSecrets;
    await assert.rejects(asReviewer.list(), (err: unknown) => err instanceof HttpError && err.status === 403);
    await assert.rejects(asReviewer.set("SNEAKY", "nope-value"), (err: unknown) => err instanceof HttpError && err.status === 403);
    assert.equal(fx.sandbox.actionsSecrets(slug()).SNEAKY, undefined);
    await assert.rejects(fx.dev.repo({ owner: "dev-bot", name: "no-such-repo" }).actionsSecrets.list(), (err: unknown) => err instanceof HttpError && err.status === 404);
  });

  it("refuses a name the forge would refuse, or an empty value, before sending anything", async () => {
    const forge = fx.client("dev-bot");
    const secrets = forge.repo(fx.repo).actionsSecrets;
    const sent = forge.requestStats().total;
    for (const name of ["GITEA_TOKEN", "github_token", "Forgejo_X", "1ST", "WITH-DASH", "", "A B"]) {
      await assert.rejects(secrets.set(name, "some-value"), (err: unknown) => err instanceof UsageError && err.message.includes(JSON.stringify(name)), name);
    }
    await assert.rejects(secrets.set("EMPTY_ONE", ""), (err: unknown) => err instanceof UsageError && /must not be empty/.test(err.message));
    assert.equal(forge.requestStats().total, sent, "no request was sent");
  });

  it("registers the value with the run's redactor before it leaves", async () => {
    const redactor = new Redactor();
    const forge = fx.client("dev-bot", { redactor });
    await forge.repo(fx.repo).actionsSecrets.set("MASKED_ONE", "plain-looking-value-42");
    assert.ok(!redactor.redact("log line with plain-looking-value-42").includes("plain-looking-value-42"));
    assert.equal(fx.sandbox.actionsSecrets(slug()).MASKED_ONE, "plain-looking-value-42", "the value itself is sent unmasked");
  });
});
