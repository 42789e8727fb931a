// The build launcher: on a Node that cannot strip types it has esbuild transpile the build
// script next to the original (so the script's own paths hold), passes the arguments through,
// and leaves nothing behind.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function launch(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["src/build/node-ts.mjs", ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, out: stdout + stderr });
    });
  });
}

describe("src/build/node-ts.mjs", () => {
  it("runs the bundle check through esbuild's transpilation, with its arguments, and cleans up", async () => {
    const r = await launch(["src/build/bundle.ts", "--check"], { DISINTO_BUILD_TRANSPILE: "1" });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /bundles: \d+ up to date/);
    assert.deepEqual((await readdir(new URL("../../src/build/", import.meta.url))).filter((f) => f.startsWith(".")), []);
  });

  it("runs the script directly where Node strips types", async () => {
    const r = await launch(["src/build/bundle.ts", "--check"]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /bundles: \d+ up to date/);
  });

  for (const [what, source, code] of [
    ["exits the process itself", "const n: number = 3;\nprocess.exit(n);\n", 3],
    ["throws", "throw new Error('boom');\n", 1],
    ["does not compile", "const = ;\n", 1],
  ] as const) {
    it(`leaves no transpiled file behind when the script ${what}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "node-ts-"));
      try {
        await writeFile(join(dir, "fail.ts"), source);
        const r = await launch([join(dir, "fail.ts")], { DISINTO_BUILD_TRANSPILE: "1" });
        assert.equal(r.code, code, r.out);
        assert.deepEqual(await readdir(dir), ["fail.ts"]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  it("without a script: usage on stderr, exit 2", async () => {
    const r = await launch([]);
    assert.equal(r.code, 2);
    assert.match(r.out, /usage: node src\/build\/node-ts\.mjs <script\.ts>/);
  });
});
