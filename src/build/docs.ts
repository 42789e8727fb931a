// Generates the parts of README.md that the code already knows — the command list, every
// setting, the project config reference — between `<!-- BEGIN generated: X -->` and
// `<!-- END generated: X -->` markers. `npm run docs` rewrites them; `--check` (used by a
// test) fails when README.md is out of date, so the docs cannot drift from the code.
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import { agentSettingsSchema } from "../agents/runtime.ts";
import { commands } from "../cli/commands.ts";
import { projectJsonSchema } from "../config/json-schema.ts";
import { fieldInfo } from "../host/field.ts";
import { isSecretKey } from "../host/secrets.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const readmePath = join(root, "README.md");

export function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n+/g, " ").trim();
}

export function code(v: unknown): string {
  if (v === undefined) return "";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return `\`${s}\``;
}

export function commandsSection(): string {
  const lines = ["| command | what it does |", "| --- | --- |"];
  for (const c of commands) lines.push(`| \`disinto ${cell(c.usage)}\` | ${cell(c.summary)} |`);
  lines.push("", "Every command has `--help`. Exit codes everywhere: `0` did work or had nothing to do, `1` failure, `2` bad input or config (nothing was written); `disinto lock` uses `3` for a lease held by someone else.");
  return lines.join("\n");
}

export function settingsSection(): string {
  const shape = agentSettingsSchema.shape as Record<string, z.ZodType>;
  const lines = [
    "| setting | Woodpecker / Actions / env / flag | default | what it is |",
    "| --- | --- | --- | --- |",
  ];
  for (const [name, schema] of Object.entries(shape)) {
    const info = fieldInfo(schema);
    const up = name.toUpperCase();
    const flag = info.secret || isSecretKey(name) ? "" : ` · \`--${name.replace(/_/g, "-")}\``;
    const sources = `\`PLUGIN_${up}\` · \`INPUT_${up}\` · \`DISINTO_${up}\`${flag}`;
    lines.push(`| \`${name}\` | ${sources} | ${info.hasDefault ? code(info.defaultValue) : ""} | ${cell(info.description ?? "")} |`);
  }
  lines.push(
    "",
    "Later sources win: `PLUGIN_*` (Woodpecker `settings:`), then `INPUT_*` (Actions `with:`), then `DISINTO_*`, then command-line flags. Lists are comma-separated or JSON, maps are JSON (Woodpecker's own encoding). Every setting whose name ends in `_token`, `_key` or `_password` is a secret: give it with `from_secret` (Woodpecker) or `secrets.*` (Actions); its value is masked in every line disinto writes, and it has no command-line flag (process lists and shell history would show it).",
  );
  return lines.join("\n");
}

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: JsonSchemaNode | boolean;
  items?: JsonSchemaNode;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
}

function typeOf(n: JsonSchemaNode): string {
  if (n.const !== undefined) return code(n.const);
  if (n.enum) return n.enum.map((v) => code(v)).join(" \\| ");
  if (n.type === "array") return `list of ${n.items ? typeOf(n.items) : "values"}`;
  if (Array.isArray(n.type)) return n.type.join(" or ");
  if (n.anyOf ?? n.oneOf) return (n.anyOf ?? n.oneOf ?? []).map(typeOf).join(" or ");
  return n.type ?? "";
}

export function configSection(): string {
  const schema = projectJsonSchema() as JsonSchemaNode;
  const lines = ["| key | type | default | what it is |", "| --- | --- | --- | --- |"];
  const walk = (node: JsonSchemaNode, path: string): void => {
    const entries = Object.entries(node.properties ?? {});
    // Several child tables of the same shape ([identities.dev], [identities.review], …) read
    // better as one `<name>` entry listing the names.
    const tables = entries.filter(([, c]) => c.type === "object" && c.properties !== undefined);
    const shapes = new Set(tables.map(([, c]) => Object.keys(c.properties ?? {}).sort().join(",")));
    if (tables.length >= 3 && tables.length === entries.length && shapes.size <= 2) {
      const names = tables.map(([k]) => k);
      const [, first] = tables[0] as [string, JsonSchemaNode];
      lines.push(`| **\`[${path}.<name>]\`** | table per name | | One of ${names.map((n) => `\`${n}\``).join(", ")}. |`);
      walk(first, `${path}.<name>`);
      return;
    }
    for (const [key, child] of entries) {
      const p = path ? `${path}.${key}` : key;
      const isTable = child.type === "object" && child.properties !== undefined;
      const isMap = child.type === "object" && typeof child.additionalProperties === "object";
      if (isTable) {
        lines.push(`| **\`[${p}]\`** | table | | ${cell(child.description ?? "")} |`);
        walk(child, p);
      } else if (isMap) {
        const entry = child.additionalProperties as JsonSchemaNode;
        lines.push(`| **\`[${p}.<name>]\`** | table per name | | ${cell(child.description ?? "")} |`);
        for (const variant of entry.oneOf ?? entry.anyOf ?? [entry]) walk(variant, `${p}.<name>`);
      } else {
        lines.push(`| \`${p}\` | ${cell(typeOf(child))} | ${child.default !== undefined && typeof child.default !== "object" ? code(child.default) : ""} | ${cell(child.description ?? "")} |`);
      }
    }
  };
  walk(schema, "");
  lines.push("", "`disinto schema project` prints this as JSON Schema (for editor completion); `disinto validate` checks a file against it.");
  return lines.join("\n");
}

const SECTIONS: Record<string, () => string> = { commands: commandsSection, settings: settingsSection, config: configSection };

export function render(readme: string): string {
  let out = readme;
  for (const [name, gen] of Object.entries(SECTIONS)) {
    const begin = `<!-- BEGIN generated: ${name} -->`;
    const end = `<!-- END generated: ${name} -->`;
    const i = out.indexOf(begin);
    const j = out.indexOf(end);
    if (i < 0 || j < i) throw new Error(`README.md has no "${begin}" … "${end}" section`);
    out = `${out.slice(0, i + begin.length)}\n${gen()}\n${out.slice(j)}`;
  }
  return out;
}

async function main(): Promise<void> {
  const readme = await readFile(readmePath, "utf8");
  const next = render(readme);
  if (process.argv.includes("--check")) {
    if (next !== readme) {
      console.error("README.md: generated sections are out of date — run `npm run docs`");
      process.exit(1);
    }
    console.log("README.md: generated sections up to date");
    return;
  }
  if (next !== readme) await writeFile(readmePath, next);
  console.log(next === readme ? "README.md: unchanged" : "README.md: generated sections rewritten");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
