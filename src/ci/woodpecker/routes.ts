// Every Woodpecker endpoint this client calls, as method + path template below `/api`. The
// client sends requests only through these entries, so the contract test that checks this
// table against woodpecker.md covers every call.
import type { Route } from "../../http/client.ts";

const r = (method: Route["method"], path: string): Route => ({ method, path });
const REPO = "/repos/{repo_id}";

export const ROUTES = {
  repoLookup: r("GET", "/repos/lookup/{owner}/{name}"),
  repoActivate: r("POST", "/repos"),
  repoGet: r("GET", REPO),
  repoUpdate: r("PATCH", REPO),

  pipelinesList: r("GET", `${REPO}/pipelines`),
  pipelineCreate: r("POST", `${REPO}/pipelines`),
  pipelineGet: r("GET", `${REPO}/pipelines/{number}`),
  pipelineLatest: r("GET", `${REPO}/pipelines/latest`),
  pipelineRestart: r("POST", `${REPO}/pipelines/{number}`),
  pipelineCancel: r("POST", `${REPO}/pipelines/{number}/cancel`),
  stepLogs: r("GET", `${REPO}/logs/{number}/{step_id}`),

  cronsList: r("GET", `${REPO}/cron`),
  cronCreate: r("POST", `${REPO}/cron`),
  cronGet: r("GET", `${REPO}/cron/{cron_id}`),
  cronUpdate: r("PATCH", `${REPO}/cron/{cron_id}`),
  cronRun: r("POST", `${REPO}/cron/{cron_id}`),
  cronDelete: r("DELETE", `${REPO}/cron/{cron_id}`),

  secretsList: r("GET", `${REPO}/secrets`),
  secretCreate: r("POST", `${REPO}/secrets`),
  secretGet: r("GET", `${REPO}/secrets/{name}`),
  secretUpdate: r("PATCH", `${REPO}/secrets/{name}`),
  secretDelete: r("DELETE", `${REPO}/secrets/{name}`),
} as const satisfies Record<string, Route>;

export type RouteName = keyof typeof ROUTES;

/** The table as a list, for contract tests and documentation. */
export const ROUTE_TABLE: readonly (Route & { name: RouteName })[] = Object.entries(ROUTES).map(([name, route]) => ({ name: name as RouteName, ...route }));

/** Prefix of every route: the client's base URL is `<server>/api`. */
export const API_PREFIX = "/api";
