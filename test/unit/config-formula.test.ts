import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { loadFormula, parseFormula } from "../../src/config/load.ts";
import { keyLines } from "../../src/config/locate.ts";
import { ConfigError } from "../../src/lib/errors.ts";

const HEAD = `name = "demo"
description = "A demo formula."
version = 1
`;

function step(id: string, needs?: string[]): string {
  return `
[[steps]]
id = "${id}"
title = "Step ${id}"
description = """
Do ${id}.
Then stop.
"""
${needs ? `needs = ${JSON.stringify(needs)}\n` : ""}`;
}

function problems(toml: string, file = "f.toml"): string[] {
  try {
    parseFormula(toml, file);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.message.split("\n");
  }
  assert.fail("the formula was accepted");
}

describe("formula: a valid file", () => {
  it("parses with defaults for the optional parts", () => {
    const f = parseFormula(HEAD + step("a") + step("b", ["a"]), "f.toml");
    assert.deepEqual(f, {
      name: "demo",
      description: "A demo formula.",
      version: 1,
      context: { files: [] },
      steps: [
        { id: "a", title: "Step a", description: "Do a.\nThen stop.\n", needs: [] },
        { id: "b", title: "Step b", description: "Do b.\nThen stop.\n", needs: ["a"] },
      ],
      vars: {},
    });
  });

  it("accepts the documented extras: allowed_tools, disallowed_commands, timeout_minutes, [vars.<name>]", () => {
    const f = parseFormula(
      `${HEAD}model = "opus"
allowed_tools = ["Read", "Grep"]
disallowed_commands = ["env", "printenv"]
timeout_minutes = 15

[context]
files = ["AGENTS.md"]

[vars.target]
description = "Where to deploy"
required = true

[vars.keep]
description = "How many releases to keep"
default = "5"
${step("a")}`,
      "f.toml",
    );
    assert.deepEqual(f.allowed_tools, ["Read", "Grep"]);
    assert.deepEqual(f.disallowed_commands, ["env", "printenv"]);
    assert.equal(f.timeout_minutes, 15);
    assert.deepEqual(f.context.files, ["AGENTS.md"]);
    assert.deepEqual(f.vars, { target: { description: "Where to deploy", required: true }, keep: { description: "How many releases to keep", required: false, default: "5" } });
  });

  it("every shipped formula validates", async () => {
    const files = (await readdir("formulas")).filter((f) => f.endsWith(".toml"));
    assert.ok(files.includes("dev.toml") && files.includes("review-pr.toml"), `shipped: ${files.join(", ")}`);
    for (const file of files) {
      const f = await loadFormula(join("formulas", file));
      assert.equal(`${f.name}.toml`, file);
    }
  });

  it("the dev formula carries the refusal contract and the review formula the three verdicts", async () => {
    const dev = await loadFormula("formulas/dev.toml");
    const devText = dev.steps.map((s) => s.description).join("\n");
    for (const status of ["too_large", "already_done", "unmet_dependency"]) assert.match(devText, new RegExp(`"status": "${status}"`));
    const review = await loadFormula("formulas/review-pr.toml");
    const reviewText = review.steps.map((s) => s.description).join("\n");
    for (const verdict of ["APPROVE", "REQUEST_CHANGES", "DISCUSS"]) assert.match(reviewText, new RegExp(`- ${verdict}:`));
  });
});

