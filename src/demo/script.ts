// The scripted backend's answers for the demo: the dev agent's implementation of each seeded
// issue of demo/calc and the review agent's verdicts. Edits anchor on code every version of
// `src/calc.js` keeps (the `add` and `subtract` functions) and each issue brings its own test
// file, so the three changes apply and merge cleanly whichever order they are picked in.
//
// Prompts are told apart by their first line: the dev agent's starts `# Task` and names the
// issue in `## Issue #N: <title>`; the review agent's starts `# Task: review of pull request`
// (or `re-review`) and names the linked issue in `## Linked issue #N` with its title fenced below. The first task
// whose `match` fits answers, so the review tasks come first. The gardener's task prompts start
// `# Task: <task> (gardener agent)`: its one task in the demo is enriching the vague issue.
import { parseScript, type Script } from "../llm/scripted/script.ts";

/** The title of the pull request `disinto init` opens (reviewed like any other). */
export const INIT_PR_TITLE = "Add disinto's agent pipelines";

const SUBTRACT = "export function subtract(a, b) {\n  return a - b;\n}\n";
const ADD = "export function add(a, b) {\n  return a + b;\n}\n";

const testFile = (name: string, body: string): string => `import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { ${name} } from "../src/calc.js";\n\n${body}`;

interface DemoChange {
  /** The start of the seeded issue's title (a literal, not a pattern). */
  title: string;
  edit: { old: string; new: string };
  test: { path: string; content: string };
  summary: string;
  review: { reason: string; markdown: string };
}

/** One change per seeded issue (src/sandbox/forge/seed.ts). */
export const DEMO_CHANGES: readonly DemoChange[] = [
  {
    title: "Add multiply(a, b)",
    edit: { old: SUBTRACT, new: `${SUBTRACT}\nexport function multiply(a, b) {\n  return a * b;\n}\n` },
    test: {
      path: "test/multiply.test.js",
      content: testFile("multiply", 'test("multiply", () => {\n  assert.equal(multiply(3, 4), 12);\n  assert.equal(multiply(-2, 5), -10);\n});\n'),
    },
    summary: "Adds `multiply(a, b)` to `src/calc.js`, with tests for `multiply(3, 4)` and `multiply(-2, 5)` in `test/multiply.test.js`.",
    review: { reason: "multiply() returns the product and both acceptance cases are tested", markdown: "### Summary\n\nAdds `multiply(a, b)`; `test/multiply.test.js` covers `3 × 4` and `-2 × 5`. CI is green.\n\n### Findings\n\nNone." },
  },
  {
    title: "Add divide(a, b)",
    edit: {
      old: SUBTRACT,
      new: `${SUBTRACT}\nexport function divide(a, b) {\n  if (b === 0) throw new RangeError("divide: division by zero");\n  return a / b;\n}\n`,
    },
    test: {
      path: "test/divide.test.js",
      content: testFile(
        "divide",
        'test("divide", () => {\n  assert.equal(divide(6, 3), 2);\n  assert.equal(divide(1, 4), 0.25);\n});\n\ntest("divide by zero throws a RangeError", () => {\n  assert.throws(() => divide(1, 0), RangeError);\n});\n',
      ),
    },
    summary: "Adds `divide(a, b)`, which throws a `RangeError` on division by zero instead of returning `Infinity`; `test/divide.test.js` covers both cases.",
    review: { reason: "divide() rejects division by zero with a RangeError, as asked, and both cases are tested", markdown: "### Summary\n\nAdds `divide(a, b)` with a `RangeError` for `b === 0`; both paths are tested. CI is green.\n\n### Findings\n\nNone." },
  },
  {
    title: "add() should reject non-number arguments",
    edit: {
      old: ADD,
      new: 'export function add(a, b) {\n  if (typeof a !== "number" || typeof b !== "number") throw new TypeError("add: both arguments must be numbers");\n  return a + b;\n}\n',
    },
    test: {
      path: "test/add-types.test.js",
      content: testFile("add", 'test("add still adds numbers", () => {\n  assert.equal(add(2, 3), 5);\n});\n\ntest("add rejects non-numbers with a TypeError", () => {\n  assert.throws(() => add("2", 3), TypeError);\n  assert.throws(() => add(2, null), TypeError);\n});\n'),
    },
    summary: 'Makes `add` throw a `TypeError` when an argument is not a number (`add("2", 3)` returned `"23"`); `test/add-types.test.js` covers it and that `add(2, 3)` is still 5.',
    review: { reason: "add() now rejects non-numbers with a TypeError and keeps adding numbers; tested", markdown: "### Summary\n\n`add` checks both argument types before adding; the new tests cover the `TypeError` and the unchanged `add(2, 3)`. CI is green.\n\n### Findings\n\nNone." },
  },
];

