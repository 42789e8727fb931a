// What `disinto demo` ends with: the summary as data (`--json` prints it as one object, this
// schema documents and checks it) and as text.
import { z } from "zod";

export const demoIssueSchema = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  state: z.enum(["open", "closed"]),
  /** The dev agent's pull request for the issue (the merged one, else the newest), or null. */
  pr: z.number().int().positive().nullable(),
  pr_url: z.string().nullable(),
  /** Who merged that pull request; null while it is not merged. */
  merged_by: z.string().nullable(),
  /** Who approved its merged (or current) head, not dismissed; null when nobody did. */
  approved_by: z.string().nullable(),
});
export type DemoIssue = z.infer<typeof demoIssueSchema>;

export const demoGardenerSchema = z.object({
  /** The vague issue filed during the demo, labelled underspecified. */
  issue: z.number().int().positive(),
  title: z.string(),
  url: z.string(),
  labels: z.array(z.string()),
  /** Its body has acceptance criteria now, and it is in the backlog instead of underspecified. */
  enriched: z.boolean(),
  /** The gardener's pipeline ran and succeeded. */
  ran: z.boolean(),
});
export type DemoGardener = z.infer<typeof demoGardenerSchema>;

export const demoVaultSchema = z.object({
  /** The vault action the demo asks for: the shipped webhook formula, to a receiver on loopback. */
  id: z.string(),
  formula: z.string(),
  /** Its request PR in the ops repo, approved and merged by the admin. */
  pr: z.number().int().positive().nullable(),
  pr_url: z.string().nullable(),
  /** Who approved it, as the dispatcher's result says; null without a result. */
  approved_by: z.string().nullable(),
  /** The ops repo's push pipeline that ran the dispatcher. */
  pipeline: z.number().int().positive().nullable(),
  /** The result's status (vault/results/<id>.json); null when there is none. */
  status: z.enum(["ok", "failed", "rejected", "invalid"]).nullable(),
  /** The receiver got the action's payload. */
  delivered: z.boolean(),
});
export type DemoVault = z.infer<typeof demoVaultSchema>;

export const demoAgentSchema = z.object({
  agent: z.string(),
  /** Its pipelines' workflows (disinto-<agent>) that ran. */
  runs: z.number().int().nonnegative(),
  /** Runs that changed something (their outcome line is not idle or a skip). */
  actions: z.number().int().nonnegative(),
  /** LLM runs, tokens (input + output) and cost from the ledger. */
  llm_runs: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
  cost_usd: z.number().nonnegative(),
  /** Wall time of its workflows. */
  time_ms: z.number().int().nonnegative(),
});
export type DemoAgent = z.infer<typeof demoAgentSchema>;

export const demoLatencySchema = z.object({
  issue: z.number().int().positive(),
  /** From the issue getting its backlog label (or being filed with it) to its pull request's merge. */
  ms: z.number().int().nonnegative(),
});

export const demoPlannerSchema = z.object({
  /** The planner's pipeline succeeded. */
  ran: z.boolean(),
  /** prerequisites.md is in the ops repo, with this many objectives. */
  objectives: z.number().int().nonnegative(),
  /** Issues planner-bot filed. */
  filed: z.array(z.number().int().positive()),
});
export type DemoPlanner = z.infer<typeof demoPlannerSchema>;

export const demoSupervisorSchema = z.object({
  /** main went red twice (the trap), the supervisor opened the breaker (incident ci-untrusted) … */
  tripped: z.boolean(),
  /** … and once main was green again it cleared it. */
  cleared: z.boolean(),
});
export type DemoSupervisor = z.infer<typeof demoSupervisorSchema>;

export const demoArchitectSchema = z.object({
  /** The vision issue the admin filed. */
  vision: z.number().int().positive(),
  /** The architect's pitch PR in the ops repo, which the admin accepted and approved; null when none was opened. */
  pitch_pr: z.number().int().positive().nullable(),
  pitch_url: z.string().nullable(),
  /** The sub-issues the gardener filed from the accepted pitch. */
  filed: z.array(z.number().int().positive()),
});
export type DemoArchitect = z.infer<typeof demoArchitectSchema>;

