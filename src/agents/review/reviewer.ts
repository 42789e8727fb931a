// Asking the model: one read-only run in the PR checkout with the verdict schema, inside the
// project's caps and the backend's concurrency slots, with its spend in the ops-repo ledger.
import { runWithAccounting, type AccountedResult } from "../../llm/accounting.ts";
import { totalTokens } from "../../llm/types.ts";
import type { AgentRuntime } from "../runtime.ts";
import { verdictSchema, type Verdict } from "./verdict.ts";

const DEFAULT_MAX_TURNS = 60;

export interface ReviewerRun {
  cwd: string;
  prompt: string;
  pr: number;
  /** Epoch ms the model must be done by (the runner still has to post after it). */
  deadline: number;
}

export async function askReviewer(rt: AgentRuntime, run: ReviewerRun): Promise<AccountedResult<Verdict>> {
  const backend = await rt.backend();
  const { maxTurns, timeoutMinutes } = rt.llmLimits;
  const deadline = timeoutMinutes === undefined ? run.deadline : Math.min(run.deadline, rt.now() + timeoutMinutes * 60_000);
  const result = await runWithAccounting(
    backend,
    {
      cwd: run.cwd,
      prompt: run.prompt,
      tools: "read-only",
      resultSchema: verdictSchema,
      limits: { maxTurns: maxTurns ?? DEFAULT_MAX_TURNS, deadline },
      env: rt.backendEnv(backend),
      log: rt.log,
      redactor: rt.ctx.redactor,
      budgetKey: `pr/${run.pr}`,
    },
    rt.accounting,
  );
  rt.ctx.meter.llm({ tokens: totalTokens(result.usage), cost_usd: result.costUsd, turns: result.turns });
  return result;
}
