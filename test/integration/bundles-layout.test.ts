// The bundles' layout, built fresh into temporary directories by the real build script:
// a small launcher per entrypoint, every module (ours and the dependencies') in exactly one
// chunk, what every agent loads at start in one core chunk that `--version` does not load,
// byte-for-byte the same build from anywhere, and a freshness check that names a stale, a
// missing and an extra file.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { appendFile, cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BUILD = join(ROOT, "src/build/bundle.ts");

function run(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function files(dir: string): Promise<string[]> {
  const top = (await readdir(dir)).filter((f) => f.endsWith(".mjs"));
  const chunks = (await readdir(join(dir, "chunks"))).map((f) => `chunks/${f}`);
  return [...top, ...chunks].sort();
}

/** Our and the dependencies' modules in a chunk: esbuild marks where each starts with a `// <path>` line. */
function modulesIn(text: string): string[] {
  return [...text.matchAll(/^\/\/ ((?:src|node_modules)\/\S+)$/gm)].map((m) => m[1] as string);
}

/** `chunk` and every chunk it imports statically (what loads before it runs). */
async function staticChunks(chunk: string, seen = new Set<string>()): Promise<string[]> {
  if (seen.has(chunk)) return [];
  seen.add(chunk);
  const text = await readFile(join(built, "chunks", chunk), "utf8");
  for (const m of text.matchAll(/^(?:import\s+(?:[^"]*?\s+from\s+)?|\}\s*from\s+)"\.\/([^"]+\.mjs)";$/gm)) await staticChunks(m[1] as string, seen);
  return [...seen];
}

let tmp: string;
let built: string;
let entries: string[];
let minimum: string;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "bundles-layout-"));
  built = join(tmp, "a");
  const r = await run([BUILD, "--out", built]);
  assert.equal(r.code, 0, r.stderr);
  entries = (await readdir(join(ROOT, "src/entrypoints"))).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3));
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } };
  minimum = pkg.engines.node.replace(/^>=/, "");
});
after(async () => rm(tmp, { recursive: true, force: true }));

