// The Actions side: every workflow `disinto init --host actions` can write (each agent, both
// hosts, with and without a schedule and credentials) validates against the GitHub workflow
// JSON Schema, and every shipped actions/<agent>/action.yml against the GitHub action schema
// (both in ../shared/contracts; the tests skip, saying so, where they are absent). The light
// tick's Woodpecker workflow validates against the Woodpecker schema and loads in the sandbox.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { DEFAULT_LABELS, SCHEDULED_AGENTS } from "../../src/config/project.ts";
import { ACTIONS_HOSTS, actionsCron, actionsWorkflowDoc, actionsWorkflowPath, actionsWorkflowYaml, type ActionsWorkflowInput } from "../../src/init/actions-templates.ts";
import { pipelinePath, TICK, tickPipelineYaml } from "../../src/init/templates.ts";
import { loadWorkflows } from "../../src/sandbox/ci/config.ts";
import { contract } from "../helpers/contracts.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const workflowSchema = contract("github-workflow-schema.json");
const actionSchema = contract("github-action-schema.json");
const woodpeckerSchema = contract("woodpecker-schema.json");

function validator(path: string): (doc: unknown) => string[] {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(JSON.parse(readFileSync(path, "utf8")) as object);
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`));
}

function variants(): ActionsWorkflowInput[] {
  const out: ActionsWorkflowInput[] = [];
  for (const host of ACTIONS_HOSTS) {
    for (const agent of SCHEDULED_AGENTS) {
      for (const schedule of ["*/5 * * * *", "@daily", "off"]) {
        for (const credentials of [[], ["ANTHROPIC_API_KEY"], ["CLAUDE_CODE_OAUTH_TOKEN", "LLM_API_KEY"]]) {
          out.push({ host, agent, project: "shop", opsRepo: "acme/shop-ops", forgeUrl: "https://forge.example.org", tokenSecret: `FORGE_${agent.toUpperCase()}_TOKEN`, credentials, schedule, labels: { ...DEFAULT_LABELS } });
        }
      }
    }
  }
  return out;
}

describe("Actions workflow templates", () => {
  it("every variant validates against the GitHub workflow schema", { skip: workflowSchema.skip }, () => {
    const validate = validator(workflowSchema.path);
    const all = variants();
    for (const v of all) assert.deepEqual(validate(parse(actionsWorkflowYaml(v))), [], `${v.host} ${v.agent} ${v.schedule} ${v.credentials.join(",")}`);
    assert.equal(all.length, 2 * SCHEDULED_AGENTS.length * 9);
  });

  it("the schema is strict enough to refuse a broken workflow", { skip: workflowSchema.skip }, () => {
    const validate = validator(workflowSchema.path);
    const doc = actionsWorkflowDoc(variants()[0]!);
    assert.notDeepEqual(validate({ ...doc, on: { issues: { types: ["teleported"] } } }), []);
    assert.notDeepEqual(validate({ ...doc, concurrency: { group: "x", cancel: true } }), []);
  });

  it("each agent listens to the events that hand it work, one run at a time, tokens only from secrets", () => {
    const base = variants()[0]!;
    const doc = (agent: ActionsWorkflowInput["agent"], host: ActionsWorkflowInput["host"] = "forgejo") => actionsWorkflowDoc({ ...base, agent, host, tokenSecret: "FORGE_X_TOKEN", credentials: ["ANTHROPIC_API_KEY"] });
    const events = (d: Record<string, unknown>): string[] => Object.keys(d.on as object).sort();
    assert.deepEqual(events(doc("dev")), ["issue_comment", "issues", "pull_request_review", "schedule", "workflow_dispatch"]);
    assert.deepEqual(events(doc("review")), ["pull_request", "schedule", "workflow_dispatch"]);
    assert.deepEqual(events(doc("architect")), ["issues", "schedule", "workflow_dispatch"]);
    assert.deepEqual(events(doc("planner")), ["schedule", "workflow_dispatch"]);
    const dev = doc("dev");
    assert.deepEqual(dev.concurrency, { group: "disinto-dev-${{ github.repository }}", "cancel-in-progress": false });
    const job = (dev.jobs as Record<string, Record<string, unknown>>).dev!;
    assert.match(String(job.if), /\["backlog","priority"\]/);
    const step = (job.steps as Record<string, unknown>[])[0]!;
    assert.match(String(step.uses), /^https:\/\/codeberg\.org\/disinto\/disinto\/actions\/dev@v\d/);
    assert.equal((step.with as Record<string, string>).forge_token, "${{ secrets.FORGE_X_TOKEN }}");
    assert.equal((step.with as Record<string, string>).anthropic_api_key, "${{ secrets.ANTHROPIC_API_KEY }}");
    const gh = (doc("review", "github").jobs as Record<string, Record<string, unknown>>).review!;
    assert.equal(gh["runs-on"], "ubuntu-latest");
    assert.equal(((gh.steps as Record<string, unknown>[])[0]!.with as Record<string, string>).args, "review");
    assert.equal(actionsWorkflowPath("github", "dev"), ".github/workflows/disinto-dev.yml");
    assert.equal(actionsWorkflowPath("forgejo", "dev"), ".forgejo/workflows/disinto-dev.yml");
  });

  it("Woodpecker schedules become the five fields Actions takes, or a clear error", () => {
    assert.equal(actionsCron("@hourly"), "0 * * * *");
    assert.equal(actionsCron("@every 15m"), "*/15 * * * *");
    assert.equal(actionsCron("@every 6h"), "0 */6 * * *");
    assert.equal(actionsCron("0 3 * * 1"), "0 3 * * 1");
    assert.throws(() => actionsCron("@every 7m"), /@every that does not divide the hour/);
  });
});

describe("actions/<agent>/action.yml", () => {
  it("every shipped action validates against the GitHub action schema and runs a bundle on node24", { skip: actionSchema.skip }, () => {
    const validate = validator(actionSchema.path);
    const dirs = readdirSync(join(root, "actions"));
    assert.ok(dirs.includes("dev") && dirs.includes("review"));
    for (const d of dirs) {
      const doc = parse(readFileSync(join(root, "actions", d, "action.yml"), "utf8")) as { runs: { using: string; main: string } };
      assert.deepEqual(validate(doc), [], d);
      assert.equal(doc.runs.using, "node24");
      assert.equal(doc.runs.main, `../../bundles/${d}.mjs`);
    }
  });
});

describe("the light tick's Woodpecker workflow", () => {
  it("validates against the Woodpecker schema and loads in the sandbox CI", { skip: woodpeckerSchema.skip }, () => {
    const text = tickPipelineYaml({ project: "shop", opsRepo: "acme/shop-ops", forgeUrl: "https://forge.example.org", ciUrl: "https://ci.example.org", tokenSecret: "FORGE_DEV_TOKEN" });
    const doc = parse(text) as { when: unknown; steps: { settings: Record<string, unknown> }[] };
    assert.deepEqual(validator(woodpeckerSchema.path)(doc), []);
    assert.deepEqual(doc.when, [{ event: "cron", cron: "disinto-tick" }, { event: "manual" }]);
    assert.equal(doc.steps[0]!.settings.agent, TICK);
    // No model credential: the tick never calls one.
    assert.deepEqual(Object.keys(doc.steps[0]!.settings).sort(), ["agent", "ci_token", "ci_url", "forge_token", "forge_url", "ops_repo", "project"]);
    assert.equal(loadWorkflows({ [pipelinePath(TICK)]: text }).length, 1);
  });
});
