// Help text for `disinto --help`, `disinto <group> --help` and `disinto <command> --help`.
// Every line fits in HELP_WIDTH columns, so help reads the same in an 80–100 column terminal
// and in the README, whatever the length of a usage line or an option's description.
import type { CommandEntry } from "./commands.ts";
import type { Command, OptionSpec } from "./command.ts";
import { VERSION } from "../lib/version.ts";

export const HELP_WIDTH = 100;

export const HELP_OPTION: OptionSpec = { type: "boolean", short: "h", description: "Show this help." };

/**
 * Breaks `text` at spaces so no line is longer than `width`; continuation lines start with
 * `indent`. A single word longer than the width (a URL) stays whole on its own line.
 */
export function wrap(text: string, width: number, indent: string, first = ""): string[] {
  return wrapWords(text.split(/ +/).filter((w) => w !== ""), width, indent, first);
}

/** A usage line's words, keeping `[--project NAME]` and `<owner/repo>` whole. */
function usageWords(usage: string): string[] {
  const words: string[] = [];
  let depth = 0;
  let word = "";
  for (const ch of usage) {
    if (ch === "[" || ch === "<") depth++;
    if (ch === "]" || ch === ">") depth = Math.max(0, depth - 1);
    if (ch === " " && depth === 0) {
      if (word !== "") words.push(word);
      word = "";
    } else {
      word += ch;
    }
  }
  if (word !== "") words.push(word);
  return words;
}

function wrapWords(words: readonly string[], width: number, indent: string, first: string): string[] {
  const lines: string[] = [];
  let line = first;
  let fresh = true;
  for (const word of words) {
    const candidate = fresh ? `${line}${word}` : `${line} ${word}`;
    if (!fresh && candidate.length > width) {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = candidate;
    }
    fresh = false;
  }
  lines.push(line);
  return lines;
}

/** A hand-written paragraph line that is too long is wrapped, keeping its leading spaces. */
function fit(line: string): string[] {
  if (line.length <= HELP_WIDTH) return [line];
  const lead = /^ */.exec(line)?.[0] ?? "";
  return wrap(line.slice(lead.length), HELP_WIDTH, lead, lead);
}

function entryLines(usage: string, summary: string): string[] {
  return [...wrapWords(usageWords(usage), HELP_WIDTH, "      ", "  "), ...wrap(summary, HELP_WIDTH, "      ", "      ")];
}

export function globalHelp(commands: readonly CommandEntry[]): string {
  return [
    `disinto ${VERSION} — an autonomous code factory that runs as CI steps`,
    "",
    "Usage: disinto <command> [options]",
    "",
    "Commands:",
    ...commands.flatMap((c) => entryLines(c.usage, c.summary)),
    "",
    "Options:",
    "  -h, --help     Show help (also: disinto <command> --help)",
    "  -V, --version  Print the version",
    "",
    "Exit codes: 0 done or nothing to do, 1 failure, 2 bad input or config.",
  ].join("\n");
}

/** `disinto lock --help`: the group's subcommands. */
export function groupHelp(group: string, entries: readonly CommandEntry[]): string {
  return [
    `Usage: disinto ${group} <subcommand> [options]`,
    "",
    "Subcommands:",
    ...entries.flatMap((c) => entryLines(c.usage, c.summary)),
    "",
    `Each subcommand has its own help: disinto ${group} <subcommand> --help`,
  ].join("\n");
}

export function commandHelp(c: Command): string {
  const opts = Object.entries({ ...c.options, help: HELP_OPTION }).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : ""}`;
    return [flag, spec.description] as const;
  });
  // Descriptions start in one column unless a flag is so long that they would be squeezed.
  const width = Math.min(Math.max(...opts.map(([f]) => f.length)), 34);
  const optionLines = opts.flatMap(([f, d]) => {
    const head = `  ${f.padEnd(width)}  `;
    if (f.length > width) return [`  ${f}`, ...wrap(d, HELP_WIDTH, " ".repeat(width + 4), " ".repeat(width + 4))];
    return wrap(d, HELP_WIDTH, " ".repeat(head.length), head);
  });
  return [
    ...wrapWords(usageWords(c.usage), HELP_WIDTH, " ".repeat(15), "Usage: disinto "),
    "",
    ...wrap(c.summary, HELP_WIDTH, ""),
    ...(c.description ? ["", ...c.description.trim().split("\n").flatMap(fit)] : []),
    "",
    "Options:",
    ...optionLines,
  ].join("\n");
}
