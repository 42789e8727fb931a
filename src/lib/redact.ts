// Masking of secret values and secret-shaped text. Every line the runner writes — log,
// comment, file, error snippet — goes through a Redactor. Known values are masked in their
// plain, JSON-escaped and URL-encoded forms; patterns catch what was never registered.

export const MASK = "********";

// Shorter values would mask ordinary words; nobody uses a 3-character token.
const MIN_SECRET_LENGTH = 4;
// Lines of a multi-line secret (a PEM key, a JSON credentials file) are masked one by one
// too, because tools re-indent or re-wrap them; short lines (`}`) would mask too much.
const MIN_SECRET_LINE_LENGTH = 8;

interface Pattern {
  /** Group 1 is kept, group 2 is masked. */
  re: RegExp;
  /** Mask only when the text just before says it is a credential. */
  needsContext?: boolean;
  /** Mask only values that pass this test. */
  accept?: (secret: string) => boolean;
}

// After `name_token:` prose often follows ("forge_token: missing"), not a value; real
// credentials have digits or are long.
const credentialLike = (v: string): boolean => /\d/.test(v) || v.length >= 20;

// Shapes of credentials worth masking even when nobody registered the value.
const PATTERNS: readonly Pattern[] = [
  // PEM private keys: the body, up to the END line (kept so the log still reads).
  { re: /(-----BEGIN [A-Z ]*PRIVATE KEY-----)([\s\S]+?)(?=-----END [A-Z ]*PRIVATE KEY-----)/g },
  // Authorization headers, also as JSON or YAML keys: `Authorization: token abc`, `"authorization":"Bearer abc"`
  { re: /\b(authorization["']?\s*[:=]\s*["']?(?:token|bearer|basic)?\s*)([^\s"',;]+)/gi },
  { re: /\b(bearer\s+)([A-Za-z0-9._~+/=-]{8,})/gi },
  // NAME_TOKEN=value, password="value" …: an assignment's value is always masked
  { re: /\b([A-Za-z0-9_-]*(?:TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|[_-]KEY|APIKEY)["']?\s*=\s*["']?)([^\s"',;&]{4,})/gi },
  // NAME_KEY: value, x-api-key: value, "token": "value" …: only what looks like a credential
  { re: /\b([A-Za-z0-9_-]*(?:TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|[_-]KEY|APIKEY)["']?\s*:\s*["']?)([^\s"',;&]{4,})/gi, accept: credentialLike },
  // Anthropic, OpenAI, GitHub, GitLab, Slack, Hugging Face, AWS key ids; JWTs (Actions ID tokens)
  { re: /()(sk-ant-[A-Za-z0-9_-]{8,})/g },
  { re: /()(sk-(?:proj-)?[A-Za-z0-9_-]{20,})/g },
  { re: /()(gh[pousr]_[A-Za-z0-9]{20,})/g },
  { re: /()(github_pat_[A-Za-z0-9_]{20,})/g },
  { re: /()(glpat-[A-Za-z0-9_-]{20,})/g },
  { re: /()(xox[abprs]-[A-Za-z0-9-]{10,})/g },
  { re: /()(hf_[A-Za-z0-9]{20,})/g },
  { re: /()(\bAKIA[0-9A-Z]{16}\b)/g },
  { re: /()(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})/g },
  // credentials in URLs: scheme://user:pass@host, and a token used as the user name
  { re: /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)([^\s/@]+)(?=@)/gi },
  { re: /(\b[a-z][a-z0-9+.-]*:\/\/)([^\s/:@]{20,})(?=@)/gi },
  // long hex (Forgejo/Gitea and Woodpecker tokens are 40+ hex characters)
  { re: /()(\b[0-9a-f]{32,}\b)/gi, needsContext: true },
];