describe("formula: each problem, in words", () => {
  it("a duplicate step id", () => {
    // step() tables span 8 lines (9 with needs) from a blank line: [[steps]] on 5, 13, 21
    assert.deepEqual(problems(HEAD + step("a") + step("b") + step("a")), ['f.toml:22: steps[2].id: duplicate step id "a" (already used by steps[0])']);
  });

  it("`needs` naming an unknown step, with a suggestion when one is close", () => {
    assert.deepEqual(problems(HEAD + step("preflight") + step("build", ["preflght"])), ['f.toml:20: steps[1].needs[0]: no step with id "preflght"; did you mean "preflight"?']);
    assert.deepEqual(problems(HEAD + step("a") + step("b", ["zzz"])), ['f.toml:20: steps[1].needs[0]: no step with id "zzz"; the step ids are "a" or "b"']);
  });

  it("a dependency cycle, named step by step", () => {
    assert.deepEqual(problems(HEAD + step("a", ["c"]) + step("b", ["a"]) + step("c", ["b"])), ["f.toml:12: steps[0].needs: dependency cycle: a → c → b → a"]);
    assert.deepEqual(problems(HEAD + step("a", ["a"])), ["f.toml:12: steps[0].needs: dependency cycle: a → a"]);
  });

  it("no steps at all, or an empty list", () => {
    assert.deepEqual(problems(HEAD), ["f.toml: steps: missing required key (expected one or more [[steps]] tables)"]);
    assert.deepEqual(problems(`${HEAD}steps = []\n`), ["f.toml:4: steps: needs at least one step: add a [[steps]] table"]);
  });

  it("a version that is not a whole number from 1", () => {
    assert.deepEqual(problems(HEAD.replace("version = 1", "version = 0") + step("a")), ["f.toml:3: version: must be at least 1, got 0"]);
    assert.deepEqual(problems(HEAD.replace("version = 1", "version = 1.5") + step("a")), ["f.toml:3: version: expected a whole number, got 1.5"]);
    assert.deepEqual(problems(HEAD.replace("version = 1", 'version = "1"') + step("a")), ['f.toml:3: version: expected a whole number, got "1"']);
  });

  it("an unknown key in a step, with a suggestion", () => {
    assert.deepEqual(problems(`${HEAD + step("a")}need = ["x"]\n`), ['f.toml:12: steps[0].need: unknown key; did you mean "needs"?']);
  });

  it("a missing description and a bad step id", () => {
    assert.deepEqual(problems(`${HEAD}\n[[steps]]\nid = "has space"\ntitle = "t"\n`), [
      "f.toml:5: steps[0].description: missing required key (expected a string)",
      'f.toml:6: steps[0].id: expected a step id of letters, digits, "_" or "-", got "has space"',
    ]);
  });

  it("a formula whose name differs from its file name in formulas/", () => {
    assert.deepEqual(problems(HEAD + step("a"), "x/formulas/other.toml"), ['x/formulas/other.toml:1: name: must match the file name (expected "other", got "demo"): agents look for formulas/<name>.toml']);
  });

  it("a TOML syntax error inside a step", () => {
    assert.deepEqual(problems(`${HEAD}\n[[steps]]\nid = "a\n`), ["f.toml:6: TOML syntax error: control characters are not allowed in strings (column 8)"]);
  });
});

describe("key line locator", () => {
  it("finds keys under tables, arrays of tables and quoted keys, skipping multi-line strings", () => {
    const lines = keyLines(`a = 1
[t]
x = """
y = 2
"""
z = 3
[[s]]
id = "one"
[[s]]
id = "two"
[s.sub]
k = 1
[labels]
"prediction/x" = "p"
`);
    assert.equal(lines.get("a"), 1);
    assert.equal(lines.get("t.x"), 3);
    assert.equal(lines.get("t.y"), undefined);
    assert.equal(lines.get("t.z"), 6);
    assert.equal(lines.get("s[0].id"), 8);
    assert.equal(lines.get("s[1].id"), 10);
    assert.equal(lines.get("s[1].sub.k"), 12);
    assert.equal(lines.get('labels."prediction/x"'), 14);
  });
});

describe("formula: every number, string and list has an upper bound", () => {
  const cases: [string, string, string][] = [
    ["timeout_minutes", `${HEAD}timeout_minutes = 1e12\n${step("a")}`, "timeout_minutes: must be at most 1440, got 1000000000000"],
    ["version", `${HEAD.replace("version = 1", "version = 1e15")}${step("a")}`, "version: must be at most 1000000, got 1000000000000000"],
    ["a step title", `${HEAD}${step("a").replace('title = "Step a"', `title = "${"t".repeat(2000)}"`)}`, "steps[0].title: must be at most 1024 characters long, got 2000"],
    ["a step's instructions", `${HEAD}${step("a").replace("Do a.", "d".repeat(70_000))}`, "steps[0].description: must be at most 65536 characters long, got 70012"],
    ["the number of steps", `${HEAD}${Array.from({ length: 101 }, (_, i) => step(`s${i}`)).join("")}`, "steps: must have at most 100 entries"],
  ];
  for (const [what, toml, expected] of cases) {
    it(what, () => {
      assert.deepEqual(problems(toml).map((l) => l.replace(/^f\.toml:\d+: /, "")), [expected]);
    });
  }
});
