// Every `disinto` command, in the order `disinto --help` lists them.
// Add a command: one file under src/cli/commands/, one line here.
import type { Command } from "./command.ts";
import { validateCommand } from "./commands/validate.ts";
import { schemaCommand } from "./commands/schema.ts";

export const commands: Command[] = [
  validateCommand,
  schemaCommand,
];
