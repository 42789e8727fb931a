// Seeds: the accounts every sandbox has (site admin + one bot per agent role, since Forgejo
// refuses approvals from a PR's author), and the `demo` project the quick-start uses.
import type { ForgeCore } from "./core.ts";
import type { RepoRec, UserRec } from "./store.ts";
import { ZERO_SHA } from "./git.ts";
import { changeLabels } from "./routes/labels.ts";
import { now } from "./core.ts";

export const BOT_LOGINS = ["dev-bot", "review-bot", "gardener-bot", "planner-bot", "supervisor-bot"] as const;

export function seedUsers(core: ForgeCore): void {
  core.createUser("admin", { isAdmin: true, fullName: "Sandbox Admin" });
  for (const login of BOT_LOGINS) core.createUser(login, { fullName: login });
}

/** The label catalogue `disinto init` manages (reference §4); colours are cosmetic. */
export const DEMO_LABELS: { name: string; color: string; description: string }[] = [
  { name: "backlog", color: "0075ca", description: "Ready for the dev agent" },
  { name: "priority", color: "f59e0b", description: "Pick before plain backlog" },
  { name: "in-progress", color: "1d76db", description: "A dev agent owns this issue" },
  { name: "blocked", color: "b60205", description: "Stuck; see the Blocked comment" },
  { name: "underspecified", color: "fbca04", description: "Too large or vague for one session" },
  { name: "tech-debt", color: "c5def5", description: "Pre-existing problem found in review" },
  { name: "vision", color: "5319e7", description: "Goal-sized objective" },
  { name: "bug-report", color: "d73a4a", description: "User-facing bug with repro steps" },
  { name: "action", color: "bfdadc", description: "Operational task" },
  { name: "in-triage", color: "fef2c0", description: "Reproduced, cause unclear" },
  { name: "needs-triage", color: "ededed", description: "" },
  { name: "reproduced", color: "0e8a16", description: "" },
  { name: "cannot-reproduce", color: "ededed", description: "" },
  { name: "rejected", color: "000000", description: "" },
  { name: "prediction/unreviewed", color: "c2e0c6", description: "New predictor finding" },
  { name: "prediction/actioned", color: "0e8a16", description: "Planner filed an issue" },
  { name: "prediction/dismissed", color: "cccccc", description: "Planner disagreed" },
];

const OPS_LABELS = [
  { name: "vault", color: "5319e7", description: "Vault action request" },
  { name: "pending-approval", color: "fbca04", description: "Waiting for a human" },
  { name: "incident", color: "b60205", description: "CI-untrusted incident" },
];

const CALC_FILES: Record<string, string> = {
  "README.md": "# calc\n\nA tiny calculator library: the demo project of the disinto sandbox.\n\nRun the tests with `node --test`.\n",
  "AGENTS.md": "# Working on calc\n\n* Pure ES modules, no dependencies.\n* Every exported function has a test in `test/calc.test.js` (node:test).\n* `node --test` must pass before a PR is merged.\n",
  "package.json": `${JSON.stringify({ name: "calc", version: "0.1.0", private: true, type: "module", scripts: { test: "node --test" } }, null, 2)}\n`,
  "src/calc.js": "// Arithmetic helpers.\n\nexport function add(a, b) {\n  return a + b;\n}\n\nexport function subtract(a, b) {\n  return a - b;\n}\n",
  "test/calc.test.js": 'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { add, subtract } from "../src/calc.js";\n\ntest("add", () => {\n  assert.equal(add(2, 3), 5);\n});\n\ntest("subtract", () => {\n  assert.equal(subtract(5, 3), 2);\n});\n',
  ".woodpecker/test.yml": "when:\n  - event: [push, pull_request]\n\nsteps:\n  - name: test\n    image: node:22-alpine\n    commands:\n      - node --test\n",
};

const OPS_FILES: Record<string, string> = {
  "README.md": "# calc-ops\n\nThe disinto control plane for demo/calc: configuration, locks, phases, journals.\n",
};

