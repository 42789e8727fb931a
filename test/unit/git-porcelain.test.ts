// Parsers of git's machine-readable output, the remote URL rule, and the environment every git
// child gets. Inputs are git's documented formats (captured from git 2.39).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseLog, parseLsRemote, parseNamesZ, parsePushPorcelain, parseStatusZ } from "../../src/git/porcelain.ts";
import { parseRemoteUrl, GitUrlError } from "../../src/git/index.ts";
import { baseConfig, credentialConfig, gitEnv, SECRET_VAR } from "../../src/git/env.ts";

describe("git porcelain parsers", () => {
  it("status -z: every path, both sides of renames and copies, untracked and deleted", () => {
    const out = " M src/a.ts\0R  new name.txt\0old name.txt\0D  gone.md\0?? dir/untracked file\0C  copy.txt\0orig.txt\0AM added.ts\0";
    assert.deepEqual(parseStatusZ(out), ["src/a.ts", "new name.txt", "old name.txt", "gone.md", "dir/untracked file", "copy.txt", "orig.txt", "added.ts"]);
    assert.deepEqual(parseStatusZ(""), []);
  });

  it("name lists (-z) keep odd characters and drop duplicates", () => {
    assert.deepEqual(parseNamesZ("a\0b c\0a\0tab\there\0"), ["a", "b c", "tab\there"]);
  });

  it("push --porcelain: flags, refs, summary and reason", () => {
    const out = [
      "To http://127.0.0.1:1/o/r.git",
      "!\tHEAD:refs/heads/main\t[rejected] (non-fast-forward)",
      "!\tHEAD:refs/heads/prot\t[remote rejected] (pre-receive hook declined)",
      "*\tHEAD:refs/heads/new\t[new branch]",
      " \tHEAD:refs/heads/ff\tabc1234..def5678",
      "+\tHEAD:refs/heads/forced\tabc1234...def5678 (forced update)",
      "Done",
    ].join("\n");
    assert.deepEqual(parsePushPorcelain(out), [
      { flag: "!", from: "HEAD", to: "refs/heads/main", summary: "[rejected]", reason: "non-fast-forward" },
      { flag: "!", from: "HEAD", to: "refs/heads/prot", summary: "[remote rejected]", reason: "pre-receive hook declined" },
      { flag: "*", from: "HEAD", to: "refs/heads/new", summary: "[new branch]", reason: "" },
      { flag: " ", from: "HEAD", to: "refs/heads/ff", summary: "abc1234..def5678", reason: "" },
      { flag: "+", from: "HEAD", to: "refs/heads/forced", summary: "abc1234...def5678", reason: "forced update" },
    ]);
  });

  it("ls-remote and log", () => {
    const sha = "a".repeat(40);
    assert.equal(parseLsRemote(`${sha}\trefs/heads/main\n${"b".repeat(40)}\trefs/heads/x/main\n`).get("refs/heads/main"), sha);
    assert.deepEqual(parseLog(`${sha}\x1ffix: a\0\n${"c".repeat(40)}\x1f#12: b\0`), [
      { sha, subject: "fix: a" },
      { sha: "c".repeat(40), subject: "#12: b" },
    ]);
    assert.deepEqual(parseLog(""), []);
  });
});

describe("remote URLs", () => {
  it("accepts clean http(s) URLs and keeps the origin for the credential scope", () => {
    assert.deepEqual(parseRemoteUrl("http://127.0.0.1:3000/owner/repo.git"), { href: "http://127.0.0.1:3000/owner/repo.git", origin: "http://127.0.0.1:3000" });
    assert.equal(parseRemoteUrl("https://forge.example/o/r").origin, "https://forge.example");
  });

  it("refuses URLs with credentials without repeating them", () => {
    for (const url of ["http://dev-bot:s3cr3t-token@forge/o/r.git", "https://tok3n-only@forge/o/r.git"]) {
      assert.throws(
        () => parseRemoteUrl(url),
        (err: unknown) => err instanceof GitUrlError && /embeds credentials/.test(err.message) && !err.message.includes("s3cr3t") && !err.message.includes("tok3n"),
      );
    }
  });

  it("refuses other schemes, queries and URLs without a repository", () => {
    for (const url of ["ssh://git@forge/o/r.git", "ext::sh -c evil", "file:///tmp/r", "not a url", "http://forge/", "http://forge/o/r.git?x=1"]) {
      assert.throws(() => parseRemoteUrl(url), GitUrlError, url);
    }
  });
});

describe("git child environment", () => {
  it("is an allowlist: parent secrets and git settings do not pass, HOME is the private one", () => {
    const env = gitEnv("/tmp/home-x", {
      PATH: "/bin",
      FORGE_TOKEN: "t",
      GIT_ASKPASS: "/x",
      GIT_DIR: "/elsewhere",
      SSH_ASKPASS: "/y",
      HTTPS_PROXY: "http://p",
      TZ: "UTC",
      SSL_CERT_FILE: "/ca.pem",
    });
    assert.deepEqual(Object.keys(env).sort(), [
      "GIT_CONFIG_GLOBAL",
      "GIT_CONFIG_NOSYSTEM",
      "GIT_EDITOR",
      "GIT_OPTIONAL_LOCKS",
      "GIT_PAGER",
      "GIT_TERMINAL_PROMPT",
      "HOME",
      "LANG",
      "LC_ALL",
      "PATH",
      "SSL_CERT_FILE",
      "TZ",
    ]);
    assert.equal(env.HOME, "/tmp/home-x");
    assert.equal(env.GIT_TERMINAL_PROMPT, "0");
    assert.equal(env.GIT_CONFIG_NOSYSTEM, "1");
    assert.equal(gitEnv("/h", {}).PATH, "/usr/local/bin:/usr/bin:/bin");
  });

  it("config overrides disable hooks and reset helpers; the credential helper names variables, not values", () => {
    const cfg = baseConfig({ name: "Dev", email: "dev@x" }).join(" ");
    assert.match(cfg, /-c core\.hooksPath=\/dev\/null/);
    assert.match(cfg, /-c credential\.helper= /);
    assert.match(cfg, /-c core\.askPass= /);
    assert.match(cfg, /-c user\.name=Dev -c user\.email=dev@x/);
    const cred = credentialConfig("http://h:1", "http://h:1/o/r.git");
    assert.equal(cred[1]?.startsWith("credential.http://h:1.helper=!"), true);
    assert.ok(cred.join(" ").includes(`$${SECRET_VAR}`));
  });
});
