// A backend that cannot run: a configuration problem is found before anything is claimed
// (exit 2, nothing written); a failure after the claim is said once on the issue, journalled,
// and the issue goes back to the backlog.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { devWorld, implementTask, type DevWorld, type Project } from "../fixtures/dev/world.ts";

let w: DevWorld;
before(async () => {
  w = await devWorld();
});
after(() => w.stop());

/** The project's config from the ops repo with its [backends.scripted] table replaced, as a local file. */
async function configWith(p: Project, backend: string): Promise<string> {
  const text = (await p.opsRepo.contents.get(`projects/${p.name}.toml`))!.text;
  const replaced = text.replace(/\[backends\.scripted\][\s\S]*?(?=\n\[)/, backend);
  const file = join(tmpdir(), `dev-backend-${p.name}-${process.pid}.toml`);
  await writeFile(file, replaced);
  return file;
}

async function opsCommits(p: Project): Promise<number> {
  const res = await fetch(`${w.sb.forge.url}/api/v1/repos/${p.ops.owner}/${p.ops.name}/commits?limit=50`, { headers: { authorization: `token ${w.sb.forge.users["admin"]!.token}` } });
  return ((await res.json()) as unknown[]).length;
}

describe("dev agent: backend checked before claiming", () => {
  for (const [what, backend, expect] of [
    ["a claude binary that does not exist", '[backends.scripted]\ntype = "claude-cli"\n', /backends\.scripted: claude-cli:\S+ cannot run: the Claude Code CLI `\/nonexistent\/claude` is not on PATH or not executable: install it/],
    ["a scripted script that does not exist", '[backends.scripted]\ntype = "scripted"\nscript = "/nonexistent/script.json"\n', /backends\.scripted\.script: cannot read \/nonexistent\/script\.json/],
    ["an openai endpoint nobody answers and a missing key", '[backends.scripted]\ntype = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\napi_key_env = "LLM_KEY"\n', /no API key: add the secret LLM_KEY/],
  ] as const) {
    it(`${what}: exit 2 with the fix, the issue untouched, nothing written to the ops repo`, async () => {
      const p = await w.project(`pre-${what.split(" ")[1]}`);
      const issue = await p.issue({ title: "Add sub" });
      const file = await configWith(p, backend);
      const before = await opsCommits(p);
      const t = await p.tick({ env: { DISINTO_CONFIG: file, DISINTO_CLAUDE_BIN: "/nonexistent/claude" } });
      assert.equal(t.code, 2, t.out);
      assert.match(t.out, expect);
      const now = await p.get(issue.number);
      assert.deepEqual(now.assignees, []);
      assert.deepEqual(now.labels, ["backlog"]);
      assert.equal(await opsCommits(p), before, "no lease, phase or journal written");
    });
  }
});

describe("dev agent: backend failure after the claim", () => {
  it("said once on the issue, journalled, released to the backlog; later ticks wait, and the same failure again says nothing new", async () => {
    const p = await w.project("fails-late");
    // No task matches the prompt: the backend answers an error without a single turn.
    await p.setScript([{ ...implementTask("Something else"), name: "other" }]);
    const issue = await p.issue({ title: "Add sub" });
    const t1 = await p.tick();
    assert.equal(t1.code, 1, t1.out);
    assert.match(t1.out, /the LLM backend scripted did not run .*released to the backlog/);
    const mine = async (): Promise<string[]> => (await p.comments(issue.number)).filter((c) => c.body.includes("backend_failed")).map((c) => c.body);
    assert.equal((await mine()).length, 1);
    assert.match((await mine())[0]!, /### LLM backend failed — issue #\d+[\s\S]*no task in the script matches[\s\S]*What to do:/);
    const released = await p.get(issue.number);
    assert.deepEqual(released.assignees, []);
    assert.ok(released.labels.includes("backlog") && !released.labels.includes("in-progress"), released.labels.join(","));
    const rec = await p.phase();
    assert.equal(rec?.phase, "idle");
    assert.match(rec?.history.at(-1)?.note ?? "", /^backend failed: /);
    const day = new Date().toISOString().slice(0, 10);
    assert.match((await p.opsRepo.contents.get(`journal/dev/${day}.md`))?.text ?? "", /- Outcome: failed — #\d+: the LLM backend scripted did not run/);

    const t2 = await p.tick();
    assert.equal(t2.code, 0, t2.out);
    assert.match(t2.out, /idle: not claiming: the LLM backend failed at/);
    assert.deepEqual((await p.get(issue.number)).assignees, []);

    // The retry time has passed: the same failure claims, fails and releases again, silently.
    const path = `state/${p.name}/dev/dev-bot.json`;
    const cur = (await p.opsRepo.contents.get(path))!;
    const doc = JSON.parse(cur.text) as { history: { at: string }[] };
    doc.history.at(-1)!.at = new Date(Date.now() - 3_600_000).toISOString();
    await p.opsRepo.contents.update(path, { text: JSON.stringify(doc, null, 2), message: "test: an hour later", sha: cur.sha });
    const t3 = await p.tick();
    assert.equal(t3.code, 1, t3.out);
    assert.equal((await mine()).length, 1, "the same failure is not commented twice");
    assert.ok((await p.get(issue.number)).labels.includes("backlog"));
  });
});
