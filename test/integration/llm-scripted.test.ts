// The scripted backend end to end: script files, the shared tools and limits, the factory.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { z } from "zod";
import { ConfigError } from "../../src/lib/errors.ts";
import { createBackend } from "../../src/llm/factory.ts";
import { ScriptedBackend } from "../../src/llm/scripted/backend.ts";
import { tryBackend } from "../../src/llm/try.ts";
import type { RunTask } from "../../src/llm/types.ts";
import { collectingLog } from "../fakes/log.ts";

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), "llm-scripted-"));
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "src", "a.ts"), "export const a = 1;\n");
  return dir;
}

const task = (cwd: string, over: Partial<RunTask> = {}): RunTask => ({
  cwd,
  prompt: "Fix issue #7: a should be 2",
  tools: "edit",
  limits: { maxTurns: 10, deadline: Date.now() + 30_000 },
  env: {},
  log: collectingLog(),
  ...over,
});

const TOML = `
[[tasks]]
name = "fix-7"
match = "issue #7"
costUsd = 0.25
usage = { inputTokens = 1000, outputTokens = 200 }
result = { text = "Fixed a." }

[[tasks.actions]]
edit = { path = "src/a.ts", old = "a = 1", new = "a = 2" }

[[tasks.actions]]
write = { path = "CHANGELOG.md", content = "- a is 2\\n" }

[[tasks.actions]]
run = { command = "grep -c 'a = 2' src/a.ts" }

[[tasks]]
name = "review"
match = "^Review"
result = { text = "", structured = { verdict = "approve" } }
`;

