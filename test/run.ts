// `npm test`: typecheck, lint and the bundle-freshness check run in parallel with the test
// files. Their results print first; the test runner's output follows, so node's own summary
// is the last thing in the log (CI reads the closing lines). Exit 1 if anything failed.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";

interface Done { name: string; code: number; output: string; ms: number }

function run(name: string, cmd: string, args: string[], stream: boolean): Promise<Done> & { hold?: Buffer[] } {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    const chunks: Buffer[] = [];
    const onData = (b: Buffer): void => {
      if (stream) streamOut(b);
      else chunks.push(b);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", (code, signal) => {
      resolve({ name, code: code ?? (signal ? 1 : 0), output: Buffer.concat(chunks).toString("utf8"), ms: Date.now() - started });
    });
  });
}

// Test output is held until the static checks have printed, then streamed live.
let holding = true;
const held: Buffer[] = [];
function streamOut(b: Buffer): void {
  if (holding) held.push(b);
  else process.stdout.write(b);
}

const only = process.argv.slice(2); // extra args go to node --test (e.g. a file filter)
const files = only.length > 0 ? only : ["test/**/*.test.ts"];
const concurrency = String(Math.max(4, availableParallelism() * 2));
const npx = (bin: string): string => `node_modules/.bin/${bin}`;

const tests = run("tests", process.execPath, ["--test", `--test-concurrency=${concurrency}`, "--test-timeout=300000", ...files], true);
const statics = await Promise.all([
  run("typecheck", npx("tsc"), ["-p", "tsconfig.json"], false),
  run("lint", npx("eslint"), ["--max-warnings", "0", "."], false),
  run("bundles", process.execPath, ["src/build/bundle.ts", "--check"], false),
]);
for (const s of statics) {
  const status = s.code === 0 ? "ok" : "FAILED";
  console.log(`── ${s.name}: ${status} (${(s.ms / 1000).toFixed(1)}s) ──`);
  if (s.code !== 0 || s.output.trim().length > 0) process.stdout.write(s.output.endsWith("\n") ? s.output : `${s.output}\n`);
}
holding = false;
for (const b of held) process.stdout.write(b);
const t = await tests;
const failed = [...statics, t].filter((d) => d.code !== 0).map((d) => d.name);
if (failed.length > 0) {
  console.error(`npm test: failed: ${failed.join(", ")}`);
  process.exit(1);
}
