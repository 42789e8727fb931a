// The CI circuit breaker (disinto-behaviour §7.4, DESIGN §12): main's CI decides whether the
// dev agent may take new work. The two newest finished pipelines of the primary branch
// (pushes: main's own CI, not the agents' cron runs) both failed → trip; the newest finished
// one green → clear; anything else leaves the state as it is. The incident document
// `ci-untrusted` is the state the dev agent reads.
import type { Pipeline } from "../../ci/index.ts";

export type BreakerVerdict = { state: "trip"; failed: Pipeline[] } | { state: "clear"; green: Pipeline } | { state: "hold"; why: string };

const FAILED = new Set(["failure", "error"]);

export function breakerVerdict(pipelines: readonly Pipeline[], primary: string): BreakerVerdict {
  // Cancelled, killed and skipped pipelines say nothing about the code.
  const finished = pipelines
    .filter((p) => p.event === "push" && p.branch === primary && (p.status === "success" || FAILED.has(p.status)))
    .sort((a, b) => b.number - a.number);
  const [newest, previous] = finished;
  if (newest === undefined) return { state: "hold", why: `no finished push pipeline of ${primary} among the newest` };
  if (newest.status === "success") return { state: "clear", green: newest };
  if (previous !== undefined && FAILED.has(previous.status)) return { state: "trip", failed: [newest, previous] };
  return { state: "hold", why: `${primary}'s newest finished pipeline #${newest.number} failed, the one before did not` };
}
