import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { jsonSchemaFor, type JsonSchema } from "../../src/config/json-schema.ts";

/** Every property schema in `schema`, with its path, through objects, lists, maps and unions. */
function properties(schema: JsonSchema, path = ""): [string, JsonSchema][] {
  const out: [string, JsonSchema][] = [];
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [k, v] of Object.entries(props)) {
    out.push([`${path}${k}`, v]);
    out.push(...properties(v, `${path}${k}.`));
  }
  for (const key of ["items", "additionalProperties"] as const) {
    const sub = schema[key];
    if (typeof sub === "object" && sub !== null) out.push(...properties(sub as JsonSchema, `${path}${key === "items" ? "[]" : "*"}.`));
  }
  for (const alt of (schema.oneOf ?? schema.anyOf ?? []) as JsonSchema[]) out.push(...properties(alt, path));
  return out;
}

describe("JSON Schema export", () => {
  for (const kind of ["project", "formula"] as const) {
    it(`${kind}: draft-07, strict about unknown keys, a description on every field`, () => {
      const schema = jsonSchemaFor(kind);
      assert.equal(schema.$schema, "http://json-schema.org/draft-07/schema#");
      assert.equal(schema.type, "object");
      assert.equal(schema.additionalProperties, false);
      assert.equal(typeof schema.description, "string");
      const props = properties(schema);
      assert.ok(props.length > 10, `only ${props.length} properties`);
      const undocumented = props.filter(([, s]) => typeof s.description !== "string" || s.description.length < 10).map(([p]) => p);
      assert.deepEqual(undocumented, []);
      // A valid document round-trips through JSON.
      assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema);
    });
  }

  it("project: required keys and defaults are what the loader uses", () => {
    const schema = jsonSchemaFor("project");
    assert.deepEqual(schema.required, ["name", "forge_url", "repo"]);
    const props = Object.fromEntries(properties(schema));
    assert.equal(props.primary_branch?.default, "main");
    assert.deepEqual(props.protected_paths?.default, [".woodpecker/**"]);
    assert.equal(props["review.diff_max_bytes"]?.default, 25000);
    assert.equal(props["limits.ci_fix_attempts"]?.default, 3);
    assert.equal(props["schedules.dev"]?.default, "*/5 * * * *");
    // Backends: one alternative per type, each with its own keys.
    const types = properties(schema)
      .filter(([p]) => p === "backends.*.type")
      .map(([, s]) => s.const);
    assert.deepEqual(types, ["claude-cli", "openai", "scripted"]);
  });

  it("formula: steps are a non-empty list of tables with id, title and description", () => {
    const schema = jsonSchemaFor("formula");
    const steps = (schema.properties as Record<string, JsonSchema>).steps;
    assert.equal(steps?.minItems, 1);
    assert.deepEqual((steps?.items as JsonSchema).required, ["id", "title", "description"]);
  });
});
