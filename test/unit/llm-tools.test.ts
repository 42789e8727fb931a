import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { llmEnv } from "../../src/llm/env.ts";
import { HeadTail, runCommand } from "../../src/llm/tools/command.ts";
import { executeTool, functionTools, toolContext } from "../../src/llm/tools/toolbox.ts";
import type { ToolContext } from "../../src/llm/tools/toolbox.ts";
import { z } from "zod";
import { waitUntilGone } from "../fakes/process.ts";

function tree(): { root: string; outside: string; ctx: ToolContext } {
  const base = mkdtempSync(join(tmpdir(), "llm-tools-"));
  const root = join(base, "tree");
  const outside = join(base, "outside");
  mkdirSync(join(root, "src"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, "src", "a.ts"), "export const a = 1;\nexport const b = 2;\n");
  writeFileSync(join(root, "README.md"), "hello\nworld hello\n");
  writeFileSync(join(outside, "secret.txt"), "outside secret");
  return { root, outside, ctx: toolContext(root, llmEnv(), 10_000, Date.now() + 60_000) };
}

describe("path confinement", () => {
  it("refuses ../ escapes for reads and writes", async () => {
    const { ctx, outside } = tree();
    const r = await executeTool("read_file", { path: "../outside/secret.txt" }, "edit", ctx);
    assert.equal(r.ok, false);
    assert.match(r.output, /escapes the working tree/);
    const w = await executeTool("write_file", { path: "src/../../outside/new.txt", content: "x" }, "edit", ctx);
    assert.equal(w.ok, false);
    assert.equal(existsSync(join(outside, "new.txt")), false);
  });

  it("refuses absolute paths outside the tree and accepts absolute paths inside", async () => {
    const { ctx, root, outside } = tree();
    const r = await executeTool("read_file", { path: join(outside, "secret.txt") }, "edit", ctx);
    assert.equal(r.ok, false);
    assert.match(r.output, /outside the working tree/);
    const ok = await executeTool("read_file", { path: join(root, "README.md") }, "edit", ctx);
    assert.equal(ok.ok, true);
    assert.match(ok.output, /world hello/);
    const etc = await executeTool("list_files", { path: "/etc" }, "edit", ctx);
    assert.equal(etc.ok, false);
  });

  it("refuses symlinks that resolve outside, for reading, writing through, and dangling targets", async () => {
    const { ctx, root, outside } = tree();
    symlinkSync(join(outside, "secret.txt"), join(root, "link.txt"));
    symlinkSync(outside, join(root, "linkdir"));
    symlinkSync(join(outside, "not-yet.txt"), join(root, "dangling.txt"));
    const r = await executeTool("read_file", { path: "link.txt" }, "edit", ctx);
    assert.equal(r.ok, false);
    assert.match(r.output, /outside the working tree/);
    assert.doesNotMatch(r.output, /outside secret/);
    const w = await executeTool("write_file", { path: "linkdir/planted.txt", content: "x" }, "edit", ctx);
    assert.equal(w.ok, false);
    assert.equal(existsSync(join(outside, "planted.txt")), false);
    const e = await executeTool("edit_file", { path: "link.txt", old_text: "outside", new_text: "changed" }, "edit", ctx);
    assert.equal(e.ok, false);
    assert.equal(readFileSync(join(outside, "secret.txt"), "utf8"), "outside secret");
    const d = await executeTool("write_file", { path: "dangling.txt", content: "x" }, "edit", ctx);
    assert.equal(d.ok, false);
    assert.equal(existsSync(join(outside, "not-yet.txt")), false);
    // search does not follow links out of the tree
    const s = await executeTool("search", { pattern: "outside secret" }, "edit", ctx);
    assert.equal(s.output, "no matches");
  });

  it("refuses writes under .git/ (hooks would run with the runner's credentials)", async () => {
    const { ctx } = tree();
    const w = await executeTool("write_file", { path: ".git/hooks/pre-commit", content: "#!/bin/sh\n" }, "edit", ctx);
    assert.equal(w.ok, false);
    assert.match(w.output, /\.git/);
  });
});