describe("scripted backend", () => {
  it("runs a TOML script through the shared tools, announcing itself", async () => {
    const cwd = workdir();
    const file = join(cwd, "..", `${Date.now()}-script.toml`);
    writeFileSync(file, TOML);
    const backend = await createBackend({ type: "scripted", script: file });
    const log = collectingLog();
    const r = await backend.run(task(cwd, { log }));
    assert.equal(r.status, "ok", r.reason);
    assert.equal(r.text, "Fixed a.");
    assert.equal(readFileSync(join(cwd, "src/a.ts"), "utf8"), "export const a = 2;\n");
    assert.equal(readFileSync(join(cwd, "CHANGELOG.md"), "utf8"), "- a is 2\n");
    assert.equal(r.turns, 4);
    assert.equal(r.costUsd, 0.25);
    assert.equal(r.usage.inputTokens, 1000);
    assert.match(log.lines[0] ?? "", /^info scripted backend: task fix-7/);
    assert.ok(log.lines.includes("info edit src/a.ts"));
    assert.ok(log.lines.includes("info bash grep -c 'a = 2' src/a.ts"));
    assert.match(readFileSync(r.transcriptPath, "utf8"), /"output":"exit code 0\\n1\\n"/);
  });

  it("returns a validated structured result, and rejects an invalid one", async () => {
    const cwd = workdir();
    const backend = new ScriptedBackend({ tasks: [{ match: "^Review", result: { structured: { verdict: "approve" } } }] });
    const ok = await backend.run({ ...task(cwd, { prompt: "Review PR #3", tools: "read-only" }), resultSchema: z.object({ verdict: z.enum(["approve", "reject"]) }) });
    assert.equal(ok.status, "ok");
    assert.deepEqual(ok.result, { verdict: "approve" });
    const bad = await backend.run({ ...task(cwd, { prompt: "Review PR #3", tools: "read-only" }), resultSchema: z.object({ verdict: z.enum(["merge"]) }) });
    assert.equal(bad.status, "error");
    assert.equal(bad.result, undefined);
  });

  it("uses unmatched tasks in order and errors when the script runs out", async () => {
    const cwd = workdir();
    const backend = new ScriptedBackend({ tasks: [{ result: { text: "one" } }, { result: { text: "two" } }] });
    assert.equal((await backend.run(task(cwd))).text, "one");
    assert.equal((await backend.run(task(cwd))).text, "two");
    const r = await backend.run(task(cwd));
    assert.equal(r.status, "error");
    assert.match(r.reason ?? "", /no task in the script matches/);
  });

  it("is confined like the model backends and honours the read-only policy", async () => {
    const cwd = workdir();
    const backend = new ScriptedBackend({ tasks: [{ actions: [{ write: { path: "../escaped.txt", content: "x" } }, { write: { path: "inside.txt", content: "x" } }] }] });
    const r = await backend.run(task(cwd, { tools: "read-only" }));
    assert.equal(r.status, "ok");
    assert.equal(existsSync(join(cwd, "..", "escaped.txt")), false);
    assert.equal(existsSync(join(cwd, "inside.txt")), false, "read-only: no writes");
    const edit = await new ScriptedBackend({ tasks: [{ actions: [{ write: { path: "../escaped.txt", content: "x" } }] }] }).run(task(cwd));
    assert.equal(edit.status, "ok");
    assert.equal(existsSync(join(cwd, "..", "escaped.txt")), false);
  });

  it("enforces limits between actions: budget stops the run and keeps earlier work", async () => {
    const cwd = workdir();
    const backend = new ScriptedBackend({
      tasks: [
        {
          actions: [
            { write: { path: "one.txt", content: "1" }, costUsd: 0.6 },
            { write: { path: "two.txt", content: "2" }, costUsd: 0.6 },
            { write: { path: "three.txt", content: "3" }, costUsd: 0.6 },
          ],
        },
      ],
    });
    const r = await backend.run(task(cwd, { limits: { maxTurns: 10, deadline: Date.now() + 30_000, maxCostUsd: 1 } }));
    assert.equal(r.status, "budget");
    assert.equal(readFileSync(join(cwd, "one.txt"), "utf8"), "1");
    assert.equal(readFileSync(join(cwd, "two.txt"), "utf8"), "2");
    assert.equal(existsSync(join(cwd, "three.txt")), false);
    assert.ok(Math.abs(r.costUsd - 1.2) < 1e-9);
  });

  it("stops a long command at the run's deadline", async () => {
    const cwd = workdir();
    const backend = new ScriptedBackend({ tasks: [{ actions: [{ write: { path: "before.txt", content: "kept" } }, { run: { command: "sleep 20" } }, { write: { path: "after.txt", content: "x" } }] }] });
    const started = Date.now();
    const r = await backend.run(task(cwd, { limits: { maxTurns: 10, deadline: Date.now() + 700 } }));
    assert.equal(r.status, "deadline");
    assert.ok(Date.now() - started < 5000);
    assert.equal(readFileSync(join(cwd, "before.txt"), "utf8"), "kept");
    assert.equal(existsSync(join(cwd, "after.txt")), false);
  });

  it("maxTurns counts actions", async () => {
    const cwd = workdir();
    const backend = new ScriptedBackend({ tasks: [{ actions: [{ read: { path: "src/a.ts" } }, { read: { path: "src/a.ts" } }, { read: { path: "src/a.ts" } }] }] });
    const r = await backend.run(task(cwd, { limits: { maxTurns: 2, deadline: Date.now() + 30_000 } }));
    assert.equal(r.status, "max_turns");
    assert.equal(r.turns, 2);
  });
});

describe("createBackend", () => {
  it("requires an explicit type: nothing falls back to the scripted backend", async () => {
    await assert.rejects(createBackend({ script: { tasks: [{}] } }), ConfigError);
    await assert.rejects(createBackend({}), ConfigError);
    await assert.rejects(createBackend({ type: "scripted", script: { tasks: [] } }), ConfigError);
    const b = await createBackend({ type: "openai", baseUrl: "http://127.0.0.1:1", model: "m" });
    assert.equal(b.kind, "openai");
    const c = await createBackend({ type: "claude-cli", model: "opus" });
    assert.equal(c.name, "claude-cli:opus");
  });

  it("names the file and key of a bad script", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "llm-script-")), "bad.json");
    writeFileSync(file, JSON.stringify({ tasks: [{ actions: [{ delete: "everything" }] }] }));
    await assert.rejects(createBackend({ type: "scripted", script: file }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /bad\.json: tasks\.0\.actions\.0/);
      return true;
    });
  });
});

describe("tryBackend", () => {
  it("summarises a run in one line", async () => {
    const backend = new ScriptedBackend({ tasks: [{ result: { text: "ready" }, usage: { inputTokens: 1500, outputTokens: 3 }, costUsd: 0.0021 }] });
    const s = await tryBackend(backend, { cwd: workdir(), log: collectingLog(), env: {} });
    assert.equal(s.ok, true);
    assert.match(s.line, /^scripted: ok · 1 turns · 1\.5k tok · \$0\.0021 · \d+\.\ds — "ready"$/);
  });
});
