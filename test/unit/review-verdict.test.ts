// The reviewer's result contract, the markers it leaves on the forge, and the config rules the
// review agent relies on.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseProjectConfig } from "../../src/config/load.ts";
import { loadFormula } from "../../src/config/load.ts";
import type { Comment, Review } from "../../src/forge/types.ts";
import { ConfigError } from "../../src/lib/errors.ts";
import { errorCount, hasFormalReview, openRejections, reviewComments, verdictOfComment } from "../../src/agents/review/markers.ts";
import { shippedFormulaPath } from "../../src/config/formula-source.ts";
import { FORMULA_NAME } from "../../src/agents/review/formula.ts";
import { followUpFindings, reviewEventOf, verdictSchema } from "../../src/agents/review/verdict.ts";

const SHA = "a".repeat(40);
const SHA2 = "b".repeat(40);

describe("review verdict schema", () => {
  it("normalises the spellings models use and fills defaults", () => {
    const v = verdictSchema.parse({
      verdict: " request-changes ",
      reason: "two bugs\nand more detail",
      findings: [{ severity: "High", message: "off by one", introduced_by_pr: true }],
      review_markdown: "### Findings",
    });
    assert.equal(v.verdict, "REQUEST_CHANGES");
    assert.equal(v.reason, "two bugs");
    assert.deepEqual(v.findings, [{ severity: "high", file: "", line: null, message: "off by one", introduced_by_pr: true }]);
    assert.deepEqual(verdictSchema.parse({ verdict: "approve", reason: "ok", review_markdown: "fine" }).findings, []);
  });

  it("refuses what cannot be posted: unknown verdicts, empty reviews, findings without a side", () => {
    const bad = [
      { verdict: "MAYBE", reason: "x", review_markdown: "y" },
      { verdict: "APPROVE", reason: "x", review_markdown: "   " },
      { verdict: "APPROVE", reason: "", review_markdown: "y" },
      { verdict: "APPROVE", reason: "x", review_markdown: "y", findings: [{ severity: "medium", message: "m" }] },
      { verdict: "APPROVE", reason: "x", review_markdown: "y", findings: [{ severity: "urgent", message: "m", introduced_by_pr: false }] },
      { verdict: "APPROVE", reason: "x", review_markdown: "y".repeat(50_001) },
    ];
    for (const b of bad) assert.equal(verdictSchema.safeParse(b).success, false, JSON.stringify(b).slice(0, 120));
  });

  it("maps verdicts to formal review events (DISCUSS blocks like REQUEST_CHANGES)", () => {
    assert.equal(reviewEventOf("APPROVE"), "APPROVED");
    assert.equal(reviewEventOf("REQUEST_CHANGES"), "REQUEST_CHANGES");
    assert.equal(reviewEventOf("DISCUSS"), "REQUEST_CHANGES");
  });

  it("follow-ups: pre-existing findings of medium severity or worse only", () => {
    const f = (severity: string, introduced_by_pr: boolean) => verdictSchema.shape.findings.parse([{ severity, message: severity, introduced_by_pr }])[0]!;
    const all = [f("critical", false), f("high", false), f("medium", false), f("low", false), f("info", false), f("critical", true)];
    assert.deepEqual(
      followUpFindings(all).map((x) => x.severity),
      ["critical", "high", "medium"],
    );
  });
});

const comment = (id: number, author: string, body: string, at = id): Comment => ({
  id,
  author,
  body,
  createdAt: new Date(at * 1000),
  updatedAt: new Date(at * 1000),
  htmlUrl: "",
});
const review = (id: number, author: string, state: Review["state"], commitId: string, dismissed = false): Review => ({
  id,
  author,
  state,
  body: "x",
  commitId,
  stale: false,
  official: true,
  dismissed,
  submittedAt: undefined,
});

