// Which open PRs the review agent looks at, and whether their CI lets it (disinto-behaviour
// §2.4, pain point §14.17): only the configured required contexts gate — none configured means
// no gate — and a docs-only PR needs no CI, since path-filtered workflows never report on it.
import type { PullRequest } from "../../forge/types.ts";

/** `[WIP]`, `WIP:` and `WIP ` titles are work in progress whatever the forge's draft flag says. */
const WIP = /^\s*\[?WIP[\]:\s]/i;

export type Ineligible = "base" | "draft" | "wip" | "closed";

/** Why a PR is not for review at all (before any per-PR request), or undefined when it is. */
export function ineligible(pr: PullRequest, primaryBranch: string): Ineligible | undefined {
  if (pr.state !== "open") return "closed";
  if (pr.base.ref !== primaryBranch) return "base";
  if (pr.draft) return "draft";
  if (WIP.test(pr.title)) return "wip";
  return undefined;
}

const DOCS = [/\.(md|markdown|mdx|rst|txt|adoc)$/i, /^docs?\//i, /(^|\/)(LICENSE|COPYING|NOTICE|AUTHORS|CHANGELOG)(\.[^/]*)?$/i];

export function isDocsOnly(paths: readonly string[]): boolean {
  return paths.length > 0 && paths.every((p) => DOCS.some((re) => re.test(p)));
}

/** The CI state of a commit as far as the required contexts go. */
export interface RequiredCi {
  state: "success" | "failure" | "pending" | "none";
  /** Required contexts nothing has reported yet. */
  missing: readonly string[];
  /** Required contexts that failed, for the log. */
  failed: readonly string[];
}

export type GateResult = { pass: true; note: string } | { pass: false; reason: string };

/**
 * `files` is asked for only when the required CI is not green, so the common case costs no
 * request for the file list.
 */
export async function ciGate(required: readonly string[], read: () => Promise<RequiredCi>, files: () => Promise<string[]>): Promise<GateResult> {
  if (required.length === 0) return { pass: true, note: "no required CI contexts configured" };
  const ci = await read();
  if (ci.state === "success") return { pass: true, note: "required CI green" };
  if (ci.state === "failure") return { pass: false, reason: `required CI failed (${ci.failed.join(", ") || "failure"})` };
  if (isDocsOnly(await files())) return { pass: true, note: "docs-only change: CI not required" };
  return { pass: false, reason: ci.missing.length > 0 ? `required CI not reported yet (${ci.missing.join(", ")})` : "required CI pending" };
}