const DEMO_ISSUES: { title: string; body: string }[] = [
  {
    title: "Add multiply(a, b)",
    body: "## Problem\n\n`calc` can add and subtract but not multiply.\n\n## Affected files\n\n- src/calc.js\n- test/calc.test.js\n\n## Acceptance criteria\n\n- [ ] `src/calc.js` exports `multiply(a, b)` returning the product\n- [ ] `multiply(3, 4) === 12` and `multiply(-2, 5) === -10` are tested in `test/calc.test.js`\n- [ ] CI green (`node --test`)\n",
  },
  {
    title: "Add divide(a, b) that rejects division by zero",
    body: "## Problem\n\nThere is no division, and dividing by zero should be an error rather than `Infinity`.\n\n## Affected files\n\n- src/calc.js\n- test/calc.test.js\n\n## Acceptance criteria\n\n- [ ] `src/calc.js` exports `divide(a, b)` returning `a / b`\n- [ ] `divide(1, 0)` throws a `RangeError`\n- [ ] both cases are tested in `test/calc.test.js`\n- [ ] CI green (`node --test`)\n",
  },
  {
    title: "add() should reject non-number arguments",
    body: "## Problem\n\n`add(\"2\", 3)` returns `\"23\"` (string concatenation).\n\n## Affected files\n\n- src/calc.js\n- test/calc.test.js\n\n## Acceptance criteria\n\n- [ ] `add` throws a `TypeError` when either argument is not a number\n- [ ] `add(2, 3)` still returns `5`\n- [ ] the `TypeError` case is tested in `test/calc.test.js`\n- [ ] CI green (`node --test`)\n",
  },
];

async function commitFiles(core: ForgeCore, repo: RepoRec, files: Record<string, string>, author: UserRec, message: string): Promise<void> {
  const git = core.git(repo);
  const changes = [];
  for (const [path, content] of Object.entries(files)) changes.push({ path, blob: await git.writeBlob(Buffer.from(content)) });
  const tree = await git.treeWith(undefined, changes);
  const who = { name: author.fullName || author.login, email: author.email };
  const commit = await git.commitTree(tree, [], message, who, who);
  await git.updateRef(`refs/heads/${repo.defaultBranch}`, commit, ZERO_SHA);
}

function addLabels(core: ForgeCore, repo: RepoRec, labels: { name: string; color: string; description: string }[]): void {
  for (const l of labels) core.s.labels.push({ id: core.store.nextId("label"), repoId: repo.id, name: l.name, color: l.color, description: l.description, exclusive: false, isArchived: false });
}

export async function seedDemo(core: ForgeCore): Promise<void> {
  const admin = core.mustUser("admin");
  const org = core.createUser("demo", { kind: "org", owners: [admin.login], fullName: "Demo", description: "The disinto demo project" });
  const calc = await core.createRepo(org, { name: "calc", description: "A tiny calculator (disinto demo project)" }, admin);
  await commitFiles(core, calc, CALC_FILES, admin, "Initial commit: calc with add and subtract");
  const ops = await core.createRepo(org, { name: "calc-ops", description: "disinto control plane for demo/calc" }, admin);
  await commitFiles(core, ops, OPS_FILES, admin, "Initial commit");
  addLabels(core, calc, DEMO_LABELS);
  addLabels(core, ops, [...DEMO_LABELS, ...OPS_LABELS]);
  calc.collaborators = { "dev-bot": "write", "review-bot": "read", "gardener-bot": "write", "planner-bot": "write", "supervisor-bot": "read" };
  ops.collaborators = { "dev-bot": "write", "review-bot": "write", "gardener-bot": "write", "planner-bot": "write", "supervisor-bot": "write" };
  const backlog = core.s.labels.find((l) => l.repoId === calc.id && l.name === "backlog");
  for (const spec of DEMO_ISSUES) {
    const ts = now();
    const issue = { id: core.store.nextId("issue"), repoId: calc.id, index: calc.nextIndex++, poster: admin.login, title: spec.title, body: spec.body, ref: "", state: "open" as const, labelIds: [], assignees: [], isPull: false, created: ts, updated: ts, closed: null };
    core.s.issues.push(issue);
    if (backlog) changeLabels(core, issue, [backlog], [], admin);
  }
}
