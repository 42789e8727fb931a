// Repo secrets and the rules that decide whether a step may read one
// (Woodpecker `Secret.Available`): the pipeline event must be enabled on the secret, and a
// secret with an image filter is only for plugin steps whose image matches.
import { isPullRequestEvent } from "./metadata.ts";

export interface SecretDef {
  name: string;
  value: string;
  /** Events the secret is available for; every `pull_request*` event counts as `pull_request`. */
  events: readonly string[];
  /** Plugin images allowed to read it; empty = every step. */
  images?: readonly string[];
}

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretError";
  }
}

/** Resolves a `from_secret` name to its value, or throws SecretError. */
export type SecretLookup = (name: string) => string;

export interface SecretUse {
  event: string;
  step: { name: string; image: string; isPlugin: boolean };
}

/** A lookup for one step; `onUse` sees every value handed out (to mask it in logs). */
export function secretLookup(secrets: readonly SecretDef[], use: SecretUse, onUse?: (value: string) => void): SecretLookup {
  const byName = new Map(secrets.map((s) => [s.name.toLowerCase(), s]));
  return (requested: string): string => {
    const s = byName.get(requested.toLowerCase());
    if (s === undefined) throw new SecretError(`secret "${requested}" not found`);
    const images = s.images ?? [];
    if (images.length > 0 && !use.step.isPlugin) {
      throw new SecretError(
        `secret "${s.name}" is only allowed to be used by plugins (a filter has been set on the secret). Note: Image filters do not work for normal steps`,
      );
    }
    if (images.length > 0 && !images.some((f) => imageMatches(use.step.image, f))) {
      throw new SecretError(`secret "${s.name}" is not allowed to be used with image "${use.step.image}" by step "${use.step.name}"`);
    }
    const event = isPullRequestEvent(use.event) ? "pull_request" : use.event;
    const events = s.events.map((e) => (isPullRequestEvent(e) ? "pull_request" : e));
    if (!events.includes(event)) throw new SecretError(`secret "${s.name}" is not allowed to be used with pipeline event "${use.event}"`);
    onUse?.(s.value);
    return s.value;
  };
}

/**
 * Image filter match: a filter with a tag or digest must equal the image; a filter without
 * one matches any tag of that image. `alpine` and `docker.io/library/alpine` are the same.
 */
export function imageMatches(image: string, filter: string): boolean {
  const a = splitImage(image);
  const f = splitImage(filter);
  if (a.name !== f.name) return false;
  return f.tag === "" || a.tag === f.tag;
}

function splitImage(ref: string): { name: string; tag: string } {
  let name = ref.trim();
  let tag = "";
  const at = name.indexOf("@");
  if (at >= 0) {
    tag = name.slice(at);
    name = name.slice(0, at);
  } else {
    const colon = name.lastIndexOf(":");
    if (colon > name.lastIndexOf("/")) {
      tag = name.slice(colon + 1);
      name = name.slice(0, colon);
    }
  }
  const parts = name.split("/");
  const first = parts[0] ?? "";
  const hasRegistry = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (!hasRegistry) name = parts.length === 1 ? `docker.io/library/${name}` : `docker.io/${name}`;
  return { name: name.toLowerCase(), tag: tag === "" && at < 0 ? "" : tag };
}
