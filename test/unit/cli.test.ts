import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtemp, cp, rm, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import { captureIo } from "../helpers/io.ts";

const pexec = promisify(execFile);

describe("disinto CLI", () => {
  it("--version prints the package version", async () => {
    const io = captureIo();
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
    assert.equal(await main(["--version"], io), 0);
    assert.equal(io.out().trim(), pkg.version);
  });

  it("--help lists the commands and exit codes", async () => {
    const io = captureIo();
    assert.equal(await main(["--help"], io), 0);
    assert.match(io.out(), /Usage: disinto <command>/);
    assert.match(io.out(), /Exit codes: 0 done or nothing to do, 1 failure, 2 bad input or config\./);
  });

  it("no arguments prints help and exits 2", async () => {
    const io = captureIo();
    assert.equal(await main([], io), 2);
    assert.match(io.out(), /Usage: disinto/);
  });

  it("an unknown command exits 2 and says where to look", async () => {
    const io = captureIo();
    assert.equal(await main(["frobnicate"], io), 2);
    assert.equal(io.err().trim(), "disinto: unknown command 'frobnicate'; see `disinto --help` for the list");
  });

  it("an unknown global flag exits 2", async () => {
    const io = captureIo();
    assert.equal(await main(["--frob"], io), 2);
    assert.match(io.err(), /unknown flag --frob/);
  });
});

describe("bundles/cli.mjs", () => {
  it("runs with plain node from a directory holding only the bundles", async () => {
    const dir = await mkdtemp(join(tmpdir(), "disinto-bundle-"));
    try {
      await cp("bundles", join(dir, "bundles"), { recursive: true });
      const v = await pexec(process.execPath, [join(dir, "bundles", "cli.mjs"), "--version"], { cwd: dir });
      const pkg = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
      assert.equal(v.stdout.trim(), pkg.version);
      const h = await pexec(process.execPath, [join(dir, "bundles", "cli.mjs"), "--help"], { cwd: dir });
      assert.match(h.stdout, /Usage: disinto <command>/);
      await assert.rejects(pexec(process.execPath, [join(dir, "bundles", "cli.mjs"), "nope"], { cwd: dir }), (e: { code?: number; stderr?: string }) => {
        assert.equal(e.code, 2);
        assert.match(e.stderr ?? "", /unknown command 'nope'/);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("command table", () => {
  it("every entry's name, usage and summary match the command it loads", async () => {
    const { commands } = await import("../../src/cli/commands.ts");
    for (const entry of commands) {
      const c = await entry.load();
      assert.deepEqual(c.name, entry.name, `name of ${entry.name.join(" ")}`);
      assert.equal(c.usage, entry.usage, `usage of ${entry.name.join(" ")}`);
      assert.equal(c.summary, entry.summary, `summary of ${entry.name.join(" ")}`);
    }
  });
});
