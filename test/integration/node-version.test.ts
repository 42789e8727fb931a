// On a Node older than package.json's engines.node, every bundle and `npm test` stop before
// loading anything that would fail there, with exit 2 and one sentence: the Node needed, the
// Node found, how to get one. Run with a real older Node from this machine (the distribution's
// /usr/bin/node is often one); skipped, saying so, when there is none.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } };
const MINIMUM = pkg.engines.node.replace(/^>=/, "");

function older(a: string, b: string): boolean {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < 3; i++) if ((x?.[i] ?? 0) !== (y?.[i] ?? 0)) return (x?.[i] ?? 0) < (y?.[i] ?? 0);
  return false;
}

/** A node binary on this machine older than the minimum, with its version. */
function olderNode(): { path: string; version: string } | undefined {
  const candidates = new Set(["/usr/bin/node", "/usr/local/bin/node", ...(process.env.PATH ?? "").split(delimiter).map((d) => join(d, "node"))]);
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    try {
      const version = execFileSync(path, ["-p", "process.versions.node"], { encoding: "utf8", timeout: 10_000 }).trim();
      if (older(version, MINIMUM)) return { path, version };
    } catch {
      // not a runnable node
    }
  }
  return undefined;
}

const old = olderNode();
const skip = old ? false : `no Node older than ${MINIMUM} on this machine to run the bundles with`;
const npm = old ? [dirname(old.path), ...(process.env.PATH ?? "").split(delimiter)].map((d) => join(d, "npm")).find((p) => existsSync(p)) : undefined;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The one sentence, for `what` run by the older node. */
function sentence(what: string): RegExp {
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${esc(what)} needs Node\\.js ${esc(MINIMUM)} or newer but found Node\\.js ${esc(old?.version ?? "")} \\(${esc(old?.path ?? "")}\\): install a current Node\\.js \\(https://nodejs\\.org/\\S+, or \`nvm install --lts\`\\) and run it with that\\.\\n$`);
}

describe(`on a Node older than ${MINIMUM}`, () => {
  const bundles = readdirSync(join(ROOT, "bundles")).filter((f) => f.endsWith(".mjs"));

  it("there are bundles to try", () => {
    assert.ok(bundles.includes("cli.mjs") && bundles.length >= 3, bundles.join(", "));
  });

  for (const bundle of bundles) {
    it(`bundles/${bundle} exits 2 with one sentence`, { skip }, async () => {
      const r = await run(old!.path, [join("bundles", bundle), ...(bundle === "cli.mjs" ? ["demo"] : [])]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, sentence("disinto"));
    });
  }

  it("the test entry (node test/run.mjs) exits 2 with one sentence", { skip }, async () => {
    const r = await run(old!.path, ["test/run.mjs"]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, sentence("npm test"));
  });

  it("npm test says the same", { skip: skip || (npm === undefined ? "no npm beside the older Node" : false) }, async () => {
    // npm itself and the node it starts are the older one, as on a machine that has only it.
    const r = await run(npm!, ["test", "--silent"], { ...process.env, PATH: `${dirname(old!.path)}${delimiter}${process.env.PATH ?? ""}` });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, sentence("npm test"));
  });
});
