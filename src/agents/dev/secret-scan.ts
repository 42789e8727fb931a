// The last look before a push: does the change add a secret? A model that prints its
// environment, or copies a token it found, must not publish it in a file that is pushed and
// merged. Added lines of a unified diff (`git diff --text -U0`, binary files read as text) are
// searched for every value the run's redactor knows — plain, JSON-escaped, URL-encoded and
// base64 — and for token shapes that are credentials beyond doubt. Findings name the file and
// the kind of secret, never the value.

export interface SecretFinding {
  /** Repo-relative path of the file the secret was added to. */
  file: string;
  /** What was found: "a known secret value" or the token pattern's name. */
  kind: string;
}

// Shapes nobody writes by accident. Looser ones (`KEY=value`, long hex) would refuse ordinary
// code and test fixtures; they stay the redactor's business in logs and comments.
const TOKEN_PATTERNS: readonly { name: string; re: RegExp }[] = [
  { name: "a private key", re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: "an Anthropic API key", re: /\bsk-ant-[A-Za-z0-9_-]{20,}/ },
  { name: "an OpenAI API key", re: /\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}/ },
  { name: "a GitHub token", re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})/ },
  { name: "a GitLab token", re: /\bglpat-[A-Za-z0-9_-]{20,}/ },
  { name: "a Slack token", re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/ },
  { name: "a Hugging Face token", re: /\bhf_[A-Za-z0-9]{30,}/ },
  { name: "an AWS access key id", re: /\bAKIA[0-9A-Z]{16}\b/ },
];

// Registered values shorter than this are not looked for (the redactor ignores them too).
const MIN_VALUE_LENGTH = 8;

/** The forms a known value may take in a file. */
function formsOf(values: readonly string[]): string[] {
  const out = new Set<string>();
  const add = (v: string): void => {
    if (v.length < MIN_VALUE_LENGTH) return;
    out.add(v);
    out.add(JSON.stringify(v).slice(1, -1));
    out.add(encodeURIComponent(v));
    // Without padding: the value may sit anywhere in a longer base64 text only at a 3-byte
    // boundary, which is how `base64` prints a value on its own line.
    out.add(Buffer.from(v, "utf8").toString("base64").replace(/=+$/, ""));
  };
  for (const raw of values) {
    const v = raw.trim();
    add(v);
    if (v.includes("\n")) for (const line of v.split(/\r?\n/)) add(line.trim());
  }
  return [...out];
}

/**
 * Secrets added by `diff` (a unified diff with `a/` and `b/` prefixes, as `git diff` writes it
 * with `core.quotePath=false`). One finding per file and kind, in the order they appear.
 */
export function scanDiff(diff: string, knownValues: readonly string[]): SecretFinding[] {
  const forms = formsOf(knownValues);
  const found = new Map<string, SecretFinding>();
  const note = (file: string, kind: string): void => {
    const k = `${file}\0${kind}`;
    if (!found.has(k)) found.set(k, { file, kind });
  };
  const check = (file: string, text: string): void => {
    if (forms.some((f) => text.includes(f))) note(file, "a known secret value");
    for (const p of TOKEN_PATTERNS) if (p.re.test(text)) note(file, p.name);
  };
  let file = "";
  let inHeader = false;
  for (const line of diff.split("\n")) {
    if (line.startsWith("diff --git ")) {
      inHeader = true;
      // Until `+++` names it: a file whose only change is its mode has no `+++` line.
      file = headerPath(line);
      continue;
    }
    if (inHeader) {
      if (line.startsWith("@@")) inHeader = false;
      else if (line.startsWith("+++ ")) {
        const p = line.slice(4).replace(/\t$/, "");
        if (p !== "/dev/null") file = unquote(p).replace(/^b\//, "");
        // A file name can carry a secret as well as its content.
        check(file, file);
      }
      continue;
    }
    if (line.startsWith("+")) check(file, line.slice(1));
  }
  return [...found.values()];
}

/** `diff --git a/x b/x` → `x` (best effort: the `+++` line is what counts). */
function headerPath(line: string): string {
  const m = / b\/(.*)$/.exec(line);
  return m?.[1] !== undefined ? unquote(m[1]) : line.slice("diff --git ".length);
}

/** git's C-style quoting of unusual file names (`"a\tb"`), undone enough to name the file. */
function unquote(p: string): string {
  if (!(p.startsWith('"') && p.endsWith('"'))) return p;
  return p.slice(1, -1).replace(/\\(["\\tn])/g, (_m, c: string) => (c === "t" ? "\t" : c === "n" ? "\n" : c));
}

/** The escalation text for findings: files and kinds, never values. */
export function describeFindings(findings: readonly SecretFinding[]): string {
  const byFile = new Map<string, string[]>();
  for (const f of findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f.kind]);
  return [...byFile].map(([file, kinds]) => `- \`${file}\`: ${kinds.join(", ")}`).join("\n");
}
