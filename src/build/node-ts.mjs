// Runs one of the build scripts, which are TypeScript, on any Node that can run esbuild.
// Node ≥ 22.18 strips the types itself. An older Node, such as a machine's default one that
// editors and git hooks pick up, gets the script transpiled by esbuild first, next to the
// original so that its own paths (import.meta.url) stay the same. Plain JavaScript on purpose:
// it must start where TypeScript cannot.
//
//   node src/build/node-ts.mjs src/build/bundle.ts [args…]
import { rmSync } from "node:fs";
import { dirname, join, basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [, , script, ...args] = process.argv;
if (script === undefined) {
  console.error("usage: node src/build/node-ts.mjs <script.ts> [args…]");
  process.exit(2);
}
const path = resolve(script);
// The script sees the arguments as if it had been started itself.
process.argv = [process.argv[0] ?? "node", path, ...args];

// DISINTO_BUILD_TRANSPILE=1 takes the older-Node path on any Node (the tests use it).
if (process.features.typescript && process.env.DISINTO_BUILD_TRANSPILE !== "1") {
  await import(pathToFileURL(path).href);
} else {
  const { build } = await import("esbuild");
  const out = join(dirname(path), `.${basename(path)}.${process.pid}.mjs`);
  // The script may end the process itself (process.exit on a failed build), and a `finally`
  // does not run then: the exit hook does, on every path, and a signal goes through it too.
  const cleanup = () => rmSync(out, { force: true });
  process.on("exit", cleanup);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.once(sig, () => process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1)));
  try {
    await build({ entryPoints: [path], outfile: out, bundle: true, packages: "external", platform: "node", format: "esm", logLevel: "error" });
    await import(pathToFileURL(out).href);
  } finally {
    cleanup();
  }
}
