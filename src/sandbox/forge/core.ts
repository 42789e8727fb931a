// The forge's shared model: users, repositories, access levels, branch protection, and the
// bookkeeping every ref change needs (push events, PR synchronisation). Routes stay thin.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Store, UserRec, RepoRec, IssueRec, PullRec, ProtectionRec, CommentRec } from "./store.ts";
import { Repo, ZERO_SHA } from "./git.ts";
import { EventBus } from "./events.ts";
import { KeyedMutex } from "./mutex.ts";
import { ApiError, notFound, forbidden } from "./http.ts";
import { globMatch } from "./glob.ts";

export type Level = "none" | "read" | "write" | "admin" | "owner";
const RANK: Record<Level, number> = { none: 0, read: 1, write: 2, admin: 3, owner: 4 };
export const atLeast = (have: Level, need: Level): boolean => RANK[have] >= RANK[need];

export const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
export const randomHex = (bytes: number): string => randomBytes(bytes).toString("hex");

/**
 * Branch protection for pushes over git HTTP. The server decides per push which branch globs
 * this pusher may not update (SANDBOX_DENY_PUSH) and which may not be deleted or rewritten
 * (SANDBOX_PROTECTED); the hook only matches refs against them. Plain sh, so it works the
 * same whether the forge runs from source or from a bundle.
 */
export const PRE_RECEIVE_HOOK = `#!/bin/sh
set -f
NL='
'
rc=0
while IFS=' ' read -r old new ref; do
  branch=\${ref#refs/heads/}
  [ "$branch" = "$ref" ] && continue
  IFS=$NL
  for pat in $SANDBOX_DENY_PUSH; do
    case "$branch" in $pat) echo "sandbox-forge: branch $branch is protected: $SANDBOX_PUSHER may not push to it" >&2; rc=1 ;; esac
  done
  for pat in $SANDBOX_PROTECTED; do
    case "$branch" in $pat)
      if [ "$new" = "${ZERO_SHA}" ]; then
        echo "sandbox-forge: branch $branch is protected and cannot be deleted" >&2; rc=1
      elif [ "$old" != "${ZERO_SHA}" ] && ! git merge-base --is-ancestor "$old" "$new"; then
        echo "sandbox-forge: branch $branch is protected: force push is not allowed" >&2; rc=1
      fi ;;
    esac
  done
  unset IFS
done
exit $rc
`;

export class ForgeCore {
  readonly store: Store;
  readonly reposDir: string;
  readonly events = new EventBus();
  readonly repoLocks = new KeyedMutex();
  baseUrl = "";
  private readonly mergeable = new Map<string, boolean>();

  constructor(store: Store, dataDir: string) {
    this.store = store;
    this.reposDir = join(dataDir, "repos");
  }

  get s() {
    return this.store.state;
  }

  // ── users ──────────────────────────────────────────────────────────────────────────

  user(login: string): UserRec | undefined {
    const l = login.toLowerCase();
    return this.s.users.find((u) => u.login.toLowerCase() === l);
  }

  userById(id: number): UserRec | undefined {
    return this.s.users.find((u) => u.id === id);
  }

  mustUser(login: string): UserRec {
    const u = this.user(login);
    if (!u) throw new ApiError(500, `user ${login} vanished`);
    return u;
  }

  createUser(login: string, opts: { isAdmin?: boolean; password?: string; email?: string; fullName?: string; kind?: "user" | "org"; owners?: string[]; description?: string } = {}): UserRec {
    const u: UserRec = {
      id: this.store.nextId("user"),
      login,
      fullName: opts.fullName ?? "",
      email: opts.email ?? `${login.toLowerCase()}@sandbox.forge.invalid`,
      password: opts.password ?? randomHex(12),
      tokens: opts.kind === "org" ? [] : [{ name: "sandbox", sha1: randomHex(20) }],
      isAdmin: opts.isAdmin ?? false,
      kind: opts.kind ?? "user",
      orgOwners: opts.owners ?? [],
      description: opts.description ?? "",
      created: now(),
    };
    this.s.users.push(u);
    return u;
  }

  /** Who sent this request: undefined for anonymous, "invalid" for bad credentials. */
  authenticate(authorization: string | undefined, queryToken: string | null): UserRec | undefined | "invalid" {
    if (!authorization) {
      if (queryToken) return this.byToken(queryToken) ?? "invalid";
      return undefined;
    }
    const sp = authorization.indexOf(" ");
    const scheme = authorization.slice(0, sp).toLowerCase();
    const value = authorization.slice(sp + 1).trim();
    if (scheme === "token" || scheme === "bearer") return this.byToken(value) ?? "invalid";
    if (scheme === "basic") {
      const decoded = Buffer.from(value, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) return "invalid";
      const login = decoded.slice(0, colon);
      const secret = decoded.slice(colon + 1);
      // Basic accepts the password or a token in the password field, as Forgejo does.
      const byToken = this.byToken(secret);
      if (byToken) return byToken;
      const u = this.user(login);
      if (u && u.kind === "user" && u.password === secret) return u;
      return "invalid";
    }
    return "invalid";
  }

