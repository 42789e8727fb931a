// Everything that leaves the runner goes through the run's redactor: a secret the run knows,
// written into an issue title, a comment, a review, a commit status or an ops-repo file by an
// agent (or a model), reaches the sandbox forge masked — read back with a separate client.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ForgejoForge } from "../../src/forge/index.ts";
import { MASK, Redactor } from "../../src/lib/redact.ts";
import { startSandboxForge, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { api, unb64 } from "../helpers/sandbox-forge.ts";

const CANARY = "canary-Secret-7f3a9b2c41";

describe("request bodies on the wire", () => {
  let sandbox: SandboxForge;
  let forge: ForgejoForge;
  const repo = { owner: "admin", name: "redact" };

  before(async () => {
    sandbox = await startSandboxForge({ seed: "empty" });
    const redactor = new Redactor();
    redactor.add(CANARY);
    forge = new ForgejoForge({ url: sandbox.url, token: sandbox.users["admin"]!.token, redactor });
    await forge.createRepo({ name: repo.name, autoInit: true });
  });
  after(async () => {
    await forge.close();
    await sandbox.stop();
  });

  it("an issue, a comment and a commit status carrying a known secret are stored masked", async () => {
    const r = forge.repo(repo);
    const issue = await r.issues.create({ title: `leak ${CANARY}`, body: `the key is ${CANARY}` });
    await r.comments.create(issue.number, `Blocked: the run printed\n\n    FORGE_TOKEN=${CANARY}\n`);
    const sha = (await r.branches.get("main"))!.commitSha;
    await r.statuses.create(sha, { state: "failure", context: "disinto/review", description: `failed with ${CANARY}` });

    const raw = api(sandbox, "admin");
    const stored = JSON.stringify([
      (await raw("GET", `/repos/admin/redact/issues/${issue.number}`)).body,
      (await raw("GET", `/repos/admin/redact/issues/${issue.number}/comments`)).body,
      (await raw("GET", `/repos/admin/redact/commits/${sha}/statuses`)).body,
    ]);
    assert.doesNotMatch(stored, new RegExp(CANARY));
    const comments = (await raw("GET", `/repos/admin/redact/issues/${issue.number}/comments`)).body as { body: string }[];
    assert.equal(comments[0]?.body, `Blocked: the run printed\n\n    FORGE_TOKEN=${MASK}\n`);
    const got = (await raw("GET", `/repos/admin/redact/issues/${issue.number}`)).body as { title: string; body: string };
    assert.deepEqual({ title: got.title, body: got.body }, { title: `leak ${MASK}`, body: `the key is ${MASK}` });
  });

  it("a file written through the contents API has the secret masked, the rest of it intact", async () => {
    const r = forge.repo(repo);
    await r.contents.create("notes/run.md", { text: `# Run\n\nused ${CANARY} once\n`, message: "notes" });
    const file = (await api(sandbox, "admin")("GET", "/repos/admin/redact/contents/notes/run.md")).body as { content: string };
    assert.equal(unb64(file.content), `# Run\n\nused ${MASK} once\n`);
  });
});
