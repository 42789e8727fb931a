// Where an agent's formula comes from: the ops repo's override (`formulas/<name>.toml`) when
// there is one, else the file shipped with disinto — never the project repo's, which the model
// (or the pull request under review) can change.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RepoForge } from "../forge/types.ts";
import type { Formula } from "./formula.ts";
import { loadFormula, parseFormula } from "./load.ts";

/**
 * The shipped `formulas/<name>.toml`, found by walking up from this module: from src/config/
 * in a source checkout, from bundles/ in the package (both have formulas/ at the package root).
 */
export function shippedFormulaPath(name: string, from: string = fileURLToPath(import.meta.url)): string {
  const file = `formulas/${name}.toml`;
  let dir = dirname(from);
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, file);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`the shipped ${file} was not found above ${dirname(from)}: the package is incomplete`);
}

export async function loadAgentFormula(ops: RepoForge, name: string): Promise<{ formula: Formula; source: string }> {
  const file = `formulas/${name}.toml`;
  const override = await ops.contents.get(file);
  if (override !== undefined) {
    const source = `${ops.ref.owner}/${ops.ref.name}:${file}`;
    return { formula: parseFormula(override.text, source), source };
  }
  return { formula: await loadFormula(shippedFormulaPath(name)), source: `disinto ${file}` };
}
