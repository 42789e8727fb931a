export * from "./errors.ts";
export * from "./store.ts";
export * from "./lease.ts";
export * from "./phase.ts";
export * from "./journal.ts";
export * from "./ledger.ts";
export * from "./watermark.ts";
export * from "./layout.ts";
