// JSON Schemas of the config files, for editors: taplo / Even Better TOML validate and
// complete a TOML file that starts with `#:schema ./disinto-project.schema.json`.
// They describe the file as written (the input side: defaults are optional), and use draft-07,
// which those editors support. Cross-field rules and secret detection are beyond JSON Schema:
// `disinto validate` remains the full check.
import { z } from "zod";
import { ProjectConfigSchema } from "./project.ts";
import { FormulaSchema } from "./formula.ts";
import type { ConfigKind } from "./load.ts";

export type JsonSchema = Record<string, unknown>;

const TITLES: Record<ConfigKind, string> = {
  project: "disinto project config",
  formula: "disinto formula",
};

export function jsonSchemaFor(kind: ConfigKind): JsonSchema {
  const schema = kind === "project" ? ProjectConfigSchema : FormulaSchema;
  const generated = z.toJSONSchema(schema, { io: "input", target: "draft-7", unrepresentable: "any" }) as JsonSchema;
  // `$schema` first, then the title, so the file reads well from the top.
  const { $schema, ...rest } = generated;
  return { $schema, title: TITLES[kind], ...rest };
}

export function projectJsonSchema(): JsonSchema {
  return jsonSchemaFor("project");
}

export function formulaJsonSchema(): JsonSchema {
  return jsonSchemaFor("formula");
}
