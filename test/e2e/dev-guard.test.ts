// What the dev agent checks before it pushes, on the sandbox forge: protected paths judged
// against commits recorded before the model ran (a model that moves origin/main cannot hide
// its change), the allow-protected-paths label, secrets added to files, and the redaction of
// what it publishes (PR body, commit message). Each run that acts is journalled.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Git } from "../../src/git/index.ts";
import type { RepoRef } from "../../src/forge/types.ts";
import { devWorld, implementTask, implemented, MATH_WITH_SUB, type DevWorld, type ScriptTask } from "../fixtures/dev/world.ts";

let w: DevWorld;
before(async () => {
  w = await devWorld();
});
after(() => w.stop());

const CI_FILE = ".woodpecker/deploy.yml";
const CI_TEXT = "when:\n  - event: manual\nsteps:\n  - name: deploy\n    image: alpine:3.20\n    commands: [\"true\"]\n";
/** The model commits its change itself and points the tree's refs at it, as if it were main already. */
const HIDE = "git add -A && git -c user.name=m -c user.email=m@example.invalid commit -qm deploy && git update-ref refs/remotes/origin/main HEAD && git update-ref refs/heads/main HEAD";

/** The full message of a branch's head commit, read from a fresh clone. */
async function headMessage(ref: RepoRef, branch: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "dev-guard-"));
  const git = await Git.clone({ url: `${w.sb.forge.url}/${ref.owner}/${ref.name}.git`, dir: join(dir, "repo"), auth: { username: "admin", secret: w.sb.forge.users["admin"]!.token }, branch, identity: { name: "t", email: "t@example.invalid" } });
  try {
    return (await git.run(["log", "-1", "--format=%B", "HEAD"])).stdout;
  } finally {
    await git.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

function sneaky(title: string): ScriptTask[] {
  const actions = [{ write: { path: CI_FILE, content: CI_TEXT } }, { write: { path: "src/math.js", content: MATH_WITH_SUB } }, { run: { command: HIDE } }];
  return [
    { name: "keep-it", match: "## Protected paths changed", actions: [], structured: implemented("Kept the deploy workflow.") },
    { ...implementTask(title), actions },
  ];
}

describe("dev agent: protected paths against recorded commits", () => {
  it("a model that commits a .woodpecker/ change and moves origin/main and main onto it is refused: escalation naming the path, nothing pushed", async () => {
    const p = await w.project("hide-refs");
    await p.setScript(sneaky("Add a deploy step"));
    const issue = await p.issue({ title: "Add a deploy step" });
    const t = await p.tick();
    assert.equal(t.code, 0, t.out);
    assert.match(t.out, /escalated: protected_paths/, t.out);
    const blocked = (await p.comments(issue.number)).filter((c) => c.body.includes(`### Blocked — issue #${issue.number}`));
    assert.equal(blocked.length, 1);
    assert.match(blocked[0]!.body, /\.woodpecker\/deploy\.yml/);
    assert.equal(await p.app.branches.get(`fix/issue-${issue.number}`), undefined, "nothing was pushed");
    assert.equal((await p.pulls("all")).length, 0);
  });

  it("with the allow-protected-paths label the same change is pushed and the PR opened", async () => {
    const p = await w.project("allowed");
    await p.setScript(sneaky("Add a deploy step"));
    const issue = await p.issue({ title: "Add a deploy step", labels: ["backlog", "allow-protected-paths"] });
    const t = await p.tick();
    assert.equal(t.code, 0, t.out);
    assert.match(t.out, new RegExp(`#${issue.number} → PR #\\d+ awaiting_ci`), t.out);
    const prs = await p.pulls("open");
    assert.equal(prs.length, 1);
    const onBranch = await p.app.contents.get(CI_FILE, { ref: `fix/issue-${issue.number}` });
    assert.equal(onBranch?.text, CI_TEXT);
    assert.equal((await p.phase())?.phase, "awaiting_ci");
  });
});

describe("dev agent: nothing secret leaves the runner", () => {
  it("a file with the run's forge token is not pushed: escalation naming the file, never the value", async () => {
    const p = await w.project("leak-file");
    const token = w.sb.forge.users["dev-bot"]!.token;
    await p.setScript([implementTask("Add sub", [{ write: { path: "config/debug.env", content: `# printed by env\nDISINTO_FORGE_TOKEN=${token}\n` } }])]);
    const issue = await p.issue({ title: "Add sub" });
    const t = await p.tick();
    assert.equal(t.code, 0, t.out);
    assert.match(t.out, /escalated: secret_in_diff/, t.out);
    const comments = await p.comments(issue.number);
    const blocked = comments.filter((c) => c.body.includes("secret_in_diff"));
    assert.equal(blocked.length, 1);
    assert.match(blocked[0]!.body, /config\/debug\.env/);
    assert.match(blocked[0]!.body, /a known secret value/);
    for (const c of comments) assert.ok(!c.body.includes(token), "the token is in a comment");
    assert.equal(await p.app.branches.get(`fix/issue-${issue.number}`), undefined, "nothing was pushed");
    assert.ok(!t.out.includes(token));
  });

  it("a token pattern nobody registered is refused too", async () => {
    const p = await w.project("leak-pattern");
    const gh = `ghp_${"Zx9Yw8Vu7T".repeat(4)}`;
    await p.setScript([implementTask("Add sub", [{ write: { path: "scripts/release.sh", content: `#!/bin/sh\ncurl -H "Authorization: token ${gh}" https://example.invalid\n` } }])]);
    const issue = await p.issue({ title: "Add sub" });
    const t = await p.tick();
    assert.match(t.out, /escalated: secret_in_diff/, t.out);
    const blocked = (await p.comments(issue.number)).filter((c) => c.body.includes("secret_in_diff"));
    assert.match(blocked[0]!.body, /scripts\/release\.sh`: a GitHub token/);
    assert.equal(await p.app.branches.get(`fix/issue-${issue.number}`), undefined);
  });

  it("a summary that quotes the token is masked in the PR body and the commit message; the tick is journalled, an idle tick is not", async () => {
    const p = await w.project("leak-summary");
    const token = w.sb.forge.users["dev-bot"]!.token;
    await p.setScript([{ ...implementTask("Add sub"), structured: implemented(`Adds sub(). Debug: FORGE_TOKEN is ${token}.`) }]);
    const issue = await p.issue({ title: "Add sub" });
    const t = await p.tick();
    assert.equal(t.code, 0, t.out);
    const pr = (await p.pulls("open"))[0];
    assert.ok(pr !== undefined, t.out);
    assert.ok(!pr.body.includes(token), pr.body);
    assert.match(pr.body, /FORGE_TOKEN is \*{8}/);
    const message = await headMessage(p.ref, pr.head.ref);
    assert.match(message, /^fix: Add sub/);
    assert.match(message, /FORGE_TOKEN is \*{8}/);
    assert.ok(!message.includes(token));

    const day = new Date().toISOString().slice(0, 10);
    const journal = await p.opsRepo.contents.get(`journal/dev/${day}.md`);
    assert.ok(journal !== undefined, "the dev agent journals");
    assert.match(journal.text, new RegExp(`#${issue.number} → PR #${pr.number} awaiting_ci`));
    assert.match(journal.text, /- Saw: 1 backlog issue/);
    assert.match(journal.text, /- Did: implementing \(claimed #\d+\) → awaiting_ci/);
    assert.ok(!journal.text.includes(token));

    await p.ciIdle();
    const t2 = await p.tick();
    assert.match(t2.out, /awaiting_review/, t2.out);
    const after2 = (await p.opsRepo.contents.get(`journal/dev/${day}.md`))?.text ?? "";
    assert.match(after2, /- Saw: #\d+ in flight, awaiting_ci \(PR #\d+\), CI success/);
    const idle = await p.tick();
    assert.match(idle.out, /idle:/);
    assert.equal((await p.opsRepo.contents.get(`journal/dev/${day}.md`))?.text, after2, "an idle tick writes no journal");
  });
});
