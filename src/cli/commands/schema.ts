// `disinto schema [project|formula|script]`: the JSON Schema of a file disinto reads, for editors.
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { write, type Command } from "../command.ts";
import { EXIT_OK, UsageError } from "../../lib/errors.ts";
import { jsonSchemaFor } from "../../config/json-schema.ts";
import type { ConfigKind } from "../../config/load.ts";
import { scriptJsonSchema } from "../../llm/scripted/script.ts";
import { vaultActionSchema } from "../../vault/action.ts";
import { z } from "zod";

/** Every subject, in the order help names them; the config files and the scripted backend's script. */
const SUBJECTS: Record<ConfigKind | "script" | "vault-action", () => Record<string, unknown>> = {
  project: () => jsonSchemaFor("project"),
  formula: () => jsonSchemaFor("formula"),
  script: scriptJsonSchema,
  "vault-action": () => z.toJSONSchema(vaultActionSchema, { io: "input", target: "draft-7" }),
};

export const schemaCommand: Command = {
  name: ["schema"],
  summary: "Print the JSON Schema of project configs, formulas, scripted-backend scripts or vault actions",
  usage: "schema [project|formula|script|vault-action] [--out FILE]",
  description: `
Prints the JSON Schema (draft-07) of a project config (the default), of a formula, of a
script of the scripted backend (JSON or TOML), or of a vault action (vault/actions/<id>.toml), with a description for every key. Point an editor at it for completion and checks as you type, e.g.
with taplo / Even Better TOML, as the first line of projects/<name>.toml:

  #:schema ./disinto-project.schema.json

The schema covers keys, types and formats; \`disinto validate\` also checks the rules that span
keys (backend references, distinct dev and review logins) and that no secret is in the file.`,
  options: {
    out: { type: "string", value: "FILE", short: "o", description: "Write the schema to FILE instead of stdout." },
  },
  args: { min: 0, max: 1 },
  async run({ args, flags, io }) {
    const kind = args[0] ?? "project";
    const schema = Object.hasOwn(SUBJECTS, kind) ? SUBJECTS[kind as keyof typeof SUBJECTS] : undefined;
    if (schema === undefined) throw new UsageError(`schema: unknown kind '${kind}'; expected ${Object.keys(SUBJECTS).join(", ")}`);
    const json = `${JSON.stringify(schema(), null, 2)}\n`;
    const out = flags.out;
    if (typeof out === "string") {
      await writeFile(resolve(io.cwd, out), json);
      write(io.stdout, `wrote ${out}`);
    } else {
      io.stdout.write(json);
    }
    return EXIT_OK;
  },
};
