// The supervisor's part of `disinto status`: the project's health as its last run recorded it
// (state/<project>/supervisor/health.json: findings that fired a recipe, the breaker, what it
// could not read) and the incidents open in the ops repo. The incident documents are the truth
// for the breaker — the dev agent reads them too — so an open `ci-untrusted` shows the breaker
// open whatever the record says. Reads only, no tokens.
import type { ProjectConfig } from "../config/project.ts";
import { errorMessage } from "../lib/errors.ts";
import { healthPath, healthSchema } from "../state/health.ts";
import { CI_UNTRUSTED, openIncidents, severityOf, summaryOf } from "../state/incident.ts";
import type { StateStore } from "../state/index.ts";
import type { HealthStatus } from "./schema.ts";

export async function healthStatus(store: StateStore, config: ProjectConfig, warnings: string[]): Promise<HealthStatus> {
  const [doc, incidents] = await Promise.all([
    store.readJson(healthPath(config.name), healthSchema).catch((err: unknown) => {
      warnings.push(`${healthPath(config.name)}: ${errorMessage(err).split("\n")[0] ?? ""}`);
      return undefined;
    }),
    openIncidents(store),
  ]);
  const h = doc?.value;
  const breakerIncident = incidents.some((i) => i.slug === CI_UNTRUSTED);
  return {
    updated_at: h?.updated_at ?? null,
    breaker: breakerIncident ? "open" : (h?.breaker ?? "unknown"),
    findings: [...(h?.findings ?? [])]
      .sort((a, b) => a.severity.localeCompare(b.severity) || a.recipe.localeCompare(b.recipe))
      .map((f) => ({ severity: f.severity, recipe: f.recipe, summary: f.summary, action: f.action })),
    incidents: incidents.map((i) => ({ slug: i.slug, path: i.path, severity: severityOf(i.text) ?? null, summary: summaryOf(i.text) })),
    not_read: h?.not_read ?? [],
  };
}
