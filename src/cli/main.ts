// `disinto` command-line entry: finds the command, parses its flags strictly, prints help
// and version, and maps errors to exit codes (2 for bad input, 1 for failures).
import { parseArgs, type ParseArgsConfig } from "node:util";
import { commands, type CommandEntry } from "./commands.ts";
import { write, type CliIo, type Command, type OptionSpec } from "./command.ts";
import { UsageError, EXIT_OK, EXIT_USAGE, exitCodeOf, errorMessage } from "../lib/errors.ts";
import { VERSION } from "../lib/version.ts";

const HELP_OPTION: OptionSpec = { type: "boolean", short: "h", description: "Show this help." };

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
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    const topic = first === "help" ? argv.slice(1) : [];
    if (topic.length > 0) {
      const found = findCommand(topic);
      if (!found) throw unknownCommand(topic);
      write(io.stdout, commandHelp(await found.entry.load()));
      return EXIT_OK;
    }
    write(io.stdout, globalHelp());
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === "--version" || first === "-V" || first === "version") {
    write(io.stdout, VERSION);
    return EXIT_OK;
  }
  if (first.startsWith("-")) throw new UsageError(`unknown flag ${first}; see \`disinto --help\``);
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

function parseFlags(command: Command, options: Record<string, OptionSpec>, rest: string[]) {
  const config: ParseArgsConfig["options"] = {};
  for (const [name, spec] of Object.entries(options)) {
    config[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  try {
    return parseArgs({ args: rest, options: config, allowPositionals: true, strict: true });
  } catch (err) {
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
  const groups = commands.filter((c) => c.name[0] === argv[0] && c.name.length > 1);
  if (groups.length > 0) {
    const subs = groups.map((c) => c.name.slice(1).join(" ")).join(", ");
    const given = argv[1] ?? "";
    return new UsageError(`${given ? `unknown subcommand '${given}'` : "missing subcommand"} for \`disinto ${argv[0]}\`; expected one of: ${subs}`);
  }
  return new UsageError(`unknown command '${argv[0]}'; see \`disinto --help\` for the list`);
}

export function globalHelp(): string {
  const width = Math.max(...commands.map((c) => c.usage.length));
  const lines = commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
  return [
    `disinto ${VERSION} — an autonomous code factory that runs as CI steps`,
    "",
    "Usage: disinto <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Options:",
    "  -h, --help     Show help (also: disinto <command> --help)",
    "  -V, --version  Print the version",
    "",
    "Exit codes: 0 done or nothing to do, 1 failure, 2 bad input or config.",
  ].join("\n");
}

export function commandHelp(c: Command): string {
  const opts = Object.entries({ ...c.options, help: HELP_OPTION }).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : ""}`;
    return [flag, spec.description] as const;
  });
  const width = Math.max(...opts.map(([f]) => f.length));
  return [
    `Usage: disinto ${c.usage}`,
    "",
    c.summary,
    ...(c.description ? ["", c.description.trim()] : []),
    "",
    "Options:",
    ...opts.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`),
  ].join("\n");
}
