// Repository labels and the labels on an issue or PR. Quirks kept from Forgejo v15: add and
// replace accept all-ID or all-name arrays (mixing → 400); unknown names/IDs are silently
// ignored; exclusive `scope/value` labels evict their siblings; each change is a timeline
// event (`type: "label"`, body "1" added / "" removed).
import { z } from "zod";
import type { Router, Ctx } from "../router.ts";
import type { ForgeCore } from "../core.ts";
import type { IssueRec, LabelRec, RepoRec, UserRec } from "../store.ts";
import { now } from "../core.ts";
import { ApiError, bind, json, empty, notFound, pageOf, paged, unprocessable } from "../http.ts";
import { repoOf, issueOf, intParam, me } from "./common.ts";

const COLOR_RE = /^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$/;

const CreateLabel = z.object({
  name: z.string().min(1),
  color: z.string().regex(COLOR_RE, "invalid color"),
  description: z.string().optional(),
  exclusive: z.boolean().optional(),
  is_archived: z.boolean().optional(),
});

const EditLabel = z.object({
  name: z.string().min(1).optional(),
  color: z.string().regex(COLOR_RE, "invalid color").optional(),
  description: z.string().optional(),
  exclusive: z.boolean().optional(),
  is_archived: z.boolean().optional(),
});

const IssueLabels = z.object({ labels: z.array(z.unknown()).nullish(), updated_at: z.string().optional() });

