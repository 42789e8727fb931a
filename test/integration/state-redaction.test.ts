// Everything the state store writes to the ops repo goes through the run's redactor: journal
// entries, phase records, ledger lines, leases, commits of several files and the session
// transcripts inside their gzip+base64 — read back through the sandbox forge, never the store.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { startSandboxForge, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import { Redactor } from "../../src/lib/redact.ts";
import { OpsRepoSessionStore } from "../../src/llm/ops-repo.ts";
import { encodeSession } from "../../src/llm/session.ts";
import { Leases, PhaseStore, StateStore, appendJournal, journalPath } from "../../src/state/index.ts";

const CANARY = "canary-3f9a1c7e5b2d4680";

describe("the state store redacts what it writes", () => {
  let sandbox: SandboxForge;
  let forge: ForgejoForge;
  let n = 0;

  async function repo(): Promise<{ store: StateStore; raw: (path: string) => Promise<string> }> {
    const name = `ops-redact-${++n}`;
    await forge.createRepo({ name, autoInit: true });
    const contents = forge.repo({ owner: "admin", name }).contents;
    const redactor = new Redactor();
    redactor.add(CANARY);
    const store = new StateStore({ contents, author: { agent: "dev", identity: "dev-bot" }, redactor });
    const raw = async (path: string): Promise<string> => {
      const f = await contents.get(path);
      assert.ok(f, `${path} exists`);
      return f.text;
    };
    return { store, raw };
  }

  before(async () => {
    sandbox = await startSandboxForge({ seed: "empty" });
    forge = new ForgejoForge({ url: sandbox.url, token: sandbox.users["admin"]!.token });
  });
  after(async () => {
    await forge.close();
    await sandbox.stop();
  });

  it("a journal entry, a phase record, a commit and a lease are stored without the canary, and stay usable", async () => {
    const { store, raw } = await repo();
    const at = new Date();
    await appendJournal(store, "dev", { at, title: `pushed with ${CANARY}`, body: `FORGE_TOKEN=${CANARY}\nghp_${"a".repeat(30)} leaked` });
    const journal = await raw(journalPath("dev", at));
    assert.doesNotMatch(journal, new RegExp(CANARY));
    assert.doesNotMatch(journal, /ghp_a{30}/, "pattern redaction applies too");
    assert.match(journal, /pushed with \*{8}/);

    const leases = new Leases(store);
    const got = await leases.acquire("dev/shop/dev-bot", { ttlMs: 60_000, holder: { id: "dev/dev-bot@1" } });
    assert.ok(got.acquired);
    // The lease's random token is not a credential: masking it would make the lease unreleasable.
    assert.equal((await leases.inspect("dev/shop/dev-bot"))?.token, got.lease.token);
    const phases = new PhaseStore(store);
    const rec = await phases.write(got.lease, "shop", "dev-bot", () => ({ phase: "implementing", issue: 12, branch: `fix/${CANARY}`, note: `claimed, token ${CANARY}` }), "claim #12");
    assert.equal(rec.branch, "fix/********", "the caller gets back what is stored");
    const phaseText = await raw("state/shop/dev/dev-bot.json");
    assert.doesNotMatch(phaseText, new RegExp(CANARY));
    const parsed = JSON.parse(phaseText) as { branch: string; history: { note?: string }[]; fence: number };
    assert.equal(parsed.branch, "fix/********");
    assert.equal(parsed.history[0]?.note, "claimed, token ********");
    assert.equal(parsed.fence, got.lease.fence);

    await store.commit([{ operation: "create", path: "ledger/x.jsonl", text: `${JSON.stringify({ id: "1", note: CANARY })}\n${JSON.stringify({ id: "2" })}\n` }], `ledger ${CANARY}`);
    const lines = (await raw("ledger/x.jsonl")).trim().split("\n").map((l) => JSON.parse(l) as { id: string; note?: string });
    assert.deepEqual(lines, [{ id: "1", note: "********" }, { id: "2" }], "JSON lines stay JSON lines");
    assert.equal(await leases.release(got.lease), true);
  });

  it("a session transcript is redacted before compression", async () => {
    const { store, raw } = await repo();
    const sessions = new OpsRepoSessionStore(store, { project: "shop", agent: "dev" });
    const transcript = [
      JSON.stringify({ type: "user", message: { content: `use ${CANARY} to log in` } }),
      JSON.stringify({ type: "assistant", message: { content: "done" } }),
      "",
    ].join("\n");
    await sessions.save("issue-12", encodeSession("claude-cli", transcript, "sess-1"));
    const doc = JSON.parse(await raw(sessions.path("issue-12"))) as { data: string; bytes: number };
    const payload = gunzipSync(Buffer.from(doc.data, "base64")).toString("utf8");
    assert.doesNotMatch(payload, new RegExp(CANARY));
    assert.match(payload, /use \*{8} to log in/);
    assert.equal(doc.bytes, Buffer.byteLength(payload));
    const loaded = await sessions.load("issue-12");
    assert.equal(loaded?.sessionId, "sess-1");
  });
});
