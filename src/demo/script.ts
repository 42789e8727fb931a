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
  /** The factory demo's docs check wants every export in README.md: the line this change adds. */
  readme?: string;
}

/** Where README.md lines go: before this line, which every version keeps. */
const README_ANCHOR = "\n\nRun the tests with `node --test`.\n";
const withReadme = (line: string): string => `\n${line}${README_ANCHOR.slice(1)}`;

/**
 * The factory demo's red-CI trap: the project's CI also checks that README.md documents every
 * export of src/calc.js, which the runner's test command (`node --test`) does not run. The
 * planner's issue is first implemented without its README line: CI fails, and the dev agent
 * fixes it from the failing step's log.
 */
export const DOCS_CHECK = {
  path: "scripts/check-docs.js",
  content: [
    'import { readFileSync } from "node:fs";',
    "",
    'const calc = readFileSync("src/calc.js", "utf8");',
    'const readme = readFileSync("README.md", "utf8");',
    "const missing = [...calc.matchAll(/^export function (\\w+)\\(/gm)].map((m) => m[1]).filter((name) => !readme.includes(`\\`${name}(`));",
    "for (const name of missing) console.error(`check-docs: README.md does not document ${name}() (exported from src/calc.js): add a line \\`${name}(a, b)\\`: what it returns`);",
    "if (missing.length > 0) process.exit(1);",
    'console.log("check-docs: every export of src/calc.js is in README.md");',
    "",
  ].join("\n"),
  ci: "when:\n  - event: [push, pull_request]\n\nsteps:\n  - name: test\n    image: node:22-alpine\n    commands:\n      - node --test\n      - node scripts/check-docs.js\n",
  readme: "# calc\n\nA tiny calculator library: the demo project of the disinto sandbox.\n\n- `add(a, b)`: the sum\n- `subtract(a, b)`: the difference\n\nRun the tests with `node --test`.\n",
} as const;

/** The review that requests changes in the factory demo (answered by the dev agent, then approved). */
export const DEMO_REQUESTED = {
  title: "Add multiply(a, b)",
  finding: "test/multiply.test.js does not cover a zero factor",
  fix: { path: "test/multiply.test.js", old: "  assert.equal(multiply(-2, 5), -10);\n", new: "  assert.equal(multiply(-2, 5), -10);\n  assert.equal(multiply(5, 0), 0);\n" },
} as const;

/** The `vision` issue the admin files in the factory demo: the architect pitches it. */
export const DEMO_VISION_ISSUE = {
  title: "Read numbers from text",
  body: "calc should take numbers as people type them (`\" 42 \"`, `\"1e3\"`) and say clearly when a text is not a number, instead of every caller doing it differently.\n",
} as const;

/** The architect's (scripted) pitch for the vision issue: one sub-issue, filed once a person approves. */
export const DEMO_PITCH = {
  slug: "numbers-from-text",
  enables: "Callers pass what a user typed; calc turns it into a number or says why it cannot.",
  exists: "`src/calc.js` has `add` and `subtract` on numbers only; nothing reads text.",
  complexity: "Small: one function and its tests.",
  risks: "What counts as a number: `Number()` accepts `\"\"` and `\"0x10\"`.",
  cost: "None: no new service.",
  open_questions: ["Is an empty text an error? (proposed: yes)", "Accept hexadecimal? (proposed: no)"],
  recommendation: "One function, `parseNumber(text)`, strict about empty and non-decimal text.",
  sub_issues: [
    {
      id: "parse-number",
      title: "Add parseNumber(text)",
      depends_on: [],
      body: "## Goal\n\nTurn a user's text into a number, or throw.\n\n## Affected files\n\n- src/calc.js\n\n## Acceptance criteria\n\n- [ ] `parseNumber(\" 42 \") === 42` and `parseNumber(\"1e3\") === 1000`\n- [ ] an empty or non-numeric text throws a `TypeError`\n- [ ] both cases are tested",
    },
  ],
} as const;

/** The tech-debt issue filed while the breaker is open: the gardener promotes it (it names files and criteria), the dev agent waits for green. */
export const DEMO_TECH_DEBT = {
  title: "Refactor: subtract() should reject non-numbers like add()",
  body: "Cleanup after the add() fix: `subtract(\"5\", 3)` still returns 2 by coercion, unlike `add`.\n\n## Affected files\n\n- src/calc.js\n\n## Acceptance criteria\n\n- [ ] `subtract` throws a `TypeError` when either argument is not a number\n- [ ] `subtract(5, 3)` still returns 2\n- [ ] tested\n",
} as const;