/**
 * The vague issue a user files during the demo (labelled underspecified): long enough to
 * enrich (≥100 non-whitespace characters), too vague for the dev agent.
 */
export const DEMO_VAGUE_ISSUE = {
  title: "Support powers",
  body: [
    "It would be handy to raise numbers to a power with calc, like 2 to the 10th.",
    "",
    "What I had in mind:",
    "",
    "- something like `power(2, 10)` next to `add` in `src/calc.js`",
    "- negative exponents?",
    "- and non-integer ones?",
    "",
    "Somebody should think about it before it is built.",
    "",
  ].join("\n"),
} as const;

/** The gardener's (scripted) answer for the vague issue: it writes the sections, the runner builds the body. */
export const DEMO_ENRICHMENT = {
  affected_files: ["src/calc.js", "test/calc.test.js"],
  acceptance_criteria: [
    "`src/calc.js` exports `power(base, exponent)` returning `base ** exponent`",
    "`power(2, 10) === 1024` and `power(2, -1) === 0.5` are tested in `test/calc.test.js`",
    "A non-integer exponent throws a `RangeError`",
    "CI is green (`node --test`)",
  ],
} as const;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function approve(reason: string, markdown: string): { text: string; status: "ok"; structured: unknown } {
  return { text: "Reviewed.", status: "ok", structured: { verdict: "APPROVE", reason, findings: [], review_markdown: markdown } };
}

/** The demo's script for the scripted backend, validated; `vagueIssue` is the number of DEMO_VAGUE_ISSUE. */
export function demoScript(vagueIssue: number): Script {
  const review = String.raw`^# Task: (?:re-)?review(?: \(round \d+\))? of pull request`;
  const tasks: unknown[] = [
    {
      name: "review the init pull request",
      match: String.raw`${review}[\s\S]*\n- Title: ${escape(INIT_PR_TITLE)}\n`,
      result: approve(
        "adds the disinto dev, review and gardener pipelines written by disinto init; CI is green",
        "### Summary\n\nAdds `.woodpecker/disinto-dev.yml`, `.woodpecker/disinto-review.yml` and `.woodpecker/disinto-gardener.yml`: one plugin step each, tokens from secrets, selected by their crons (and pull requests for review).\n\n### Findings\n\nNone.",
      ),
    },
    {
      name: "gardener: enrich the vague issue",
      match: String.raw`^# Task: enrich-underspecified \(gardener agent\)[\s\S]*${escape(DEMO_VAGUE_ISSUE.title)}`,
      result: {
        text: "Enriched.",
        status: "ok",
        structured: {
          summary: `#${vagueIssue} says what it wants but not how it is checked: the affected files and acceptance criteria make it one session of work.`,
          ...DEMO_ENRICHMENT,
        },
      },
    },
    ...DEMO_CHANGES.map((c) => ({
      name: `review: ${c.title}`,
      match: String.raw`${review}[\s\S]*\n## Linked issue #\d+\n\n### Issue title[^\n]*\n\n\x60+\n${escape(c.title)}[^\n]*\n`,
      result: approve(c.review.reason, c.review.markdown),
    })),
    ...DEMO_CHANGES.map((c) => ({
      name: `implement: ${c.title}`,
      match: String.raw`^# Task\n[\s\S]*\n## Issue #\d+, its title:\n\n\x60+text\n${escape(c.title)}[^\n]*\n`,
      actions: [{ read: { path: "src/calc.js" } }, { edit: { path: "src/calc.js", old: c.edit.old, new: c.edit.new } }, { write: { path: c.test.path, content: c.test.content } }],
      result: { text: "Implemented.", status: "ok", structured: { status: "implemented", summary: c.summary } },
    })),
  ];
  return parseScript({ tasks }, "the demo script");
}
