// `disinto status` for people: one block per project, aligned columns, times relative to now.
import type { LeaseStatus, ProjectStatus, QueueItem, StatusReport } from "./schema.ts";
import { formatAge } from "../vault/overview.ts";

function ago(at: string | null, now: number): string {
  if (at === null) return "?";
  const s = Math.round((now - Date.parse(at)) / 1000);
  const abs = Math.abs(s);
  const span = abs < 90 ? `${abs}s` : abs < 5400 ? `${Math.round(abs / 60)}m` : abs < 172_800 ? `${Math.round(abs / 3600)}h` : `${Math.round(abs / 86_400)}d`;
  return s >= 0 ? `${span} ago` : `in ${span}`;
}

function table(rows: string[][], indent = "    "): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd());
}

function tokens(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

function leaseRows(leases: LeaseStatus[], now: number): string[][] {
  return leases.map((l) => [l.name, l.holder ?? "-", l.held ? `held, expires ${ago(l.expires_at, now)}` : l.holder === null ? "free" : `expired ${ago(l.expires_at, now)}`]);
}

function queueRows(kind: string, items: QueueItem[]): string[][] {
  return items.map((i) => [kind, `#${i.number}`, `${i.title}${i.priority ? " [priority]" : ""}${i.reason !== null ? ` (${i.reason})` : ""}`]);
}

function project(p: ProjectStatus, now: number): string[] {
  const out = [`${p.name}  ${p.repo}  (ops ${p.ops_repo})`];
  out.push("  agents");
  out.push(
    ...table(
      p.agents.map((a) => [
        a.agent,
        a.login,
        a.schedule ?? "-",
        !a.configured ? "not set up" : a.cron === null ? "no cron" : a.cron.enabled ? "cron on" : "cron OFF",
        a.last_run === null ? "no runs seen" : `last run #${a.last_run.pipeline} ${a.last_run.event} ${a.last_run.status} ${ago(a.last_run.started_at, now)}`,
        a.configured && a.cron?.enabled === true && a.cron.next_at !== null ? `next ${a.cron.next_at.slice(11, 16)} UTC` : "",
        a.spend_today.runs === 0 ? "$0 today" : `$${a.spend_today.cost_usd.toFixed(2)} today (${a.spend_today.runs} LLM runs)`,
        a.last_outcome ?? "",
      ]),
    ),
  );
  for (const d of p.dev) {
    const what = d.issue !== null ? ` on #${d.issue}${d.pr !== null ? ` → PR #${d.pr}` : ""}` : "";
    out.push(`  dev phase (${d.identity}): ${d.phase}${what}, ${ago(d.updated_at, now)}`);
    for (const t of d.history.slice(-5)) out.push(`    ${t.at}  ${t.from} → ${t.to}${t.note !== null ? `  ${t.note}` : ""}`);
  }
  out.push(`  leases${p.leases.length === 0 ? ": none" : ""}`, ...table(leaseRows(p.leases, now)));
  const q = p.queue;
  out.push(`  queue: ${q.ready.length} ready, ${q.blocked.length} blocked, ${q.in_progress.length} in progress`);
  out.push(...table([...queueRows("in progress", q.in_progress), ...queueRows("ready", q.ready), ...queueRows("blocked", q.blocked)]));
  out.push(`  pull requests${p.pulls.length === 0 ? ": none open" : ""}`);
  out.push(
    ...table(
      p.pulls.map((pr) => [
        `#${pr.number}`,
        pr.author,
        `CI ${pr.ci.state}${pr.ci.missing.length > 0 ? ` (missing ${pr.ci.missing.join(", ")})` : ""}`,
        pr.review.state === "none" ? "not reviewed" : `${pr.review.state.replace("_", " ")} by ${pr.review.by ?? "?"}`,
        pr.title,
      ]),
    ),
  );
  if (p.planner !== null) {
    const t = p.planner.tree;
    const last = p.planner.last_run === null ? "no run yet" : `last run ${ago(p.planner.last_run.at, now)}: ${p.planner.last_run.title}`;
    out.push(`  planner: ${t.objectives.length === 0 ? "no tree yet" : `tree of ${t.updated ?? "?"}: ${t.ready} ready, ${t.blocked} blocked, ${t.done} done`}; ${last}`);
    out.push(...table(t.objectives.map((o) => [o.status, o.name, o.reason ?? ""])));
  }
  if (p.predictor !== null) {
    const last = p.predictor.last_run === null ? "no run yet" : `last run ${ago(p.predictor.last_run.at, now)}: ${p.predictor.last_run.title}`;
    out.push(`  predictor: ${p.predictor.open.length} open prediction${p.predictor.open.length === 1 ? "" : "s"}; ${last}`);
    out.push(...table(p.predictor.open.map((x) => [`#${x.number}`, x.title])));
  }
  if (p.gardener !== null) {
    const g = p.gardener;
    const left = g.left_alone.length > 0 ? `; leaves ${g.left_alone.map((n) => `#${n}`).join(", ")} alone for now` : "";
    out.push(`  gardener: ${g.last_task === null ? "no task yet" : `last task ${ago(g.last_task.at, now)}: ${g.last_task.title}`}${g.next.length === 0 ? "; nothing to groom" : ""}${left}`);
    out.push(
      ...table(
        g.next.map((c, i) => [
          i === 0 ? "next" : "then",
          c.task,
          c.issue !== null ? `#${c.issue}` : c.issues.map((n) => `#${n}`).join(" "),
          c.issue !== null
            ? `${c.title ?? ""}${c.issues.length > 0 ? ` (waited on by ${c.issues.map((n) => `#${n}`).join(", ")})` : ""}`
            : c.group !== null
              ? `dust group ${c.group}`
              : "backlog issues missing acceptance criteria or affected files",
        ]),
      ),
    );
  }
  if (p.vault !== null) {
    const v = p.vault;
    out.push(`  vault: ${v.pending.length} waiting for approval, ${v.queued.length} queued`);
    for (const x of v.pending) out.push(`    pending ${x.id}  PR #${x.pr}  ${formatAge(x.age_minutes)} old  ${x.url}`);
    for (const r of v.last_results) out.push(`    ${r.status.padEnd(8)} ${r.id}  ${r.finished}${r.reason !== null ? `  ${r.reason}` : ""}`);
  }
  if (p.health !== null) {
    const h = p.health;
    const bySeverity = [...new Set(h.findings.map((f) => f.severity))].map((s) => `${h.findings.filter((f) => f.severity === s).length} ${s}`);
    const when = h.updated_at === null ? "no run recorded yet" : `changed ${ago(h.updated_at, now)}`;
    out.push(`  health: CI breaker ${h.breaker}; ${h.findings.length === 0 ? "no findings" : `findings ${bySeverity.join(", ")}`}; ${h.incidents.length} open incident${h.incidents.length === 1 ? "" : "s"} (${when})`);
    for (const f of h.findings) out.push(`    ${f.severity} ${f.recipe} (${f.action}): ${f.summary}`);
    for (const i of h.incidents) out.push(`    incident ${i.path}${i.severity !== null ? ` ${i.severity}` : ""}: ${i.summary}`);
    for (const n of h.not_read) out.push(`    not read: ${n}`);
  }
  if (p.architect !== null) {
    const a = p.architect;
    out.push(`  architect: ${a.pitches.length === 0 ? "no open pitch" : `${a.pitches.length} open pitch${a.pitches.length === 1 ? "" : "es"}`}`);
    for (const x of a.pitches) out.push(`    PR #${x.pr}  ${x.state.padEnd(8)} ${formatAge(x.age_minutes)} old  ${x.vision !== null ? `#${x.vision} ` : ""}${x.title}: ${x.detail}`);
  }
  out.push(`  budget ${p.budget.day}`);
  out.push(
    ...table(
      p.budget.backends.map((b) => [b.backend, b.type ?? "?", `${b.runs} run${b.runs === 1 ? "" : "s"}`, `${tokens(b.tokens)} tok`, `$${b.cost_usd.toFixed(2)}${b.cap_usd !== null ? ` of $${b.cap_usd.toFixed(2)}` : ""}`]),
    ),
  );
  for (const w of p.warnings) out.push(`  warning: ${w}`);
  return out;
}

export function renderStatus(r: StatusReport): string {
  const now = Date.parse(r.generated_at);
  const out: string[] = [];
  if (r.projects.length === 0) out.push(`no project configs in ${r.ops_repo} (projects/*.toml): run disinto init`);
  for (const p of r.projects) out.push(...project(p, now), "");
  if (r.other_leases.length > 0) out.push("other leases", ...table(leaseRows(r.other_leases, now), "  "));
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return out.join("\n").trimEnd();
}
