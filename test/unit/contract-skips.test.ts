// Tests that read ../shared/contracts are counted as skipped when the folder is absent, not
// dropped from node's summary: the same tests register, each with a skip naming the missing
// file. The contracts are hidden with DISINTO_TEST_CONTRACTS_DIR (test/helpers/contracts.ts).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// Every test file that reads a contract (through test/helpers/contracts.ts), by a suite of it.
const SUITES: Record<string, string> = {
  "test/contract/ci-client-routes.test.ts": "Woodpecker client routes vs woodpecker.md (c)",
  "test/contract/forge-client-routes.test.ts": "forge client routes vs forgejo swagger",
  "test/contract/pipelines-templates.test.ts": "generated pipelines against the Woodpecker schema",
  "test/contract/sandbox-forge.test.ts": "sandbox forge responses vs swagger definitions",
  "test/contract/woodpecker-schema.test.ts": "Woodpecker pipeline schema",
  "test/unit/ci-client-schemas.test.ts": "cron JSON per version (contract table)",
};

interface Summary { tests: number; pass: number; fail: number; skipped: number; output: string }

/** `node --test` over `files` with the TAP reporter; its closing counts. */
function runTests(files: string[], env: Record<string, string>): Promise<Summary> {
  // Without the runner's NODE_TEST_CONTEXT, which would make the child report to this runner.
  const { NODE_TEST_CONTEXT: _runner, ...outer } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, ["--test", "--test-concurrency=2", "--test-reporter=tap", ...files], { cwd: ROOT, env: { ...outer, ...env }, maxBuffer: 64 << 20 }, (_err, stdout, stderr) => {
      const count = (name: string): number => Number(new RegExp(`^# ${name} (\\d+)$`, "m").exec(stdout)?.[1] ?? NaN);
      resolve({ tests: count("tests"), pass: count("pass"), fail: count("fail"), skipped: count("skipped"), output: stdout + stderr });
    });
  });
}

describe("tests that need ../shared/contracts", () => {
  it("count as skipped, with the missing file named, when the folder is absent", async () => {
    const empty = await mkdtemp(join(tmpdir(), "no-contracts-"));
    try {
      const r = await runTests(Object.keys(SUITES), { DISINTO_TEST_CONTRACTS_DIR: join(empty, "contracts") });
      assert.equal(r.fail, 0, r.output);
      assert.ok(r.skipped >= 80, `only ${r.skipped} skipped:\n${r.output}`);
      // The few that do not read a contract still run.
      assert.equal(r.tests, r.pass + r.skipped, r.output);
      for (const file of ["woodpecker.md", "forgejo-swagger.json", "woodpecker-schema.json"]) {
        assert.ok(r.output.includes(`# SKIP ../shared/contracts not found: ${join(empty, "contracts", file)} is missing`), `no test skipped for ${file}`);
      }
      for (const [file, suite] of Object.entries(SUITES)) {
        // The suite's block runs to its own (unindented) result line; its tests are indented.
        const start = r.output.indexOf(`# Subtest: ${suite}\n`);
        const rest = r.output.slice(start);
        const block = rest.slice(0, rest.search(/^ok \d+ - /m));
        assert.ok(start >= 0 && /^ +ok \d+ - .* # SKIP \.\.\/shared\/contracts not found/m.test(block), `${file}: "${suite}" registered no skipped test`);
      }
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("are the same tests as with the contracts there", async () => {
    // The route tables do not depend on the contracts: the count must not either.
    const files = ["test/contract/forge-client-routes.test.ts", "test/contract/ci-client-routes.test.ts"];
    const [absent, present] = await Promise.all([runTests(files, { DISINTO_TEST_CONTRACTS_DIR: "/nonexistent/contracts" }), runTests(files, {})]);
    assert.equal(absent.tests, present.tests, `${absent.output}\n---\n${present.output}`);
    assert.ok(absent.tests > 40);
  });
});
