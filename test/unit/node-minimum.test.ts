// One Node minimum everywhere: package.json's engines.node is the highest that the runtime
// dependencies declare (what the bundles carry), and README, .ci/run and the version check
// itself all go by it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { minimumFromEngines, nodeVersionMessage, olderThan } from "../../src/build/node-version.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Manifest { name?: string; engines?: { node?: string }; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
const MINIMUM = minimumFromEngines(manifest(ROOT).engines?.node);

/** The lowest Node version a range admits: the least of its `||` alternatives' `>=` bounds. */
function lowestAdmitted(range: string): string | undefined {
  const bounds = range.split("||").map((alt) => /(?:>=|\^|~)\s*v?(\d+(?:\.\d+){0,2})/.exec(alt)?.[1]);
  if (bounds.some((b) => b === undefined)) return undefined;
  const full = (bounds as string[]).map((b) => [...b.split("."), "0", "0"].slice(0, 3).join("."));
  return full.reduce((a, b) => (olderThan(b, a) ? b : a));
}

/** Every package the runtime dependencies pull in, resolved the way Node does (nested node_modules first). */
function runtimeTree(): Map<string, Manifest> {
  const found = new Map<string, Manifest>();
  const visit = (fromDir: string, name: string): void => {
    for (let dir = fromDir; ; dir = join(dir, "..", "..")) {
      const candidate = join(dir, "node_modules", name);
      if (existsSync(join(candidate, "package.json"))) {
        if (found.has(candidate)) return;
        const m = manifest(candidate);
        found.set(candidate, m);
        for (const dep of Object.keys({ ...m.dependencies, ...m.optionalDependencies })) visit(candidate, dep);
        return;
      }
      if (dir === ROOT || !dir.startsWith(ROOT)) return; // an optional dependency not installed here
    }
  };
  for (const dep of Object.keys(manifest(ROOT).dependencies ?? {})) visit(ROOT, dep);
  return found;
}

describe("the Node minimum", () => {
  it("is the highest that a runtime dependency declares", () => {
    let highest = "0.0.0";
    let who = "";
    const tree = runtimeTree();
    assert.ok(tree.size >= 7, `only ${tree.size} packages found`);
    for (const [dir, m] of tree) {
      const range = m.engines?.node;
      if (range === undefined) continue;
      const lowest = lowestAdmitted(range);
      assert.ok(lowest !== undefined, `${dir}: engines.node ${JSON.stringify(range)} has no lower bound this test can read`);
      if (olderThan(highest, lowest)) [highest, who] = [lowest, `${m.name ?? dir} (${range})`];
    }
    assert.equal(MINIMUM, highest, `package.json engines.node must be ">=${highest}", what ${who} needs`);
  });

  it("is the one README names", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const named = [...readme.matchAll(/Node(?:\.js)? ?(?:≥|>=) ?(\d+(?:\.\d+)*)/g)].map((m) => m[1]);
    assert.ok(named.length >= 2, "README states the Node it needs");
    for (const v of named) assert.equal([...(v ?? "").split("."), "0", "0"].slice(0, 3).join("."), MINIMUM, `README says Node ≥ ${v}; the minimum is ${MINIMUM}`);
  });

  it(".ci/run provisions by package.json, not by a number of its own", () => {
    const script = readFileSync(join(ROOT, ".ci/run"), "utf8");
    assert.match(script, /require\("\.\/package\.json"\)\.engines\.node/);
    const wanted = /^NODE_WANTED=(\d+\.\d+\.\d+)/m.exec(script)?.[1];
    assert.ok(wanted !== undefined && !olderThan(wanted, MINIMUM), `.ci/run installs Node ${wanted ?? "?"}, older than ${MINIMUM}`);
  });
});

describe("the version check", () => {
  it("compares versions numerically, part by part", () => {
    assert.equal(olderThan("20.20.2", "22.19.0"), true);
    assert.equal(olderThan("22.18.9", "22.19.0"), true);
    assert.equal(olderThan("22.19.0", "22.19.0"), false);
    assert.equal(olderThan("22.100.0", "22.19.0"), false);
    assert.equal(olderThan("24.0.0", "22.19.0"), false);
    assert.equal(olderThan("9.11.2", "22.19.0"), true);
  });

  it("reads engines.node only in the form >=X.Y.Z, naming the value otherwise", () => {
    assert.equal(minimumFromEngines(">=22.19.0"), "22.19.0");
    assert.equal(minimumFromEngines(" >= 22.19.0 "), "22.19.0");
    for (const bad of [">=22", "^22.19.0", undefined, ">=22.19.0 <25"]) assert.throws(() => minimumFromEngines(bad), /package\.json engines\.node must be ">=X\.Y\.Z", got /);
  });

  it("says in one sentence what is needed, what was found and how to get it", () => {
    const s = nodeVersionMessage("disinto", "22.19.0", "20.20.2", "/usr/bin/node");
    assert.equal(s.split("\n").length, 1);
    assert.match(s, /^disinto needs Node\.js 22\.19\.0 or newer but found Node\.js 20\.20\.2 \(\/usr\/bin\/node\): install .*https:\/\/nodejs\.org.*\.$/);
  });
});
