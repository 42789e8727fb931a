// Watermarks: the last thing an agent saw (a commit SHA, a timestamp), so a tick can skip when
// nothing changed. `state/<project>/watermarks/<agent>.json`, a flat map of key → value.
import { z } from "zod";
import type { StateStore } from "./store.ts";

const watermarksSchema = z.record(z.string(), z.string());

export function watermarkPath(project: string, agent: string): string {
  return `state/${project}/watermarks/${agent}.json`;
}

export class Watermarks {
  private readonly store: StateStore;
  private readonly path: string;

  constructor(store: StateStore, project: string, agent: string) {
    this.store = store;
    this.path = watermarkPath(project, agent);
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.store.readJson(this.path, watermarksSchema))?.value[key];
  }

  async set(key: string, value: string): Promise<void> {
    await this.store.updateJson(this.path, watermarksSchema, (cur) => (cur?.[key] === value ? undefined : { ...(cur ?? {}), [key]: value }), { why: `watermark ${key} = ${value}` });
  }
}
