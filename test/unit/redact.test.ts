import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MASK, Redactor, StreamRedactor, redactPatterns } from "../../src/lib/redact.ts";

// Characters that differ between the plain, JSON-escaped and URL-encoded forms.
const CANARY = 'cAnArY-7f3e "q"/p+s&x=1 ü\\z';
const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";
const HEX_TOKEN = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3";

function redactorWith(...secrets: string[]): Redactor {
  const r = new Redactor();
  for (const s of secrets) r.add(s);
  return r;
}

function streamAll(s: StreamRedactor, chunks: string[]): string {
  return chunks.map((c) => s.push(c)).join("") + s.end();
}

describe("Redactor: registered values", () => {
  it("masks the plain value", () => {
    const r = redactorWith(CANARY);
    assert.equal(r.redact(`before ${CANARY} after`), `before ${MASK} after`);
  });

  it("masks the JSON-escaped form inside serialised JSON", () => {
    const r = redactorWith(CANARY);
    const line = JSON.stringify({ msg: `x ${CANARY} y`, nested: { v: CANARY } });
    const out = r.redact(line);
    assert.ok(!out.includes(JSON.stringify(CANARY).slice(1, -1)));
    assert.deepEqual(JSON.parse(out), { msg: `x ${MASK} y`, nested: { v: MASK } });
  });

  it("masks the URL-encoded and form-encoded forms", () => {
    const r = redactorWith(CANARY);
    const uri = `https://h.example/p?q=${encodeURIComponent(CANARY)}&r=1`;
    const form = new URLSearchParams({ q: CANARY }).toString();
    assert.equal(r.redact(uri), `https://h.example/p?q=${MASK}&r=1`);
    assert.equal(r.redact(form), `q=${MASK}`);
  });

  it("masks a longer secret that contains a shorter one, completely", () => {
    const r = redactorWith("abcdef", "xxabcdefyy");
    assert.equal(r.redact("1 xxabcdefyy 2 abcdef"), `1 ${MASK} 2 ${MASK}`);
  });

  it("ignores empty, missing and very short values instead of masking common words", () => {
    const r = redactorWith("", "  ", "abc");
    r.add(undefined);
    r.add(null);
    assert.deepEqual(r.values, []);
    assert.equal(r.redact("abc abc"), "abc abc");
  });

  it("trims registered values and reports them once", () => {
    const r = redactorWith("  s3cr3t-value \n", "s3cr3t-value");
    assert.deepEqual(r.values, ["s3cr3t-value"]);
    assert.equal(r.redact("[s3cr3t-value]"), `[${MASK}]`);
  });

  it("masks each line of a multi-line secret even when it is re-indented", () => {
    const pem = "line-one-of-key-material\nline-two-of-key-material\n}";
    const r = redactorWith(pem);
    assert.equal(r.redact(`    line-two-of-key-material`), `    ${MASK}`);
    assert.equal(r.redact(pem), MASK);
    // Short lines are not secrets of their own.
    assert.equal(r.redact("if (x) {\n}"), "if (x) {\n}");
  });

  it("reports the longest form, which grows with encoded forms", () => {
    const r = redactorWith("a b/c");
    assert.equal(r.longest, encodeURIComponent("a b/c").length);
  });
});

describe("redactPatterns", () => {
  it("keeps commit SHAs", () => {
    for (const text of [`commit ${SHA}`, `sha=${SHA}`, `"head": {"sha": "${SHA}"}`, `checked out ${SHA.slice(0, 12)}`]) {
      assert.equal(redactPatterns(text), text);
    }
  });

  it("masks Authorization headers, plain or as JSON", () => {
    assert.equal(redactPatterns(`Authorization: token ${HEX_TOKEN}`), `Authorization: token ${MASK}`);
    assert.equal(redactPatterns("authorization: Bearer abc.def.ghi"), `authorization: Bearer ${MASK}`);
    assert.equal(redactPatterns('{"Authorization":"Basic dXNlcjpwYXNz"}'), `{"Authorization":"Basic ${MASK}"}`);
    assert.equal(redactPatterns("curl -H 'Authorization: token s3cr3tv4lue' x"), `curl -H 'Authorization: token ${MASK}' x`);
  });

  it("masks NAME_TOKEN=, *_KEY:, password= assignments but not token counts", () => {
    assert.equal(redactPatterns("X_TOKEN=abcd1234 next"), `X_TOKEN=${MASK} next`);
    assert.equal(redactPatterns('FORGE_TOKEN: "abcd1234"'), `FORGE_TOKEN: "${MASK}"`);
    assert.equal(redactPatterns("ANTHROPIC_API_KEY=sk-whatever-1234"), `ANTHROPIC_API_KEY=${MASK}`);
    assert.equal(redactPatterns("x-api-key: k3yk3yk3y"), `x-api-key: ${MASK}`);
    assert.equal(redactPatterns("db password='hunter22'"), `db password='${MASK}'`);
    for (const keep of ["max_tokens: 4096", "input_tokens=1234", "31.2k tok", "token_budget=5000", "monkey=bananas"]) {
      assert.equal(redactPatterns(keep), keep);
    }
  });

  it("masks credentials in URLs, including a token used as the user name", () => {
    assert.equal(redactPatterns("https://dev-bot:p4ssw0rd@git.example.com/a/b.git"), `https://dev-bot:${MASK}@git.example.com/a/b.git`);
    assert.equal(redactPatterns(`https://${HEX_TOKEN}@git.example.com/a/b.git`), `https://${MASK}@git.example.com/a/b.git`);
    assert.equal(redactPatterns("ssh://git@git.example.com/a/b.git"), "ssh://git@git.example.com/a/b.git");
  });

  it("masks a long hex value next to a credential word, not elsewhere", () => {
    assert.equal(redactPatterns(`token ${HEX_TOKEN}`), `token ${MASK}`);
    assert.equal(redactPatterns(`merged ${HEX_TOKEN}`), `merged ${HEX_TOKEN}`);
  });

  it("masks well-known token shapes", () => {
    const samples = [
      `ghp_${"A1b2C3d4E5".repeat(3)}`,
      `github_pat_${"A1b2C3d4E5".repeat(3)}`,
      `sk-ant-api03-${"x".repeat(20)}`,
      `glpat-${"y".repeat(20)}`,
      `xoxb-${"1".repeat(12)}`,
      "AKIAIOSFODNN7EXAMPLE",
      `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvIn0.${"s".repeat(20)}`,
    ];
    for (const s of samples) assert.equal(redactPatterns(`value ${s} end`), `value ${MASK} end`, s);
  });

  it("masks the body of a PEM private key and keeps its frame", () => {
    const pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";
    assert.equal(redactPatterns(pem), `-----BEGIN OPENSSH PRIVATE KEY-----${MASK}-----END OPENSSH PRIVATE KEY-----`);
  });

  it("does not mask a mask again", () => {
    const once = redactPatterns("X_TOKEN=abcd1234");
    assert.equal(redactPatterns(once), once);
  });
});

