// Woodpecker JSON → domain types, with the 2.x and 3.x spellings of the same data
// (woodpecker.md (c): "JSON models" and "v2 → v3 API JSON renames"). The cron bodies are built
// from the contract's own per-version field table when the contract is present.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { cronSchema, logEntrySchema, pipelineSchema, repoSchema, secretSchema, stepSchema, workflowSchema } from "../../src/ci/woodpecker/schemas.ts";
import { contract } from "../helpers/contracts.ts";

const { path: contractPath, skip: contractSkip } = contract("woodpecker.md");

const T0 = 1_754_000_000; // unix seconds
const at = (s: number): Date => new Date(s * 1000);
const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

// v3.17 field names (server/model Pipeline.ToAPIModel, Workflow, Step)
const v3Pipeline = {
  id: 901,
  number: 12,
  author: "dev-bot",
  parent: 0,
  event: "pull_request",
  event_reason: [],
  status: "failure",
  errors: [{ type: "linter", message: "steps.test: image is required", is_warning: true, data: null }],
  created: T0,
  updated: T0 + 60,
  started: T0 + 5,
  finished: T0 + 50,
  deploy_to: "",
  deploy_task: "",
  commit: "3f2a9c1e0d4b5a6978877665544332211000aaaa",
  branch: "main",
  rerun_count: 0,
  ref: "refs/pull/7/head",
  refspec: "fix/login:main",
  author_avatar: "",
  forge_url: "https://forge.example/acme/widget/pulls/7",
  reviewed_by: "",
  reviewed: 0,
  title: "fix login",
  message: "fix login",
  variables: { AGENT: "dev" },
  workflows: [
    {
      id: 31,
      pipeline_id: 901,
      pid: 1,
      name: "test",
      state: "failure",
      error: "",
      started: T0 + 5,
      finished: T0 + 50,
      agent_id: 1,
      platform: "linux/amd64",
      environ: {},
      children: [
        { id: 77, uuid: "a", pipeline_id: 901, pid: 2, ppid: 1, name: "clone", state: "success", exit_code: 0, started: T0 + 5, finished: T0 + 7, type: "clone" },
        { id: 78, uuid: "b", pipeline_id: 901, pid: 3, ppid: 1, name: "unit", state: "failure", error: "", exit_code: 1, started: T0 + 7, finished: T0 + 50, type: "commands" },
      ],
    },
  ],
};

// The same pipeline as 2.8 spells it: *_at timestamps, start_time/end_time on steps/workflows.
const v2Pipeline = {
  ...Object.fromEntries(Object.entries(v3Pipeline).filter(([k]) => !["created", "updated", "started", "finished", "reviewed", "workflows"].includes(k))),
  created_at: T0,
  updated_at: T0 + 60,
  started_at: T0 + 5,
  finished_at: T0 + 50,
  reviewed_at: 0,
  workflows: [
    {
      id: 31,
      pipeline_id: 901,
      pid: 1,
      name: "test",
      state: "failure",
      start_time: T0 + 5,
      end_time: T0 + 50,
      children: [
        { id: 77, pipeline_id: 901, pid: 2, ppid: 1, name: "clone", state: "success", exit_code: 0, start_time: T0 + 5, end_time: T0 + 7, type: "clone" },
        { id: 78, pipeline_id: 901, pid: 3, ppid: 1, name: "unit", state: "failure", exit_code: 1, start_time: T0 + 7, end_time: T0 + 50, type: "commands" },
      ],
    },
  ],
};

