import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { runStep, type StepBody } from "../../src/host/run.ts";
import { baseSettingsSchema } from "../../src/host/settings.ts";
import { formatCost, formatDuration, formatOutcome, formatTokens, type OutcomeRecord } from "../../src/host/outcome.ts";
import { UsageError } from "../../src/lib/errors.ts";
import { MASK } from "../../src/lib/redact.ts";

const CANARY = "cAnArY-run-9d2f1";
const START = Date.parse("2026-05-01T12:00:00Z");

// The outcome object a JSON log consumer relies on.
const outcomeShape = z.object({
  ts: z.string(),
  level: z.enum(["info", "error"]),
  msg: z.string(),
  type: z.literal("outcome"),
  agent: z.string(),
  outcome: z.enum(["done", "idle", "paused", "failed", "invalid"]),
  summary: z.string(),
  duration_ms: z.number().int().nonnegative(),
  exit_code: z.number().int(),
  requests: z.object({ forge: z.number(), ci: z.number() }),
  llm: z.object({ tokens: z.number(), cost_usd: z.number(), turns: z.number() }),
});

async function run(env: Record<string, string>, body: StepBody<z.output<typeof baseSettingsSchema>>, extra: { flags?: Record<string, string | boolean> } = {}) {
  const chunks: string[] = [];
  const outputs: { path: string; data: string }[] = [];
  const clock = [START, START + 221_000];
  const code = await runStep(
    {
      schema: baseSettingsSchema,
      env,
      flags: extra.flags,
      streams: { stdout: { write: (s: string) => chunks.push(s) } },
      now: () => clock.shift() ?? START + 221_000,
      readFile: () => "{}",
      appendFile: (path, data) => void outputs.push({ path, data }),
    },
    body,
  );
  const text = chunks.join("");
  const lines = text.split("\n").filter(Boolean);
  return { code, text, lines, outputs, last: lines.at(-1) ?? "" };
}

function outcomeOf(line: string) {
  return outcomeShape.passthrough().parse(JSON.parse(line));
}

describe("runStep exit codes", () => {
  it("exits 0 and prints the outcome line for a run that did work", async () => {
    const r = await run({ CI: "woodpecker", PLUGIN_AGENT: "dev" }, (ctx) => {
      ctx.meter.llm({ tokens: 31_200, cost_usd: 0.21, turns: 14 });
      return Promise.resolve({ outcome: "done", summary: "#12 → PR #34 awaiting_ci" });
    });
    assert.equal(r.code, 0);
    assert.equal(r.last, "dev: #12 → PR #34 awaiting_ci · 14 turns · 31.2k tok · $0.21 · 3m41s");
  });

  it("exits 0 for idle and paused runs", async () => {
    for (const outcome of ["idle", "paused"] as const) {
      const r = await run({ PLUGIN_AGENT: "review" }, () => Promise.resolve({ outcome, summary: "nothing to review" }));
      assert.equal(r.code, 0, outcome);
      assert.equal(r.last, `review: ${outcome}: nothing to review · 3m41s`);
    }
  });

  it("exits 1 for an error, with the message redacted and the outcome failed", async () => {
    const r = await run({ CI: "woodpecker", PLUGIN_AGENT: "dev", PLUGIN_FORGE_TOKEN: CANARY }, () => Promise.reject(new Error(`push rejected for https://dev:${CANARY}@git.example.com`)));
    assert.equal(r.code, 1);
    assert.ok(!r.text.includes(CANARY), r.text);
    assert.equal(r.last, `dev: failed: push rejected for https://dev:${MASK}@git.example.com · 3m41s`);
  });

  it("exits 1 when the body reports a failure itself", async () => {
    const r = await run({}, () => Promise.resolve({ outcome: "failed", summary: "CI fix budget exhausted" }));
    assert.equal(r.code, 1);
  });

  it("exits 2 for a UsageError from the body, outcome invalid", async () => {
    const r = await run({ DISINTO_AGENT: "planner" }, () => Promise.reject(new UsageError("projects/shop.toml: limits.max: expected a number")));
    assert.equal(r.code, 2);
    assert.equal(r.last, "planner: invalid: projects/shop.toml: limits.max: expected a number · 3m41s");
  });

  it("exits 2 for invalid settings without running the body, and names the variable", async () => {
    let ran = false;
    const r = await run({ CI: "woodpecker", PLUGIN_AGENT: "dev", PLUGIN_TIMEOUT_MINUTES: "abc" }, () => {
      ran = true;
      return Promise.resolve({ outcome: "done", summary: "" });
    });
    assert.equal(r.code, 2);
    assert.equal(ran, false);
    assert.equal(r.last, 'dev: invalid: settings: timeout_minutes: PLUGIN_TIMEOUT_MINUTES="abc" is not a number; expected minutes, e.g. 55 · 3m41s');
  });

  it("never shows a secret setting in the report of invalid settings", async () => {
    const r = await run({ PLUGIN_FORGE_TOKEN: CANARY, PLUGIN_LOG_FORMAT: "json", PLUGIN_DRY_RUN: "perhaps", PLUGIN_CI_URL: `ftp://x:${CANARY}@ci` }, () => Promise.resolve({ outcome: "done", summary: "" }));
    assert.equal(r.code, 2);
    assert.ok(!r.text.includes(CANARY), r.text);
    const o = outcomeOf(r.last);
    assert.equal(o.outcome, "invalid");
    assert.equal(o.summary, "2 invalid settings");
  });
});

