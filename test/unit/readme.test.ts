// README.md's generated sections (commands, settings, config reference) must match the code.
import { it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { render } from "../../src/build/docs.ts";

it("README.md's generated sections are up to date (run `npm run docs`)", async () => {
  const readme = await readFile("README.md", "utf8");
  assert.equal(render(readme), readme);
});

it("the generator fails loudly when a marker is missing", () => {
  assert.throws(() => render("# no markers\n"), /README\.md has no "<!-- BEGIN generated: commands -->"/);
});
