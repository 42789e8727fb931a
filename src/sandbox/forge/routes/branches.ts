// Branches (list, get, create, delete) and branch protection rules (list, get, create, edit,
// delete). Protection is enforced on merges, contents writes, branch deletion and git pushes.
import { z } from "zod";
import type { Router, Ctx } from "../router.ts";
import type { ProtectionRec, RepoRec, UserRec } from "../store.ts";
import { now } from "../core.ts";
import { ZERO_SHA } from "../git.ts";
import { ApiError, bind, json, empty, notFound, forbidden, pageOf, paged, unprocessable } from "../http.ts";
import { repoOf } from "./common.ts";

const CreateBranch = z.object({ new_branch_name: z.string().min(1), old_ref_name: z.string().optional(), old_branch_name: z.string().optional() });

const protectionFields = {
  enable_push: z.boolean().optional(),
  enable_push_whitelist: z.boolean().optional(),
  push_whitelist_usernames: z.array(z.string()).nullish(),
  push_whitelist_teams: z.array(z.string()).nullish(),
  push_whitelist_deploy_keys: z.boolean().optional(),
  enable_merge_whitelist: z.boolean().optional(),
  merge_whitelist_usernames: z.array(z.string()).nullish(),
  merge_whitelist_teams: z.array(z.string()).nullish(),
  enable_status_check: z.boolean().optional(),
  status_check_contexts: z.array(z.string()).nullish(),
  required_approvals: z.number().int().min(0).optional(),
  enable_approvals_whitelist: z.boolean().optional(),
  approvals_whitelist_username: z.array(z.string()).nullish(),
  approvals_whitelist_teams: z.array(z.string()).nullish(),
  block_on_rejected_reviews: z.boolean().optional(),
  block_on_official_review_requests: z.boolean().optional(),
  block_on_outdated_branch: z.boolean().optional(),
  dismiss_stale_approvals: z.boolean().optional(),
  ignore_stale_approvals: z.boolean().optional(),
  require_signed_commits: z.boolean().optional(),
  protected_file_patterns: z.string().optional(),
  unprotected_file_patterns: z.string().optional(),
  apply_to_admins: z.boolean().optional(),
};
const CreateProtection = z.object({ rule_name: z.string().optional(), branch_name: z.string().optional(), ...protectionFields });
const EditProtection = z.object(protectionFields);

function applyProtection(p: ProtectionRec, b: z.infer<typeof EditProtection>): void {
  if (b.enable_push !== undefined) p.enablePush = b.enable_push;
  if (b.enable_push_whitelist !== undefined) p.enablePushWhitelist = b.enable_push_whitelist;
  if (b.push_whitelist_usernames) p.pushWhitelistUsernames = b.push_whitelist_usernames;
  if (b.enable_merge_whitelist !== undefined) p.enableMergeWhitelist = b.enable_merge_whitelist;
  if (b.merge_whitelist_usernames) p.mergeWhitelistUsernames = b.merge_whitelist_usernames;
  if (b.enable_status_check !== undefined) p.enableStatusCheck = b.enable_status_check;
  if (b.status_check_contexts) p.statusCheckContexts = b.status_check_contexts;
  if (b.required_approvals !== undefined) p.requiredApprovals = b.required_approvals;
  if (b.enable_approvals_whitelist !== undefined) p.enableApprovalsWhitelist = b.enable_approvals_whitelist;
  if (b.approvals_whitelist_username) p.approvalsWhitelistUsernames = b.approvals_whitelist_username;
  if (b.block_on_rejected_reviews !== undefined) p.blockOnRejectedReviews = b.block_on_rejected_reviews;
  if (b.block_on_outdated_branch !== undefined) p.blockOnOutdatedBranch = b.block_on_outdated_branch;
  if (b.dismiss_stale_approvals !== undefined) p.dismissStaleApprovals = b.dismiss_stale_approvals;
  if (b.ignore_stale_approvals !== undefined) p.ignoreStaleApprovals = b.ignore_stale_approvals;
  if (b.protected_file_patterns !== undefined) p.protectedFilePatterns = b.protected_file_patterns;
  if (b.unprotected_file_patterns !== undefined) p.unprotectedFilePatterns = b.unprotected_file_patterns;
  if (b.apply_to_admins !== undefined) p.applyToAdmins = b.apply_to_admins;
  p.updated = now();
}

async function branchJson(c: Ctx, repo: RepoRec, user: UserRec, name: string, sha: string): Promise<Record<string, unknown>> {
  const p = c.core.protection(repo, name);
  return {
    name,
    commit: c.conv.payloadCommit(repo, await c.core.git(repo).commit(sha)),
    protected: p !== undefined,
    required_approvals: p?.requiredApprovals ?? 0,
    enable_status_check: p?.enableStatusCheck ?? false,
    status_check_contexts: p?.statusCheckContexts ?? [],
    user_can_push: c.core.canPush(user, repo, name),
    user_can_merge: c.core.canMerge(user, repo, name),
    effective_branch_protection_name: p?.ruleName ?? "",
  };
}

