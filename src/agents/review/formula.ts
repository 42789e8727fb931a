// The review formula: the ops repo's override when there is one, else the shipped one. Never
// the PR's: the PR under review must not be able to rewrite the rules it is reviewed by.
import type { Formula } from "../../config/formula.ts";
import { loadAgentFormula } from "../../config/formula-source.ts";
import type { RepoForge } from "../../forge/types.ts";

export const FORMULA_NAME = "review-pr";

export function loadReviewFormula(ops: RepoForge): Promise<{ formula: Formula; source: string }> {
  return loadAgentFormula(ops, FORMULA_NAME);
}
