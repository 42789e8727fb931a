// The supervisor's pure parts: the shipped recipes validate, a bad recipe is refused naming
// file, key and value, recipes fire on findings at their threshold, the breaker's verdict on
// main's pipelines, and dependency circles.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseRecipes } from "../../src/config/recipes.ts";
import { ConfigError } from "../../src/lib/errors.ts";
import { evaluate } from "../../src/agents/supervisor/tick.ts";
import { breakerVerdict } from "../../src/agents/supervisor/breaker.ts";
import { dependencyCycles, type Finding } from "../../src/agents/supervisor/probes.ts";
import type { Pipeline } from "../../src/ci/types.ts";

const shipped = readFileSync(new URL("../../formulas/supervisor/recipes.toml", import.meta.url), "utf8");

describe("supervisor recipes", () => {
  it("the shipped file validates and every direct fix matches its probe", () => {
    const rs = parseRecipes(shipped, "recipes.toml");
    assert.ok(rs.length >= 10);
    assert.ok(rs.some((r) => r.action.kind === "direct"));
  });

  for (const [what, text, path] of [
    ["unknown probe", '[[recipes]]\nname = "a"\nseverity = "P2"\nprobe = "disk"\naction = "incident"\n', "recipes[0].probe"],
    ["unknown fix", '[[recipes]]\nname = "a"\nseverity = "P2"\nprobe = "lease_dead"\naction = "direct:reboot"\n', "recipes[0].action"],
    ["fix of another probe", '[[recipes]]\nname = "a"\nseverity = "P2"\nprobe = "lease_dead"\naction = "direct:prune-sessions"\n', "recipes[0].action"],
    ["duplicate name", '[[recipes]]\nname = "a"\nseverity = "P2"\nprobe = "spend"\naction = "llm"\n[[recipes]]\nname = "a"\nseverity = "P3"\nprobe = "spend"\naction = "llm"\n', "recipes[1].name"],
    ["unknown key", '[[recipes]]\nname = "a"\nseverity = "P2"\nprobe = "spend"\naction = "llm"\ncolour = "red"\n', "recipes[0].colour"],
  ] as const) {
    it(`refuses a recipe with ${what}, naming the key`, () => {
      assert.throws(
        () => parseRecipes(text, "ops:recipes.toml"),
        (err: unknown) => err instanceof ConfigError && err.issues.some((i) => i.path === path && i.file === "ops:recipes.toml"),
      );
    });
  }

  it("fires on findings at or over the threshold, the probe's default when the recipe gives none", () => {
    const rs = parseRecipes('[[recipes]]\nname = "a"\nseverity = "P2"\nprobe = "ci_running"\naction = "incident"\n[[recipes]]\nname = "b"\nseverity = "P4"\nprobe = "ci_running"\nthreshold = 5\naction = "llm"\n', "r.toml");
    const f = (key: string, value: number): Finding => ({ probe: "ci_running", key, summary: key, value, defaultThreshold: 60, evidence: {} });
    const fired = evaluate(rs, [f("x", 4), f("y", 10), f("z", 60)]);
    assert.deepEqual(
      fired.map((x) => [x.recipe.name, x.findings.map((y) => y.key)]),
      [
        ["a", ["z"]],
        ["b", ["y", "z"]],
      ],
    );
    assert.deepEqual(evaluate(rs, [f("x", 1)]), []);
  });
});

const pipe = (number: number, status: string, event = "push", branch = "main"): Pipeline => ({ number, status, event, branch }) as unknown as Pipeline;

describe("the CI circuit breaker's verdict", () => {
  const cases: [string, Pipeline[], string][] = [
    ["two newest finished pushes failed", [pipe(5, "running"), pipe(4, "failure"), pipe(3, "error"), pipe(2, "success")], "trip"],
    ["the newest finished is green", [pipe(4, "success"), pipe(3, "failure"), pipe(2, "failure")], "clear"],
    ["one failure after a green", [pipe(4, "failure"), pipe(3, "success")], "hold"],
    ["cancelled and cron runs do not count", [pipe(6, "killed"), pipe(5, "failure", "cron"), pipe(4, "failure"), pipe(3, "success")], "hold"],
    ["other branches do not count", [pipe(4, "failure", "push", "dev"), pipe(3, "failure", "push", "dev")], "hold"],
  ];
  for (const [what, ps, want] of cases) it(what, () => assert.equal(breakerVerdict(ps, "main").state, want));
});

describe("dependency circles", () => {
  it("finds circles and self-dependencies, not chains", () => {
    const edges = new Map<number, number[]>([
      [1, [2]],
      [2, [3]],
      [3, [1]],
      [4, [5]],
      [5, []],
      [6, [6]],
    ]);
    assert.deepEqual(dependencyCycles(edges), [[1, 2, 3], [6]]);
  });
});
