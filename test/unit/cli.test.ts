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

describe("help", () => {
  const over = (text: string): string[] => text.split("\n").filter((l) => l.length > 100);

  it("every command and every command group answers --help and -h with exit 0, a usage, no line over 100 columns", async () => {
    const { commands } = await import("../../src/cli/commands.ts");
    const groups = [...new Set(commands.filter((c) => c.name.length > 1).map((c) => c.name[0]!))];
    assert.ok(groups.includes("lock") && groups.includes("llm"), "the table has groups");
    const topics = [...commands.map((c) => c.name), ...groups.map((g) => [g]), []];
    for (const topic of topics) {
      for (const argv of [[...topic, "--help"], [...topic, "-h"], ["help", ...topic]]) {
        const io = captureIo();
        assert.equal(await main(argv, io), 0, `disinto ${argv.join(" ")}: ${io.err()}`);
        assert.match(io.out(), /^(Usage: disinto |disinto \d)/, `disinto ${argv.join(" ")}`);
        assert.deepEqual(over(io.out()), [], `disinto ${argv.join(" ")}: lines over 100 columns`);
      }
    }
  });

  it("a group's help lists its subcommands; an unknown subcommand is still exit 2", async () => {
    const io = captureIo();
    assert.equal(await main(["lock", "--help"], io), 0);
    for (const sub of ["acquire", "release", "list"]) assert.match(io.out(), new RegExp(`^  lock ${sub}\\b`, "m"));
    const bad = captureIo();
    assert.equal(await main(["lock", "frob"], bad), 2);
    assert.match(bad.err(), /unknown subcommand 'frob' for `disinto lock`; expected one of: acquire, release, list/);
  });

  it("`run --help` offers only the agents that exist, from the one table of runnable agents", async () => {
    const { runnableAgentNames } = await import("../../src/cli/agents.ts");
    const io = captureIo();
    assert.equal(await main(["run", "--help"], io), 0);
    const names = runnableAgentNames();
    assert.ok(names.includes("dev") && names.includes("review"));
    assert.match(io.out(), new RegExp(`^Agents: ${names.join(", ")}\\.$`, "m"));
    // the roles still to come are named nowhere in the help
    for (const role of ["gardener", "planner", "predictor", "supervisor", "architect", "vault"]) {
      if (!names.includes(role)) assert.doesNotMatch(io.out(), new RegExp(`\\b${role}\\b`), role);
    }
    const unknown = captureIo();
    assert.equal(await main(["run", "nosuch"], unknown), 2);
    assert.match(unknown.err(), new RegExp(`unknown agent "nosuch" for \`disinto run\`; expected one of: ${names.join(", ")}`));
  });

  it("`init --help` takes no token flag and says whose tokens the environment holds", async () => {
    const io = captureIo();
    assert.equal(await main(["init", "--help"], io), 0);
    assert.doesNotMatch(io.out(), /--forge-token|--ci-token/);
    assert.doesNotMatch(io.out(), /this agent's account/);
    assert.match(io.out(), /Tokens come from the environment, never from the command line/);
    assert.match(io.out(), /DISINTO_FORGE_TOKEN +a forge token of an admin of the project repo/);
    const refused = captureIo({});
    assert.equal(await main(["init", "acme/shop", "--forge-url", "http://127.0.0.1:9", "--ci-url", "http://127.0.0.1:9", "--forge-token", "t0ps3cret"], refused), 2);
    assert.match(refused.err(), /--forge-token is not accepted \(disinto init\): secrets never go on the command line.*set DISINTO_FORGE_TOKEN in the environment/);
    assert.ok(!refused.err().includes("t0ps3cret"));
  });

  it("`run` takes no secret on the command line either: --forge-token, --ci-token, --git-password are refused (exit 2)", async () => {
    const help = captureIo();
    assert.equal(await main(["run", "--help"], help), 0);
    assert.doesNotMatch(help.out(), /--forge-token|--ci-token|--git-password/);
    for (const [flag, variable] of [["--forge-token", "DISINTO_FORGE_TOKEN"], ["--ci-token", "DISINTO_CI_TOKEN"], ["--git-password", "DISINTO_GIT_PASSWORD"]] as const) {
      const io = captureIo({});
      assert.equal(await main(["run", "dev", "--forge-url", "http://127.0.0.1:9", flag, "t0ps3cret"], io), 2, flag);
      assert.match(io.err(), new RegExp(`${flag} is not accepted \\(disinto run\\).*set ${variable} in the environment`));
      assert.ok(!io.err().includes("t0ps3cret"));
    }
  });
});