describe("pipeline JSON (v2 and v3 spellings)", () => {
  it("a 3.x pipeline becomes the domain shape", () => {
    const p = pipelineSchema.parse(v3Pipeline);
    assert.equal(p.number, 12);
    assert.equal(p.status, "failure");
    assert.equal(p.commit, v3Pipeline.commit);
    assert.deepEqual([p.created, p.updated, p.started, p.finished], [at(T0), at(T0 + 60), at(T0 + 5), at(T0 + 50)]);
    assert.deepEqual(p.errors, [{ type: "linter", message: "steps.test: image is required", isWarning: true }]);
    assert.deepEqual(p.variables, { AGENT: "dev" });
    assert.equal(p.workflows.length, 1);
    const wf = p.workflows[0];
    assert.equal(wf?.name, "test");
    assert.deepEqual(
      wf?.steps.map((s) => [s.id, s.pid, s.name, s.state, s.exitCode, s.type]),
      [
        [77, 2, "clone", "success", 0, "clone"],
        [78, 3, "unit", "failure", 1, "commands"],
      ],
    );
    assert.deepEqual(wf?.steps[1]?.finished, at(T0 + 50));
  });

  it("the 2.x spelling of the same pipeline parses to the same value", () => {
    assert.deepEqual(pipelineSchema.parse(v2Pipeline), pipelineSchema.parse(v3Pipeline));
  });

  it("list items without workflows, zero timestamps and nulls read as empty", () => {
    const p = pipelineSchema.parse({ id: 1, number: 1, status: "pending", event: "push", created: T0, started: 0, finished: 0, errors: null, variables: null, workflows: undefined });
    assert.deepEqual(p.workflows, []);
    assert.deepEqual(p.errors, []);
    assert.deepEqual(p.variables, {});
    assert.equal(p.started, undefined);
    assert.equal(p.finished, undefined);
    assert.equal(p.commit, "");
  });

  it("a state the client does not know reads as unknown instead of failing the run", () => {
    assert.equal(pipelineSchema.parse({ ...v3Pipeline, status: "quarantined" }).status, "unknown");
    assert.equal(stepSchema.parse({ id: 1, state: "paused" }).state, "unknown");
  });

  it("pipeline errors may be plain strings", () => {
    assert.deepEqual(pipelineSchema.parse({ ...v3Pipeline, errors: ["yaml: line 3: mapping values are not allowed"] }).errors, [
      { type: "", message: "yaml: line 3: mapping values are not allowed", isWarning: false },
    ]);
  });

  it("a pipeline without id or number is a schema error", () => {
    assert.equal(pipelineSchema.safeParse({ number: 3 }).success, false);
    assert.equal(pipelineSchema.safeParse({ id: 3 }).success, false);
  });

  it("workflow and step v2 timestamps alone are enough", () => {
    const w = workflowSchema.parse({ id: 2, pid: 1, name: "build", state: "running", start_time: T0 });
    assert.deepEqual(w.started, at(T0));
    assert.equal(w.finished, undefined);
    assert.deepEqual(w.steps, []);
  });
});

describe("repo JSON", () => {
  const base = { id: 5, forge_remote_id: "42", owner: "acme", name: "widget", full_name: "acme/widget", default_branch: "main", timeout: 60, active: true, config_file: "", require_approval: "forks" };

  it("3.x trusted object", () => {
    const r = repoSchema.parse({ ...base, trusted: { network: true, volumes: false, security: false } });
    assert.deepEqual(r.trusted, { network: true, volumes: false, security: false });
    assert.equal(r.forgeRemoteId, "42");
    assert.equal(r.defaultBranch, "main");
    assert.equal(r.requireApproval, "forks");
  });

  it("2.x trusted flag sets all three", () => {
    assert.deepEqual(repoSchema.parse({ ...base, trusted: true }).trusted, { network: true, volumes: true, security: true });
    assert.deepEqual(repoSchema.parse({ ...base, trusted: false }).trusted, { network: false, volumes: false, security: false });
  });

  it("a numeric forge_remote_id and missing owner/name fall back sensibly", () => {
    const r = repoSchema.parse({ id: 9, forge_remote_id: 42, full_name: "group/sub/widget" });
    assert.equal(r.forgeRemoteId, "42");
    assert.equal(r.owner, "group");
    assert.equal(r.name, "sub/widget");
    assert.equal(r.active, false);
  });
});

describe("log entries", () => {
  it("decodes base64 data and drops the trailing newline", () => {
    const e = logEntrySchema.parse({ id: 1, step_id: 78, time: 3, line: 0, data: b64("npm test → ✗ 2 failing\n"), type: 1 });
    assert.deepEqual(e, { id: 1, stepId: 78, time: 3, line: 0, type: 1, text: "npm test → ✗ 2 failing" });
  });

  it("keeps inner newlines, maps unknown types to stdout, null data to empty", () => {
    assert.equal(logEntrySchema.parse({ id: 2, step_id: 1, line: 1, data: b64("a\r\nb\r\n"), type: 0 }).text, "a\r\nb");
    assert.equal(logEntrySchema.parse({ id: 3, step_id: 1, line: 2, data: null, type: 9 }).type, 0);
    assert.equal(logEntrySchema.parse({ id: 3, step_id: 1, line: 2, data: null, type: 2 }).text, "");
  });
});

