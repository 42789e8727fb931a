// Repo secrets of one Woodpecker repo. Values only ever travel in request bodies, are
// registered with the client's redactor before they leave, and never come back (the server
// omits them on read).
import { hasStatus, isUnknownOutcome } from "../../http/errors.ts";
import { CiValidationError } from "../errors.ts";
import type { CiSecret, CiSecretSet, SecretsApi } from "../types.ts";
import { listPages, unlessNotFound, type RepoContext } from "./context.ts";
import { ROUTES } from "./routes.ts";
import { secretSchema } from "./schemas.ts";

export class WoodpeckerSecrets implements SecretsApi {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  list(): Promise<CiSecret[]> {
    return listPages(this.ctx.http, ROUTES.secretsList, secretSchema, { params: this.ctx.params });
  }

  async get(name: string): Promise<CiSecret | undefined> {
    const res = await unlessNotFound(this.ctx.http.json(ROUTES.secretGet, secretSchema, { params: this.params(name) }));
    return res?.data;
  }

  async set(secret: CiSecretSet): Promise<{ secret: CiSecret; created: boolean }> {
    this.ctx.http.redactor.add(secret.value);
    if (secret.value === "") throw new Error(`secret ${secret.name}: value must not be empty`);
    // Woodpecker rejects a secret without events; saying so here names the secret.
    if (secret.events.length === 0) throw new Error(`secret ${secret.name}: list at least one event it is available to (push, pull_request, cron, manual, …)`);
    const what = `secret ${JSON.stringify(secret.name)} of repo ${this.ctx.repoId}`;
    // value, events and images are always sent (who may read it is never left to a default);
    // the note only when given, so an update keeps the one there.
    const body: Record<string, unknown> = { name: secret.name, value: secret.value, events: secret.events, images: secret.images ?? [] };
    if (secret.note !== undefined) body.note = secret.note;
    if ((await this.get(secret.name)) !== undefined) return { secret: await this.update(what, body), created: false };
    try {
      const res = await this.ctx.http.json(ROUTES.secretCreate, secretSchema, { params: this.ctx.params, body, unredacted: ["value"] });
      return { secret: res.data, created: true };
    } catch (err) {
      if (hasStatus(err, 400, 422)) throw new CiValidationError(what, err);
      // Another writer created it meanwhile (409, or a unique-constraint 500), or our lost
      // response did: it is there now, so the update makes it ours.
      if ((hasStatus(err, 409) || isUnknownOutcome(err)) && (await this.get(secret.name)) !== undefined) return { secret: await this.update(what, body), created: false };
      throw err;
    }
  }

  async delete(name: string): Promise<boolean> {
    const res = await unlessNotFound(this.ctx.http.send(ROUTES.secretDelete, { params: this.params(name) }));
    return res !== undefined;
  }

  private async update(what: string, body: Record<string, unknown>): Promise<CiSecret> {
    const name = String(body.name);
    try {
      return (await this.ctx.http.json(ROUTES.secretUpdate, secretSchema, { params: this.params(name), body, unredacted: ["value"], idempotent: true })).data;
    } catch (err) {
      if (hasStatus(err, 400, 422)) throw new CiValidationError(what, err);
      throw err;
    }
  }

  private params(name: string): { repo_id: number; name: string } {
    if (name.trim() === "") throw new Error("secret name must not be empty");
    return { ...this.ctx.params, name };
  }
}