describe("file tools", () => {
  it("edit_file replaces exactly one match and fails clearly on none or several", async () => {
    const { ctx, root } = tree();
    const none = await executeTool("edit_file", { path: "src/a.ts", old_text: "const c", new_text: "x" }, "edit", ctx);
    assert.equal(none.ok, false);
    assert.match(none.output, /not found/);
    const many = await executeTool("edit_file", { path: "src/a.ts", old_text: "export const", new_text: "x" }, "edit", ctx);
    assert.equal(many.ok, false);
    assert.match(many.output, /occurs 2 times/);
    assert.equal(readFileSync(join(root, "src/a.ts"), "utf8"), "export const a = 1;\nexport const b = 2;\n");
    const one = await executeTool("edit_file", { path: "src/a.ts", old_text: "b = 2", new_text: "b = 3" }, "edit", ctx);
    assert.equal(one.ok, true);
    assert.equal(one.summary, "edit src/a.ts");
    assert.equal(readFileSync(join(root, "src/a.ts"), "utf8"), "export const a = 1;\nexport const b = 3;\n");
  });

  it("write_file creates parents; list_files and search see the result", async () => {
    const { ctx } = tree();
    const w = await executeTool("write_file", { path: "lib/deep/x.txt", content: "needle here" }, "edit", ctx);
    assert.equal(w.ok, true, w.output);
    const l = await executeTool("list_files", { path: ".", recursive: true }, "edit", ctx);
    assert.match(l.output, /lib\/deep\/x\.txt/);
    const s = await executeTool("search", { pattern: "need+le" }, "edit", ctx);
    assert.equal(s.output, "lib/deep/x.txt:1: needle here");
  });

  it("malformed or invalid arguments are an error message, not a throw", async () => {
    const { ctx } = tree();
    const bad = await executeTool("read_file", '{"path": "README.md"', "edit", ctx);
    assert.equal(bad.ok, false);
    assert.match(bad.output, /not valid JSON/);
    const wrong = await executeTool("read_file", { file: "README.md" }, "edit", ctx);
    assert.equal(wrong.ok, false);
    assert.match(wrong.output, /invalid arguments for read_file/);
    const unknown = await executeTool("rm_rf", {}, "edit", ctx);
    assert.match(unknown.output, /unknown tool rm_rf/);
  });

  it("the read-only policy offers no mutating tool and refuses one that is called anyway", async () => {
    const { ctx, root } = tree();
    const names = functionTools("read-only").map((t) => t.function.name);
    assert.deepEqual(names.sort(), ["list_files", "read_file", "search"]);
    const w = await executeTool("write_file", { path: "x.txt", content: "x" }, "read-only", ctx);
    assert.equal(w.ok, false);
    assert.equal(existsSync(join(root, "x.txt")), false);
    const c = await executeTool("run_command", { command: "touch y.txt" }, "read-only", ctx);
    assert.equal(c.ok, false);
    assert.equal(existsSync(join(root, "y.txt")), false);
    const withResult = functionTools("edit", z.object({ verdict: z.enum(["approve", "reject"]) })).map((t) => t.function.name);
    assert.ok(withResult.includes("submit_result"));
  });
});

describe("run_command", () => {
  it("runs in the tree with only the allowlisted environment", async () => {
    const canary = "canary-forge-token-5d1e0c";
    const parent = { PATH: process.env["PATH"], HOME: "/root", FORGE_TOKEN: canary, DISINTO_FORGE_TOKEN: canary, GITHUB_TOKEN: canary };
    const { root } = tree();
    const r = await runCommand(realpathSync(root), "pwd; env", { env: llmEnv(parent), timeoutMs: 10_000 });
    assert.equal(r.exitCode, 0);
    assert.ok(r.output.includes(realpathSync(root)));
    assert.ok(!r.output.includes(canary));
    assert.match(r.output, /^HOME=\/root$/m);
  });

  it("kills the whole process group at the timeout", async () => {
    const { root } = tree();
    const pidFile = join(root, "bg.pid");
    const r = await runCommand(root, `sleep 30 & echo $! > ${pidFile}; wait`, { env: llmEnv(), timeoutMs: 300, killGraceMs: 200 });
    assert.equal(r.timedOut, true);
    const pid = Number(readFileSync(pidFile, "utf8"));
    assert.equal(await waitUntilGone(pid), true, "background sleep survived the timeout");
  });

  it("returns when the shell exits even if a background job holds the pipes, and reaps it", async () => {
    const { root } = tree();
    const pidFile = join(root, "bg.pid");
    const r = await runCommand(root, `sleep 30 & echo $! > ${pidFile}; echo started`, { env: llmEnv(), timeoutMs: 20_000 });
    assert.equal(r.timedOut, false);
    assert.match(r.output, /started/);
    const pid = Number(readFileSync(pidFile, "utf8"));
    assert.equal(await waitUntilGone(pid), true, "background sleep outlived its command");
  });

  it("keeps the head and tail of long output", async () => {
    const { root } = tree();
    const r = await runCommand(root, "seq 1 100000", { env: llmEnv(), timeoutMs: 10_000, headBytes: 100, tailBytes: 100 });
    assert.ok(r.output.startsWith("1\n2\n3\n"));
    assert.ok(r.output.trimEnd().endsWith("99999\n100000"));
    assert.match(r.output, /bytes omitted/);
    assert.ok(r.output.length < 400);
  });

  it("HeadTail is exact when nothing is cut", () => {
    const h = new HeadTail(4, 4);
    h.push(Buffer.from("abc"));
    h.push(Buffer.from("defg"));
    assert.equal(h.text(), "abcdefg");
    h.push(Buffer.from("hijkl"));
    assert.equal(h.text(), "abcd\n… (4 bytes omitted) …\nijkl");
  });
});
