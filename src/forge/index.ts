export type * from "./types.ts";
export { ConflictError, MergeError, UnknownLabelError, type ConflictReason, type MergeFailure } from "./errors.ts";
export { ForgejoForge, ROUTES, ROUTE_TABLE, apiBase, type ForgejoForgeOptions, type RouteName } from "./forgejo/index.ts";
export { actionsSecretName, actionsSecretNameProblem } from "./forgejo/index.ts";
