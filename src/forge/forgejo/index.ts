export { ForgejoForge, apiBase, type ForgejoForgeOptions } from "./forge.ts";
export { ROUTES, ROUTE_TABLE, type RouteName } from "./routes.ts";
export { actionsSecretName, actionsSecretNameProblem } from "./actions-secrets.ts";