describe("bundles/", () => {
  it("has a launcher per entrypoint that checks the Node version, then imports its chunk", async () => {
    const top = (await readdir(built)).filter((f) => f.endsWith(".mjs")).sort();
    assert.deepEqual(top, entries.map((e) => `${e}.mjs`).sort());
    for (const e of entries) {
      const launcher = await readFile(join(built, `${e}.mjs`), "utf8");
      assert.ok(launcher.length < 4096, `${e}.mjs is ${launcher.length} bytes, not a launcher`);
      assert.ok(launcher.startsWith("#!/usr/bin/env node\n"));
      const check = launcher.indexOf(`requireNode("disinto", "${minimum}")`);
      const load = launcher.indexOf(`import("./chunks/${e}.mjs")`);
      assert.ok(check > 0 && load > check, `${e}.mjs must check Node ${minimum} before it imports its chunk:\n${launcher}`);
      assert.doesNotMatch(launcher, /^import /m, "no static import: it would load before the check");
      assert.ok((await stat(join(built, "chunks", `${e}.mjs`))).isFile());
      assert.equal((await stat(join(built, `${e}.mjs`))).mode & 0o111, 0o111, "launchers are executable");
    }
  });

  it("holds each module once in chunks/", async () => {
    const where = new Map<string, string[]>();
    for (const f of (await files(built)).filter((f) => f.startsWith("chunks/"))) {
      for (const m of new Set(modulesIn(await readFile(join(built, f), "utf8")))) where.set(m, [...(where.get(m) ?? []), f]);
    }
    assert.ok([...where.keys()].some((m) => m.startsWith("node_modules/undici/")), "undici is bundled");
    assert.ok([...where.keys()].some((m) => m.startsWith("src/agents/dev/")), "the dev agent is bundled");
    const copies = [...where].filter(([, fs]) => fs.length > 1);
    assert.deepEqual(copies, [], "a module in more than one file");
  });

  it("puts what every agent loads at start (ours and the dependencies') in one core chunk, which the CLI does not load", async () => {
    const agents = entries.filter((e) => e !== "cli");
    const loads = await Promise.all(agents.map((e) => staticChunks(`${e}.mjs`)));
    const byChunk = new Map<string, string>();
    for (const chunk of new Set(loads.flat())) for (const m of modulesIn(await readFile(join(built, "chunks", chunk), "utf8"))) byChunk.set(m, chunk);
    const cli = await staticChunks("cli.mjs");
    // (what the CLI loads too is shared with it, apart)
    const everywhere = [...byChunk.keys()].filter((m) => loads.every((l) => l.includes(byChunk.get(m) as string)) && !cli.includes(byChunk.get(m) as string));
    for (const m of ["src/config/project.ts", "src/forge/forgejo/forge.ts", "src/agents/runtime.ts", "node_modules/zod/v4/core/schemas.js"]) {
      assert.ok(everywhere.includes(m), `${m}: not loaded by every agent entry; the test reads the wrong files`);
    }
    const homes = new Set(everywhere.map((m) => byChunk.get(m)));
    assert.equal(homes.size, 1, `the modules every agent loads are spread over ${[...homes].join(", ")}`);
    const [core] = homes as Set<string>;
    assert.ok(!cli.includes(core as string), "the CLI's --version loads the core");
  });

  it("starts `--version` from a copy holding only the bundles, without loading Node's HTTP stack", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
    const hook = 'data:text/javascript,process.on("exit",()=>process.stderr.write("loaded:"+process.moduleLoadList.filter((m)=>/^NativeModule (http|_http|https|zlib)/.test(m)).join(",")+"\\n"))';
    const r = await run(["--import", hook, join(built, "cli.mjs"), "--version"], tmp);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), pkg.version);
    assert.equal(r.stderr.trim(), "loaded:", "lazy builtins: --version needs neither HTTP nor zlib");
  });

  it("compiles through the cache DISINTO_COMPILE_CACHE names (the plugin image's), with the same result", async () => {
    const cache = join(tmp, "compile-cache");
    const start = (): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(process.execPath, [join(built, "dev.mjs")], { cwd: tmp, env: { PATH: process.env.PATH ?? "", HOME: tmp, DISINTO_COMPILE_CACHE: cache } }, (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
        });
      });
    const cold = await start();
    assert.equal(cold.code, 2, cold.stderr);
    assert.match(cold.stdout + cold.stderr, /forge_url: missing/);
    const entries = await readdir(cache, { recursive: true });
    assert.ok(entries.length > 0, "nothing was cached");
    const warm = await start();
    assert.deepEqual({ ...warm, stdout: warm.stdout.replace(/ · [\d.]+s/, "") }, { ...cold, stdout: cold.stdout.replace(/ · [\d.]+s/, "") });
  });

  it("is the same, byte for byte, when built from another directory", async () => {
    const again = join(tmp, "b");
    const r = await run([BUILD, "--out", again], tmpdir());
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await files(again), await files(built));
    for (const f of await files(built)) assert.ok((await readFile(join(again, f))).equals(await readFile(join(built, f))), `${f} differs`);
  });

  it("--check names a stale, a missing and an extra file; a build puts it right", async () => {
    const dir = join(tmp, "c");
    await cp(built, dir, { recursive: true });
    const ok = await run([BUILD, "--out", dir, "--check"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`^bundles: ${(await files(built)).length} up to date`));

    const chunks = (await files(dir)).filter((f) => /^chunks\/chunk-/.test(f));
    const [stale, missing] = chunks as [string, string];
    await appendFile(join(dir, stale), "\n");
    await rm(join(dir, missing));
    await writeFile(join(dir, "chunks", "chunk-EXTRA000.mjs"), "export {};\n");
    await writeFile(join(dir, "gone.mjs"), "export {};\n");
    const bad = await run([BUILD, "--out", dir, "--check"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, new RegExp(`stale: .*${stale}[,\\s]`));
    assert.ok(bad.stderr.includes(`${missing} (missing)`), bad.stderr);
    assert.ok(bad.stderr.includes("chunks/chunk-EXTRA000.mjs (not built from src/)"), bad.stderr);
    assert.ok(bad.stderr.includes("gone.mjs (not built from src/)"), bad.stderr);
    assert.match(bad.stderr, /run `npm run build` and commit bundles\//);

    const fix = await run([BUILD, "--out", dir]);
    assert.equal(fix.code, 0, fix.stderr);
    assert.deepEqual(await files(dir), await files(built));
    for (const f of await files(built)) assert.ok((await readFile(join(dir, f))).equals(await readFile(join(built, f))), `${f} differs`);
  });
});