describe("runStep JSON outcome", () => {
  it("has agent, outcome, summary, duration, requests and llm usage", async () => {
    const r = await run({ CI: "woodpecker", CI_PIPELINE_EVENT: "cron", CI_REPO: "acme/shop", CI_PIPELINE_URL: "https://ci.example.com/repos/1/pipeline/9", PLUGIN_AGENT: "dev", PLUGIN_LOG_FORMAT: "json", PLUGIN_DRY_RUN: "true" }, (ctx, log) => {
      log.section("work");
      log.info("working");
      ctx.meter.request("forge", 12);
      ctx.meter.request("ci");
      ctx.meter.llm({ tokens: 1000, cost_usd: 0.05, turns: 2 });
      ctx.meter.llm({ tokens: 500, cost_usd: 0.01, turns: 1 });
      return Promise.resolve({ outcome: "done", summary: "#12 → PR #34", details: { issue: 12, pr: 34 } });
    });
    assert.equal(r.code, 0);
    for (const line of r.lines) JSON.parse(line);
    const o = outcomeOf(r.last);
    assert.deepEqual(
      { ...o, ts: undefined, msg: undefined },
      {
        ts: undefined,
        msg: undefined,
        level: "info",
        type: "outcome",
        agent: "dev",
        outcome: "done",
        summary: "#12 → PR #34",
        duration_ms: 221_000,
        exit_code: 0,
        requests: { forge: 12, ci: 1 },
        llm: { tokens: 1500, cost_usd: 0.06, turns: 3 },
        host: "woodpecker",
        event: "cron",
        repo: "acme/shop",
        pipeline_url: "https://ci.example.com/repos/1/pipeline/9",
        dry_run: true,
        details: { issue: 12, pr: 34 },
      },
    );
    assert.equal(o.msg, "dev: #12 → PR #34 (dry run) · 3 turns · 1.5k tok · $0.06 · 3m41s");
    // The outcome is not inside the body's last section.
    assert.equal((o as Record<string, unknown>).section, undefined);
  });

  it("reports a failure with its redacted error and the usage spent before it", async () => {
    const r = await run({ PLUGIN_LOG_FORMAT: "json", DISINTO_CI_TOKEN: CANARY }, (ctx) => {
      ctx.meter.llm({ tokens: 10, turns: 1 });
      return Promise.reject(new Error(`token ${CANARY} refused\nsecond line`));
    });
    assert.equal(r.code, 1);
    assert.ok(!r.text.includes(CANARY));
    const o = outcomeOf(r.last);
    assert.equal(o.outcome, "failed");
    assert.equal(o.summary, `token ${MASK} refused`);
    assert.equal(o.error, `token ${MASK} refused\nsecond line`);
    assert.deepEqual(o.llm, { tokens: 10, cost_usd: 0, turns: 1 });
    assert.equal(o.agent, "disinto");
  });
});

