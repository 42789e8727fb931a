// `disinto schema [project|formula]`: the JSON Schema of a config file, for editors.
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { write, type Command } from "../command.ts";
import { EXIT_OK, UsageError } from "../../lib/errors.ts";
import { jsonSchemaFor } from "../../config/json-schema.ts";
import type { ConfigKind } from "../../config/load.ts";

const KINDS: readonly ConfigKind[] = ["project", "formula"];

export const schemaCommand: Command = {
  name: ["schema"],
  summary: "Print the JSON Schema of project configs or formulas",
  usage: "schema [project|formula] [--out FILE]",
  description: `
Prints the JSON Schema (draft-07) of a project config (the default) or of a formula, with a
description for every key. Point an editor at it for completion and checks as you type, e.g.
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
    if (!KINDS.includes(kind as ConfigKind)) throw new UsageError(`schema: unknown kind '${kind}'; expected project or formula`);
    const json = `${JSON.stringify(jsonSchemaFor(kind as ConfigKind), null, 2)}\n`;
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
