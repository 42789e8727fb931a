// An Actions step runs an agent the way a Forgejo runner does: the dev agent's entry as its own
// process, its settings only as `with:` inputs (INPUT_*), the run described by GITHUB_* and an
// `issues: labeled` event payload, outputs appended to GITHUB_OUTPUT — against the sandbox forge.
// An idle project: outcome idle, exit 0. A backlog issue in a dry run: the agent picks it from
// the event's repository and says what it would do, writing nothing.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ForgejoForge } from "../../src/forge/index.ts";
import { startSandboxForge, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { idleProject, type IdleProject } from "../bench/idle-project.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = join(ROOT, "src/entrypoints/dev.ts");

let tmp: string;
let sandbox: SandboxForge;
let admin: ForgejoForge;
let project: IdleProject;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "actions-step-"));
  sandbox = await startSandboxForge({ seed: "empty" });
  admin = new ForgejoForge({ url: sandbox.url, token: sandbox.users.admin!.token });
  project = await idleProject(sandbox, admin);
});
after(async () => {
  await admin.close();
  await sandbox.stop();
  await rm(tmp, { recursive: true, force: true });
});

async function step(name: string, inputs: Record<string, string>, event: Record<string, unknown>): Promise<{ code: number; out: string; outputs: string }> {
  const eventPath = join(tmp, `${name}-event.json`);
  const outputPath = join(tmp, `${name}-output`);
  await writeFile(eventPath, JSON.stringify(event));
  await writeFile(outputPath, "");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: tmp,
    GITHUB_ACTIONS: "true",
    FORGEJO_ACTIONS: "true",
    GITEA_ACTIONS: "true",
    GITHUB_EVENT_NAME: "issues",
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_REPOSITORY: "acme/app",
    GITHUB_SERVER_URL: sandbox.url,
    GITHUB_REF: "refs/heads/main",
    GITHUB_REF_NAME: "main",
    GITHUB_RUN_NUMBER: "7",
    GITHUB_WORKFLOW: "disinto dev",
    INPUT_FORGE_URL: sandbox.url,
    INPUT_FORGE_TOKEN: sandbox.users["dev-bot"]!.token,
    INPUT_PROJECT: "app",
    INPUT_OPS_REPO: "acme/app-ops",
    INPUT_WORK_DIR: tmp,
    ...inputs,
  };
  const { code, out } = await new Promise<{ code: number; out: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [ENTRY], { cwd: tmp, env, stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (b: Buffer) => (text += b.toString()));
    child.stderr.on("data", (b: Buffer) => (text += b.toString()));
    child.on("error", reject);
    child.on("close", (c) => resolve({ code: c ?? 128, out: text }));
  });
  return { code, out, outputs: await readFile(outputPath, "utf8") };
}

describe("an Actions step runs an agent with INPUT_* settings", () => {
  it("idle project: exit 0, outcome idle in GITHUB_OUTPUT, the token never printed", async () => {
    const r = await step("idle", {}, { action: "labeled", issue: { number: 1 }, label: { name: "backlog" } });
    assert.equal(r.code, 0, r.out);
    assert.match(r.outputs, /^outcome<<.+\nidle\n/m);
    assert.match(r.outputs, /^exit_code<<.+\n0\n/m);
    // The runner masks what `::add-mask::` names; no other line carries the token.
    const token = sandbox.users["dev-bot"]!.token;
    assert.deepEqual(r.out.split("\n").filter((l) => l.includes(token)), [`::add-mask::${token}`]);
  });

  it("a labelled backlog issue, dry run (a boolean input): the agent would claim it and writes nothing", async () => {
    const issue = await project.app.issues.create({ title: "Add sub", body: "## Acceptance criteria\n\n- [ ] sub\n", labels: ["backlog"] });
    // The same config with a script the scripted backend can read, as a local file (`config`).
    const script = join(tmp, "script.json");
    await writeFile(script, JSON.stringify({ tasks: [{ name: "implement", actions: [], result: { text: "done", status: "ok", structured: { status: "implemented", summary: "done" } } }] }));
    const cfg = (await admin.repo({ owner: "acme", name: "app-ops" }).contents.get("projects/app.toml"))!.text.replace("/nonexistent/never-read.json", script);
    const cfgPath = join(tmp, "app.toml");
    await writeFile(cfgPath, cfg);
    const r = await step("dry", { INPUT_DRY_RUN: "true", INPUT_CONFIG: cfgPath }, { action: "labeled", issue: { number: issue.number }, label: { name: "backlog" } });
    assert.equal(r.code, 0, r.out);
    // The planned claim is listed (the dry-run banner alone is printed on every dry run).
    const lines = r.out.split("\n");
    assert.ok(lines.includes(`dry run: would add label in-progress to acme/app#${issue.number}`), r.out);
    assert.ok(lines.includes(`dry run: would assign acme/app#${issue.number} to dev-bot`), r.out);
    const after = await project.app.issues.get(issue.number);
    assert.deepEqual(after?.labels, ["backlog"], "a dry run changed the issue");
    assert.match(r.outputs, /^outcome<<.+\ndone\n/m);
    assert.match(r.outputs, /^exit_code<<.+\n0\n/m);
  });
});