export function registerBranches(r: Router): void {
  r.add("GET", "/repos/{owner}/{repo}/branches", async (c) => {
    const { repo, user } = repoOf(c);
    const branches = (await c.core.git(repo).branches()).sort((a, b) => a.name.localeCompare(b.name));
    const reply = paged(branches, pageOf(c.query), c.url, (b) => b);
    const page = reply.json as typeof branches;
    return { ...reply, json: await Promise.all(page.map((b) => branchJson(c, repo, user, b.name, b.sha))) };
  });

  r.add("POST", "/repos/{owner}/{repo}/branches", async (c) => {
    const { repo, user } = repoOf(c, "write");
    const body = bind(CreateBranch, await c.body());
    const git = c.core.git(repo);
    const from = body.old_ref_name || body.old_branch_name || repo.defaultBranch;
    const sha = await git.resolve(from);
    if (!sha) throw notFound(`The old branch does not exist [name: ${from}]`);
    if (!/^[^\s~^:?*[\\]+$/.test(body.new_branch_name) || body.new_branch_name.includes("..")) throw unprocessable(`invalid branch name [name: ${body.new_branch_name}]`);
    if (await git.branchSha(body.new_branch_name)) throw new ApiError(409, `The branch already exists [name: ${body.new_branch_name}]`);
    if (!c.core.canPush(user, repo, body.new_branch_name)) throw forbidden(`user is not allowed to create branch ${body.new_branch_name}`);
    if (!(await git.updateRef(`refs/heads/${body.new_branch_name}`, sha, ZERO_SHA))) throw new ApiError(409, `The branch already exists [name: ${body.new_branch_name}]`);
    await c.core.refsChanged(repo, [{ ref: `refs/heads/${body.new_branch_name}`, before: ZERO_SHA, after: sha }], user);
    return json(201, await branchJson(c, repo, user, body.new_branch_name, sha));
  });

  r.add("GET", "/repos/{owner}/{repo}/branches/{branch}", async (c) => {
    const { repo, user } = repoOf(c);
    const name = c.params.branch ?? "";
    const sha = await c.core.git(repo).branchSha(name);
    if (!sha) throw notFound(`branch does not exist [name: ${name}]`);
    return json(200, await branchJson(c, repo, user, name, sha));
  });

  r.add("DELETE", "/repos/{owner}/{repo}/branches/{branch}", async (c) => {
    const { repo, user } = repoOf(c, "write");
    const name = c.params.branch ?? "";
    const git = c.core.git(repo);
    const sha = await git.branchSha(name);
    if (!sha) throw notFound(`branch does not exist [name: ${name}]`);
    if (name === repo.defaultBranch) throw forbidden("can not delete default branch");
    if (c.core.protection(repo, name)) throw forbidden("branch protected");
    if (!(await git.deleteRef(`refs/heads/${name}`, sha))) throw new ApiError(409, "the branch moved while deleting it");
    await c.core.refsChanged(repo, [{ ref: `refs/heads/${name}`, before: sha, after: ZERO_SHA }], user);
    return empty(204);
  });

  r.add("GET", "/repos/{owner}/{repo}/branch_protections", (c) => {
    const { repo } = repoOf(c, "admin");
    return json(200, c.core.s.protections.filter((p) => p.repoId === repo.id).map((p) => c.conv.protection(p)));
  });

  r.add("POST", "/repos/{owner}/{repo}/branch_protections", async (c) => {
    const { repo } = repoOf(c, "admin");
    const body = bind(CreateProtection, await c.body());
    const name = body.rule_name || body.branch_name || "";
    if (!name) throw unprocessable("[RuleName]: Required");
    if (c.core.s.protections.some((p) => p.repoId === repo.id && p.ruleName === name)) throw forbidden("Branch protection already exist");
    const ts = now();
    const p: ProtectionRec = {
      id: c.core.store.nextId("protection"), repoId: repo.id, ruleName: name,
      enablePush: false, enablePushWhitelist: false, pushWhitelistUsernames: [], enableMergeWhitelist: false, mergeWhitelistUsernames: [],
      enableStatusCheck: false, statusCheckContexts: [], requiredApprovals: 0, enableApprovalsWhitelist: false, approvalsWhitelistUsernames: [],
      blockOnRejectedReviews: false, blockOnOutdatedBranch: false, dismissStaleApprovals: false, ignoreStaleApprovals: false, applyToAdmins: false,
      protectedFilePatterns: "", unprotectedFilePatterns: "", created: ts, updated: ts,
    };
    applyProtection(p, body);
    c.core.s.protections.push(p);
    await c.core.store.save();
    return json(201, c.conv.protection(p));
  });

  const byName = (c: Ctx, repo: RepoRec): ProtectionRec => {
    const p = c.core.s.protections.find((x) => x.repoId === repo.id && x.ruleName === c.params.name);
    if (!p) throw notFound();
    return p;
  };

  r.add("GET", "/repos/{owner}/{repo}/branch_protections/{name}", (c) => {
    const { repo } = repoOf(c, "admin");
    return json(200, c.conv.protection(byName(c, repo)));
  });

  r.add("PATCH", "/repos/{owner}/{repo}/branch_protections/{name}", async (c) => {
    const { repo } = repoOf(c, "admin");
    const p = byName(c, repo);
    applyProtection(p, bind(EditProtection, await c.body()));
    await c.core.store.save();
    return json(200, c.conv.protection(p));
  });

  r.add("DELETE", "/repos/{owner}/{repo}/branch_protections/{name}", async (c) => {
    const { repo } = repoOf(c, "admin");
    const p = byName(c, repo);
    c.core.s.protections.splice(c.core.s.protections.indexOf(p), 1);
    await c.core.store.save();
    return empty(204);
  });
}
