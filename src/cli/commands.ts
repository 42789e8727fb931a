// Every `disinto` command, in the order `disinto --help` lists them.
// Add a command: one file under src/cli/commands/, one line here.
import type { Command } from "./command.ts";

export const commands: Command[] = [];