  private byToken(token: string): UserRec | undefined {
    return this.s.users.find((u) => u.tokens.some((t) => t.sha1 === token));
  }

  // ── repositories ───────────────────────────────────────────────────────────────────

  repo(owner: string, name: string): RepoRec | undefined {
    const o = owner.toLowerCase();
    const n = name.toLowerCase();
    return this.s.repos.find((r) => r.owner.toLowerCase() === o && r.name.toLowerCase() === n);
  }

  repoById(id: number): RepoRec | undefined {
    return this.s.repos.find((r) => r.id === id);
  }

  fullName(r: RepoRec): string {
    return `${r.owner}/${r.name}`;
  }

  git(r: RepoRec): Repo {
    return new Repo(join(this.reposDir, r.owner.toLowerCase(), `${r.name.toLowerCase()}.git`));
  }

  level(user: UserRec | undefined, r: RepoRec): Level {
    if (!user) return "none";
    if (user.isAdmin) return "owner";
    if (user.login.toLowerCase() === r.owner.toLowerCase()) return "owner";
    const owner = this.user(r.owner);
    if (owner?.kind === "org" && owner.orgOwners.some((o) => o.toLowerCase() === user.login.toLowerCase())) return "owner";
    const collab = Object.entries(r.collaborators).find(([l]) => l.toLowerCase() === user.login.toLowerCase());
    if (collab) return collab[1];
    // Every signed-in user may read a public repository (REQUIRE_SIGN_IN hides them from anonymous).
    return r.private ? "none" : "read";
  }

  /** Look up a repository the user may see, and require a level: 404 when hidden, 403 when short. */
  access(user: UserRec | undefined, owner: string, name: string, need: Level): { repo: RepoRec; level: Level } {
    const repo = this.repo(owner, name);
    if (!repo) throw notFound();
    const level = this.level(user, repo);
    if (level === "none") throw notFound();
    if (!atLeast(level, need)) throw forbidden(need === "admin" ? "Must be repo admin" : "user should have a permission to write to a repo");
    return { repo, level };
  }

  async createRepo(owner: UserRec, o: { name: string; description?: string; private?: boolean; autoInit?: boolean; defaultBranch?: string; readme?: string }, actor: UserRec): Promise<RepoRec> {
    if (this.repo(owner.login, o.name)) throw new ApiError(409, "The repository with the same name already exists.");
    const ts = now();
    const repo: RepoRec = {
      id: this.store.nextId("repo"),
      owner: owner.login,
      name: o.name,
      description: o.description ?? "",
      private: o.private ?? false,
      defaultBranch: o.defaultBranch || "main",
      collaborators: {},
      nextIndex: 1,
      created: ts,
      updated: ts,
    };
    const git = await Repo.init(this.git(repo).dir, repo.defaultBranch, PRE_RECEIVE_HOOK);
    if (o.autoInit) {
      const blob = await git.writeBlob(Buffer.from(`# ${repo.name}\n\n${repo.description}\n`));
      const tree = await git.treeWith(undefined, [{ path: "README.md", blob }]);
      const who = { name: actor.fullName || actor.login, email: actor.email };
      const commit = await git.commitTree(tree, [], "Initial commit", who, who);
      await git.updateRef(`refs/heads/${repo.defaultBranch}`, commit, ZERO_SHA);
    }
    this.s.repos.push(repo);
    return repo;
  }

  // ── branch protection ──────────────────────────────────────────────────────────────

  /** Exact rule name first, then the first glob that matches — Forgejo's order. */
  protection(r: RepoRec, branch: string): ProtectionRec | undefined {
    const rules = this.s.protections.filter((p) => p.repoId === r.id);
    return rules.find((p) => p.ruleName === branch) ?? rules.find((p) => globMatch(p.ruleName, branch));
  }

  canPush(user: UserRec, r: RepoRec, branch: string): boolean {
    if (!atLeast(this.level(user, r), "write")) return false;
    const p = this.protection(r, branch);
    if (!p) return true;
    if (!p.enablePush) return false;
    if (p.enablePushWhitelist) return p.pushWhitelistUsernames.some((l) => l.toLowerCase() === user.login.toLowerCase());
    return true;
  }

  canMerge(user: UserRec, r: RepoRec, branch: string): boolean {
    if (!atLeast(this.level(user, r), "write")) return false;
    const p = this.protection(r, branch);
    if (p?.enableMergeWhitelist) return p.mergeWhitelistUsernames.some((l) => l.toLowerCase() === user.login.toLowerCase());
    return true;
  }

