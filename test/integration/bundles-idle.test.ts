// What an agent bundle loads before it knows whether there is work: built fresh by the real
// build script, the dev and review entries import none of the model work statically (LLM
// backends, git, execa, undici, prompts, the dev agent's work and the review itself: those
// are chunks loaded on demand), an idle dev run of the built bundle against the sandbox forge
// loads neither the code nor the heavy Node builtins that only work needs — and the same
// bundle, given an issue, still claims it, runs the (scripted) model, pushes and opens the PR
// through those on-demand chunks and builtins.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ForgejoForge } from "../../src/forge/index.ts";
import { startSandboxForge, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { idleProject, type IdleProject } from "../bench/idle-project.ts";
import { implementTask } from "../fixtures/dev/world.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Modules an idle tick must not load: any of them in an entry's static imports is a regression. */
const WORK_ONLY = [
  /^node_modules\/(execa|undici)\//,
  /^src\/llm\/(claude-cli|openai|scripted|tools)\//,
  /^src\/llm\/(factory|isolation|accounting)\.ts$/,
  /^src\/git\//,
  /^src\/agents\/dev\/(work|workspace|publish|prompt|formula)\.ts$/,
  /^src\/agents\/review\/(review|checkout|prompt|diff|post)\.ts$/,
];
/** Builtins only work needs (the model's processes, sessions, hashes and lease tokens). */
const WORK_BUILTINS = /^NativeModule (child_process|crypto|zlib|tls|https|http2|worker_threads)$/;

let tmp: string;
let built: string;
let sandbox: SandboxForge;
let admin: ForgejoForge;
let project: IdleProject;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "bundles-idle-"));
  built = join(tmp, "bundles");
  // The package's layout: the shipped formulas next to the bundles.
  await cp(join(ROOT, "formulas"), join(tmp, "formulas"), { recursive: true });
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [join(ROOT, "src/build/bundle.ts"), "--out", built], { cwd: ROOT }, (err, _o, stderr) => (err ? reject(new Error(`build failed: ${stderr}`)) : resolve()));
  });
  sandbox = await startSandboxForge({ seed: "empty" });
  admin = new ForgejoForge({ url: sandbox.url, token: sandbox.users.admin!.token });
  project = await idleProject(sandbox, admin);
});
after(async () => {
  await admin.close();
  await sandbox.stop();
  await rm(tmp, { recursive: true, force: true });
});

/** Our and the dependencies' modules in `chunk` and every chunk it imports statically. */
async function staticModules(chunk: string, seen = new Set<string>()): Promise<string[]> {
  if (seen.has(chunk)) return [];
  seen.add(chunk);
  const text = await readFile(join(built, "chunks", chunk), "utf8");
  const here = [...text.matchAll(/^\/\/ ((?:src|node_modules)\/\S+)$/gm)].map((m) => m[1]!);
  const imports = [...text.matchAll(/^(?:import\s+(?:[^"]*?\s+from\s+)?|\}\s*from\s+)"\.\/([^"]+\.mjs)";$/gm)].map((m) => m[1]!);
  for (const i of imports) here.push(...(await staticModules(i, seen)));
  return here;
}

function runBundle(entry: string, env: Record<string, string>): Promise<{ code: number | null; out: string; builtins: string[] }> {
  const hook = 'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nloaded:"+process.moduleLoadList.join(",")+"\\n"))';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", hook, join(built, `${entry}.mjs`)], { cwd: tmp, env: { PATH: process.env.PATH ?? "", HOME: tmp, TMPDIR: tmp, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("loaded:")) ?? "loaded:";
      resolve({ code, out: out.replace(line, "").trim(), builtins: line.slice("loaded:".length).split(",") });
    });
  });
}

describe("agent bundles: the idle path loads no model work", () => {
  it("the dev and review entries import no LLM backend, git, execa, undici, prompt or work module statically", async () => {
    for (const entry of ["dev", "review"]) {
      const modules = await staticModules(`${entry}.mjs`);
      assert.ok(modules.some((m) => m.startsWith(`src/agents/${entry}/tick.ts`)), `${entry}: its tick is not in its static imports: the test reads the wrong files`);
      assert.deepEqual([...new Set(modules.filter((m) => WORK_ONLY.some((re) => re.test(m))))].sort(), [], `${entry} loads these before it knows there is work`);
    }
  });

  it("an idle dev run of the built bundle loads no work-only builtin, and exits idle", async () => {
    const r = await runBundle("dev", project.env);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^dev: idle: nothing to do \(empty backlog\)/m);
    assert.ok(r.builtins.some((m) => m === "NativeModule http"), "the hook saw no module list: the test proves nothing");
    assert.deepEqual(r.builtins.filter((m) => WORK_BUILTINS.test(m)), []);
  });

  it("the same bundle, given an issue, loads its work on demand: claim, scripted model, push, PR", async () => {
    const script = join(tmp, "script.json");
    const task = implementTask("Add sub");
    await writeFile(script, JSON.stringify({ tasks: [{ name: task.name, match: task.match, actions: task.actions, result: { text: "done", status: "ok", structured: task.structured } }] }));
    const ops = admin.repo({ owner: "acme", name: "app-ops" });
    const cur = await ops.contents.get("projects/app.toml");
    assert.ok(cur);
    await ops.contents.update("projects/app.toml", { text: cur.text.replace('script = "/nonexistent/never-read.json"', `script = ${JSON.stringify(script)}`), message: "test: a script", sha: cur.sha });
    await project.app.contents.create("src/math.js", { text: "export function add(a, b) {\n  return a + b;\n}\n", message: "math" });
    const issue = await project.app.issues.create({ title: "Add sub", body: "Add a `sub(a, b)` function.", labels: ["backlog"] });
    const r = await runBundle("dev", project.env);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`dev: #${issue.number} → PR #\\d+ awaiting_ci`), r.out);
    for (const m of ["child_process", "crypto"]) assert.ok(r.builtins.includes(`NativeModule ${m}`), `${m} was never loaded: was the work done by this bundle?`);
    const [pr] = await project.app.pulls.list({ state: "open" });
    assert.ok(pr);
    const math = await project.app.contents.get("src/math.js", { ref: pr.head.ref });
    assert.match(math?.text ?? "", /export function sub/);
  });
});
