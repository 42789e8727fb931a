// Every Forgejo/Gitea endpoint this client calls, as method + swagger path template. The
// client sends requests only through these entries, so the contract test that checks this
// table against the swagger covers every call.
import type { Route } from "../../http/client.ts";

const r = (method: Route["method"], path: string): Route => ({ method, path });
const REPO = "/repos/{owner}/{repo}";

export const ROUTES = {
  version: r("GET", "/version"),
  currentUser: r("GET", "/user"),

  repoGet: r("GET", REPO),
  repoCreateForUser: r("POST", "/user/repos"),
  repoCreateInOrg: r("POST", "/orgs/{org}/repos"),
  repoCreateAsAdmin: r("POST", "/admin/users/{username}/repos"),
  orgCreate: r("POST", "/orgs"),
  orgGet: r("GET", "/orgs/{org}"),
  collaboratorAdd: r("PUT", `${REPO}/collaborators/{collaborator}`),
  collaboratorCheck: r("GET", `${REPO}/collaborators/{collaborator}`),
  collaboratorPermission: r("GET", `${REPO}/collaborators/{collaborator}/permission`),
  assignees: r("GET", `${REPO}/assignees`),

  issuesList: r("GET", `${REPO}/issues`),
  issueGet: r("GET", `${REPO}/issues/{index}`),
  issueCreate: r("POST", `${REPO}/issues`),
  issueEdit: r("PATCH", `${REPO}/issues/{index}`),
  issueTimeline: r("GET", `${REPO}/issues/{index}/timeline`),

  commentsList: r("GET", `${REPO}/issues/{index}/comments`),
  commentCreate: r("POST", `${REPO}/issues/{index}/comments`),
  commentEdit: r("PATCH", `${REPO}/issues/comments/{id}`),

  labelsList: r("GET", `${REPO}/labels`),
  labelCreate: r("POST", `${REPO}/labels`),
  orgLabelsList: r("GET", "/orgs/{org}/labels"),
  issueLabelsList: r("GET", `${REPO}/issues/{index}/labels`),
  issueLabelsAdd: r("POST", `${REPO}/issues/{index}/labels`),
  issueLabelsReplace: r("PUT", `${REPO}/issues/{index}/labels`),
  // `{identifier}` in Forgejo ≥ v13 (name or id), `{id}` before; we always send the numeric id.
  issueLabelRemove: r("DELETE", `${REPO}/issues/{index}/labels/{identifier}`),

  pullsList: r("GET", `${REPO}/pulls`),
  pullGet: r("GET", `${REPO}/pulls/{index}`),
  pullCreate: r("POST", `${REPO}/pulls`),
  pullDiff: r("GET", `${REPO}/pulls/{index}.{diffType}`),
  pullFiles: r("GET", `${REPO}/pulls/{index}/files`),
  pullMerge: r("POST", `${REPO}/pulls/{index}/merge`),
  pullUpdate: r("POST", `${REPO}/pulls/{index}/update`),

  reviewsList: r("GET", `${REPO}/pulls/{index}/reviews`),
  reviewGet: r("GET", `${REPO}/pulls/{index}/reviews/{id}`),
  reviewCreate: r("POST", `${REPO}/pulls/{index}/reviews`),
  reviewDismiss: r("POST", `${REPO}/pulls/{index}/reviews/{id}/dismissals`),

  statusCombined: r("GET", `${REPO}/commits/{ref}/status`),
  statusesList: r("GET", `${REPO}/commits/{ref}/statuses`),
  statusCreate: r("POST", `${REPO}/statuses/{sha}`),

  contentsGet: r("GET", `${REPO}/contents/{filepath}`),
  contentsCreate: r("POST", `${REPO}/contents/{filepath}`),
  contentsUpdate: r("PUT", `${REPO}/contents/{filepath}`),
  contentsDelete: r("DELETE", `${REPO}/contents/{filepath}`),
  contentsListRoot: r("GET", `${REPO}/contents`),
  contentsCommit: r("POST", `${REPO}/contents`),

  branchGet: r("GET", `${REPO}/branches/{branch}`),
  branchCreate: r("POST", `${REPO}/branches`),
  branchDelete: r("DELETE", `${REPO}/branches/{branch}`),

  protectionGet: r("GET", `${REPO}/branch_protections/{name}`),
  protectionCreate: r("POST", `${REPO}/branch_protections`),
  protectionEdit: r("PATCH", `${REPO}/branch_protections/{name}`),

  actionsSecretsList: r("GET", `${REPO}/actions/secrets`),
  actionsSecretPut: r("PUT", `${REPO}/actions/secrets/{secretname}`),
  actionsSecretDelete: r("DELETE", `${REPO}/actions/secrets/{secretname}`),
} as const satisfies Record<string, Route>;

export type RouteName = keyof typeof ROUTES;

/** The table as a list, for contract tests and documentation. */
export const ROUTE_TABLE: readonly (Route & { name: RouteName })[] = Object.entries(ROUTES).map(([name, route]) => ({ name: name as RouteName, ...route }));