describe("runStep on Actions", () => {
  it("masks secrets first, logs unknown settings, and writes step outputs", async () => {
    const env = { GITHUB_ACTIONS: "true", GITHUB_EVENT_NAME: "schedule", GITHUB_OUTPUT: "/runner/output", INPUT_AGENT: "gardener", INPUT_FORGE_TOKEN: CANARY };
    const r = await run(env, (ctx) => {
      ctx.meter.llm({ tokens: 2000, cost_usd: 0.5, turns: 4 });
      return Promise.resolve({ outcome: "done", summary: `groomed 3 issues ${CANARY}` });
    });
    assert.equal(r.code, 0);
    assert.equal(r.lines[0], `::add-mask::${CANARY}`);
    assert.equal(r.last, `gardener: groomed 3 issues ${MASK} · 4 turns · 2k tok · $0.50 · 3m41s`);
    assert.equal(r.outputs.length, 1);
    const { path, data } = r.outputs[0] ?? { path: "", data: "" };
    assert.equal(path, "/runner/output");
    assert.ok(!data.includes(CANARY));
    const delimiter = /^outcome<<(\S+)\n/.exec(data)?.[1] ?? "";
    const values = Object.fromEntries([...data.matchAll(new RegExp(`^(\\w+)<<${delimiter}\\n([\\s\\S]*?)\\n${delimiter}$`, "gm"))].map((m): [string, string] => [m[1] ?? "", m[2] ?? ""]));
    assert.deepEqual(values, { outcome: "done", summary: `groomed 3 issues ${MASK}`, exit_code: "0", duration_ms: "221000", tokens: "2000", cost_usd: "0.5", turns: "4" });
  });

  it("turns a failure into an error annotation", async () => {
    const r = await run({ GITHUB_ACTIONS: "true", INPUT_AGENT: "dev" }, () => Promise.reject(new Error("forge down")));
    assert.equal(r.code, 1);
    assert.equal(r.last, "::error::dev: failed: forge down · 3m41s");
  });
});

describe("outcome formatting", () => {
  const base: OutcomeRecord = { type: "outcome", agent: "dev", outcome: "done", summary: "#12 → PR #34 awaiting_ci", duration_ms: 221_000, exit_code: 0, requests: { forge: 0, ci: 0 }, llm: { tokens: 31_200, cost_usd: 0.21, turns: 14 } };

  it("renders the line of the design document", () => {
    assert.equal(formatOutcome(base), "dev: #12 → PR #34 awaiting_ci · 14 turns · 31.2k tok · $0.21 · 3m41s");
  });

  it("leaves out usage a run did not have, and names non-done outcomes", () => {
    assert.equal(formatOutcome({ ...base, outcome: "idle", summary: "no backlog", llm: { tokens: 0, cost_usd: 0, turns: 0 }, duration_ms: 412 }), "dev: idle: no backlog · 0.4s");
    assert.equal(formatOutcome({ ...base, llm: { tokens: 10, cost_usd: 0, turns: 1 } }), "dev: #12 → PR #34 awaiting_ci · 1 turn · 10 tok · 3m41s");
  });

  it("formats tokens, cost and duration compactly", () => {
    assert.deepEqual([950, 1000, 31_200, 120_000, 999_999, 1_250_000].map(formatTokens), ["950", "1k", "31.2k", "120k", "1M", "1.25M"]);
    assert.deepEqual([0, 0.004, 0.21, 12.5].map(formatCost), ["$0.00", "$0.004", "$0.21", "$12.50"]);
    assert.deepEqual([0, 412, 12_300, 60_000, 221_000, 3_720_000].map(formatDuration), ["0.0s", "0.4s", "12s", "1m00s", "3m41s", "1h02m"]);
  });
});
