// One predictor run (disinto-behaviour §9.2, DESIGN §10):
//  1. Evidence in code (evidence.ts): CI, escalations, review rounds, spend, incidents. Its
//     digest unchanged since the last run → idle, no model.
//  2. Lease `predictor/<project>`; the watermark read again under it.
//  3. Prompt (with ops growth, read only now): the formula, AGENTS.md and VISION.md from the default branch, the planner's tree
//     and RESOURCES.md, the evidence (the runner's numbers), its own predictions — open,
//     dismissed, actioned — fenced as data.
//  4. The answer → issues `prediction/unreviewed` (and vault requests), at most 5 actions,
//     never one filed before; then the watermark, the journal.
import type { Outcome } from "../../host/outcome.ts";
import { loadAgentFormula } from "../../config/formula-source.ts";
import { errorMessage } from "../../lib/errors.ts";
import type { Part } from "../../manifest/ask.ts";
import { policy } from "../../manifest/policy.ts";
import { runJudgment } from "../../manifest/run.ts";
import { Watermarks } from "../../state/watermark.ts";
import type { AgentRuntime } from "../runtime.ts";
import { TREE_PATH } from "../planner/tree.ts";
import { RESOURCES_PATH } from "../planner/survey.ts";
import { MAX_ACTIONS, PREDICTOR_VAULT_FORMULAS, predictorManifest, predictorSchema } from "./answer.ts";
import { AGENT, digest, gatherEvidence, opsEvidence, renderEvidence } from "./evidence.ts";

export const LEASE_TTL_MS = 30 * 60_000;
export const leaseName = (project: string): string => `predictor/${project}`;
const HISTORY = 50;

export async function runPredictorTick(rt: AgentRuntime): Promise<Outcome> {
  const l = rt.config.labels;
  const marks = new Watermarks(rt.state, rt.config.name, AGENT);
  const watermarked = await gatherEvidence(rt, l.blocked);
  const d = digest(watermarked);
  if ((await marks.get("evidence")) === d) return { outcome: "idle", summary: `the evidence has not changed since the last run (${d.slice(0, 7)})`, details: { digest: d } };

  await rt.checkpoint("predictor:before-lease");
  const name = leaseName(rt.config.name);
  const got = await rt.leases.acquire(name, { ttlMs: LEASE_TTL_MS, holder: rt.holder });
  if (!got.acquired) return { outcome: "idle", summary: `another predictor run holds ${name} (${got.current.holder?.id ?? "unknown"})` };
  try {
    if ((await marks.get("evidence")) === d) return { outcome: "idle", summary: `the evidence has not changed since the last run (${d.slice(0, 7)})`, details: { digest: d } };
    const mine = { createdBy: rt.login, type: "issues" as const, page: 1, limit: HISTORY };
    const ref = { ref: rt.config.primary_branch };
    const [open, dismissed, actioned, agentsMd, vision, tree, resources, ops] = await Promise.all([
      rt.repo.issues.list({ ...mine, state: "open", labels: [l["prediction/unreviewed"]] }),
      rt.repo.issues.list({ ...mine, state: "closed", labels: [l["prediction/dismissed"]] }),
      rt.repo.issues.list({ ...mine, state: "closed", labels: [l["prediction/actioned"]] }),
      rt.repo.contents.get("AGENTS.md", ref),
      rt.repo.contents.get("VISION.md", ref),
      rt.state.readText(TREE_PATH),
      rt.state.readText(RESOURCES_PATH),
      opsEvidence(rt),
    ]);
    const evidence = { ...watermarked, ops };
    const list = (is: typeof open): string => is.map((i) => `#${i.number} ${i.title.replace(/\s+/g, " ")}`).join("\n") || "(none)";
    const instructions: Part[] = [...(agentsMd ? [{ name: "AGENTS.md", text: agentsMd.text }] : []), ...(vision ? [{ name: "VISION.md", text: vision.text }] : [])];
    const documents: Part[] = [
      { name: TREE_PATH, text: tree?.value ?? "(none yet)" },
      { name: RESOURCES_PATH, text: resources?.value ?? "(none)" },
    ];
    const data: Part[] = [
      { name: `your open predictions (${open.length})`, text: list(open) },
      { name: `your predictions the planner dismissed (${dismissed.length})`, text: list(dismissed) },
      { name: `your predictions the planner actioned (${actioned.length})`, text: list(actioned) },
    ];
    let dropped: string[] = [];
    const r = await runJudgment(rt, {
      prompt: { agent: AGENT, task: "run-predictor", formula: (await loadAgentFormula(rt.ops, "predictor/run-predictor")).formula, instructions, documents, data, facts: renderEvidence(evidence) },
      schema: predictorSchema,
      toManifest: (a) => {
        const built = predictorManifest(a, { open, dismissed }, l["prediction/unreviewed"]);
        dropped = built.dropped;
        for (const x of dropped) rt.log.info(`predictor: not filing ${x}`);
        return built.manifest;
      },
      policy: policy({ agent: AGENT, kinds: ["create_issue", "vault_request"], labels: { add: [l["prediction/unreviewed"]], remove: [] }, maxActions: MAX_ACTIONS, maxNewIssues: MAX_ACTIONS, opsFolders: [], vaultFormulas: [...PREDICTOR_VAULT_FORMULAS] }),
      budgetKey: `predictor/${rt.config.name}`,
      after: async () => {
        await rt.checkpoint("predictor:before-watermark");
        await marks.set("evidence", d);
        return `evidence ${d.slice(0, 7)}${dropped.length > 0 ? `; not filed: ${dropped.join("; ")}` : ""}`;
      },
    });
    return r.outcome;
  } finally {
    await rt.leases.release(got.lease).catch((err: unknown) => rt.log.warn(`lease ${name}: release failed (${errorMessage(err)}); it expires on its own`));
  }
}