export const demoReleaseSchema = z.object({
  version: z.string(),
  /** The request PR in the ops repo (high tier), approved and merged by the admin. */
  pr: z.number().int().positive(),
  pr_url: z.string(),
  /** The dispatcher's result; null when there is none. */
  status: z.enum(["ok", "failed", "rejected", "invalid"]).nullable(),
  /** The commit demo/calc's tag points at; null when there is no tag. */
  tag_sha: z.string().nullable(),
});
export type DemoRelease = z.infer<typeof demoReleaseSchema>;

const counts = z.record(z.string(), z.number().int().nonnegative());

export const demoReportSchema = z.object({
  /** Every demo issue was closed by a merged pull request, the gardener enriched the vague issue, and the vault delivered its webhook. */
  ok: z.boolean(),
  backend: z.enum(["scripted", "claude", "openai"]),
  /** The factory (default) or `--only dev-review`. */
  mode: z.enum(["factory", "dev-review"]),
  /** The spend cap (US dollars) printed up front: a model backend stops at it. */
  spend_cap_usd: z.number().nonnegative(),
  /** Why the loop stopped: all merged, the bound that was hit (rounds, time, agents failing 3 rounds in a row), or SIGINT/SIGTERM. */
  stopped: z.enum(["done", "rounds", "time", "failing", "interrupted"]),
  /** Rounds of the loop (one dev cron and one review cron each). */
  rounds: z.number().int().nonnegative(),
  issues: z.array(demoIssueSchema),
  /** The gardener's task: the vague issue, groomed once the backlog is done. */
  gardener: demoGardenerSchema,
  /** The vault's action, approved by the admin and dispatched; null when the loop did not get there. */
  vault: demoVaultSchema.nullable(),
  /** The factory's planner: the tree from VISION.md and the issues it filed; null with --only dev-review. */
  planner: demoPlannerSchema.nullable(),
  /** The factory's supervisor and the red-main trap; null with --only dev-review or when not reached. */
  supervisor: demoSupervisorSchema.nullable(),
  /** The factory's architect: the vision issue pitched, accepted by the admin, its sub-issues filed; null with --only dev-review. */
  architect: demoArchitectSchema.nullable(),
  /** The factory's release through the vault; null with --only dev-review or when not reached. */
  release: demoReleaseSchema.nullable(),
  /** Per agent: runs, actions, tokens, cost, time. */
  agents: z.array(demoAgentSchema),
  /** Label → merged per merged demo issue. */
  latencies: z.array(demoLatencySchema),
  /** Pull requests of demo/calc, the one `disinto init` opened included. */
  prs: z.object({ opened: z.number().int().nonnegative(), merged: z.number().int().nonnegative() }),
  /** Formal reviews on demo/calc's pull requests. */
  reviews: z.object({ total: z.number().int().nonnegative(), approved: z.number().int().nonnegative(), changes_requested: z.number().int().nonnegative() }),
  /** CI pipelines of demo/calc: how many, per event, and how many did not succeed. */
  pipelines: z.object({ total: z.number().int().nonnegative(), by_event: counts, failed: z.number().int().nonnegative() }),
  /** LLM runs in the ops repo's ledger, their tokens (input + output) and cost. */
  llm_runs: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
  cost_usd: z.number().nonnegative(),
  duration_ms: z.number().int().nonnegative(),
  /** Where the sandbox runs (with --keep) or where its state was kept (--data). */
  sandbox: z
    .object({
      forge_url: z.string(),
      ci_url: z.string(),
      data_dir: z.string().optional(),
      /** With --keep: sandbox accounts' API tokens, to inspect the running sandbox. */
      users: z.record(z.string(), z.object({ token: z.string(), ci_token: z.string() })).optional(),
    })
    .optional(),
});
export type DemoReport = z.infer<typeof demoReportSchema>;

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

