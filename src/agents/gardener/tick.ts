// One gardener tick (disinto-behaviour §8.1, DESIGN §10): survey without tokens, take the
// project's gardener lease, re-check, do one focused task, journal it. (Being built.)
import type { Outcome } from "../../host/outcome.ts";
import type { AgentRuntime } from "../runtime.ts";

export function runGardenerTick(rt: AgentRuntime): Promise<Outcome> {
  rt.log.info("gardener: nothing to groom yet");
  return Promise.resolve({ outcome: "idle", summary: "nothing to groom" });
}
