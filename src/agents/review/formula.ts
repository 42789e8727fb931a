// The review formula: the ops repo's override (`formulas/review-pr.toml`) when there is one,
// else the one shipped with disinto. Never the PR's: the PR under review must not be able to
// rewrite the rules it is reviewed by.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Formula } from "../../config/formula.ts";
import { loadFormula, parseFormula } from "../../config/load.ts";
import type { RepoForge } from "../../forge/types.ts";

export const FORMULA_NAME = "review-pr";
const FILE = `formulas/${FORMULA_NAME}.toml`;

/**
 * The shipped file, found by walking up from this module: from src/agents/review/ in a source
 * checkout, from bundles/ in the package (both have formulas/ at the package root).
 */
export function shippedFormulaPath(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, FILE);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`the shipped ${FILE} was not found above ${dirname(from)}: the package is incomplete`);
}

export async function loadReviewFormula(ops: RepoForge): Promise<{ formula: Formula; source: string }> {
  const override = await ops.contents.get(FILE);
  if (override !== undefined) {
    const source = `${ops.ref.owner}/${ops.ref.name}:${FILE}`;
    return { formula: parseFormula(override.text, source), source };
  }
  const path = shippedFormulaPath();
  return { formula: await loadFormula(path), source: `disinto ${FILE}` };
}