function formatTokens(n: number): string {
  return n < 1000 ? String(n) : `${(n / 1000).toFixed(1)}k`;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function renderReport(r: DemoReport): string {
  const merged = r.issues.filter((i) => i.merged_by !== null && i.state === "closed").length;
  const why = {
    done: r.ok ? "every demo issue is merged, the gardener groomed the vague one, and the vault ran an approved action" : "every demo issue is merged, but the gardener or the vault did not finish its part",
    rounds: "stopped: the round limit was reached",
    time: "stopped: the time limit was reached",
    failing: "stopped: an agent failed 3 rounds in a row",
    interrupted: "interrupted",
  }[r.stopped];
  const lines = [`Summary (${r.backend} backend) — ${why}`, `  issues merged: ${merged} of ${r.issues.length}`];
  for (const i of r.issues) {
    const pr = i.pr === null ? "no pull request" : `PR #${i.pr}${i.merged_by !== null ? ` merged by ${i.merged_by}` : " not merged"}${i.approved_by !== null ? `, approved by ${i.approved_by}` : ", not approved"}`;
    lines.push(`    #${i.number} ${i.title} (${i.state}) → ${pr}`);
  }
  const g = r.gardener;
  lines.push(`  gardener: #${g.issue} ${g.title} → ${!g.ran ? "not groomed (its run did not succeed, or did not happen)" : g.enriched ? (g.labels.length > 0 ? `enriched, now ${g.labels.join(", ")}` : "enriched, then taken to merge") : `not enriched (labels: ${g.labels.join(", ") || "none"})`}`);
  const v = r.vault;
  lines.push(`  vault: ${v === null ? "not reached" : `${v.formula} action ${v.id} → ${v.pr !== null ? `PR #${v.pr}` : "no request PR"}${v.approved_by !== null ? ` approved by ${v.approved_by}` : ""}, ${v.status === null ? "no result" : `result ${v.status}`}${v.delivered ? ", delivered to the receiver" : ", not delivered"}`}`);
  if (r.planner !== null) lines.push(`  planner: ${r.planner.ran ? `tree of ${plural(r.planner.objectives, "objective")} in prerequisites.md, filed ${r.planner.filed.map((n) => `#${n}`).join(", ") || "nothing"}` : "did not run"}`);
  if (r.architect !== null) {
    const a = r.architect;
    lines.push(`  architect: #${a.vision} → ${a.pitch_pr === null ? "no pitch" : `pitch PR #${a.pitch_pr}, accepted and approved by the admin; the gardener filed ${a.filed.map((n) => `#${n}`).join(", ") || "nothing"}`}`);
  }
  if (r.release !== null) lines.push(`  release: ${r.release.version} → PR #${r.release.pr} approved by the admin, ${r.release.status === null ? "no result" : `result ${r.release.status}`}, ${r.release.tag_sha !== null ? `tagged at ${r.release.tag_sha.slice(0, 7)}` : "not tagged"}`);
  if (r.supervisor !== null) lines.push(`  supervisor: breaker ${r.supervisor.tripped ? "opened when main went red" : "not opened"}, ${r.supervisor.cleared ? "cleared when main was green again" : "not cleared"}`);
  lines.push(`  pull requests: ${r.prs.opened} opened, ${r.prs.merged} merged (the init pull request included)`);
  lines.push(`  reviews: ${r.reviews.total} (${r.reviews.approved} approved, ${r.reviews.changes_requested} changes requested)`);
  const events = Object.entries(r.pipelines.by_event)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([e, n]) => `${e} ${n}`)
    .join(", ");
  lines.push(`  CI runs: ${plural(r.pipelines.total, "pipeline")}${events ? ` (${events})` : ""}, ${r.pipelines.failed} not successful`);
  const llm = `${plural(r.llm_runs, "LLM run")}, ${formatTokens(r.tokens)} tokens, $${r.cost_usd.toFixed(2)}`;
  lines.push(`  tokens and cost: ${llm} (from the ops repo's ledger)${r.backend === "scripted" ? " — the scripted backend calls no model" : ""}`);
  lines.push(`  time: ${formatDuration(r.duration_ms)} in ${plural(r.rounds, "round")}`);
  if (r.agents.length > 0) {
    lines.push("", ...agentTable(r.agents));
  }
  if (r.latencies.length > 0) {
    const ms = r.latencies.map((l) => l.ms).sort((a, b) => a - b);
    lines.push("", `label → merged: ${r.latencies.map((l) => `#${l.issue} ${formatDuration(l.ms)}`).join(", ")} (median ${formatDuration(ms[Math.floor(ms.length / 2)] ?? 0)})`);
  }
  return lines.join("\n");
}

function agentTable(agents: readonly DemoAgent[]): string[] {
  const rows = [["agent", "runs", "actions", "tokens", "cost", "time"], ...agents.map((a) => [a.agent, String(a.runs), String(a.actions), formatTokens(a.tokens), `$${a.cost_usd.toFixed(2)}`, formatDuration(a.time_ms)])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => `  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ")}`);
}
