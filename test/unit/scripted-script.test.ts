// The scripted backend's script format: its JSON Schema (`disinto schema script`) describes every
// key, the README's example is a valid script, and a script that is missing, does not parse or
// has a wrong key is a config error naming the file and the key.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import { ConfigError } from "../../src/lib/errors.ts";
import { loadScript, parseScript, parseScriptText, scriptJsonSchema } from "../../src/llm/scripted/script.ts";
import { captureIo } from "../helpers/io.ts";

type Json = Record<string, unknown>;

/** Every property schema, with its path, through objects, arrays and unions. */
function properties(schema: Json, path = ""): [string, Json][] {
  const out: [string, Json][] = [];
  for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
    out.push([`${path}${k}`, v], ...properties(v, `${path}${k}.`));
  }
  if (typeof schema.items === "object" && schema.items !== null) out.push(...properties(schema.items as Json, `${path}[].`));
  for (const alt of (schema.anyOf ?? schema.oneOf ?? []) as Json[]) out.push(...properties(alt, path));
  return out;
}

describe("scripted backend script", () => {
  it("`disinto schema script` prints a draft-07 schema with a description on every key", async () => {
    const io = captureIo();
    assert.equal(await main(["schema", "script"], io), 0, io.err());
    const schema = JSON.parse(io.out()) as Json;
    assert.deepEqual(schema, scriptJsonSchema());
    assert.equal(schema.$schema, "http://json-schema.org/draft-07/schema#");
    assert.equal(schema.additionalProperties, false, "unknown keys are errors, not ignored");
    const props = properties(schema);
    for (const key of ["tasks", "tasks.[].match", "tasks.[].actions", "tasks.[].result.structured", "tasks.[].actions.[].edit.old", "tasks.[].costUsd"]) {
      assert.ok(props.some(([p]) => p === key), `${key} is in the schema`);
    }
    const undocumented = props.filter(([, s]) => typeof s.description !== "string" || s.description.length < 10).map(([p]) => p);
    assert.deepEqual(undocumented, []);
  });

  it("the README's example is a valid script", async () => {
    const readme = await readFile("README.md", "utf8");
    const section = readme.slice(readme.indexOf("### The scripted backend's script"));
    const example = /```toml\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(example, "the section has a TOML example");
    const script = parseScriptText(example, "README example.toml");
    assert.equal(script.tasks.length, 2);
    assert.deepEqual(script.tasks[0]?.actions.map((a) => Object.keys(a)[0]), ["edit", "write"]);
    assert.ok(new RegExp(script.tasks[0]?.match ?? "^$").test("## Issue #3, its title:\n\n```text\nAdd multiply(a, b)\n"));
  });

  it("a wrong key or value names the script file and the key", () => {
    const issues = (data: unknown): string[] => {
      try {
        parseScript(data, "s.json");
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.issues.map((i) => `${i.file}: ${i.path}: ${i.message}`);
      }
      return [];
    };
    assert.match(issues({ tasks: [{ actoins: [] }] }).join("\n"), /^s\.json: tasks\.0: .*actoins/m);
    assert.match(issues({ tasks: [{ match: "(" }] }).join("\n"), /^s\.json: tasks\.0\.match: not a valid regular expression$/m);
    assert.match(issues({ tasks: [] }).join("\n"), /^s\.json: tasks: /m);
    assert.match(issues({ tasks: [{ actions: [{ delete: { path: "x" } }] }] }).join("\n"), /^s\.json: tasks\.0\.actions\.0: /m);
    assert.throws(() => parseScriptText("{ not json", "s.json"), /s\.json: cannot parse: /);
  });

  it("a script file that cannot be read is a config error naming the config's file and key", async () => {
    const dir = await mkdtemp(join(tmpdir(), "scripted-script-"));
    try {
      const missing = join(dir, "none.json");
      await assert.rejects(loadScript(missing, { file: "projects/shop.toml", key: "backends.local.script" }), (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.equal(err.exitCode, 2);
        assert.equal(err.message, `projects/shop.toml: backends.local.script: cannot read ${missing} (no such file): expected the scripted backend's script, a JSON or TOML file (see \`disinto schema script\`)`);
        return true;
      });
      const file = join(dir, "ok.toml");
      await writeFile(file, '[[tasks]]\nresult = { text = "ready" }\n');
      assert.equal((await loadScript(file)).tasks[0]?.result.text, "ready");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
