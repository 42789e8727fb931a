// `disinto` command-line entry: finds the command, parses its flags strictly, prints help
// and version, and maps errors to exit codes (2 for bad input, 1 for failures).
import { parseArgs, type ParseArgsConfig } from "node:util";
import { commands, type CommandEntry } from "./commands.ts";
import { write, type CliIo, type Command, type OptionSpec } from "./command.ts";
import { HELP_OPTION, commandHelp, globalHelp, groupHelp } from "./help.ts";
import { UsageError, EXIT_OK, EXIT_USAGE, exitCodeOf, errorMessage } from "../lib/errors.ts";
import { VERSION } from "../lib/version.ts";

const isHelp = (arg: string | undefined): boolean => arg === "--help" || arg === "-h";

export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    const code = exitCodeOf(err);
    write(io.stderr, `disinto: ${errorMessage(err)}`);
    return code;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const first = argv[0];
  if (first === undefined || isHelp(first) || first === "help") {
    const topic = first === "help" ? argv.slice(1) : [];
    if (topic.length > 0) return help(topic, io);
    write(io.stdout, globalHelp(commands));
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === "--version" || first === "-V" || first === "version") {
    write(io.stdout, VERSION);
    return EXIT_OK;
  }
  if (first.startsWith("-")) throw new UsageError(`unknown flag ${first}; see \`disinto --help\``);
  // `disinto lock --help`: a group answers help like a command does
  if (isHelp(argv[1]) && groupOf(first).length > 0) return help([first], io);
  const found = findCommand(argv);
  if (!found) throw unknownCommand(argv);
  const { rest } = found;
  const command = await found.entry.load();
  const options: Record<string, OptionSpec> = { help: HELP_OPTION, ...command.options };
  const parsed = parseFlags(command, options, rest);
  if (parsed.values.help === true) {
    write(io.stdout, commandHelp(command));
    return EXIT_OK;
  }
  const bounds = command.args ?? { min: 0, max: 0 };
  if (parsed.positionals.length < bounds.min || parsed.positionals.length > bounds.max) {
    throw new UsageError(`${argCountMessage(command, parsed.positionals.length)}; usage: disinto ${command.usage}`);
  }
  return command.run({ args: parsed.positionals, flags: parsed.values, io });
}

/** `disinto help <topic…>`: a command's help, or a group's list of subcommands. */
async function help(topic: string[], io: CliIo): Promise<number> {
  const found = findCommand(topic);
  if (found && found.rest.length === 0) {
    write(io.stdout, commandHelp(await found.entry.load()));
    return EXIT_OK;
  }
  const group = topic.length === 1 ? groupOf(topic[0] ?? "") : [];
  if (group.length === 0) throw unknownCommand(topic);
  write(io.stdout, groupHelp(topic[0] ?? "", group));
  return EXIT_OK;
}

/** The commands of a group such as `lock` (`lock acquire`, `lock release`, …). */
function groupOf(word: string): CommandEntry[] {
  return commands.filter((c) => c.name[0] === word && c.name.length > 1);
}

function parseFlags(command: Command, options: Record<string, OptionSpec>, rest: string[]) {
  const config: ParseArgsConfig["options"] = {};
  for (const [name, spec] of Object.entries(options)) {
    config[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  try {
    return parseArgs({ args: rest, options: config, allowPositionals: true, strict: true });
  } catch (err) {
    // A token flag a command does not take: say where the token goes instead.
    const secret = /Unknown option '--([a-z-]*(?:token|password|key))'/.exec(errorMessage(err))?.[1];
    if (secret !== undefined) {
      const variable = `DISINTO_${secret.replace(/-/g, "_").toUpperCase()}`;
      throw new UsageError(`--${secret} is not accepted (disinto ${command.name.join(" ")}): secrets never go on the command line, where process lists and shell history show them; set ${variable} in the environment`);
    }
    // node's messages are good but name no command; add it and where to look.
    const msg = errorMessage(err).replace(/\. To specify a positional argument.*$/s, "");
    throw new UsageError(`${msg} (disinto ${command.name.join(" ")}); see \`disinto ${command.name.join(" ")} --help\``);
  }
}

function argCountMessage(command: Command, got: number): string {
  const b = command.args ?? { min: 0, max: 0 };
  const want = b.min === b.max ? `${b.min}` : b.max === Infinity ? `at least ${b.min}` : `${b.min} to ${b.max}`;
  return `\`disinto ${command.name.join(" ")}\` takes ${want} argument${b.max === 1 ? "" : "s"}, got ${got}`;
}

function findCommand(argv: string[]): { entry: CommandEntry; rest: string[] } | undefined {
  let best: CommandEntry | undefined;
  for (const c of commands) {
    if (c.name.every((w, i) => argv[i] === w) && (!best || c.name.length > best.name.length)) best = c;
  }
  return best ? { entry: best, rest: argv.slice(best.name.length) } : undefined;
}

function unknownCommand(argv: string[]): UsageError {
  const groups = groupOf(argv[0] ?? "");
  if (groups.length > 0) {
    const subs = groups.map((c) => c.name.slice(1).join(" ")).join(", ");
    const given = argv[1] ?? "";
    return new UsageError(`${given ? `unknown subcommand '${given}'` : "missing subcommand"} for \`disinto ${argv[0]}\`; expected one of: ${subs}`);
  }
  return new UsageError(`unknown command '${argv[0]}'; see \`disinto --help\` for the list`);
}