describe("review markers", () => {
  it("only the review identity's comments count, in time order", () => {
    const comments = [
      comment(3, "Review-Bot", `## AI Re-review (round 2)\n<!-- reviewed: ${SHA2} -->`, 30),
      comment(1, "review-bot", `## AI Review\n<!-- reviewed: ${SHA} -->`, 10),
      comment(2, "mallory", `<!-- reviewed: ${SHA2} -->`, 20),
    ];
    assert.deepEqual(
      reviewComments(comments, "review-bot").map((c) => [c.comment.id, c.sha]),
      [
        [1, SHA],
        [3, SHA2],
      ],
    );
  });

  it("error markers are counted per SHA and per author", () => {
    const comments = [
      comment(1, "review-bot", `<!-- review-error: ${SHA} -->`),
      comment(2, "review-bot", `<!-- review-error: ${SHA} -->`),
      comment(3, "review-bot", `<!-- review-error: ${SHA2} -->`),
      comment(4, "someone", `<!-- review-error: ${SHA} -->`),
    ];
    assert.equal(errorCount(comments, "review-bot", SHA), 2);
    assert.equal(errorCount(comments, "review-bot", SHA2), 1);
  });

  it("a formal verdict on the head counts; comments, pending reviews, other commits and other people do not", () => {
    assert.equal(hasFormalReview([review(1, "review-bot", "COMMENT", SHA), review(2, "review-bot", "PENDING", SHA)], "review-bot", SHA), false);
    assert.equal(hasFormalReview([review(1, "review-bot", "APPROVED", SHA2), review(2, "human", "APPROVED", SHA)], "review-bot", SHA), false);
    assert.equal(hasFormalReview([review(1, "review-bot", "REQUEST_CHANGES", SHA, true)], "review-bot", SHA), true);
    assert.deepEqual(
      openRejections([review(1, "review-bot", "REQUEST_CHANGES", SHA), review(2, "review-bot", "REQUEST_CHANGES", SHA2, true), review(3, "human", "REQUEST_CHANGES", SHA)], "review-bot").map((r) => r.id),
      [1],
    );
  });

  it("reads the verdict line back", () => {
    assert.deepEqual(verdictOfComment("### Verdict\n\n**DISCUSS** — needs a human\n---"), { verdict: "DISCUSS", reason: "needs a human" });
    assert.equal(verdictOfComment("**MAYBE** — x"), undefined);
  });
});

describe("config and formula the review agent relies on", () => {
  const toml = (reviewLogin: string) => `name = "w"
forge_url = "https://forge.example.org"
repo = "acme/w"

[identities.dev]
login = "dev-bot"
token_secret = "DEV"
backend = "b"

[identities.review]
login = "${reviewLogin}"
token_secret = "REVIEW"
backend = "b"

[backends.b]
type = "claude-cli"
`;

  it("refuses a review identity equal to the dev identity, whatever the case (Forgejo would answer 422)", () => {
    for (const login of ["dev-bot", "Dev-Bot"]) {
      assert.throws(
        () => parseProjectConfig(toml(login), "p.toml"),
        (err: unknown) => err instanceof ConfigError && err.issues.some((i) => i.path === "identities.review.login" && /must differ from identities\.dev\.login/.test(i.message)),
      );
    }
    assert.equal(parseProjectConfig(toml("review-bot"), "p.toml").identities.review?.login, "review-bot");
    assert.deepEqual(parseProjectConfig(toml("review-bot"), "p.toml").review, { diff_max_bytes: 25000, max_per_tick: 3, followups_max: 5 });
  });

  it("the shipped formula is found from the source tree and asks for the result this agent validates", async () => {
    const path = shippedFormulaPath(FORMULA_NAME);
    assert.match(path, /formulas\/review-pr\.toml$/);
    const f = await loadFormula(path);
    const text = f.steps.map((s) => s.description).join("\n");
    for (const key of ['"verdict"', '"reason"', '"findings"', '"severity"', '"introduced_by_pr"', '"review_markdown"']) assert.ok(text.includes(key), key);
    assert.deepEqual(f.context.files, ["AGENTS.md"]);
  });
});
