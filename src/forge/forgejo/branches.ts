// Branches and branch protection rules.
import { hasStatus } from "../../http/errors.ts";
import { ConflictError } from "../errors.ts";
import type { Branch, BranchProtection, BranchProtectionOptions, BranchProtectionsApi, BranchesApi } from "../types.ts";
import type { RepoContext } from "./context.ts";
import { ROUTES } from "./routes.ts";
import { branchSchema, protectionSchema } from "./schemas.ts";
import { segments, unlessNotFound } from "./util.ts";
import { writeOnce } from "./write-once.ts";

export class ForgejoBranches implements BranchesApi {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async get(name: string): Promise<Branch | undefined> {
    return unlessNotFound(this.ctx.http.json(ROUTES.branchGet, branchSchema, { params: this.branch(name) }).then((r) => r.data));
  }

  async create(name: string, from: string): Promise<Branch> {
    const what = `${this.ctx.slug}: branch ${name}`;
    try {
      return await writeOnce(this.ctx, {
        attempt: async () =>
          (
            await this.ctx.http.json(ROUTES.branchCreate, branchSchema, {
              params: this.ctx.params,
              // `old_ref_name` (branch, tag or sha) wins where supported; servers that predate
              // it read the deprecated `old_branch_name`.
              body: { new_branch_name: name, old_ref_name: from, old_branch_name: from },
            })
          ).data,
        find: () => this.get(name),
        isAlreadyDone: (err) => hasStatus(err, 409),
      });
    } catch (err) {
      if (hasStatus(err, 409)) throw new ConflictError(what, "exists", err);
      throw err;
    }
  }

  async delete(name: string): Promise<boolean> {
    try {
      await this.ctx.http.send(ROUTES.branchDelete, { params: this.branch(name) });
      return true;
    } catch (err) {
      // A 404 on a retry means the attempt that lost its response did the deletion.
      if (hasStatus(err, 404)) return err.attempts > 1;
      throw err;
    }
  }

  private branch(name: string): Record<string, string | readonly string[]> {
    return { ...this.ctx.params, branch: segments(name) };
  }
}

export class ForgejoBranchProtections implements BranchProtectionsApi {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async get(ruleName: string): Promise<BranchProtection | undefined> {
    return unlessNotFound(this.ctx.http.json(ROUTES.protectionGet, protectionSchema, { params: { ...this.ctx.params, name: ruleName } }).then((r) => r.data));
  }

  async upsert(ruleName: string, opts: BranchProtectionOptions): Promise<BranchProtection> {
    const fields = protectionBody(opts);
    if ((await this.get(ruleName)) !== undefined) {
      // PATCH of absolute values: repeatable.
      const res = await this.ctx.http.json(ROUTES.protectionEdit, protectionSchema, { params: { ...this.ctx.params, name: ruleName }, body: fields, idempotent: true });
      return res.data;
    }
    return writeOnce(this.ctx, {
      attempt: async () =>
        (await this.ctx.http.json(ROUTES.protectionCreate, protectionSchema, { params: this.ctx.params, body: { rule_name: ruleName, ...fields } })).data,
      find: () => this.get(ruleName),
    });
  }
}

function protectionBody(o: BranchProtectionOptions): Record<string, unknown> {
  const map: Record<keyof BranchProtectionOptions, string> = {
    enablePush: "enable_push",
    pushWhitelistUsernames: "push_whitelist_usernames",
    enableStatusCheck: "enable_status_check",
    statusCheckContexts: "status_check_contexts",
    requiredApprovals: "required_approvals",
    enableApprovalsWhitelist: "enable_approvals_whitelist",
    approvalsWhitelistUsernames: "approvals_whitelist_username",
    blockOnRejectedReviews: "block_on_rejected_reviews",
    blockOnOutdatedBranch: "block_on_outdated_branch",
    dismissStaleApprovals: "dismiss_stale_approvals",
    protectedFilePatterns: "protected_file_patterns",
    applyToAdmins: "apply_to_admins",
  };
  const body: Record<string, unknown> = {};
  for (const [key, wire] of Object.entries(map) as [keyof BranchProtectionOptions, string][]) {
    if (o[key] !== undefined) body[wire] = o[key];
  }
  // A push whitelist only takes effect when enabled.
  if (o.pushWhitelistUsernames !== undefined) body.enable_push_whitelist = o.pushWhitelistUsernames.length > 0;
  return body;
}
