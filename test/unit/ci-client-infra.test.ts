// The infrastructure-failure classifier on realistic step logs: what a retrigger fixes
// (network, registry, OOM, git transport) versus what only a code change fixes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyInfra, describeExitCode } from "../../src/ci/infra.ts";

const lines = (s: string): string[] => s.trim().split("\n");

describe("classifyInfra: infrastructure", () => {
  it("clone step exit 128 (forge unreachable)", () => {
    const log = lines(`
+ git init --object-format sha1 -b main
Initialized empty Git repository in /woodpecker/src/forge.example/acme/widget/.git/
+ git config --global --replace-all safe.directory /woodpecker/src/forge.example/acme/widget
+ git remote add origin https://forge.example/acme/widget.git
+ git fetch --no-tags --depth=1 --filter=tree:0 origin +3f2a9c1e:
fatal: unable to access 'https://forge.example/acme/widget.git/': Failed to connect to forge.example port 443 after 130977 ms: Couldn't connect to server
exit status 128`);
    const v = classifyInfra({ name: "clone", exitCode: 128, type: "clone" }, log);
    assert.equal(v.infra, true);
    assert.match(v.reason ?? "", /exit 128/);
  });

  it("a clone step is recognised by name when the type is unknown (2.x)", () => {
    assert.equal(classifyInfra({ name: "git-clone", exitCode: 128 }, []).infra, true);
    assert.equal(classifyInfra({ name: "clone", exitCode: 128 }, []).infra, true);
  });

  it("exit 137 in any step (OOM killer)", () => {
    const log = lines(`
> widget@1.0.0 build
> tsc -p . && esbuild src/index.ts --bundle --outfile=dist/index.js
Killed`);
    const v = classifyInfra({ name: "build", exitCode: 137, type: "commands" }, log);
    assert.deepEqual(v, { infra: true, reason: "exit 137: killed (out of memory or SIGKILL)" });
  });

  it("registry rate limit", () => {
    const v = classifyInfra({ name: "test", exitCode: 1, type: "commands", error: "" }, [
      "Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit",
    ]);
    assert.equal(v.infra, true);
    assert.match(v.reason ?? "", /^container registry rate limit: /);
  });

  it("image pull timeout reported in the step's error field", () => {
    const v = classifyInfra(
      { name: "lint", exitCode: 0, type: "commands", error: 'Error response from daemon: Get "https://registry-1.docker.io/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)' },
      [],
    );
    assert.equal(v.infra, true);
    assert.match(v.reason ?? "", /^container image pull failed/);
  });

  it("docker pull timeout in the log (original rule)", () => {
    assert.match(classifyInfra({ name: "e2e", exitCode: 1 }, ["+ docker pull postgres:16", "docker pull failed: timeout awaiting response headers"]).reason ?? "", /image pull/);
  });

  it("TLS handshake timeout (go modules)", () => {
    const v = classifyInfra({ name: "test", exitCode: 1 }, [
      "go: downloading github.com/stretchr/testify v1.9.0",
      'go: github.com/stretchr/testify@v1.9.0: Get "https://proxy.golang.org/github.com/stretchr/testify/@v/v1.9.0.mod": net/http: TLS handshake timeout',
    ]);
    assert.match(v.reason ?? "", /^TLS handshake timeout/);
  });

  it("DNS failures", () => {
    for (const line of [
      "fatal: unable to access 'https://forge.example/acme/lib.git/': Could not resolve host: forge.example",
      "ssh: Could not resolve hostname forge.example: Temporary failure in name resolution",
      "npm error request to https://registry.npmjs.org/zod failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org",
      'Error: dial tcp: lookup registry.example on 127.0.0.11:53: no such host',
    ]) {
      const v = classifyInfra({ name: "install", exitCode: 1 }, ["running", line]);
      assert.equal(v.infra, true, line);
    }
  });

  it("connection timeouts (original rule)", () => {
    assert.match(classifyInfra({ name: "deps", exitCode: 1 }, ["curl: (28) Failed to connect to example.org port 443 after 129000 ms: Connection timed out"]).reason ?? "", /timed out/);
    assert.match(classifyInfra({ name: "deps", exitCode: 2 }, ["dial tcp 10.0.0.5:5432: i/o timeout"]).reason ?? "", /timed out/);
  });

  it("Failed to connect (original rule)", () => {
    assert.equal(classifyInfra({ name: "publish", exitCode: 7 }, ["curl: (7) Failed to connect to ci-cache.internal port 9000 after 2 ms: Couldn't connect to server"]).infra, true);
  });

  it("git transport interrupted while pushing or fetching in a step", () => {
    const v = classifyInfra({ name: "mirror", exitCode: 128, type: "commands" }, ["error: RPC failed; HTTP 502 curl 22 The requested URL returned error: 502", "fatal: the remote end hung up unexpectedly"]);
    assert.match(v.reason ?? "", /^git transfer interrupted/);
  });

  it("npm registry network errors", () => {
    assert.equal(classifyInfra({ name: "install", exitCode: 1 }, ["npm error code ECONNRESET", "npm error network aborted"]).infra, true);
    assert.equal(classifyInfra({ name: "install", exitCode: 1 }, ["npm ERR! network request to https://registry.npmjs.org/x failed"]).infra, true);
  });

  it("runner disk full", () => {
    assert.match(classifyInfra({ name: "build", exitCode: 1 }, ["write /woodpecker/src/dist/app.js: no space left on device"]).reason ?? "", /disk full/);
  });
});

