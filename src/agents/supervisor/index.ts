// The supervisor agent: probes, recipes, direct fixes, incidents, the CI circuit breaker.
export { runSupervisorTick, loadRecipes, evaluate } from "./tick.ts";
export { breakerVerdict } from "./breaker.ts";
