// Server version, the current user, user lookup, admin user creation and organisations.
import { z } from "zod";
import type { Router } from "../router.ts";
import { bind, json, notFound, forbidden, unprocessable } from "../http.ts";
import { me, NAME_RE } from "./common.ts";

export const FORGEJO_VERSION = "15.0.3+gitea-1.22.0";

const CreateUser = z.object({
  username: z.string().regex(NAME_RE),
  email: z.string().min(1),
  password: z.string().optional(),
  full_name: z.string().optional(),
  must_change_password: z.boolean().optional(),
});

const CreateOrg = z.object({
  username: z.string().regex(NAME_RE),
  full_name: z.string().optional(),
  description: z.string().optional(),
  email: z.string().optional(),
  visibility: z.enum(["public", "limited", "private"]).optional(),
});

export function registerMisc(r: Router): void {
  r.add("GET", "/version", () => json(200, { version: FORGEJO_VERSION }), { anonymous: true });

  r.add("GET", "/user", (c) => json(200, c.conv.user(me(c))));

  r.add("GET", "/users/{username}", (c) => {
    me(c);
    const u = c.core.user(c.params.username ?? "");
    if (!u) throw notFound();
    return json(200, c.conv.user(u));
  });

  r.add("POST", "/admin/users", async (c) => {
    if (!me(c).isAdmin) throw forbidden("reqSiteAdmin");
    const body = bind(CreateUser, await c.body());
    if (c.core.user(body.username)) throw unprocessable("user already exists [name: " + body.username + "]");
    const u = c.core.createUser(body.username, { email: body.email, fullName: body.full_name ?? "", ...(body.password ? { password: body.password } : {}) });
    await c.core.store.save();
    return json(201, c.conv.user(u));
  });


  r.add("GET", "/orgs/{org}", (c) => {
    me(c);
    const org = c.core.user(c.params.org ?? "");
    if (org?.kind !== "org") throw notFound();
    return json(200, c.conv.org(org));
  });

  r.add("POST", "/orgs", async (c) => {
    const user = me(c);
    const body = bind(CreateOrg, await c.body());
    if (c.core.user(body.username)) throw unprocessable("user already exists [name: " + body.username + "]");
    const org = c.core.createUser(body.username, { kind: "org", owners: [user.login], fullName: body.full_name ?? "", description: body.description ?? "", ...(body.email ? { email: body.email } : {}) });
    await c.core.store.save();
    return json(201, c.conv.org(org));
  });

  r.add("POST", "/admin/users/{username}/orgs", async (c) => {
    if (!me(c).isAdmin) throw forbidden("reqSiteAdmin");
    const owner = c.core.user(c.params.username ?? "");
    if (!owner || owner.kind !== "user") throw notFound();
    const body = bind(CreateOrg, await c.body());
    if (c.core.user(body.username)) throw unprocessable("user already exists [name: " + body.username + "]");
    const org = c.core.createUser(body.username, { kind: "org", owners: [owner.login], fullName: body.full_name ?? "", description: body.description ?? "" });
    await c.core.store.save();
    return json(201, c.conv.org(org));
  });
}
