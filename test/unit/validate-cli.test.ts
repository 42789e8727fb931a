import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, writeFile, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import { captureIo } from "../helpers/io.ts";
import { PROJECT_TOML } from "../fixtures/project-toml.ts";

const PROJECT = PROJECT_TOML;

const FORMULA = `name = "groom"
description = "Groom the backlog."
version = 1

[[steps]]
id = "look"
title = "Look"
description = "Look around."
`;

let dir: string;

async function put(rel: string, text: string): Promise<void> {
  await mkdir(join(dir, rel, ".."), { recursive: true });
  await writeFile(join(dir, rel), text);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "disinto-validate-"));
  // An ops repo checkout: one good and one bad file of each kind.
  await put("ops/projects/widgets.toml", PROJECT);
  await put("ops/projects/gadgets.toml", PROJECT.replace('name = "widgets"', 'name = "gadgets"').replace('login = "review-bot"', 'login = "dev-bot"'));
  await put("ops/formulas/groom.toml", FORMULA);
  await put("ops/formulas/broken.toml", FORMULA.replace('name = "groom"', 'name = "broken"').replace("version = 1", "version = 0"));
  await put("ops/notes.toml", "not = 'checked: outside projects/ and formulas/'\n");
  // A good-only ops repo, and loose files decided by content.
  await put("good/projects/widgets.toml", PROJECT);
  await put("good/formulas/groom.toml", FORMULA);
  await put("loose/anything.toml", PROJECT);
  await put("loose/steps.toml", FORMULA);
  await put("unclear/what.toml", "colour = 'red'\n");
  // An agent's formulas one folder down (formulas/gardener/<task>.toml).
  await put("agents/formulas/groom.toml", FORMULA);
  await put("agents/formulas/gardener/enrich.toml", FORMULA.replace('name = "groom"', 'name = "enrich"'));
  await put("agents/formulas/gardener/broken.toml", FORMULA.replace("version = 1", "version = 0"));
  await mkdir(join(dir, "empty"));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("disinto validate", () => {
  it("checks an ops repo: one line per file, every problem on stderr, exit 2", async () => {
    const io = captureIo({}, dir);
    assert.equal(await main(["validate", "ops"], io), 2);
    assert.equal(
      io.out(),
      [
        "fail ops/projects/gadgets.toml (project config)",
        "ok   ops/projects/widgets.toml (project config)",
        "fail ops/formulas/broken.toml (formula)",
        "ok   ops/formulas/groom.toml (formula)",
        "",
      ].join("\n"),
    );
    assert.equal(
      io.err(),
      [
        'ops/projects/gadgets.toml:11: identities.review.login: must differ from identities.dev.login ("dev-bot"): Forgejo refuses an approval from the PR\'s author, and the dev identity authors the PRs',
        "ops/formulas/broken.toml:3: version: must be at least 1, got 0",
        "disinto validate: 2 problems in 2 of 4 files",
        "",
      ].join("\n"),
    );
  });

  it("exits 0 when every file is valid; without an argument it checks the current directory", async () => {
    const io = captureIo({}, join(dir, "good"));
    assert.equal(await main(["validate"], io), 0);
    assert.equal(io.out(), "ok   projects/widgets.toml (project config)\nok   formulas/groom.toml (formula)\n");
    assert.equal(io.err(), "");
  });

  it("checks one file, deciding its kind by content outside projects/ and formulas/", async () => {
    for (const [file, kind] of [
      ["loose/anything.toml", "project config"],
      ["loose/steps.toml", "formula"],
    ] as const) {
      const io = captureIo({}, dir);
      assert.equal(await main(["validate", file], io), 0, io.err());
      assert.equal(io.out(), `ok   ${file} (${kind})\n`);
    }
    const io = captureIo({}, dir);
    assert.equal(await main(["validate", "loose"], io), 0);
    assert.equal(io.out(), "ok   loose/anything.toml (project config)\nok   loose/steps.toml (formula)\n");
  });

  it("checks an agent's formulas in its folder of formulas/ (formulas/gardener/*.toml)", async () => {
    let io = captureIo({}, dir);
    assert.equal(await main(["validate", "agents"], io), 2);
    assert.equal(io.out(), ["ok   agents/formulas/groom.toml (formula)", "fail agents/formulas/gardener/broken.toml (formula)", "ok   agents/formulas/gardener/enrich.toml (formula)", ""].join("\n"));
    assert.equal(io.err(), "agents/formulas/gardener/broken.toml:3: version: must be at least 1, got 0\ndisinto validate: 1 problem in 1 of 3 files\n");
    for (const target of ["agents/formulas/gardener", "agents/formulas/gardener/broken.toml"]) {
      io = captureIo({}, dir);
      assert.equal(await main(["validate", target], io), 2, target);
      assert.match(io.out(), /^fail agents\/formulas\/gardener\/broken\.toml \(formula\)$/m, target);
    }
  });

  it("says so when a file is neither kind", async () => {
    const io = captureIo({}, dir);
    assert.equal(await main(["validate", "unclear/what.toml"], io), 2);
    assert.equal(io.out(), "fail unclear/what.toml\n");
    assert.match(io.err(), /^unclear\/what\.toml: cannot tell whether this is a project config or a formula: put it in a projects\/ or formulas\/ folder/);
  });

  it("a missing path, or nothing to check, is exit 2 with a clear message", async () => {
    let io = captureIo({}, dir);
    assert.equal(await main(["validate", "nope.toml"], io), 2);
    assert.equal(io.err(), "disinto: validate: no such file or directory: nope.toml\n");
    io = captureIo({}, dir);
    assert.equal(await main(["validate", "empty"], io), 2);
    assert.equal(io.err(), "disinto: validate: nothing to check in empty: no projects/*.toml, formulas/*.toml or *.toml files\n");
  });

  it("validates the formulas this package ships", async () => {
    const io = captureIo({}, process.cwd());
    assert.equal(await main(["validate", "formulas"], io), 0, io.err());
    assert.match(io.out(), /^ok {3}formulas\/dev\.toml \(formula\)$/m);
    assert.match(io.out(), /^ok {3}formulas\/review-pr\.toml \(formula\)$/m);
    // the gardener's, one per task that asks the model
    for (const task of ["enrich-underspecified", "enrich-bug-report", "bundle-dust", "agents-md-stale"]) assert.match(io.out(), new RegExp(`^ok {3}formulas/gardener/${task}\\.toml \\(formula\\)$`, "m"), task);
  });

  it("--help documents how files are classified", async () => {
    const io = captureIo();
    assert.equal(await main(["validate", "--help"], io), 0);
    assert.match(io.out(), /Usage: disinto validate \[FILE\|DIR\]/);
    assert.match(io.out(), /projects\/\*\.toml as project configs and formulas\/\*\.toml as formulas/);
  });
});

describe("disinto schema", () => {
  it("prints the project config's JSON Schema by default", async () => {
    const io = captureIo();
    assert.equal(await main(["schema"], io), 0);
    const schema = JSON.parse(io.out()) as Record<string, unknown>;
    assert.equal(schema.$schema, "http://json-schema.org/draft-07/schema#");
    assert.equal(schema.title, "disinto project config");
    const props = schema.properties as Record<string, { description?: string }>;
    assert.match(props.repo?.description ?? "", /owner\/name/);
  });

  it("writes the formula schema to --out", async () => {
    const io = captureIo({}, dir);
    assert.equal(await main(["schema", "formula", "--out", "formula.schema.json"], io), 0);
    assert.equal(io.out(), "wrote formula.schema.json\n");
    const schema = JSON.parse(await readFile(join(dir, "formula.schema.json"), "utf8")) as Record<string, unknown>;
    assert.equal(schema.title, "disinto formula");
    assert.ok("steps" in (schema.properties as object));
  });

  it("an unknown kind is exit 2", async () => {
    const io = captureIo();
    assert.equal(await main(["schema", "vault"], io), 2);
    assert.equal(io.err(), "disinto: schema: unknown kind 'vault'; expected project, formula, script, vault-action\n");
  });
});
