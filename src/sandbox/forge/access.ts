// The in-process view of the forge the sandbox CI is wired to (src/sandbox/ci/forge-access.ts):
// repositories, permissions, git reads and commit statuses straight from the forge's model,
// bypassing HTTP and fault injection.
import type { ForgeAccess, ForgeAccount, ForgeCommit, ForgePermission, ForgePull, ForgeRepoInfo, ForgeTreeEntry } from "../ci/forge-access.ts";
import type { CommitStatus } from "../ci/status.ts";
import type { ForgeCore } from "./core.ts";
import { atLeast, now } from "./core.ts";
import type { RepoRec, UserRec } from "./store.ts";

export function forgeAccess(core: ForgeCore): ForgeAccess {
  const info = (r: RepoRec): ForgeRepoInfo => {
    const htmlUrl = `${core.baseUrl}/${r.owner}/${r.name}`;
    return { remoteId: r.id, owner: r.owner, name: r.name, fullName: core.fullName(r), defaultBranch: r.defaultBranch, private: r.private, htmlUrl, cloneUrl: `${htmlUrl}.git` };
  };
  const account = (u: UserRec): ForgeAccount => ({ id: u.id, login: u.login, email: u.email, admin: u.isAdmin, token: u.tokens[0]?.sha1 ?? "" });
  const repoOf = (fullName: string): RepoRec | undefined => {
    const slash = fullName.indexOf("/");
    return slash < 0 ? undefined : core.repo(fullName.slice(0, slash), fullName.slice(slash + 1));
  };
  const permission = (login: string, r: RepoRec): ForgePermission => {
    const level = core.level(core.user(login), r);
    return { pull: atLeast(level, "read"), push: atLeast(level, "write"), admin: atLeast(level, "admin") };
  };
  const git = (fullName: string) => {
    const r = repoOf(fullName);
    if (!r) throw new Error(`sandbox forge: no repository ${fullName}`);
    return core.git(r);
  };

  return {
    get url() {
      return core.baseUrl;
    },
    type: "forgejo",
    accounts: () => core.s.users.filter((u) => u.kind === "user").map(account),
    account(login) {
      const u = core.user(login);
      return u && u.kind === "user" ? account(u) : undefined;
    },
    repo(fullName) {
      const r = repoOf(fullName);
      return r ? info(r) : undefined;
    },
    repoById(remoteId) {
      const r = core.repoById(remoteId);
      return r ? info(r) : undefined;
    },
    reposFor(login) {
      return core.s.repos.map((r) => ({ ...info(r), permission: permission(login, r) })).filter((r) => r.permission.pull);
    },
    permission(login, fullName) {
      const r = repoOf(fullName);
      return r ? permission(login, r) : { pull: false, push: false, admin: false };
    },
    async branchHead(fullName, branch) {
      return git(fullName).branchSha(branch);
    },
    async commit(fullName, sha): Promise<ForgeCommit | undefined> {
      const g = git(fullName);
      const resolved = await g.resolve(sha);
      if (!resolved) return undefined;
      const c = await g.commit(resolved);
      return { sha: c.sha, message: c.message, authorName: c.author.name, authorEmail: c.author.email, timestamp: Math.floor(Date.parse(c.author.date) / 1000), parents: c.parents };
    },
    async listDir(fullName, sha, dir): Promise<ForgeTreeEntry[]> {
      const g = git(fullName);
      const entry = await g.entry(sha, dir);
      if (!entry || entry.type !== "tree") return [];
      return (await g.listTree(sha, dir)).map((e) => ({ path: e.path, type: e.type }));
    },
    async readFile(fullName, sha, path) {
      const g = git(fullName);
      const entry = await g.entry(sha, path);
      if (!entry || entry.type !== "blob") return undefined;
      return g.blob(entry.sha);
    },
    async changedFiles(fullName, from, to) {
      const g = git(fullName);
      if (from === undefined) {
        const c = await g.commit(to);
        const parent = c.parents[0];
        if (parent === undefined) return (await g.git(["ls-tree", "-r", "--name-only", "-z", to])).stdout.toString("utf8").split("\0").filter(Boolean);
        from = parent;
      }
      return (await g.changedFiles(from, to)).map((f) => f.filename);
    },
    async mergeBase(fullName, a, b) {
      return git(fullName).mergeBase(a, b);
    },
    pull(fullName, number): ForgePull | undefined {
      const r = repoOf(fullName);
      const issue = r ? core.issue(r, number) : undefined;
      const pr = issue ? core.pullOf(issue) : undefined;
      if (!r || !issue || !pr) return undefined;
      const labels = core.s.labels.filter((l) => issue.labelIds.includes(l.id)).map((l) => l.name);
      return {
        number,
        title: issue.title,
        poster: issue.poster,
        labels,
        headBranch: pr.headBranch,
        baseBranch: pr.baseBranch,
        headSha: pr.headSha,
        htmlUrl: `${core.baseUrl}/${r.owner}/${r.name}/pulls/${number}`,
        state: issue.state,
        merged: pr.merged,
      };
    },
    async postStatus(fullName, sha, status: CommitStatus, login) {
      const r = repoOf(fullName);
      if (!r) throw new Error(`sandbox forge: no repository ${fullName}`);
      core.s.statuses.push({
        id: core.store.nextId("status"),
        repoId: r.id,
        sha,
        state: status.state,
        context: status.context,
        description: status.description,
        targetUrl: status.target_url,
        creator: login,
        created: now(),
      });
      await core.store.save();
    },
    onEvent: (listener) => core.events.on(listener),
  };
}
