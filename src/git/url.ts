// Remote URLs stay clean: credentials travel only through the credential helper, so a URL
// with `user:pass@` (a baked token that goes stale and leaks into `.git/config`, #604) is
// refused rather than silently stripped — the caller has a token where it should not.
import { GitUrlError } from "./errors.ts";

export interface RemoteUrl {
  /** The URL as given (validated). */
  href: string;
  /** `http://host:port` — the only place the credential helper answers for. */
  origin: string;
}

export function parseRemoteUrl(url: string): RemoteUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new GitUrlError(`git remote URL is not a valid URL: "${describe(url)}" (expected e.g. https://forge.example/owner/repo.git)`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new GitUrlError(`git remote URL must be http:// or https://, got ${u.protocol} in "${describe(url)}"`);
  }
  if (u.username !== "" || u.password !== "") {
    throw new GitUrlError(
      `git remote URL embeds credentials ("${describe(url)}"): pass the user and token as auth instead; they reach git only through the credential helper`,
    );
  }
  if (u.search !== "" || u.hash !== "") {
    throw new GitUrlError(`git remote URL must not carry a query or fragment: "${describe(url)}"`);
  }
  if (u.pathname === "/" || u.pathname === "") {
    throw new GitUrlError(`git remote URL names no repository: "${describe(url)}" (expected e.g. ${u.origin}/owner/repo.git)`);
  }
  return { href: url, origin: u.origin };
}

/** The URL with any user info masked, safe for a message. */
function describe(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, "$1***@");
}