describe("secrets", () => {
  it("3.x events/images", () => {
    assert.deepEqual(secretSchema.parse({ id: 4, name: "forge_token", events: ["cron", "manual"], images: ["disinto/agent"], note: "dev-bot" }), {
      id: 4,
      name: "forge_token",
      events: ["cron", "manual"],
      images: ["disinto/agent"],
      note: "dev-bot",
    });
  });

  it("1.x event/image spelling and a returned value are tolerated (the value is dropped)", () => {
    const s = secretSchema.parse({ id: 4, name: "t", event: ["push"], image: [], value: "leaked?" });
    assert.deepEqual(s, { id: 4, name: "t", events: ["push"], images: [], note: "" });
  });
});

// ---------------------------------------------------------------------------------------------

/** The contract's Cron table: field → which version columns have it. */
function cronTable(md: string): { versions: string[]; rows: { fields: string[]; marks: string[] }[] } {
  const start = md.indexOf("`Cron`:");
  const lines = md
    .slice(start)
    .split("\n")
    .slice(1)
    .filter((l) => l.startsWith("|"));
  const cells = (l: string): string[] =>
    l
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
  const header = cells(lines[0] ?? "");
  const rows = [];
  for (const l of lines.slice(2)) {
    const [field = "", ...marks] = cells(l);
    if (!l.startsWith("|")) break;
    // "`id, name, …`" or "`enabled` (bool)": code spans, possibly comma lists.
    const fields = [...field.matchAll(/`([^`]+)`/g)].flatMap((m) => (m[1] ?? "").split(",").map((f) => f.trim()));
    rows.push({ fields, marks });
  }
  return { versions: header.slice(1), rows };
}

const sampleValue: Record<string, unknown> = {
  id: 3,
  name: "disinto-dev",
  repo_id: 5,
  creator_id: 1,
  next_exec: T0 + 300,
  schedule: "*/5 * * * *",
  branch: "main",
  created: T0,
  created_at: T0,
  enabled: false,
  variables: { AGENT_JOB: "dev" },
  timezone: "Europe/Berlin",
};

describe("cron JSON per version (contract table)", () => {
  const md = contractSkip ? "" : readFileSync(contractPath, "utf8");
  const table = contractSkip ? { versions: [], rows: [] } : cronTable(md);

  it("the table names the versions and fields the client handles", { skip: contractSkip }, () => {
    assert.ok(table.versions.length >= 4, `versions: ${table.versions.join(", ")}`);
    const fields = table.rows.flatMap((r) => r.fields);
    for (const f of ["id", "name", "schedule", "enabled", "variables", "timezone"]) assert.ok(fields.includes(f), `contract table lacks ${f}`);
  });

  for (let col = 0; col < table.versions.length; col++) {
    const version = table.versions[col] ?? "";
    it(`a ${version} cron body parses`, () => {
      const body: Record<string, unknown> = {};
      for (const row of table.rows) {
        const mark = row.marks[col] ?? "";
        if (mark === "–" || mark === "-" || mark === "") continue;
        // "created timestamp" row: the cell names the field for that version.
        const named = /`([a-z_]+)`/.exec(mark)?.[1];
        for (const f of named !== undefined ? [named] : row.fields) body[f] = sampleValue[f];
      }
      const c = cronSchema.parse(body);
      assert.equal(c.id, 3);
      assert.equal(c.name, "disinto-dev");
      assert.equal(c.schedule, "*/5 * * * *");
      assert.deepEqual(c.created, at(T0), "created and created_at both land in `created`");
      assert.deepEqual(c.nextExec, at(T0 + 300));
      if ("enabled" in body) assert.equal(c.enabled, false);
      else assert.equal(c.enabled, true, "servers without the switch run every cron");
      assert.deepEqual(c.variables, "variables" in body ? { AGENT_JOB: "dev" } : {});
      assert.equal(c.timezone, "timezone" in body ? "Europe/Berlin" : "UTC");
    });
  }
  // Without the table the versions are unknown: one skipped test stands for theirs.
  if (contractSkip) it("a cron body of each version in the table parses", { skip: contractSkip }, () => {});

  it("the contract's create-body example, as echoed back with an id, parses", { skip: contractSkip }, () => {
    const m = /Create body example \(v3\.15\+\): `(\{[^`]+\})`/.exec(md.replace(/`\n/g, "`").replace(/,\n"/g, ',"'));
    assert.ok(m?.[1], "create body example not found in the contract");
    const example = JSON.parse(m[1].replace(/\s*\n\s*/g, "")) as Record<string, unknown>;
    const c = cronSchema.parse({ id: 1, ...example });
    assert.equal(c.enabled, true);
    assert.equal(c.timezone, "UTC");
    assert.equal(c.name, example.name);
    assert.deepEqual(c.variables, example.variables);
  });
});
