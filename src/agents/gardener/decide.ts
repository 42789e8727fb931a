// The tasks the original decides in code (disinto-behaviour §8.1, §8.3), decided here in code:
// the quality gate, the starving blocker, promoting tech debt, revisiting a blocked issue and
// asking for detail on an issue too thin to enrich. Each answer is a manifest (applied and
// journaled like the model's, under the task's policy) or a reason to wait. No tokens.
import type { Comment, Issue, TimelineEvent } from "../../forge/types.ts";
import { parseDeps } from "../../lib/deps.ts";
import type { Action, Manifest } from "../../manifest/actions.ts";
import type { GardenerLabels } from "./labels.ts";
import { AGENT, GATE_MAX } from "./policy.ts";
import { enrichable, missingSections } from "./survey.ts";

export type Decision = { kind: "manifest"; manifest: Manifest; rest?: { issue: number; ms: number } } | { kind: "wait"; reason: string; rest: { issue: number; ms: number } };

const HOUR = 3600_000;
/** A blocked issue nobody explained gets a nudge once it has been blocked this long (BLOCKED_NUDGE_AGE_HOURS). */
export const NUDGE_AGE_MS = 4 * HOUR;
/** …and at most one nudge a day. */
export const NUDGE_EVERY_MS = 24 * HOUR;
/** After asking a person for detail, the issue waits this long unless someone changes it. */
export const ASK_REST_MS = 7 * 24 * HOUR;
/** A blocked issue whose dependency is still open is looked at again after this long. */
export const DEP_REST_MS = 4 * HOUR;

// ─── quality gate ───────────────────────────────────────────────────────────────────────────

export function gateComment(missing: readonly string[]): string {
  return [
    `This issue left the backlog: it is missing ${missing.join(" and ")}, which the dev agent needs to know what to change and when it is done.`,
    "",
    "Add the missing sections (`## Affected files` listing the paths to change, `## Acceptance criteria` as `- [ ]` checkboxes) and put the `backlog` label back.",
  ].join("\n");
}

export function decideGate(failing: readonly Issue[], l: GardenerLabels): Decision {
  const actions: Action[] = [];
  for (const i of failing.slice(0, GATE_MAX)) {
    actions.push({ kind: "comment", issue: i.number, key: `gate-${i.number}`, body: gateComment(missingSections(i.body)) });
    actions.push({ kind: "remove_label", issue: i.number, label: l.backlog });
  }
  const n = Math.min(failing.length, GATE_MAX);
  return { kind: "manifest", manifest: { summary: `quality gate: ${n} backlog issue${n === 1 ? "" : "s"} without acceptance criteria or affected files leave the backlog`, actions } };
}

// ─── blocker starving the factory ───────────────────────────────────────────────────────────

const EXTERNAL = /waiting on|blocked by external|depends on infra|third[- ]party|forgejo upstream|aws support|dns provider|cloudflare/i;

export function isExternal(dep: Issue, l: GardenerLabels): boolean {
  return dep.labels.includes(l.vision) || EXTERNAL.test(`${dep.title}\n${dep.body}`);
}

export function decideStarving(dep: Issue, parents: readonly number[], l: GardenerLabels): Decision {
  const ps = parents.map((p) => `#${p}`).join(", ");
  if (isExternal(dep, l)) {
    const actions: Action[] = parents.flatMap((p): Action[] => [
      { kind: "comment", issue: p, key: `starving-${dep.number}-external-${p}`, body: `This issue depends on #${dep.number}, which waits on something outside this project. Blocked until it is resolved; remove \`${l.blocked}\` when it is.` },
      { kind: "add_label", issue: p, label: l.blocked },
    ]);
    return { kind: "manifest", manifest: { summary: `#${dep.number} is external: ${ps} blocked on it`, actions } };
  }
  if (enrichable(dep.body) && missingSections(dep.body).length === 0) {
    return {
      kind: "manifest",
      manifest: {
        summary: `#${dep.number} blocks ${ps} and is ready: into the backlog`,
        actions: [
          { kind: "comment", issue: dep.number, key: `starving-${dep.number}-promote`, body: `${ps} in the backlog depend${parents.length === 1 ? "s" : ""} on this issue, and it says what to change and when it is done: queued for the dev agent.` },
          { kind: "add_label", issue: dep.number, label: l.backlog },
        ],
      },
    };
  }
  return {
    kind: "manifest",
    manifest: {
      summary: `#${dep.number} blocks ${ps} but is too thin: asked for detail`,
      actions: [
        {
          kind: "comment",
          issue: dep.number,
          key: `starving-${dep.number}-ask`,
          body: `${ps} in the backlog depend${parents.length === 1 ? "s" : ""} on this issue, but it is not ready for the dev agent. Please add \`## Affected files\` (the paths to change) and \`## Acceptance criteria\` (2–5 \`- [ ]\` checkboxes).`,
        },
        { kind: "add_label", issue: dep.number, label: l.underspecified },
      ],
    },
  };
}

