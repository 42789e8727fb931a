// Repository secrets of Forgejo Actions: what a workflow reads as `${{ secrets.NAME }}`.
// Values only ever travel in request bodies, are registered with the client's redactor before
// they leave, and never come back (the forge lists names and creation times only).
import { z } from "zod";
import { unlessNotFound } from "../../http/errors.ts";
import { collect } from "../../http/paginate.ts";
import { UsageError } from "../../lib/errors.ts";
import type { ActionsSecret, ActionsSecretsApi } from "../types.ts";
import type { RepoContext } from "./context.ts";
import { ROUTES } from "./routes.ts";

/** Forgejo's rule (GitHub's too): the name is matched case-insensitively and stored upper-cased. */
const NAME = /^[A-Z_][A-Z0-9_]*$/i;
const RESERVED = /^(GITHUB|GITEA|FORGEJO)_/i;
export const ACTIONS_SECRET_NAME_RULE = "letters, digits and _, not starting with a digit, GITHUB_, GITEA_ or FORGEJO_";

/** Why Forgejo would refuse `name` as an Actions secret name, or undefined when it takes it. */
export function actionsSecretNameProblem(name: string): string | undefined {
  if (!NAME.test(name)) return `${JSON.stringify(name)} is not a valid Actions secret name (${ACTIONS_SECRET_NAME_RULE})`;
  if (RESERVED.test(name)) return `${JSON.stringify(name)} is not a valid Actions secret name: the prefix ${name.slice(0, name.indexOf("_") + 1).toUpperCase()} is reserved for the forge's own variables`;
  return undefined;
}

/** The name as Forgejo stores it (and as `list` returns it). */
export const actionsSecretName = (name: string): string => name.toUpperCase();

// Built on first use, as the other forge schemas are.
const secretSchema = z.lazy(() =>
  z
    .object({ name: z.string(), created_at: z.string().nullish() })
    .transform((s): ActionsSecret => {
      const at = s.created_at === null || s.created_at === undefined ? undefined : new Date(s.created_at);
      return { name: s.name, createdAt: at === undefined || Number.isNaN(at.getTime()) ? undefined : at };
    }),
);

export class ForgejoActionsSecrets implements ActionsSecretsApi {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  list(): Promise<ActionsSecret[]> {
    return collect(this.ctx.http, ROUTES.actionsSecretsList, secretSchema, { params: this.ctx.params });
  }

  async set(name: string, value: string): Promise<"created" | "updated"> {
    this.ctx.http.redactor.add(value);
    const params = this.params(name);
    if (value === "") throw new UsageError(`Actions secret ${actionsSecretName(name)} of ${this.ctx.slug}: the value must not be empty`);
    // A PUT of the same value is harmless to repeat; a repeat after a lost answer says "updated".
    const res = await this.ctx.http.send(ROUTES.actionsSecretPut, { params, body: { data: value }, unredacted: ["data"], idempotent: true });
    return res.status === 201 ? "created" : "updated";
  }

  async delete(name: string): Promise<boolean> {
    const res = await unlessNotFound(this.ctx.http.send(ROUTES.actionsSecretDelete, { params: this.params(name) }));
    return res !== undefined;
  }

  private params(name: string): { owner: string; repo: string; secretname: string } {
    const why = actionsSecretNameProblem(name);
    if (why !== undefined) throw new UsageError(`Actions secret of ${this.ctx.slug}: ${why}`);
    return { ...this.ctx.params, secretname: actionsSecretName(name) };
  }
}
