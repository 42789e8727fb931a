// The supervisor's LLM path (DESIGN §10, §12): only for recipes whose action is `incident` or
// `llm`, and only for findings out of their cooldown. The model gets the fired recipes, their
// evidence (fenced as data: titles and texts come from people outside the factory) and the
// incident documents the runner opened, and answers with a manifest the supervisor's policy
// bounds: comments, the blocked label, writes under incidents/ and knowledge/, vault requests
// for the formulas a recipe names.
import { loadAgentFormula } from "../../config/formula-source.ts";
import { actionText, type Recipe } from "../../config/recipes.ts";
import { policy, type Policy } from "../../manifest/policy.ts";
import { runJudgment, type JudgmentResult } from "../../manifest/run.ts";
import type { AgentRuntime } from "../runtime.ts";
import { AGENT } from "./marks.ts";
import type { Finding } from "./probes.ts";

export const FORMULA = "supervisor/run-supervisor";

export interface Judged {
  recipe: Recipe;
  findings: Finding[];
  /** The incident document the runner keeps for this recipe (P0–P2), which the model may annotate. */
  incident?: { path: string; text: string };
}

export function supervisorPolicy(rt: AgentRuntime, vaultFormulas: readonly string[]): Policy {
  const { labels } = rt.config;
  return policy({
    agent: AGENT,
    kinds: ["comment", "add_label", "ops_write", ...(vaultFormulas.length > 0 ? (["vault_request"] as const) : [])],
    labels: { add: [labels.blocked], remove: [] },
    maxActions: 12,
    opsFolders: ["incidents/", "knowledge/"],
    vaultFormulas,
  });
}

export async function judge(rt: AgentRuntime, items: readonly Judged[], vaultFormulas: readonly string[]): Promise<JudgmentResult> {
  const { formula } = await loadAgentFormula(rt.ops, FORMULA);
  const facts = items
    .map((j) => {
      const head = `- recipe \`${j.recipe.name}\` (${j.recipe.severity}, probe ${j.recipe.probe}, action ${actionText(j.recipe.action)}): ${j.findings.length} finding${j.findings.length === 1 ? "" : "s"}`;
      const where = j.incident ? `\n  - incident document (write your analysis here with ops_write): \`${j.incident.path}\`` : "";
      const what = j.recipe.description ? `\n  - what it is for: ${j.recipe.description}` : "";
      return `${head}${what}${where}`;
    })
    .join("\n");
  const evidence = items.map((j) => [`recipe ${j.recipe.name}:`, ...j.findings.map((f) => `- ${f.summary} ${JSON.stringify(f.evidence)}`)].join("\n")).join("\n\n");
  const day = new Date(rt.now()).toISOString().slice(0, 10);
  return runJudgment(rt, {
    prompt: {
      agent: AGENT,
      task: "run-supervisor",
      formula,
      instructions: [],
      documents: items.flatMap((j) => (j.incident ? [{ name: j.incident.path, text: j.incident.text }] : [])),
      data: [{ name: "findings and their evidence", text: evidence }],
      facts: `Project ${rt.config.name} (${rt.config.repo}); ops repo ${rt.config.ops_repo}.\n\nRecipes that fired:\n${facts}`,
    },
    policy: supervisorPolicy(rt, vaultFormulas),
    subject: items.map((j) => j.recipe.name).join(", "),
    budgetKey: `supervisor/${rt.config.name}/${day}`,
  });
}
