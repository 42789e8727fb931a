export type * from "./types.ts";
export { CiConflictError, CiValidationError, PipelineFilteredError } from "./errors.ts";
export { WoodpeckerCi, woodpeckerApiBase, API_PREFIX, ROUTES, ROUTE_TABLE, type RouteName, type WoodpeckerCiOptions } from "./woodpecker/index.ts";
export { commitCiFromStatuses, failingSteps, isFinishedStatus, pipelineRefFromUrl, readCommitCi, type CommitCi, type CommitCiContext, type CommitCiState, type FailingStep, type PipelineRef } from "./commit.ts";
export { classifyInfra, describeExitCode, type InfraVerdict, type StepFacts } from "./infra.ts";
