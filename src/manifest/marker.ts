// The marks that make a manifest safe to apply twice: what a judgment agent creates (a comment,
// an issue, a PR) carries `<!-- disinto:<agent>:<key> -->`, and the applier looks for it before
// creating. Only the agent's own login counts: a mark pasted by someone else neither blocks
// nor fakes an action.
import { createHash } from "node:crypto";

export function marker(agent: string, key: string): string {
  return `<!-- disinto:${agent}:${key} -->`;
}

/** `text` with the marker on a line of its own at the end. */
export function withMarker(text: string, agent: string, key: string): string {
  return `${text.trimEnd()}\n\n${marker(agent, key)}`;
}

export function hasMarker(text: string, agent: string, key: string): boolean {
  return text.includes(marker(agent, key));
}

const sameLogin = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The first of `items` written by `login` that carries the marker. */
export function findMarked<T extends { author: string; body: string }>(items: readonly T[], login: string, agent: string, key: string): T | undefined {
  return items.find((c) => sameLogin(c.author, login) && hasMarker(c.body, agent, key));
}

/**
 * A key derived from content, for actions the model gave no key: the same text, the same key.
 * Runner keys contain `/`, which the model's keys may not, so the two never collide.
 */
export function contentKey(prefix: string, ...parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return `${prefix}/${h.digest("hex").slice(0, 12)}`;
}
