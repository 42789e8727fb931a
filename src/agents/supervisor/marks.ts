// The supervisor's comment markers (`<!-- disinto:supervisor:<key> -->`, src/manifest/marker.ts):
// what its direct fixes post carries one, so a fix run twice — or after a kill — posts once.
export const AGENT = "supervisor";

/** The recovery comment of a ci_exhausted sweep: once per issue. */
export const sweptKey = (issue: number): string => `swept/${issue}`;
/** The closing comment on a PR stuck on an exhausted issue. */
export const stuckPrKey = (pr: number): string => `stuck-pr/${pr}`;
/** The comment that releases an orphaned in-progress issue. */
export const orphanKey = (issue: number): string => `orphan/${issue}`;
