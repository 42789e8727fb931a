// Test helper: a per-test `claude` wrapper around claude.mjs. The backend hands the CLI only
// the allowlisted environment, so the scenario cannot travel in an env var of the test
// process: the wrapper script sets it, as a real install's launcher would set its own.
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const FAKE_CLAUDE = fileURLToPath(new URL("./claude.mjs", import.meta.url));

export interface FakeClaudeDump {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** The uid the CLI ran as. */
  uid?: number;
  childPids: number[];
}

export interface FakeClaude {
  binary: string;
  dumpPath: string;
  dump(): FakeClaudeDump;
}

export type Step = Record<string, unknown> & { type: string };

export function fakeClaude(testDir: string, steps: Step[], name = "claude"): FakeClaude {
  // The CLI runs as the unprivileged model user when the tests run as root (llm/isolation.ts):
  // its launcher, scenario and dump live where that user can reach them, not in the test's
  // private (0700) directory.
  const dir = mkdtempSync(join(testDir, `${name}-io-`));
  chmodSync(testDir, statSync(testDir).mode | 0o001);
  chmodSync(dir, 0o777);
  const scenarioPath = join(dir, `${name}.scenario.json`);
  const dumpPath = join(dir, `${name}.dump.json`);
  writeFileSync(scenarioPath, JSON.stringify({ steps }), { mode: 0o644 });
  const binary = join(dir, name);
  writeFileSync(binary, `#!/bin/sh\nFAKE_CLAUDE_SCENARIO='${scenarioPath}' FAKE_CLAUDE_DUMP='${dumpPath}' exec '${FAKE_CLAUDE}' "$@"\n`);
  chmodSync(binary, 0o755);
  return {
    binary,
    dumpPath,
    dump: () => {
      if (!existsSync(dumpPath)) throw new Error(`fake claude never started (no ${dumpPath})`);
      return JSON.parse(readFileSync(dumpPath, "utf8")) as FakeClaudeDump;
    },
  };
}