// ─── enrich-underspecified, too thin ────────────────────────────────────────────────────────

export function decideTooThin(issue: Issue): Decision {
  return {
    kind: "manifest",
    manifest: {
      summary: `#${issue.number} is too thin to enrich: asked for detail`,
      actions: [
        {
          kind: "comment",
          issue: issue.number,
          key: `thin-${issue.number}`,
          body: "This issue is too thin for the gardener to turn into a plan: it needs at least five lines with something concrete (a file path, a command, a URL, numbered steps). Please say what should change and how you will know it is done.",
        },
      ],
    },
    rest: { issue: issue.number, ms: ASK_REST_MS },
  };
}

// ─── promote tech debt ──────────────────────────────────────────────────────────────────────

/** `## Affected file(s)` with at least one bullet and `## Acceptance criteria` with at least one checkbox. */
export function promotable(body: string): boolean {
  const section = (title: RegExp): string | undefined => {
    const lines = body.split(/\r?\n/);
    const start = lines.findIndex((x) => title.test(x));
    if (start < 0) return undefined;
    const end = lines.findIndex((x, i) => i > start && /^#{1,6}\s/.test(x));
    return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
  };
  const files = section(/^#{1,6}\s*Affected files?\b/i);
  const ac = section(/^#{1,6}\s*Acceptance criteria\b/i);
  return files !== undefined && /^\s*[-*]\s+\S/m.test(files) && ac !== undefined && /^\s*[-*] \[[ xX]\] \S/m.test(ac);
}

export function decidePromote(issue: Issue, l: GardenerLabels): Decision {
  if (promotable(issue.body)) {
    return {
      kind: "manifest",
      manifest: {
        summary: `tech debt #${issue.number} is ready: into the backlog`,
        actions: [
          { kind: "comment", issue: issue.number, key: `promote-${issue.number}`, body: "This tech-debt issue names its files and its acceptance criteria: promoted to the backlog." },
          { kind: "add_label", issue: issue.number, label: l.backlog },
        ],
      },
    };
  }
  return {
    kind: "manifest",
    manifest: {
      summary: `tech debt #${issue.number} needs a plan: underspecified`,
      actions: [
        { kind: "comment", issue: issue.number, key: `promote-${issue.number}`, body: "This tech-debt issue is worth doing but lacks `## Affected files` (with at least one path) or `## Acceptance criteria` (with at least one checkbox): marked underspecified, so the gardener can write the plan." },
        { kind: "add_label", issue: issue.number, label: l.underspecified },
      ],
    },
  };
}

// ─── revisit blocked ────────────────────────────────────────────────────────────────────────

/**
 * Exit reasons that say the dev agent ran out of tries on something that may well pass now
 * (the original's `no_push exhausted stuck-pr ci_exhausted_poll ci_timeout`, and this dev
 * agent's names for the same: CI that failed or went stale, a refused push, no result, a
 * conflict or a blocked merge). Anything else — protected paths, a secret in the diff, the
 * reviewer's last word — waits for a person.
 */
export const RETRY_PREFIXES = ["no_push", "exhausted", "stuck-pr", "ci_exhausted", "ci_timeout", "ci_stale", "push_rejected", "no_result", "merge_conflict", "merge_blocked"];

const BLOCKED_HEAD = /^### Blocked — issue #\d+/;
const EXIT_REASON = /^\|\s*Exit reason\s*\|\s*`?([^`|]+?)`?\s*\|/m;
const DEP_REF = /(?:\bdep\b|dependency|dependencies|depends on|blocked by)[^#\n]{0,80}#(\d+)/gi;

export interface BlockedFacts {
  issue: Issue;
  comments: readonly Comment[];
  timeline: readonly TimelineEvent[];
  /** The state of each issue the reason or the body names as a dependency. */
  depState: ReadonlyMap<number, "open" | "closed" | "missing">;
  login: string;
  now: number;
}

/** The latest `### Blocked — issue #N` comment and its exit reason. */
export function blockedReason(comments: readonly Comment[]): { comment: Comment; reason: string | undefined } | undefined {
  const c = [...comments].reverse().find((x) => BLOCKED_HEAD.test(x.body.trimStart()));
  return c ? { comment: c, reason: EXIT_REASON.exec(c.body)?.[1]?.trim() } : undefined;
}

/** Dependencies a blocked issue names: in its body's dependency section, and in its Blocked comment. */
export function blockedDeps(issue: Issue, comments: readonly Comment[]): number[] {
  const found = new Set(parseDeps(issue.body));
  const b = blockedReason(comments);
  if (b) for (const m of b.comment.body.matchAll(DEP_REF)) found.add(Number(m[1]));
  found.delete(issue.number);
  return [...found].sort((a, b) => a - b);
}

/** Each dependency's state from the open-issue listing (PRs are in it), with no request per
 * dependency: a number not in it is closed or gone, and either way holds nothing up. */
export function depStates(deps: readonly number[], open: readonly Issue[]): Map<number, "open" | "closed"> {
  const openNumbers = new Set(open.map((i) => i.number));
  return new Map(deps.map((d) => [d, openNumbers.has(d) ? "open" : "closed"]));
}

/** When the `blocked` label was last put on (the timeline), else the issue's last update. */
export function blockedSince(issue: Issue, timeline: readonly TimelineEvent[], blocked: string): number {
  const ev = [...timeline].reverse().find((e) => e.label?.name === blocked && e.label.action === "added");
  return (ev?.createdAt ?? issue.updatedAt).getTime();
}

export function decideBlocked(f: BlockedFacts, l: GardenerLabels): Decision {
  const n = f.issue.number;
  const unblock = (why: string, key: string): Decision => ({
    kind: "manifest",
    manifest: {
      summary: `#${n} unblocked: ${why}`,
      actions: [
        { kind: "comment", issue: n, key, body: `Unblocked by the gardener: ${why}. Back in the backlog for the dev agent.` },
        { kind: "remove_label", issue: n, label: l.blocked },
        ...(f.issue.labels.includes(l.underspecified) || f.issue.labels.includes(l.backlog) ? [] : [{ kind: "add_label" as const, issue: n, label: l.backlog }]),
      ],
    },
  });
  const b = blockedReason(f.comments);
  if (b?.reason !== undefined && RETRY_PREFIXES.some((p) => b.reason!.startsWith(p))) {
    return unblock(`the exit reason \`${b.reason}\` is one a new attempt may pass`, `unblock-${n}-${b.comment.id}`);
  }
  const deps = blockedDeps(f.issue, f.comments);
  if (deps.length > 0) {
    const open = deps.filter((d) => f.depState.get(d) === "open");
    if (open.length === 0) return unblock(`its dependenc${deps.length === 1 ? "y" : "ies"} ${deps.map((d) => `#${d}`).join(", ")} ${deps.length === 1 ? "is" : "are"} closed`, `unblock-${n}-deps-${deps.join("-")}`);
    return { kind: "wait", reason: `#${n} waits on ${open.map((d) => `#${d}`).join(", ")}, still open`, rest: { issue: n, ms: DEP_REST_MS } };
  }
  const since = blockedSince(f.issue, f.timeline, l.blocked);
  if (f.now - since < NUDGE_AGE_MS) return { kind: "wait", reason: `#${n} was blocked less than ${NUDGE_AGE_MS / HOUR} h ago`, rest: { issue: n, ms: since + NUDGE_AGE_MS - f.now } };
  const lastNudge = f.comments
    .filter((c) => c.author.toLowerCase() === f.login.toLowerCase() && c.body.includes(`<!-- disinto:${AGENT}:blocked-nudge-${n}-`))
    .reduce((t, c) => Math.max(t, c.createdAt.getTime()), 0);
  if (f.now - lastNudge < NUDGE_EVERY_MS) return { kind: "wait", reason: `#${n} was nudged less than a day ago`, rest: { issue: n, ms: lastNudge + NUDGE_EVERY_MS - f.now } };
  const day = new Date(f.now).toISOString().slice(0, 10).replaceAll("-", "");
  const hours = Math.floor((f.now - since) / HOUR);
  return {
    kind: "manifest",
    manifest: {
      summary: `#${n} blocked for ${hours} h with no reason the gardener can act on: nudged`,
      actions: [{ kind: "comment", issue: n, key: `blocked-nudge-${n}-${day}`, body: `This issue has been \`${l.blocked}\` for ${hours} hours and nothing says what it waits for. Could someone say what would unblock it, or close it?` }],
    },
    rest: { issue: n, ms: NUDGE_EVERY_MS },
  };
}
