import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDeps } from "../../src/lib/deps.ts";

const body = (...lines: string[]): string => lines.join("\n");

test("a ## Dependencies section lists every #N up to the next #/## heading", () => {
  assert.deepEqual(parseDeps(body("Intro #1", "## Dependencies", "- #12", "- #3 and #40", "## Notes", "see #99")), [3, 12, 40]);
});

test("section headings are case-insensitive, take # or ##, optional spaces, and all three names", () => {
  assert.deepEqual(parseDeps(body("# depends on", "#7")), [7]);
  assert.deepEqual(parseDeps(body("##Blocked by", "#8")), [8]);
  assert.deepEqual(parseDeps(body("##   DEPENDENCIES", "#9")), [9]);
});

test("### sub-headings stay inside the section; a # or ## heading ends it", () => {
  assert.deepEqual(parseDeps(body("## Dependencies", "### Backend", "- #5", "### Frontend", "- #6", "# Next", "- #7")), [5, 6]);
});

test("### is not a dependency section heading", () => {
  assert.deepEqual(parseDeps(body("### Dependencies", "- #5")), []);
});

test("inline 'depends on' / 'blocked by' lines count anywhere outside code fences", () => {
  assert.deepEqual(parseDeps(body("This Depends On #21 and #22.", "Also BLOCKED BY #4", "Mentions #30 only")), [4, 21, 22]);
});

test("inline lines inside a fenced code block do not count", () => {
  assert.deepEqual(parseDeps(body("```", "depends on #50", "```", "depends on #51")), [51]);
});

test("the section form reads references inside fences too, as the original did", () => {
  assert.deepEqual(parseDeps(body("## Depends on", "```", "#60", "```")), [60]);
});

test("## Related is never a dependency section, not even for inline phrases", () => {
  assert.deepEqual(parseDeps(body("## Related", "- #70 (depends on the same API)", "- #71")), []);
  // ...and a Related heading ends a dependency section.
  assert.deepEqual(parseDeps(body("## Dependencies", "- #1", "## Related", "- #2")), [1]);
});

test("a heading mentioning a number counts it only through the inline rule", () => {
  assert.deepEqual(parseDeps(body("## Depends on #12")), [12]);
  assert.deepEqual(parseDeps(body("## Dependencies: #13")), []);
});

test("results are sorted, unique and positive; CRLF bodies work", () => {
  assert.deepEqual(parseDeps("## Dependencies\r\n- #10\r\n- #2\r\n- #10\r\n- #0\r\n"), [2, 10]);
});

test("an empty body has no dependencies", () => {
  assert.deepEqual(parseDeps(""), []);
});
