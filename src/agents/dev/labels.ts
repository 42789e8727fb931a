// The label names the dev agent reads and writes, from the project config's label catalogue
// (a project may rename any of them), and the labels that keep an issue away from it.
import type { ProjectConfig } from "../../config/project.ts";

export interface DevLabels {
  backlog: string;
  priority: string;
  inProgress: string;
  blocked: string;
  underspecified: string;
  /** Lets the dev agent change protected paths in this issue. */
  allowProtected: string;
  /** Labels of issues that belong to another agent or are not ready (§2.1, #608). */
  skip: ReadonlySet<string>;
}

export function devLabels(config: ProjectConfig): DevLabels {
  const l = config.labels;
  return {
    backlog: l.backlog,
    priority: l.priority,
    inProgress: l["in-progress"],
    blocked: l.blocked,
    underspecified: l.underspecified,
    allowProtected: l["allow-protected-paths"],
    skip: new Set([
      l.blocked,
      l.underspecified,
      l["in-progress"],
      l.vision,
      l["bug-report"],
      l["in-triage"],
      l["prediction/unreviewed"],
      l["prediction/dismissed"],
      l["prediction/actioned"],
      l.action,
      l.formula,
      l["awaiting-live-verification"],
    ]),
  };
}

/** Whether a label keeps the issue from the dev agent (any `prediction/*` does, renamed or not). */
export function isSkipLabel(labels: DevLabels, name: string): boolean {
  return labels.skip.has(name) || name.startsWith("prediction/");
}
