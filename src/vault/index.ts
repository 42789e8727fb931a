// The vault (DESIGN §11): action schema, tiers, requests and approval checks; the dispatcher agent is src/agents/vault.
export * from "./action.ts";
export * from "./tiers.ts";
export * from "./request.ts";
export * from "./approval.ts";
export * from "./results.ts";
export * from "./formulas.ts";