function normColor(c: string): string {
  let hex = c.replace(/^#/, "").toLowerCase();
  if (hex.length === 3) hex = hex.split("").map((ch) => ch + ch).join("");
  return hex;
}

export function repoLabels(core: ForgeCore, repo: RepoRec): LabelRec[] {
  return core.s.labels.filter((l) => l.repoId === repo.id);
}

/** Resolve a label list from a request body: IDs or names, unknown ones dropped. */
export function resolveLabels(core: ForgeCore, repo: RepoRec, raw: unknown[]): LabelRec[] {
  const labels = repoLabels(core, repo);
  const allInts = raw.every((v) => typeof v === "number" && Number.isInteger(v));
  const allStrings = raw.every((v) => typeof v === "string");
  if (!allInts && !allStrings) throw new ApiError(400, "labels should be an array of strings or integers");
  const out: LabelRec[] = [];
  for (const v of raw) {
    const found = typeof v === "number" ? labels.find((l) => l.id === v) : labels.find((l) => l.name === v);
    if (found && !out.includes(found)) out.push(found);
  }
  return out;
}

function scope(l: LabelRec): string {
  if (!l.exclusive) return "";
  const i = l.name.lastIndexOf("/");
  return i > 0 ? l.name.slice(0, i) : "";
}

/** Add and remove labels on an issue, writing one timeline event per actual change. */
export function changeLabels(core: ForgeCore, issue: IssueRec, add: LabelRec[], remove: LabelRec[], actor: UserRec): void {
  const ts = now();
  const drop = (l: LabelRec): void => {
    if (!issue.labelIds.includes(l.id)) return;
    issue.labelIds = issue.labelIds.filter((id) => id !== l.id);
    core.addComment(issue, { type: "label", user: actor.login, body: "", labelId: l.id, created: ts });
  };
  for (const l of remove) drop(l);
  for (const l of add) {
    if (issue.labelIds.includes(l.id)) continue;
    const sc = scope(l);
    if (sc) {
      for (const id of [...issue.labelIds]) {
        const other = core.s.labels.find((x) => x.id === id);
        if (other && scope(other) === sc) drop(other);
      }
    }
    issue.labelIds.push(l.id);
    core.addComment(issue, { type: "label", user: actor.login, body: "1", labelId: l.id, created: ts });
  }
  issue.updated = ts;
}

export function registerLabels(r: Router): void {
  // The sandbox keeps no organisation-wide labels: an organisation lists none, anything else is
  // not an organisation (404, which clients take as "user-owned repository").
  r.add("GET", "/orgs/{org}/labels", (c) => {
    me(c);
    const org = c.core.user(c.params.org ?? "");
    if (org?.kind !== "org") throw notFound();
    return paged([] as LabelRec[], pageOf(c.query), c.url, (l) => c.conv.label(l));
  });

  r.add("GET", "/repos/{owner}/{repo}/labels", (c) => {
    const { repo } = repoOf(c);
    const labels = [...repoLabels(c.core, repo)].sort((a, b) => a.name.localeCompare(b.name));
    return paged(labels, pageOf(c.query), c.url, (l) => c.conv.label(l));
  });

  r.add("POST", "/repos/{owner}/{repo}/labels", async (c) => {
    const { repo } = repoOf(c, "write");
    const body = bind(CreateLabel, await c.body());
    // Forgejo does not refuse duplicate names: clients must list before creating.
    const label: LabelRec = { id: c.core.store.nextId("label"), repoId: repo.id, name: body.name, color: normColor(body.color), description: body.description ?? "", exclusive: body.exclusive ?? false, isArchived: body.is_archived ?? false };
    c.core.s.labels.push(label);
    await c.core.store.save();
    return json(201, c.conv.label(label));
  });

  const labelById = (c: Ctx, repo: RepoRec): LabelRec => {
    const id = intParam(c, "id");
    const l = c.core.s.labels.find((x) => x.id === id && x.repoId === repo.id);
    if (!l) throw notFound();
    return l;
  };

  r.add("GET", "/repos/{owner}/{repo}/labels/{id}", (c) => {
    const { repo } = repoOf(c);
    return json(200, c.conv.label(labelById(c, repo)));
  });

  r.add("PATCH", "/repos/{owner}/{repo}/labels/{id}", async (c) => {
    const { repo } = repoOf(c, "write");
    const l = labelById(c, repo);
    const body = bind(EditLabel, await c.body());
    if (body.name !== undefined) l.name = body.name;
    if (body.color !== undefined) l.color = normColor(body.color);
    if (body.description !== undefined) l.description = body.description;
    if (body.exclusive !== undefined) l.exclusive = body.exclusive;
    if (body.is_archived !== undefined) l.isArchived = body.is_archived;
    await c.core.store.save();
    return json(200, c.conv.label(l));
  });

  r.add("DELETE", "/repos/{owner}/{repo}/labels/{id}", async (c) => {
    const { repo } = repoOf(c, "write");
    const l = labelById(c, repo);
    c.core.s.labels.splice(c.core.s.labels.indexOf(l), 1);
    for (const i of c.core.s.issues) if (i.repoId === repo.id) i.labelIds = i.labelIds.filter((id) => id !== l.id);
    await c.core.store.save();
    return empty(204);
  });

  r.add("GET", "/repos/{owner}/{repo}/issues/{index}/labels", (c) => {
    const { repo } = repoOf(c);
    return json(200, c.conv.labelsOf(issueOf(c, repo)));
  });

  r.add("POST", "/repos/{owner}/{repo}/issues/{index}/labels", async (c) => {
    const { repo, user } = repoOf(c, "write");
    const issue = issueOf(c, repo);
    const body = bind(IssueLabels, await c.body());
    changeLabels(c.core, issue, resolveLabels(c.core, repo, body.labels ?? []), [], user);
    await c.core.store.save();
    return json(200, c.conv.labelsOf(issue));
  });

  r.add("PUT", "/repos/{owner}/{repo}/issues/{index}/labels", async (c) => {
    const { repo, user } = repoOf(c, "write");
    const issue = issueOf(c, repo);
    const body = bind(IssueLabels, await c.body());
    const want = resolveLabels(c.core, repo, body.labels ?? []);
    const remove = issue.labelIds.filter((id) => !want.some((l) => l.id === id)).map((id) => c.core.s.labels.find((l) => l.id === id)).filter((l): l is LabelRec => l !== undefined);
    changeLabels(c.core, issue, want, remove, user);
    await c.core.store.save();
    return json(200, c.conv.labelsOf(issue));
  });

  r.add("DELETE", "/repos/{owner}/{repo}/issues/{index}/labels", async (c) => {
    const { repo, user } = repoOf(c, "write");
    const issue = issueOf(c, repo);
    const current = issue.labelIds.map((id) => c.core.s.labels.find((l) => l.id === id)).filter((l): l is LabelRec => l !== undefined);
    changeLabels(c.core, issue, [], current, user);
    await c.core.store.save();
    return empty(204);
  });

  r.add("DELETE", "/repos/{owner}/{repo}/issues/{index}/labels/{identifier}", async (c) => {
    const { repo, user } = repoOf(c, "write");
    const issue = issueOf(c, repo);
    const ident = c.params.identifier ?? "";
    const labels = repoLabels(c.core, repo);
    // v13+: a label name first, then a numeric id (GitHub compatibility).
    const label = labels.find((l) => l.name === ident) ?? (/^\d+$/.test(ident) ? labels.find((l) => l.id === Number(ident)) : undefined);
    if (!label) throw unprocessable(`label does not exist [label_id: ${ident}]`);
    changeLabels(c.core, issue, [], [label], user);
    await c.core.store.save();
    return empty(204);
  });
}
