// The dev formula: the ops repo's override when there is one, else the shipped one.
import type { Formula } from "../../config/formula.ts";
import { loadAgentFormula } from "../../config/formula-source.ts";
import type { RepoForge } from "../../forge/types.ts";

export async function loadDevFormula(ops: RepoForge): Promise<Formula> {
  return (await loadAgentFormula(ops, "dev")).formula;
}
