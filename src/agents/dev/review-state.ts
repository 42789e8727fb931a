// The review verdict on a PR's head commit: shared with the gardener, so it lives one level down.
export * from "../shared/pr-verdict.ts";