describe("classifyInfra: code failures", () => {
  it("failing unit tests", () => {
    const log = lines(`
> widget@1.0.0 test
> node --test
✖ login rejects an empty password (2.1ms)
  AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:
  401 !== 200
ℹ tests 42
ℹ fail 1`);
    assert.deepEqual(classifyInfra({ name: "test", exitCode: 1, type: "commands" }, log), { infra: false });
  });

  it("test timeouts are not network timeouts", () => {
    const log = ["  1) api", "     returns the user:", "     Error: Timeout of 2000ms exceeded. For async tests and hooks, ensure \"done()\" is called", "AssertionError: expected timeout to be 30"];
    assert.equal(classifyInfra({ name: "test", exitCode: 1 }, log).infra, false);
  });

  it("compile errors, missing commands and lint failures", () => {
    assert.equal(classifyInfra({ name: "typecheck", exitCode: 2 }, ["src/login.ts(14,7): error TS2322: Type 'string' is not assignable to type 'number'."]).infra, false);
    assert.equal(classifyInfra({ name: "lint", exitCode: 127 }, ["/bin/sh: 1: eslint: not found"]).infra, false);
  });

  it("a wrong image name or tag is configuration, not infrastructure", () => {
    assert.equal(classifyInfra({ name: "test", exitCode: 0, error: "Error response from daemon: manifest for node:99 not found: manifest unknown: manifest unknown" }, []).infra, false);
    assert.equal(classifyInfra({ name: "test", exitCode: 0, error: "Error response from daemon: pull access denied for acme/private, repository does not exist or may require 'docker login'" }, []).infra, false);
  });

  it("exit 128 outside a clone step is not infrastructure by itself", () => {
    assert.equal(classifyInfra({ name: "release", exitCode: 128, type: "commands" }, ["fatal: not a git repository (or any of the parent directories): .git"]).infra, false);
  });

  it("is pure: same verdict twice, input untouched", () => {
    const log = ["fatal: the remote end hung up unexpectedly"];
    const copy = [...log];
    const a = classifyInfra({ name: "x", exitCode: 1 }, log);
    const b = classifyInfra({ name: "x", exitCode: 1 }, log);
    assert.deepEqual(a, b);
    assert.deepEqual(log, copy);
  });
});

describe("describeExitCode", () => {
  it("annotates the codes a CI-fix prompt should explain", () => {
    assert.equal(describeExitCode(127), "command not found");
    assert.equal(describeExitCode(126), "command found but not executable");
    assert.match(describeExitCode(137), /SIGKILL/);
    assert.equal(describeExitCode(1), "");
  });
});