/** The issue the planner files from VISION.md in the factory demo (its title starts a DemoChange). */
export const PLANNER_ISSUE = {
  key: "calc-mod",
  title: "Add mod(a, b) with a non-negative result",
} as const;

/** The vision document the factory demo commits to demo/calc before the planner runs. */
export const DEMO_VISION = [
  "# calc — vision",
  "",
  "calc is the arithmetic a small script needs, with no surprises:",
  "",
  "1. **Every basic operation.** add, subtract, multiply, divide and the remainder, each tested.",
  "2. **Errors, not nonsense.** Bad input throws a clear error instead of returning `NaN`, `Infinity` or a string.",
  "",
].join("\n");

/** One change per seeded issue (src/sandbox/forge/seed.ts), and one for the planner's issue. */
export const DEMO_CHANGES: readonly DemoChange[] = [
  {
    title: "Add multiply(a, b)",
    edit: { old: SUBTRACT, new: `${SUBTRACT}\nexport function multiply(a, b) {\n  return a * b;\n}\n` },
    test: {
      path: "test/multiply.test.js",
      content: testFile("multiply", 'test("multiply", () => {\n  assert.equal(multiply(3, 4), 12);\n  assert.equal(multiply(-2, 5), -10);\n});\n'),
    },
    readme: "- `multiply(a, b)`: the product\n",
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
    readme: "- `divide(a, b)`: the quotient; a `RangeError` for division by zero\n",
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
  {
    title: PLANNER_ISSUE.title,
    edit: { old: SUBTRACT, new: `${SUBTRACT}\nexport function mod(a, b) {\n  return ((a % b) + b) % b;\n}\n` },
    test: {
      path: "test/mod.test.js",
      content: testFile("mod", 'test("mod is never negative for a positive divisor", () => {\n  assert.equal(mod(7, 3), 1);\n  assert.equal(mod(-1, 3), 2);\n});\n'),
    },
    readme: "- `mod(a, b)`: the remainder, never negative for a positive divisor\n",
    summary: "Adds `mod(a, b)`, whose result has the divisor's sign (`mod(-1, 3)` is 2, where `%` gives -1); `test/mod.test.js` covers both.",
    review: { reason: "mod() returns a non-negative remainder for a positive divisor and both cases are tested", markdown: "### Summary\n\nAdds `mod(a, b)`; `test/mod.test.js` covers `7 mod 3` and `-1 mod 3`. CI is green.\n\n### Findings\n\nNone." },
  },
  {
    title: "Add parseNumber(text)",
    edit: {
      old: SUBTRACT,
      new: `${SUBTRACT}\nexport function parseNumber(text) {\n  const t = String(text).trim();\n  if (t === "" || !/^[-+]?(\\d+\\.?\\d*|\\.\\d+)(e[-+]?\\d+)?$/i.test(t)) throw new TypeError(\`parseNumber: not a number: \${JSON.stringify(text)}\`);\n  return Number(t);\n}\n`,
    },
    test: {
      path: "test/parse-number.test.js",
      content: testFile(
        "parseNumber",
        'test("parseNumber reads what people type", () => {\n  assert.equal(parseNumber(" 42 "), 42);\n  assert.equal(parseNumber("1e3"), 1000);\n});\n\ntest("parseNumber rejects empty and non-numeric text", () => {\n  assert.throws(() => parseNumber(""), TypeError);\n  assert.throws(() => parseNumber("0x10"), TypeError);\n});\n',
      ),
    },
    readme: "- `parseNumber(text)`: the number a text holds; a `TypeError` otherwise\n",
    summary: "Adds `parseNumber(text)`: trimmed decimal text (with an exponent) becomes a number; empty or other text throws a `TypeError`. `test/parse-number.test.js` covers both.",
    review: { reason: "parseNumber() meets the sub-issue's criteria and both cases are tested", markdown: "### Summary\n\nAdds `parseNumber(text)`, strict about empty and non-decimal text; tested. CI is green.\n\n### Findings\n\nNone." },
  },
  {
    // Filed last (while the breaker is open): every other change has inserted after subtract by then.
    title: DEMO_TECH_DEBT.title,
    edit: { old: SUBTRACT, new: 'export function subtract(a, b) {\n  if (typeof a !== "number" || typeof b !== "number") throw new TypeError("subtract: both arguments must be numbers");\n  return a - b;\n}\n' },
    test: {
      path: "test/subtract-types.test.js",
      content: testFile("subtract", 'test("subtract rejects non-numbers with a TypeError", () => {\n  assert.equal(subtract(5, 3), 2);\n  assert.throws(() => subtract("5", 3), TypeError);\n});\n'),
    },
    summary: "Makes `subtract` throw a `TypeError` for non-number arguments, as `add` does; `test/subtract-types.test.js` covers it and that `subtract(5, 3)` is still 2.",
    review: { reason: "subtract() rejects non-numbers like add() and keeps subtracting numbers; tested", markdown: "### Summary\n\n`subtract` checks its argument types, like `add`. CI is green.\n\n### Findings\n\nNone." },
  },
  {
    title: "Support powers",
    edit: {
      old: SUBTRACT,
      new: `${SUBTRACT}\nexport function power(base, exponent) {\n  if (!Number.isInteger(exponent)) throw new RangeError("power: the exponent must be an integer");\n  return base ** exponent;\n}\n`,
    },
    test: {
      path: "test/power.test.js",
      content: testFile(
        "power",
        'test("power", () => {\n  assert.equal(power(2, 10), 1024);\n  assert.equal(power(2, -1), 0.5);\n});\n\ntest("a non-integer exponent throws a RangeError", () => {\n  assert.throws(() => power(2, 0.5), RangeError);\n});\n',
      ),
    },
    readme: "- `power(base, exponent)`: `base ** exponent` for an integer exponent\n",
    summary: "Adds `power(base, exponent)`: `power(2, 10)` is 1024, `power(2, -1)` is 0.5, and a non-integer exponent throws a `RangeError`; `test/power.test.js` covers all three.",
    review: { reason: "power() meets the three acceptance criteria and each is tested", markdown: "### Summary\n\nAdds `power(base, exponent)` with a `RangeError` for non-integer exponents; tested. CI is green.\n\n### Findings\n\nNone." },
  },
];

/** The planner's (scripted) answer in the factory demo: the tree from VISION.md and one issue for its top constraint. */
export const DEMO_PLAN = {
  summary: "Two objectives from VISION.md. The remainder is the one missing operation: one backlog issue for it; the error objective is in progress through the open issues.",
  triage: [],
  tree: [
    {
      name: "Every basic operation",
      items: [
        { done: true, text: "add and subtract", ref: "src/calc.js" },
        { done: false, text: "multiply, divide and the remainder" },
      ],
      status: "READY",
    },
    {
      name: "Errors, not nonsense",
      items: [{ done: false, text: "add() rejects non-numbers; divide() rejects zero" }],
      status: "READY",
    },
  ],
  new_issues: [
    {
      key: PLANNER_ISSUE.key,
      kind: "backlog",
      title: PLANNER_ISSUE.title,
      problem: "VISION.md asks for every basic operation; calc has no remainder, and JavaScript's `%` is negative for a negative dividend.",
      proposed_solution: "Export `mod(a, b)` from `src/calc.js` returning `((a % b) + b) % b`.",
      affected_files: ["src/calc.js"],
      acceptance_criteria: ["`mod(7, 3) === 1`", "`mod(-1, 3) === 2`", "both cases are tested"],
    },
  ],
  priority: [],
  resources: [],
  memory: "The demo's first plan: every basic operation first, then errors.",
} as const;

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

/** A title as filed: the architect's sub-issues carry a `vision(#N): ` prefix. */
const titled = (title: string): string => String.raw`(?:vision\(#\d+\): )?${escape(title)}`;
const linked = (title: string): string => String.raw`[\s\S]*\n## Linked issue #\d+\n\n### Issue title[^\n]*\n\n\x60+\n${titled(title)}[^\n]*\n`;

/** The factory demo's tasks that come before the others: the trap's fix, the requested changes and their reviews. */
function factoryTasks(): unknown[] {
  const mod = DEMO_CHANGES.find((c) => c.title === PLANNER_ISSUE.title);
  if (mod?.readme === undefined) throw new Error("the demo script has no change for the planner's issue");
  return [
    { name: "architect: pitch the vision issue", match: String.raw`^# Task: pitch \(architect agent\)`, result: { text: "Pitched.", status: "ok", structured: DEMO_PITCH } },
    { name: "architect: answer the pitch's comments", match: String.raw`^# Task: answer \(architect agent\)`, result: { text: "Answered.", status: "ok", structured: { reply: "Agreed: an empty text is an error and hexadecimal is not accepted." } } },
    { name: "architect: digest", match: String.raw`^# Task: digest \(architect agent\)`, result: { text: "Digest.", status: "ok", structured: { comment: "parseNumber is merged: the sprint is done." } } },
    {
      name: "dev: fix the red CI from the failing step's log (README.md misses mod)",
      match: String.raw`## CI failed on [0-9a-f]+[\s\S]*README\.md does not document mod\(\)`,
      actions: [{ read: { path: "README.md" } }, { edit: { path: "README.md", old: README_ANCHOR, new: withReadme(mod.readme) } }],
      result: { text: "Fixed.", status: "ok", structured: { status: "implemented", summary: `${mod.summary}\n\nCI's docs check failed: README.md did not document \`mod()\`; it does now.` } },
    },
    {
      name: "dev: answer the requested changes (a zero factor)",
      match: String.raw`## Review round \d+ of \d+: @[^\n]*requested changes[\s\S]*${escape(DEMO_REQUESTED.finding)}`,
      actions: [{ edit: DEMO_REQUESTED.fix }],
      result: { text: "Done.", status: "ok", structured: { status: "implemented", summary: "`test/multiply.test.js` now also checks `multiply(5, 0) === 0`, as the review asked." } },
    },
    {
      name: `re-review: ${DEMO_REQUESTED.title}`,
      match: String.raw`^# Task: re-review \(round \d+\) of pull request${linked(DEMO_REQUESTED.title)}`,
      result: approve("the zero factor is tested now, as requested", "### Summary\n\nThe requested test for a zero factor is there. CI is green.\n\n### Findings\n\nNone."),
    },
    {
      name: `review (first round, changes requested): ${DEMO_REQUESTED.title}`,
      match: String.raw`^# Task: review of pull request${linked(DEMO_REQUESTED.title)}`,
      result: {
        text: "Reviewed.",
        status: "ok",
        structured: {
          verdict: "REQUEST_CHANGES",
          reason: DEMO_REQUESTED.finding,
          findings: [{ severity: "medium", file: DEMO_REQUESTED.fix.path, line: 5, message: `${DEMO_REQUESTED.finding}: add \`assert.equal(multiply(5, 0), 0)\``, introduced_by_pr: true }],
          review_markdown: `### Summary\n\nAdds \`multiply(a, b)\` with tests; CI is green.\n\n### Findings\n\n- **medium** \`${DEMO_REQUESTED.fix.path}\`: ${DEMO_REQUESTED.finding}.`,
        },
      },
    },
  ];
}

function implementActions(c: DemoChange, factory: boolean): unknown[] {
  const actions: unknown[] = [{ read: { path: "src/calc.js" } }, { edit: { path: "src/calc.js", old: c.edit.old, new: c.edit.new } }, { write: { path: c.test.path, content: c.test.content } }];
  // The planner's issue is the trap: its first attempt forgets README.md, which only CI checks.
  if (factory && c.readme !== undefined && c.title !== PLANNER_ISSUE.title) actions.push({ edit: { path: "README.md", old: README_ANCHOR, new: withReadme(c.readme) } });
  return actions;
}

/**
 * The demo's script for the scripted backend, validated; `vagueIssue` is the number of
 * DEMO_VAGUE_ISSUE. The factory demo adds the trap's fix and a review that requests changes.
 */
export function demoScript(vagueIssue: number, factory = false): Script {
  const review = String.raw`^# Task: (?:re-)?review(?: \(round \d+\))? of pull request`;
  const tasks: unknown[] = [
    ...(factory ? factoryTasks() : []),
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
    {
      name: "planner: plan from VISION.md",
      match: String.raw`^# Task: run-planner`,
      result: { text: "Planned.", status: "ok", structured: DEMO_PLAN },
    },
    ...DEMO_CHANGES.map((c) => ({
      name: `review: ${c.title}`,
      match: String.raw`${review}${linked(c.title)}`,
      result: approve(c.review.reason, c.review.markdown),
    })),
    ...DEMO_CHANGES.map((c) => ({
      name: `implement: ${c.title}`,
      match: String.raw`^# Task\n[\s\S]*\n## Issue #\d+, its title:\n\n\x60+text\n${titled(c.title)}[^\n]*\n`,
      actions: implementActions(c, factory),
      result: { text: "Implemented.", status: "ok", structured: { status: "implemented", summary: c.summary } },
    })),
  ];
  return parseScript({ tasks }, "the demo script");
}
