// An agent run leaves no temporary files behind: its working trees and its LLM transcripts
// live in the run's work dir, which is removed when the run ends — unless `keep_work_dir`
// asks to keep it. Each dev tick runs as a process from its entrypoint, with a TMPDIR of its
// own that must be empty afterwards; the ticks do real work (claim, model run, push, PR).
import assert from "node:assert/strict";
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fakeClaude } from "../fakes/fake-claude.ts";
import { devWorld, implementTask, MATH_WITH_SUB, type DevWorld, type Project } from "../fixtures/dev/world.ts";

let w: DevWorld;
let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "agent-tempdirs-"));
  // The claude-cli run's model user (tests run as root) must reach the fake CLI and its TMPDIR.
  await chmod(scratch, 0o711);
  w = await devWorld();
});
after(async () => {
  await w.stop();
  await rm(scratch, { recursive: true, force: true });
});

/** A fresh TMPDIR for one tick, the work dir left at its default (a directory under it). */
async function privateTmp(name: string): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(scratch, `${name}-tmp-`));
  await chmod(dir, 0o711);
  return { TMPDIR: dir, DISINTO_WORK_DIR: dir };
}

/** Everything under `dir`, as paths relative to it. */
async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

async function implementOnce(p: Project, env: Record<string, string>): Promise<string> {
  const issue = await p.issue({ title: "Add sub", body: "Add a `sub(a, b)` function." });
  const t = await p.tickProcess({ env });
  assert.equal(t.code, 0, t.out);
  // The model ran: a run that never got to it would prove nothing about its transcript.
  assert.match(t.out, new RegExp(`dev: #${issue.number} → PR #\\d+ awaiting_ci`), t.out);
  return t.out;
}

describe("agent runs leave no temp files", () => {
  it("a dev tick with the scripted backend that does work leaves its TMPDIR empty", async () => {
    const p = await w.project("tmp-scripted", { testCommand: "sh ci/test.sh" });
    await p.setScript([implementTask("Add sub")]);
    const env = await privateTmp("scripted");
    await implementOnce(p, env);
    assert.deepEqual(await tree(env.TMPDIR!), []);
  });

  it("a dev tick with the claude-cli backend (the fake claude) leaves its TMPDIR empty", async () => {
    const p = await w.project("tmp-claude", { testCommand: "sh ci/test.sh" });
    const fake = fakeClaude(scratch, [
      { type: "init" },
      { type: "write", path: "src/math.js", content: MATH_WITH_SUB },
      { type: "assistant", text: "Added sub." },
      { type: "result", structured_output: { status: "implemented", summary: "Adds `sub()`." } },
    ]);
    const path = `projects/${p.name}.toml`;
    const cur = await p.opsRepo.contents.get(path);
    assert.ok(cur);
    const text = `${cur.text.replace('[identities.dev]\nlogin = "dev-bot"\ntoken_secret = "FORGE_DEV_TOKEN"\nbackend = "scripted"', '[identities.dev]\nlogin = "dev-bot"\ntoken_secret = "FORGE_DEV_TOKEN"\nbackend = "claude"')}\n[backends.claude]\ntype = "claude-cli"\n`;
    assert.notEqual(text.indexOf('backend = "claude"'), -1, "the config's dev identity was not switched to the claude backend");
    await p.opsRepo.contents.update(path, { text, message: "test: the claude-cli backend", sha: cur.sha });
    const env = await privateTmp("claude");
    await implementOnce(p, { ...env, DISINTO_CLAUDE_BIN: fake.binary, ANTHROPIC_API_KEY: "sk-ant-test-not-a-key" });
    assert.ok(fake.dump().argv.includes("-p"), "the fake claude never ran");
    assert.deepEqual(await tree(env.TMPDIR!), []);
  });

  it("keep_work_dir keeps the run's work dir, with the tree and the transcript, and says where it is", async () => {
    const p = await w.project("tmp-keep", { testCommand: "sh ci/test.sh" });
    await p.setScript([implementTask("Add sub")]);
    const env = await privateTmp("keep");
    const out = await implementOnce(p, { ...env, DISINTO_KEEP_WORK_DIR: "true" });
    const kept = (await readdir(env.TMPDIR!)).filter((e) => e.startsWith("disinto-dev-"));
    assert.ok(kept.length >= 1, `nothing kept in ${env.TMPDIR!}`);
    for (const d of kept) assert.ok(out.includes(join(env.TMPDIR!, d)), `the log does not say where ${d} is:\n${out}`);
    const files = (await Promise.all(kept.map(async (d) => (await tree(join(env.TMPDIR!, d))).map((f) => `${d}/${f}`)))).flat();
    assert.ok(files.some((f) => /\/transcript-1\.jsonl$/.test(f)), files.join("\n"));
    assert.ok(files.some((f) => /\/repo\/src\/math\.js$/.test(f)), files.join("\n"));
  });
});
