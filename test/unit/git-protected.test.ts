// Protected-path globs: what the dev agent may not change without the permission label.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { matchesProtected, protectedChanges } from "../../src/git/index.ts";

describe("matchesProtected", () => {
  it("`dir/**` covers everything below the folder, at any depth, and the folder name itself", () => {
    const p = [".woodpecker/**"];
    assert.ok(matchesProtected(".woodpecker/ci.yml", p));
    assert.ok(matchesProtected(".woodpecker/nested/deep/x.yaml", p));
    assert.ok(matchesProtected(".woodpecker", p)); // a file that replaced the folder
    assert.ok(!matchesProtected(".woodpecker.yml", p));
    assert.ok(!matchesProtected("src/.woodpecker/ci.yml", p)); // patterns are rooted
    assert.ok(!matchesProtected("woodpecker/ci.yml", p));
  });

  it("`*` stays in one segment and matches dotfiles; `?` is one character", () => {
    assert.ok(matchesProtected("ci.yml", ["*.yml"]));
    assert.ok(matchesProtected(".hidden.yml", ["*.yml"]));
    assert.ok(!matchesProtected("deploy/ci.yml", ["*.yml"]));
    assert.ok(!matchesProtected("ci.yaml", ["*.yml"]));
    assert.ok(matchesProtected("deploy/prod.yml", ["deploy/*.yml"]));
    assert.ok(!matchesProtected("deploy/eu/prod.yml", ["deploy/*.yml"]));
    assert.ok(matchesProtected("v1.txt", ["v?.txt"]));
    assert.ok(!matchesProtected("v10.txt", ["v?.txt"]));
    assert.ok(!matchesProtected("v/.txt", ["v?.txt"]));
  });

  it("`**/` matches zero or more folders; `**` inside a segment crosses folders", () => {
    const p = ["**/*.yml"];
    assert.ok(matchesProtected("ci.yml", p));
    assert.ok(matchesProtected("a/b/c/ci.yml", p));
    assert.ok(!matchesProtected("a/b/ci.yaml", p));
    assert.ok(matchesProtected("docs/a/b/secret.pem", ["docs/**.pem"]));
    assert.ok(matchesProtected("x/Dockerfile", ["**/Dockerfile"]));
    assert.ok(matchesProtected("a/b/infra/main.tf", ["**/infra/**"]));
    assert.ok(!matchesProtected("a/b/infrastructure/main.tf", ["**/infra/**"]));
  });

  it("a pattern naming a folder protects its contents; leading ./ and / and trailing / are ignored", () => {
    assert.ok(matchesProtected("deploy/k8s/app.yaml", ["deploy"]));
    assert.ok(matchesProtected("deploy/k8s/app.yaml", ["deploy/"]));
    assert.ok(matchesProtected("deploy/k8s/app.yaml", ["/deploy/k8s"]));
    assert.ok(matchesProtected("./deploy/x", ["./deploy/**"]));
    assert.ok(!matchesProtected("deployment/x", ["deploy"]));
  });

  it("{a,b} alternation; regex characters are literal", () => {
    const p = ["{.woodpecker,.github}/**"];
    assert.ok(matchesProtected(".github/workflows/ci.yml", p));
    assert.ok(matchesProtected(".woodpecker/x.yml", p));
    assert.ok(!matchesProtected(".gitlab/x.yml", p));
    assert.ok(matchesProtected("a+b(1).txt", ["a+b(1).txt"]));
    assert.ok(!matchesProtected("aab(1).txt", ["a+b(1).txt"]));
    assert.ok(matchesProtected("weird[1].md", ["weird[1].md"]));
    assert.ok(!matchesProtected("weird1.md", ["weird[1].md"]));
  });

  it("is case-sensitive, and empty patterns or paths match nothing", () => {
    assert.ok(!matchesProtected(".Woodpecker/ci.yml", [".woodpecker/**"]));
    assert.ok(!matchesProtected("anything", []));
    assert.ok(!matchesProtected("anything", ["", "  "]));
    assert.ok(!matchesProtected("", ["**"]));
    assert.ok(matchesProtected("any/thing", ["**"]));
  });
});

describe("protectedChanges", () => {
  it("returns the protected paths in order without duplicates", () => {
    const changed = ["src/a.ts", ".woodpecker/ci.yml", "ci.yml", "src/conf.yml", ".woodpecker/ci.yml", "README.md"];
    assert.deepEqual(protectedChanges(changed, [".woodpecker/**", "*.yml"]), [".woodpecker/ci.yml", "ci.yml"]);
    assert.deepEqual(protectedChanges(changed, []), []);
    assert.deepEqual(protectedChanges([], [".woodpecker/**"]), []);
  });

  it("a rename out of a protected folder is caught by its old path", () => {
    // changedPaths and diffNames list both sides of a rename.
    assert.deepEqual(protectedChanges(["ci.yaml", ".woodpecker/ci.yaml"], [".woodpecker/**"]), [".woodpecker/ci.yaml"]);
    assert.deepEqual(protectedChanges([".woodpecker/new.yml", "old.txt"], [".woodpecker/**"]), [".woodpecker/new.yml"]);
  });
});
