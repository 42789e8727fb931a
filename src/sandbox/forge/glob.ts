// Glob matching shared by fault rules ("PUT /api/v1/repos/**") and branch-protection rule
// names ("release/*"). `*` stays inside one path segment, `**` crosses segments, `?` is one
// character — the same reading Forgejo gives protected-branch patterns (gobwas/glob with '/').

const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  const hit = cache.get(glob);
  if (hit) return hit;
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === "*") {
      if (glob[i + 1] === "*") {
        re += ".*";
        i++;
      } else {
        re += "[^/]*";
      }
    } else if (ch === "?") {
      re += "[^/]";
    } else {
      re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  const compiled = new RegExp(`^${re}$`, "s");
  cache.set(glob, compiled);
  return compiled;
}

export function globMatch(glob: string, text: string): boolean {
  return globToRegExp(glob).test(text);
}
