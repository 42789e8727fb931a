// What the architect may do (DESIGN §10.4). Its pitch is an ops-repo PR under `sprints/` from a
// branch `architect/…`; answers and digests are ops-repo comments made by the runner, so their
// manifests are empty and the policy allows nothing on the project repo. It files nothing:
// the gardener's filer creates an approved pitch's sub-issues under the gardener's policy.
import { policy, type Policy } from "../../manifest/policy.ts";

export const AGENT = "architect";
export const SPRINTS = "sprints/";

export const pitchPolicy = (): Policy => policy({ agent: AGENT, kinds: ["ops_pr"], opsFolders: [SPRINTS], maxActions: 1 });

/** Answers and digests: the runner writes the ops-repo comment; the manifest is empty. */
export const opsOnlyPolicy = (): Policy => policy({ agent: AGENT, kinds: [], opsFolders: [], maxActions: 0 });