  /** Environment for the pre-receive hook of one push. */
  pushPolicy(user: UserRec, r: RepoRec): Record<string, string> {
    const rules = this.s.protections.filter((p) => p.repoId === r.id);
    const deny = rules.filter((p) => !this.canPushRule(user, p)).map((p) => shellGlob(p.ruleName));
    return { SANDBOX_DENY_PUSH: deny.join("\n"), SANDBOX_PROTECTED: rules.map((p) => shellGlob(p.ruleName)).join("\n"), SANDBOX_PUSHER: user.login };
  }

  private canPushRule(user: UserRec, p: ProtectionRec): boolean {
    if (!p.enablePush) return false;
    if (p.enablePushWhitelist) return p.pushWhitelistUsernames.some((l) => l.toLowerCase() === user.login.toLowerCase());
    return true;
  }

  // ── issues and pulls ───────────────────────────────────────────────────────────────

  issue(r: RepoRec, index: number): IssueRec | undefined {
    return this.s.issues.find((i) => i.repoId === r.id && i.index === index);
  }

  pullOf(issue: IssueRec): PullRec | undefined {
    return this.s.pulls.find((p) => p.issueId === issue.id);
  }

  addComment(issue: IssueRec, c: Omit<CommentRec, "id" | "issueId" | "created" | "updated"> & { created?: string }): CommentRec {
    const ts = c.created ?? now();
    const rec: CommentRec = { ...c, id: this.store.nextId("comment"), issueId: issue.id, created: ts, updated: ts };
    this.s.comments.push(rec);
    return rec;
  }

  setState(issue: IssueRec, state: "open" | "closed", actor: UserRec): void {
    if (issue.state === state) return;
    issue.state = state;
    const ts = now();
    issue.updated = ts;
    issue.closed = state === "closed" ? ts : null;
    this.addComment(issue, { type: state === "closed" ? "close" : "reopen", user: actor.login, body: "", created: ts });
    const pr = this.pullOf(issue);
    const repo = this.repoById(issue.repoId);
    if (pr && repo && !pr.merged) this.emitPull(repo, issue, pr, state === "closed" ? "closed" : "reopened", actor);
  }

  emitPull(repo: RepoRec, issue: IssueRec, pr: PullRec, action: "opened" | "synchronized" | "closed" | "reopened", actor: UserRec, baseSha = ""): void {
    this.events.emit({
      type: "pull_request",
      action,
      repo: this.fullName(repo),
      number: issue.index,
      title: issue.title,
      head: { ref: pr.headBranch, sha: pr.headSha },
      base: { ref: pr.baseBranch, sha: baseSha },
      merged: pr.merged,
      sender: actor.login,
      at: now(),
    });
  }

  /**
   * Bookkeeping after branches moved (push, contents write, merge, branch API): push events,
   * and every open PR whose head moved gets its new head, a `pull_push` timeline entry and a
   * `synchronized` event.
   */
  async refsChanged(repo: RepoRec, changes: { ref: string; before: string; after: string }[], actor: UserRec): Promise<void> {
    if (changes.length === 0) return;
    repo.updated = now();
    const ts = now();
    for (const c of changes) {
      if (c.ref.startsWith("refs/heads/") && c.after !== ZERO_SHA) {
        this.events.emit({ type: "push", repo: this.fullName(repo), ref: c.ref, before: c.before, after: c.after, pusher: actor.login, at: ts });
      }
    }
    const git = this.git(repo);
    for (const pr of this.s.pulls.filter((p) => p.repoId === repo.id && !p.merged)) {
      const issue = this.s.issues.find((i) => i.id === pr.issueId);
      if (!issue || issue.state !== "open") continue;
      const head = await git.branchSha(pr.headBranch);
      if (!head || head === pr.headSha) continue;
      pr.headSha = head;
      const base = await git.branchSha(pr.baseBranch);
      if (base) pr.mergeBase = (await git.mergeBase(base, head)) ?? pr.mergeBase;
      issue.updated = ts;
      this.addComment(issue, { type: "pull_push", user: actor.login, body: JSON.stringify({ is_force_push: false, commit_ids: [head] }) });
      this.emitPull(repo, issue, pr, "synchronized", actor, base ?? "");
    }
    await this.store.save();
  }

  /** Whether head merges cleanly into base; cached per commit pair since it cannot change. */
  async isMergeable(repo: RepoRec, baseSha: string, headSha: string): Promise<boolean> {
    const key = `${repo.id}:${baseSha}:${headSha}`;
    const hit = this.mergeable.get(key);
    if (hit !== undefined) return hit;
    const ok = (await this.git(repo).mergeTree(baseSha, headSha)) !== undefined;
    this.mergeable.set(key, ok);
    return ok;
  }
}

/** Forgejo protection globs keep `*` inside a segment; sh `case` patterns cannot, which only
 * makes the push hook stricter for nested names (`release/*` also covers `release/a/b`). */
function shellGlob(g: string): string {
  return g.replace(/\*\*/g, "*");
}
