// `${VAR}` substitution over the raw pipeline YAML, as Woodpecker does before parsing
// (drone/envsubst): `$VAR`, `${VAR}` and the bash-like operators the docs list; `$$` escapes
// a dollar. Unknown variables become empty strings — which is why a commands step must write
// `$$HOME` to reach the shell's HOME.

export class SubstitutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SubstitutionError";
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function substitute(text: string, env: Readonly<Record<string, string>>): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (next === "{") {
      const close = text.indexOf("}", i + 2);
      if (close < 0) throw new SubstitutionError(`unterminated \${ at offset ${i}`);
      out += expand(text.slice(i + 2, close), env);
      i = close + 1;
      continue;
    }
    const m = NAME.exec(text.slice(i + 1));
    if (m) {
      out += env[m[0]] ?? "";
      i += 1 + m[0].length;
      continue;
    }
    out += "$";
    i++;
  }
  return out;
}

function expand(expr: string, env: Readonly<Record<string, string>>): string {
  if (expr.startsWith("#")) {
    const name = expr.slice(1);
    if (!NAME.test(name) || NAME.exec(name)?.[0] !== name) throw new SubstitutionError(`bad substitution \${${expr}}`);
    return String((env[name] ?? "").length);
  }
  const m = NAME.exec(expr);
  if (!m) throw new SubstitutionError(`bad substitution \${${expr}}`);
  const name = m[0];
  const op = expr.slice(name.length);
  const value = env[name] ?? "";
  if (op === "") return value;
  if (op === ",,") return value.toLowerCase();
  if (op === "^^") return value.toUpperCase();
  if (op === ",") return value.slice(0, 1).toLowerCase() + value.slice(1);
  if (op === "^") return value.slice(0, 1).toUpperCase() + value.slice(1);
  for (const d of [":=", ":-", "=", "-"]) {
    if (op.startsWith(d)) return value === "" ? op.slice(d.length) : value;
  }
  if (op.startsWith("##") || op.startsWith("#")) {
    const prefix = op.replace(/^##?/, "");
    return value.startsWith(prefix) ? value.slice(prefix.length) : value;
  }
  if (op.startsWith("%%") || op.startsWith("%")) {
    const suffix = op.replace(/^%%?/, "");
    return suffix !== "" && value.endsWith(suffix) ? value.slice(0, -suffix.length) : value;
  }
  if (op.startsWith("/")) {
    const all = op.startsWith("//");
    const body = op.slice(all ? 2 : 1);
    const slash = body.indexOf("/");
    const from = slash < 0 ? body : body.slice(0, slash);
    const to = slash < 0 ? "" : body.slice(slash + 1);
    if (from === "") return value;
    return all ? value.split(from).join(to) : value.replace(from, () => to);
  }
  const sub = /^:(-?\d+)(?::(\d+))?$/.exec(op);
  if (sub) {
    let pos = Number(sub[1]);
    if (pos < 0) pos = Math.max(0, value.length + pos);
    return sub[2] === undefined ? value.slice(pos) : value.slice(pos, pos + Number(sub[2]));
  }
  throw new SubstitutionError(`unsupported substitution \${${expr}}`);
}
