export { WoodpeckerCi, woodpeckerApiBase, type WoodpeckerCiOptions } from "./ci.ts";
export { API_PREFIX, ROUTES, ROUTE_TABLE, type RouteName } from "./routes.ts";
