// Masking of secret values and secret-shaped text. Every line the runner writes — log,
// comment, file, error snippet — goes through a Redactor. Known values are masked in their
// plain, JSON-escaped and URL-encoded forms; patterns catch what was never registered.

export const MASK = "********";

// Shapes of credentials worth masking even when nobody registered the value.
const PATTERNS: readonly RegExp[] = [
  // Authorization headers: `Authorization: token abc`, `Bearer abc`, `Basic abc`
  /\b(authorization\s*[:=]\s*(?:token|bearer|basic)?\s*)([^\s"',]+)/gi,
  /\b(bearer\s+)([A-Za-z0-9._~+/=-]{8,})/gi,
  // NAME_TOKEN=value, NAME_KEY: value, password="value" …
  /\b([A-Z0-9_]*(?:TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|APIKEY|PRIVATE_KEY)["']?\s*[:=]\s*["']?)([^\s"',;&]{4,})/gi,
  // Anthropic, OpenAI, GitHub, GitLab, Slack tokens
  /()(sk-ant-[A-Za-z0-9_-]{8,})/g,
  /()(sk-(?:proj-)?[A-Za-z0-9_-]{20,})/g,
  /()(gh[pousr]_[A-Za-z0-9]{20,})/g,
  /()(github_pat_[A-Za-z0-9_]{20,})/g,
  /()(glpat-[A-Za-z0-9_-]{20,})/g,
  /()(xox[abprs]-[A-Za-z0-9-]{10,})/g,
  // credentials in URLs: scheme://user:pass@host
  /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)([^\s/@]+)(?=@)/gi,
  // long hex (Forgejo/Gitea and Woodpecker tokens are 40+ hex characters)
  /()(\b[0-9a-f]{32,}\b)/gi,
];

// Commit SHAs are 40 hex characters too, and they are what logs are for. A long hex run is
// masked only when it sits next to a word that says it is a credential, or is registered.
const HEX_PATTERN_INDEX = PATTERNS.length - 1;
const CREDENTIAL_CONTEXT = /(token|secret|password|passwd|api[_-]?key|credential|authorization)["']?\s*[:=]?\s*["']?\s*(?:token\s+|bearer\s+)?$/i;

export class Redactor {
  private readonly values = new Set<string>();
  private forms: string[] = [];

  /** Register a secret value: it and its encoded forms are masked from now on. */
  add(value: string | undefined | null): void {
    if (value === undefined || value === null) return;
    const v = value.trim();
    // Very short values would mask ordinary words; nobody uses a 3-character token.
    if (v.length < 4 || this.values.has(v)) return;
    this.values.add(v);
    const encoded = new Set<string>([v, jsonEscaped(v), encodeURIComponent(v), encodeURIComponent(v).replace(/%20/g, "+")]);
    this.forms = [...new Set([...this.forms, ...encoded])].sort((a, b) => b.length - a.length);
  }

  /** The longest form of any registered secret: a stream must hold back one less than this. */
  get longest(): number {
    return this.forms[0]?.length ?? 0;
  }

  redact(text: string): string {
    let out = text;
    for (const f of this.forms) if (out.includes(f)) out = out.split(f).join(MASK);
    return redactPatterns(out);
  }

  /** A redacting stream transformer for output that arrives in arbitrary chunks. */
  stream(): StreamRedactor {
    return new StreamRedactor(this);
  }
}

export function redactPatterns(text: string): string {
  let out = text;
  PATTERNS.forEach((re, i) => {
    out = out.replace(re, (match: string, prefix: string, secret: string, offset: number, whole: string) => {
      if (secret === MASK || secret.startsWith("*")) return match;
      if (i === HEX_PATTERN_INDEX && !CREDENTIAL_CONTEXT.test(whole.slice(Math.max(0, offset - 40), offset))) return match;
      return `${prefix}${MASK}`;
    });
  });
  return out;
}

/**
 * Redacts text that arrives in chunks (a child's stdout). Complete lines are released at once;
 * a partial line is held until its newline, or, when it grows long, released except for a
 * tail as long as the longest secret, so a secret split across two chunks is still masked.
 */
export class StreamRedactor {
  private pending = "";
  private readonly r: Redactor;
  private readonly maxHold: number;
  constructor(r: Redactor, maxHold = 64 * 1024) {
    this.r = r;
    this.maxHold = maxHold;
  }

  push(chunk: string): string {
    this.pending += chunk;
    const nl = this.pending.lastIndexOf("\n");
    let out = "";
    if (nl >= 0) {
      out = this.r.redact(this.pending.slice(0, nl + 1));
      this.pending = this.pending.slice(nl + 1);
    }
    if (this.pending.length > this.maxHold) {
      const keep = Math.max(this.r.longest - 1, 256);
      const cut = this.pending.length - keep;
      out += this.r.redact(this.pending.slice(0, cut));
      this.pending = this.pending.slice(cut);
    }
    return out;
  }

  end(): string {
    const out = this.r.redact(this.pending);
    this.pending = "";
    return out;
  }
}

function jsonEscaped(v: string): string {
  return JSON.stringify(v).slice(1, -1);
}
