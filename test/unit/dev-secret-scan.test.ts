// The secret scan the dev agent runs over a change before it pushes: added lines only, every
// encoded form of a value the run knows, token shapes beyond doubt — and findings that name the
// file, never the value.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { describeFindings, scanDiff } from "../../src/agents/dev/secret-scan.ts";

const CANARY = "canary-6f1d0c9a-forge-token-value";

function diff(file: string, added: string[], removed: string[] = []): string {
  return [`diff --git a/${file} b/${file}`, "index 1111111..2222222 100644", `--- a/${file}`, `+++ b/${file}`, "@@ -1 +1 @@", ...removed.map((l) => `-${l}`), ...added.map((l) => `+${l}`), ""].join("\n");
}

describe("scanDiff", () => {
  it("finds a known value added to a file, in plain, JSON-escaped, URL-encoded and base64 form, and names only the file", () => {
    const withQuote = `${CANARY}"/x`;
    const forms = [CANARY, JSON.stringify(withQuote).slice(1, -1), encodeURIComponent(withQuote), Buffer.from(CANARY).toString("base64")];
    for (const [i, form] of forms.entries()) {
      const found = scanDiff(diff(`src/f${i}.js`, ["const ok = 1;", `const x = "${form}";`]), [CANARY, withQuote]);
      assert.deepEqual(found, [{ file: `src/f${i}.js`, kind: "a known secret value" }], form);
      assert.doesNotMatch(describeFindings(found), new RegExp(CANARY));
    }
  });

  it("ignores removed lines, context-free headers and values it was not told about", () => {
    assert.deepEqual(scanDiff(diff("a.txt", ["nothing here"], [CANARY]), [CANARY]), []);
    assert.deepEqual(scanDiff(diff("a.txt", [CANARY]), []), []);
    // an added line that starts with "++" is content, not a header
    assert.deepEqual(scanDiff(diff("a.txt", [`++ ${CANARY}`]), [CANARY]), [{ file: "a.txt", kind: "a known secret value" }]);
  });

  it("finds high-confidence token shapes nobody registered: a GitHub token, an AWS key id, a private key", () => {
    const gh = `ghp_${"a1B2c3D4e5".repeat(4)}`;
    const found = scanDiff([diff("config/ci.env", [`TOKEN=${gh}`]), diff("keys/id", ["-----BEGIN OPENSSH PRIVATE KEY-----"]), diff("aws.txt", ["AKIAABCDEFGHIJKLMNOP"])].join("\n"), []);
    assert.deepEqual(found, [
      { file: "config/ci.env", kind: "a GitHub token" },
      { file: "keys/id", kind: "a private key" },
      { file: "aws.txt", kind: "an AWS access key id" },
    ]);
    // ordinary code is not a token: short prefixes, commit shas, assignments of placeholders
    assert.deepEqual(scanDiff(diff("src/x.js", ['const sha = "3f786850e387550fdab836ed7e6dc881de23001b";', "const TOKEN = process.env.TOKEN;", 'const p = "ghp_short";']), []), []);
  });

  it("names a new binary-ish file and a file whose name carries the value", () => {
    const bin = [`diff --git a/blob.bin b/blob.bin`, "new file mode 100644", "index 0000000..3333333", "--- /dev/null", "+++ b/blob.bin", "@@ -0,0 +1 @@", `+\u0000\u0001${CANARY}\u0002`].join("\n");
    assert.deepEqual(scanDiff(bin, [CANARY]), [{ file: "blob.bin", kind: "a known secret value" }]);
    const named = [`diff --git a/x-${CANARY} b/x-${CANARY}`, "new file mode 100644", "--- /dev/null", `+++ b/x-${CANARY}`, "@@ -0,0 +1 @@", "+hello"].join("\n");
    assert.equal(scanDiff(named, [CANARY]).length, 1);
  });
});
