// The dev formula: the ops repo's override (`formulas/dev.toml`) when there is one, else the
// one shipped with disinto — never one from the project repo, which the model can change.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Formula } from "../../config/formula.ts";
import { loadFormula, parseFormula } from "../../config/load.ts";
import type { RepoForge } from "../../forge/types.ts";

const FILE = "formulas/dev.toml";

/** Walk up from this module: src/agents/dev/ in a checkout, bundles/ in the package. */
function shippedPath(from: string = fileURLToPath(import.meta.url)): string {
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

export async function loadDevFormula(ops: RepoForge): Promise<Formula> {
  const override = await ops.contents.get(FILE);
  if (override !== undefined) return parseFormula(override.text, `${ops.ref.owner}/${ops.ref.name}:${FILE}`);
  return loadFormula(shippedPath());
}
