// Repository secrets of Forgejo Actions, as Forgejo v15 serves them: only repo admins (and site
// admins) may list, set or delete them; a name is checked against Forgejo's rule (400) and
// stored upper-cased; a value's line endings become LF; the list gives names and creation
// times, never a value. Values are kept in the sandbox's state so a test can see what a
// workflow would read (`SandboxForge.actionsSecrets`).
import { z } from "zod";
import type { Router } from "../router.ts";
import type { ActionsSecretRec } from "../store.ts";
import { now } from "../core.ts";
import { ApiError, bind, empty, notFound, pageOf, paged } from "../http.ts";
import { repoOf } from "./common.ts";

const SetSecret = z.object({ data: z.string().min(1) });

const NAME = /^[A-Z_][A-Z0-9_]*$/i;
const RESERVED = /^(GITHUB|GITEA|FORGEJO)_/i;

function secretName(raw: string | undefined): string {
  const name = raw ?? "";
  if (!NAME.test(name) || RESERVED.test(name)) throw new ApiError(400, "invalid secret name");
  return name.toUpperCase();
}

export function registerActionsSecrets(r: Router): void {
  r.add("GET", "/repos/{owner}/{repo}/actions/secrets", (c) => {
    const { repo } = repoOf(c, "admin");
    const all = (c.core.s.actionsSecrets ?? []).filter((s) => s.repoId === repo.id).sort((a, b) => a.name.localeCompare(b.name));
    return paged(all, pageOf(c.query), c.url, (s) => ({ name: s.name, created_at: s.created }));
  });

  r.add("PUT", "/repos/{owner}/{repo}/actions/secrets/{secretname}", async (c) => {
    const { repo } = repoOf(c, "admin");
    const name = secretName(c.params.secretname);
    const body = bind(SetSecret, await c.body());
    const data = body.data.replace(/\r\n?/g, "\n");
    const list = (c.core.s.actionsSecrets ??= []);
    const cur = list.find((s) => s.repoId === repo.id && s.name === name);
    if (cur) cur.data = data;
    else list.push({ id: c.core.store.nextId("actionsSecret"), repoId: repo.id, name, data, created: now() } satisfies ActionsSecretRec);
    await c.core.store.save();
    return empty(cur ? 204 : 201);
  });

  r.add("DELETE", "/repos/{owner}/{repo}/actions/secrets/{secretname}", async (c) => {
    const { repo } = repoOf(c, "admin");
    const name = secretName(c.params.secretname);
    const list = c.core.s.actionsSecrets ?? [];
    const at = list.findIndex((s) => s.repoId === repo.id && s.name === name);
    if (at < 0) throw notFound("secret not found");
    list.splice(at, 1);
    await c.core.store.save();
    return empty(204);
  });
}