// Commit SHAs are 40 hex characters too, and they are what logs are for. A long hex run is
// masked only when it sits next to a word that says it is a credential, or is registered.
const CREDENTIAL_CONTEXT = /(token|secret|password|passwd|api[_-]?key|credential|authorization)["']?\s*[:=]?\s*["']?\s*(?:token\s+|bearer\s+)?$/i;

export class Redactor {
  private readonly registered = new Set<string>();
  private forms: string[] = [];

  /** Register a secret value: it and its encoded forms are masked from now on. */
  add(value: string | undefined | null): void {
    if (value === undefined || value === null) return;
    const v = value.trim();
    if (v.length < MIN_SECRET_LENGTH || this.registered.has(v)) return;
    this.registered.add(v);
    const found = new Set(this.forms);
    for (const f of encodedForms(v)) found.add(f);
    if (v.includes("\n")) {
      for (const line of v.split(/\r?\n/)) {
        const l = line.trim();
        if (l.length >= MIN_SECRET_LINE_LENGTH) for (const f of encodedForms(l)) found.add(f);
      }
    }
    this.forms = [...found].sort((a, b) => b.length - a.length);
  }

  /** The registered values themselves (for hosts that mask on their side too). */
  get values(): readonly string[] {
    return [...this.registered];
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

  /**
   * The largest cut ≤ `cut` such that no form of a registered secret that starts before it
   * could continue after it: everything before the returned index can be released now.
   */
  safeCut(text: string, cut: number): number {
    let c = Math.min(cut, text.length);
    for (let moved = true; moved && c > 0; ) {
      moved = false;
      for (const f of this.forms) {
        for (let p = Math.max(0, c - f.length + 1); p < c; p++) {
          if (f.startsWith(text.slice(p, Math.min(p + f.length, text.length)))) {
            c = p;
            moved = true;
            break;
          }
        }
      }
    }
    return c;
  }

  /** A redacting stream transformer for output that arrives in arbitrary chunks. */
  stream(): StreamRedactor {
    return new StreamRedactor(this);
  }
}

export function redactPatterns(text: string): string {
  let out = text;
  for (const { re, needsContext, accept } of PATTERNS) {
    out = out.replace(re, (match: string, prefix: string, secret: string, offset: number, whole: string) => {
      if (secret === MASK || secret.startsWith("*")) return match;
      if (accept && !accept(secret)) return match;
      if (needsContext && !CREDENTIAL_CONTEXT.test(whole.slice(Math.max(0, offset - 40), offset))) return match;
      return `${prefix}${MASK}`;
    });
  }
  return out;
}

// Words after which the next word is the credential: a cut between them would hide the
// context the patterns need.
const CREDENTIAL_LEAD = /(?:authorization["']?\s*[:=]?|bearer|token|basic|password|secret|key)["']?\s*[:=]?\s*$/i;

/**
 * Redacts text that arrives in chunks (a child's stdout). Complete lines are released at once;
 * a partial line is held until its newline, or, when it grows long, released at a word
 * boundary. Whatever could be the start of a registered secret is always held back, so a
 * secret split across chunks — even one spanning lines — is still masked.
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
    let cut = this.pending.lastIndexOf("\n") + 1;
    if (this.pending.length - cut > this.maxHold) cut = this.midLineCut(cut);
    cut = this.r.safeCut(this.pending, cut);
    if (cut <= 0) return "";
    const out = this.r.redact(this.pending.slice(0, cut));
    this.pending = this.pending.slice(cut);
    return out;
  }

  end(): string {
    const out = this.r.redact(this.pending);
    this.pending = "";
    return out;
  }

  // A line longer than maxHold is released in pieces. Cut at whitespace (patterns do not
  // span it) and never right after a word that announces a credential.
  private midLineCut(lineStart: number): number {
    const keep = Math.max(this.r.longest - 1, 256);
    const hard = this.pending.length - keep;
    const window = this.pending.slice(lineStart, hard);
    let ws = -1;
    for (let i = window.length - 1; i >= Math.max(0, window.length - 4096); i--) {
      if (/\s/.test(window[i] ?? "")) {
        ws = i + 1;
        break;
      }
    }
    if (ws < 0) return hard;
    let cut = lineStart + ws;
    const lead = CREDENTIAL_LEAD.exec(this.pending.slice(Math.max(lineStart, cut - 64), cut));
    if (lead) cut -= lead[0].length;
    return cut > lineStart ? cut : hard;
  }
}

function encodedForms(v: string): string[] {
  const uri = encodeURIComponent(v);
  return [v, JSON.stringify(v).slice(1, -1), uri, uri.replace(/%20/g, "+")];
}
