// The review agent's trivial follow-ups go to the gardener's dust ledger, not to new issues:
// on the sandbox forge, fileFollowUps files the behavioural finding as a tech-debt issue and
// writes the cosmetic ones (isDustFinding) to gardener/dust.jsonl in the ops repo — once per
// finding however often the same review runs — where the gardener's survey finds a group of
// three and picks it for bundling.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { addDust, DUST_PATH, readDust } from "../../src/agents/gardener/dust.ts";
import { survey } from "../../src/agents/gardener/survey.ts";
import { fileFollowUps } from "../../src/agents/review/followups.ts";
import type { Finding } from "../../src/agents/review/verdict.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import { startSandboxForge, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { StateStore } from "../../src/state/store.ts";

const FINDINGS: Finding[] = [
  { severity: "medium", file: "src/math.js", line: 1, message: "add() does not validate its arguments.", introduced_by_pr: false },
  { severity: "low", file: "src/math.js", line: 2, message: "Typo in the doc comment: 'teh'.", introduced_by_pr: false },
  { severity: "low", file: "src/math.js", line: 4, message: "Rename the variable `x` to `sum`.", introduced_by_pr: false },
  { severity: "medium", file: "src/util.js", line: 9, message: "Unused import of `fs`.", introduced_by_pr: false },
  { severity: "low", file: "src/math.js", line: 7, message: "Trailing whitespace.", introduced_by_pr: false },
];

describe("review follow-ups: dust to the ledger, the rest to issues", () => {
  let sandbox: SandboxForge;
  let forge: ForgejoForge;
  before(async () => {
    sandbox = await startSandboxForge({ seed: "empty" });
    forge = new ForgejoForge({ url: sandbox.url, token: sandbox.users["admin"]!.token });
    await forge.createRepo({ name: "app", autoInit: true });
    await forge.createRepo({ name: "app-ops", autoInit: true });
  });
  after(async () => {
    await forge.close();
    await sandbox.stop();
  });

  it("files the behavioural finding as an issue, writes the cosmetic ones to the ledger once, and the survey bundles the group of three", async () => {
    const repo = forge.repo({ owner: "admin", name: "app" });
    const state = new StateStore({ contents: forge.repo({ owner: "admin", name: "app-ops" }).contents, author: { agent: "review", identity: "review-bot" } });
    const now = new Date();
    const run = () => fileFollowUps(repo, { label: "tech-debt", pr: 12, sha: "abcdef1234567", findings: FINDINGS, max: 5, redact: (s) => s, dust: { add: (e) => addDust(state, e, now), now } });
    const first = await run();
    assert.deepEqual(first.created.map((i) => i.title), ["add() does not validate its arguments (src/math.js)"]);
    assert.equal(first.dust.length, 4);
    const second = await run();
    assert.deepEqual(second.created, []);
    const ledger = await readDust(state, now);
    assert.equal(ledger.length, 4, (await state.readText(DUST_PATH))?.value);
    assert.deepEqual([...new Set(ledger.map((e) => e.group))].sort(), ["src"]);
    assert.ok(ledger.every((e) => e.source === "PR #12" && e.issue === undefined));
    const pick = survey({ issues: [], dust: ledger, now });
    assert.equal(pick?.task, "bundle-dust");
    assert.equal(pick.entries?.length, 4);
  });
});