describe("Redactor.safeCut", () => {
  it("moves a cut back to the start of a secret that straddles it, or may still arrive", () => {
    const r = redactorWith("SECRETVALUE");
    const text = "aaa SECRETVALUE bbb";
    assert.equal(r.safeCut(text, 8), 4);
    assert.equal(r.safeCut("aaa SECR", 8), 4);
    assert.equal(r.safeCut(text, 3), 3);
    assert.equal(r.safeCut(text, text.length), text.length);
  });
});

describe("StreamRedactor", () => {
  const text = `line one\nthe secret is ${CANARY} ok\nas json: ${JSON.stringify({ s: CANARY })}\nencoded ${encodeURIComponent(CANARY)} end\nlast`;

  it("masks a secret split at every point of a two-chunk stream", () => {
    const r = redactorWith(CANARY);
    const expected = r.redact(text);
    assert.ok(!expected.includes(CANARY));
    for (let i = 0; i <= text.length; i++) {
      const out = streamAll(r.stream(), [text.slice(0, i), text.slice(i)]);
      assert.equal(out, expected, `split at ${i}`);
    }
  });

  it("masks a secret delivered one character at a time and in three uneven chunks", () => {
    const r = redactorWith(CANARY);
    assert.equal(streamAll(r.stream(), [...text]), r.redact(text));
    const at = text.indexOf(CANARY);
    for (const [a, b] of [
      [at + 1, at + 5],
      [at + 3, at + CANARY.length - 1],
      [at - 2, at + CANARY.length + 1],
    ] as const) {
      assert.equal(streamAll(r.stream(), [text.slice(0, a), text.slice(a, b), text.slice(b)]), r.redact(text));
    }
  });

  it("releases complete lines at once and holds only the partial line", () => {
    const s = redactorWith(CANARY).stream();
    assert.equal(s.push("first\nsecond par"), "first\n");
    assert.equal(s.push("t\n"), "second part\n");
    assert.equal(s.end(), "");
  });

  it("holds back a line that ends with the start of a multi-line secret", () => {
    // Lines this short are not registered on their own: only holding back protects them.
    const secret = "abc1234\nxyz7890";
    const r = redactorWith(secret);
    const s = r.stream();
    const first = s.push("key: abc1234\n");
    assert.equal(first, "key: ");
    const rest = s.push("xyz7890\ndone\n") + s.end();
    assert.equal(first + rest, `key: ${MASK}\ndone\n`);
  });

  it("cuts a line longer than the hold limit without cutting through a secret", () => {
    const r = redactorWith(CANARY);
    const filler = "word ".repeat(200);
    const line = `${filler}${CANARY} ${filler}${CANARY}${filler}`;
    for (const step of [7, 64, 333, 1000]) {
      const s = new StreamRedactor(r, 300);
      const chunks: string[] = [];
      for (let i = 0; i < line.length; i += step) chunks.push(line.slice(i, i + step));
      const pieces = chunks.map((c) => s.push(c));
      const out = pieces.join("") + s.end();
      assert.ok(pieces.some((p) => p.length > 0), "a long line is released before its end");
      assert.ok(!out.includes(CANARY), `step ${step}`);
      assert.equal(out, r.redact(line), `step ${step}`);
    }
  });

  it("keeps a credential word and its value together across a long-line cut", () => {
    const r = new Redactor();
    const line = `${"x ".repeat(400)}Authorization: token ${HEX_TOKEN} ${"y ".repeat(400)}`;
    for (let i = 0; i < line.length; i += 97) {
      const s = new StreamRedactor(r, 300);
      const out = s.push(line.slice(0, i)) + s.push(line.slice(i)) + s.end();
      assert.ok(!out.includes(HEX_TOKEN), `split at ${i}`);
    }
  });
});

describe("pattern redaction keeps prose after a secret's name", () => {
  it("masks `name_token: <credential>` but not `name_token: missing` in an error message", () => {
    assert.equal(redactPatterns("settings: forge_token: missing; set it"), "settings: forge_token: missing; set it");
    assert.equal(redactPatterns("forge_token: 9f8e7d6c5b4a"), "forge_token: ********");
    assert.equal(redactPatterns('"api_key": "abcdefghijklmnopqrstuvwx"'), '"api_key": "********"');
    assert.equal(redactPatterns("FORGE_TOKEN=missing"), "FORGE_TOKEN=********");
  });
});
