// The label names the gardener reads and writes, from the project config's catalogue (a project
// may rename any of them).
import type { ProjectConfig } from "../../config/project.ts";

export interface GardenerLabels {
  backlog: string;
  priority: string;
  inProgress: string;
  blocked: string;
  underspecified: string;
  techDebt: string;
  vision: string;
  bugReport: string;
  awaitingLive: string;
  formula: string;
}

export const DEFAULT_GARDENER_LABELS: GardenerLabels = {
  backlog: "backlog",
  priority: "priority",
  inProgress: "in-progress",
  blocked: "blocked",
  underspecified: "underspecified",
  techDebt: "tech-debt",
  vision: "vision",
  bugReport: "bug-report",
  awaitingLive: "awaiting-live-verification",
  formula: "formula",
};

export function gardenerLabels(config: ProjectConfig): GardenerLabels {
  const l = config.labels;
  return {
    backlog: l.backlog,
    priority: l.priority,
    inProgress: l["in-progress"],
    blocked: l.blocked,
    underspecified: l.underspecified,
    techDebt: l["tech-debt"],
    vision: l.vision,
    bugReport: l["bug-report"],
    awaitingLive: l["awaiting-live-verification"],
    formula: l.formula,
  };
}
