// Plain server-side HTML for the sandbox's browser pages (forge and CI). Everything goes
// through the `html` tag, which escapes every interpolated value unless it is already `Html`,
// so a page cannot forget to escape an issue title or a log line. No scripts: the pages are
// served with a CSP that forbids them.
import type { ServerResponse } from "node:http";

/** Markup that is already safe to emit. */
export class Html {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

function part(v: unknown): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(part).join("");
  if (v === undefined || v === null || v === false) return "";
  if (typeof v === "string") return escapeHtml(v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return escapeHtml(JSON.stringify(v));
}

/** Template tag: literal text as written, every `${value}` escaped (arrays joined, nullish dropped). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? "";
  values.forEach((v, i) => {
    out += part(v) + (strings[i + 1] ?? "");
  });
  return new Html(out);
}

/** A link only for http(s) targets: URLs from API callers (status target_url) may be anything. */
export function link(href: string, text: unknown): Html {
  return /^https?:\/\//i.test(href) || href.startsWith("/") ? html`<a href="${href}">${text}</a>` : html`${text}`;
}

/** A `#rrggbb` CSS colour from stored data, or undefined when it is not one. */
export function cssColor(hex: string): string | undefined {
  const h = hex.replace(/^#/, "");
  return /^[0-9a-fA-F]{6}$/.test(h) ? `#${h}` : undefined;
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1f2328;background:#fff}
header{background:#24292f;color:#fff;padding:8px 16px}header a{color:#fff;font-weight:600}
main{max-width:1100px;margin:0 auto;padding:12px 16px}
a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px 10px;overflow:auto;white-space:pre-wrap;word-break:break-word}
.label{display:inline-block;border-radius:10px;padding:0 8px;margin-right:4px;font-size:12px;border:1px solid #d0d7de}
.state{display:inline-block;border-radius:10px;padding:0 8px;font-weight:600;color:#fff;background:#6e7781}
.state.open,.state.success,.state.APPROVED{background:#1a7f37}.state.merged{background:#8250df}
.state.failure,.state.error,.state.killed,.state.REQUEST_CHANGES,.state.closed{background:#cf222e}
.state.pending,.state.running{background:#9a6700}
.box{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;margin:10px 0}
.meta{color:#59636e;font-size:13px}
.diff .add{background:#dafbe1;display:block}.diff .del{background:#ffebe9;display:block}.diff .hunk{color:#8250df;display:block}.diff .file{font-weight:600;display:block}
table{border-collapse:collapse}td,th{padding:3px 10px 3px 0;text-align:left;vertical-align:top}
`;

/** A whole document: a top bar linking `home`, the title, and the body. */
export function htmlPage(title: string, body: Html, home: { href: string; text: string }): string {
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><style>${new Html(STYLE)}</style></head>
<body><header><a href="${home.href}">${home.text}</a></header>
<main>
${body}
</main></body></html>
`.value;
}

export interface HtmlReply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** Pages need no scripts, images or frames: the policy forbids them, so escaped data stays inert. */
const SECURITY_HEADERS = {
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-store",
};

export function sendHtml(res: ServerResponse, reply: HtmlReply, head = false): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, { ...SECURITY_HEADERS, ...reply.headers, "Content-Type": "text/html; charset=utf-8", "Content-Length": String(Buffer.byteLength(reply.body)) });
  res.end(head ? undefined : reply.body);
}

/** Whether a client prefers a page to JSON or plain text (browsers send `text/html` first). */
export function wantsHtml(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/html/i.test(accept);
}

/** A 401 that makes a browser ask for a user name and password (or token). */
export function signInReply(title: string, home: { href: string; text: string }, realm: string): HtmlReply {
  return {
    status: 401,
    headers: { "WWW-Authenticate": `Basic realm="${realm}"` },
    body: htmlPage(title, html`<h1>Sign in</h1><p>This page needs a sandbox account: sign in with its user name and password or token.</p>`, home),
  };
}

/** Short form of a commit id. */
export const shortSha = (sha: string): string => sha.slice(0, 10);

/** Coloured lines of a unified diff. */
export function diffHtml(diff: string, maxChars = 500_000): Html {
  const truncated = diff.length > maxChars;
  const lines = (truncated ? diff.slice(0, maxChars) : diff).split("\n");
  if (lines.at(-1) === "") lines.pop();
  const cls = (l: string): string =>
    l.startsWith("diff --git") ? "file" : l.startsWith("@@") ? "hunk" : l.startsWith("+") && !l.startsWith("+++") ? "add" : l.startsWith("-") && !l.startsWith("---") ? "del" : "";
  const body = lines.map((l) => (cls(l) ? html`<span class="${cls(l)}">${l}</span>` : html`${l}\n`));
  return html`<pre class="diff">${body}</pre>${truncated ? html`<p class="meta">(diff truncated)</p>` : ""}`;
}
