// The review agent: formal verdicts on each head SHA, incremental re-review, follow-up issues.
export { runReviewTick, leaseName } from "./tick.ts";
export { verdictSchema, type Verdict, type Finding } from "./verdict.ts";
export { STATUS_CONTEXT } from "./post.ts";
