// Test helper: a per-test `claude` wrapper around claude.mjs. The backend hands the CLI only
// the allowlisted environment, so the scenario cannot travel in an env var of the test
// process: the wrapper script sets it, as a real install's launcher would set its own.
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const FAKE_CLAUDE = fileURLToPath(new URL("./claude.mjs", import.meta.url));

export interface FakeClaudeDump {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  childPids: number[];
}

export interface FakeClaude {
  binary: string;
  dumpPath: string;
  dump(): FakeClaudeDump;
}

export type Step = Record<string, unknown> & { type: string };

export function fakeClaude(dir: string, steps: Step[], name = "claude"): FakeClaude {
  const scenarioPath = join(dir, `${name}.scenario.json`);
  const dumpPath = join(dir, `${name}.dump.json`);
  writeFileSync(scenarioPath, JSON.stringify({ steps }));
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
